/* gst-master master: master files to a loudness target, exactly.
 *
 *   gst-master master [options] IN OUT
 *   gst-master master [options] IN... DIR/
 *   gst-master master            (no files: master a built-in demo signal)
 *
 * For each file: an analysis pass measures integrated loudness (BS.1770,
 * dsp/loudness on the decoded stream), then render passes run
 *   decode ! audioconvert ! masterchain (character stages, static gain g,
 *   true-peak limiter at the ceiling) ! audioconvert (dither) ! encoder !
 *   temp file
 * and measure what is written (after quantisation). The first gain is
 * target - measured, rendered without the limiter when the gain alone keeps
 * the input's true peak under the ceiling (exact in one pass); when the
 * limiter must act (a loud target on a dynamic mix) a model written by the
 * analysis pass predicts the gain that hits the target after limiting (see
 * "loudness-after-limiting model"), corrected by each measured render pass,
 * then secant iteration on the measured result until the output is within
 * the tolerance (default 0.05 LU). A measured true peak above the ceiling lowers
 * the limiter's ceiling by the excess for the next pass. Each render pass
 * writes the temporary file in OUT's folder; the one that meets the target
 * is renamed to OUT. Everything streams: memory does not grow with length.
 *
 * Safety: OUT == IN (same file by path or inode) is refused, an existing
 * OUT is refused without --force, the temporary file is removed on any
 * failure or on SIGINT/SIGTERM, each failure prints one line on stderr and
 * the exit status is non-zero.
 *
 * GM_DEBUG=1 in the environment prints each pass's wall time (and the
 * process CPU time so far), the model's predictions and the gain iteration
 * (gain, error, next gain) on stderr. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ebur128.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/audio/audio.h>

#include "gst-master-common.h"
#include "gst-master-master.h"
#include "gstmasterloudnorm.h"
#include "kweight.h"
#include "limiter.h"
#include "loudness.h"
#include "truepeak.h"

GST_PLUGIN_STATIC_DECLARE (mastering);

#define MAX_RENDER_PASSES 8
/* Distance from target (LU) accepted when the passes run out before the
 * --tolerance aim is met (the limiter can make loudness non-monotonic in
 * the gain); the delivery requirement. */
#define ACCEPT_LU 0.1
/* Room (dB) under the ceiling within which the gain alone may bring the
 * input's true peak (upper bound) and render without the limiter. */
#define NO_LIMIT_ROOM_DB 0.1
/* Largest under-read (dB) of the BS.1770 4x true-peak reading of the
 * analysis (about 0.55 dB near 0.45 fs): added to make it an upper bound
 * for the decision above. Should it still fall short, the render pass's
 * check of the written file (a stricter detector) sees the peak over the
 * ceiling and the next pass uses the limiter. */
#define METER_TP_MARGIN_DB 0.6
/* Room (dB) the limiter's ceiling starts under the requested one. */
#define LIMITER_ROOM_DB 0.01
/* Render passes whose offset from the model corrects it for the next. */
#define MODEL_STEPS 2

/* ---- output formats ---- */

typedef struct
{
  const gchar *name;            /* --format value */
  const gchar *ext;             /* file extension */
  const gchar *pre;             /* elements before the raw caps ("" or "x ! ") */
  const gchar *raw;             /* raw caps written/measured */
  const gchar *enc;             /* encoder (and muxer) */
  gboolean dither16;            /* 16-bit: TPDF-HF dither + noise shaping */
} OutFormat;

static const OutFormat out_formats[] = {
  {"wav24", "wav", "", "audio/x-raw,format=S24LE", "wavenc", FALSE},
  {"wav16", "wav", "", "audio/x-raw,format=S16LE", "wavenc", TRUE},
  {"wav32f", "wav", "", "audio/x-raw,format=F32LE", "wavenc", FALSE},
  {"flac", "flac", "", "audio/x-raw,format=S24LE", "flacenc", FALSE},
  {"flac16", "flac", "", "audio/x-raw,format=S16LE", "flacenc", TRUE},
  {"ogg", "ogg", "", "audio/x-raw,format=F32LE", "vorbisenc ! oggmux", FALSE},
  {"opus", "opus", "audioresample ! audio/x-raw,rate=48000 ! ",
      "audio/x-raw,format=S16LE", "opusenc bitrate=192000 ! oggmux", TRUE},
  {"mp3", "mp3", "audioresample ! ",
      "audio/x-raw,format=S16LE,rate={48000,44100,32000}",
      "lamemp3enc target=quality quality=0 ! xingmux", TRUE},
};

static const OutFormat *
format_by_name (const gchar * name)
{
  if (!g_ascii_strcasecmp (name, "wav"))
    name = "wav24";
  if (!g_ascii_strcasecmp (name, "flac24"))
    name = "flac";
  if (!g_ascii_strcasecmp (name, "vorbis"))
    name = "ogg";
  for (guint i = 0; i < G_N_ELEMENTS (out_formats); i++)
    if (!g_ascii_strcasecmp (out_formats[i].name, name))
      return &out_formats[i];
  return NULL;
}

static const OutFormat *
format_by_path (const gchar * path)
{
  const gchar *dot = strrchr (path, '.');
  if (!dot || strchr (dot, G_DIR_SEPARATOR))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (out_formats); i++)
    if (!g_ascii_strcasecmp (out_formats[i].ext, dot + 1))
      return &out_formats[i];
  return NULL;
}

/* ---- options ---- */

typedef struct
{
  gdouble target;               /* LUFS */
  gdouble ceiling;              /* dBTP */
  gchar *target_name;           /* preset nick or NULL */
  gboolean album, force, json, quiet;
  gint jobs;
  gint oversampling;            /* 4 or 8 */
  gdouble tolerance;            /* LU */
  const OutFormat *format;      /* NULL: by extension */
  gboolean progress;            /* stderr is a terminal */
} Options;

/* ---- loudness-after-limiting model (the first guess of the gain) ----
 *
 * The analysis pass also writes, for every block of `dec` frames (about
 * 1/3000 s), the block's sample peak (max over channels) and its K-weighted
 * energy (sum over channels) to an unlinked temporary file (tmpfile(): the
 * memory stays constant, 8 bytes per block go to disk). After the pass,
 * the integrated loudness the chain would produce at a gain g is predicted
 * by running dsp/limiter (same lookahead, release and ceiling, sample-peak
 * detector) at the block rate over the block peaks, weighting each block's
 * energy by the square of the gain it gets, and gating as BS.1770 (absolute
 * -70 LUFS, relative -10 LU, 400 ms blocks every 100 ms; histogram of
 * 0.01 dB bins). One evaluation over 10 minutes takes a few tens of ms. The
 * prediction is only a guess: each render pass is still measured exactly,
 * and its offset from the model corrects the next guess. */

#define MODEL_RATE 3000         /* block rate, Hz (approximately) */
#define MODEL_REC 4096          /* records per read */
#define MODEL_HIST_LO -70.0     /* LUFS */
#define MODEL_HIST_STEP 0.01    /* LU */
#define MODEL_HIST_N 10000      /* -70 .. +30 LUFS */

typedef struct
{
  FILE *f;                      /* records: float peak, float energy */
  int dec, rate, channels;
  double pb0, pb1, pb2, pa1, pa2;       /* K-weighting: shelving pre-filter */
  double ra1, ra2;              /* and RLB high-pass (b = 1, -2, 1) */
  double *z;                    /* per channel: 4 filter states */
  int fill;
  float pk;
  double e;
  guint64 records;
  gboolean failed;
  float rec[2 * MODEL_REC];     /* records not yet written */
  int nrec;
} Model;

static void
model_free (Model * md)
{
  if (!md)
    return;
  if (md->f)
    fclose (md->f);
  g_free (md->z);
  g_free (md);
}

static Model *
model_new (int rate, int channels)
{
  Model *md = g_new0 (Model, 1);
  md->rate = rate;
  md->channels = channels;
  md->dec = MAX (1, rate / MODEL_RATE);
  md->f = tmpfile ();
  md->failed = md->f == NULL;
  md->z = g_new0 (double, 4 * channels);
  /* the BS.1770 K-weighting at any rate (as the meters design it) */
  MasterKWeight kw;
  master_kweight_design (&kw, rate);
  md->pb0 = kw.b0;
  md->pb1 = kw.b1;
  md->pb2 = kw.b2;
  md->pa1 = kw.a1;
  md->pa2 = kw.a2;
  md->ra1 = kw.r1;
  md->ra2 = kw.r2;
  return md;
}

static void
model_flush_records (Model * md)
{
  if (md->nrec > 0 && !md->failed
      && fwrite (md->rec, 2 * sizeof (float), md->nrec, md->f)
      != (size_t) md->nrec)
    md->failed = TRUE;
  md->nrec = 0;
}

static inline void
model_emit (Model * md)
{
  md->rec[2 * md->nrec] = md->pk;
  md->rec[2 * md->nrec + 1] = (float) md->e;
  md->records++;
  if (++md->nrec == MODEL_REC)
    model_flush_records (md);
  md->fill = 0;
  md->pk = 0.0f;
  md->e = 0.0;
}

/* x: finite interleaved frames */
static void
model_add (Model * md, const float *x, gsize frames)
{
  const int C = md->channels;
  const double b0 = md->pb0, b1 = md->pb1, b2 = md->pb2, a1 = md->pa1,
      a2 = md->pa2, r1 = md->ra1, r2 = md->ra2;
  for (gsize i = 0; i < frames; i++) {
    double e = 0.0;
    float p = md->pk;
    for (int c = 0; c < C; c++) {
      double *z = md->z + 4 * c;
      double v = x[i * C + c];
      double y1 = b0 * v + z[0];
      z[0] = b1 * v - a1 * y1 + z[1];
      z[1] = b2 * v - a2 * y1;
      double y2 = y1 + z[2];
      z[2] = -2.0 * y1 - r1 * y2 + z[3];
      z[3] = y1 - r2 * y2;
      e += y2 * y2;
      float a = fabsf (x[i * C + c]);
      p = a > p ? a : p;
    }
    md->pk = p;
    md->e += e;
    if (++md->fill == md->dec)
      model_emit (md);
  }
  /* keep the filter state finite and free of denormals */
  for (int k = 0; k < 4 * C; k++)
    if (!isfinite (md->z[k]) || fabs (md->z[k]) < 1e-30)
      md->z[k] = 0.0;
}

static void
model_finish (Model * md)
{
  if (md->fill > 0)
    model_emit (md);
  model_flush_records (md);
  if (!md->failed && fflush (md->f) != 0)
    md->failed = TRUE;
}

/* The gating blocks of the chain's output at `gain_db`, limited to
 * `ceiling_db` (the limiter's ceiling; `margin` is its detector's margin,
 * linear) when `limit`, added to the histogram (hist_z: sum of the blocks'
 * mean squares, hist_n: their count, per 0.01 dB bin). FALSE when unknown. */
static gboolean
model_hist (Model * md, double gain_db, double ceiling_db, gboolean limit,
    double margin, double *hist_z, guint32 * hist_n)
{
  if (!md || md->failed || md->records == 0)
    return FALSE;
  /* reentrant (two evaluations run at once): pread, local scratch */
  const int fd = fileno (md->f);
  guint64 rd = 0;
  const int drate = MAX (1000, (int) lround ((double) md->rate / md->dec));
  MasterLimiter *lim = NULL;
  int D = 0;
  if (limit) {
    lim = master_limiter_new (1, drate, 5.0, 1);
    if (!lim)
      return FALSE;
    MasterLimiterParams p;
    master_limiter_params_init (&p);
    p.ceiling_db = ceiling_db - 20.0 * log10 (margin);
    p.input_gain_db = gain_db;
    master_limiter_set_params (lim, &p);
    D = master_limiter_get_latency (lim);
  }
  float *rec = g_new (float, 2 * MODEL_REC);
  const double g2 = pow (10.0, gain_db / 10.0), g = sqrt (g2);
  /* 100 ms sub-blocks, in records; gating blocks of four */
  const double per_sub = md->rate / 10.0 / md->dec;
  const double norm = 1.0 / (0.4 * md->rate);
  double sub[4] = { 0 }, cur = 0.0;
  guint64 sub_no = 0, next_edge = (guint64) ceil (per_sub);
  float *ring_x = g_new0 (float, D + 1), *ring_e = g_new0 (float, D + 1);
  float *xin = g_new (float, MODEL_REC), *yout = g_new (float, MODEL_REC);
  float *ein = g_new (float, MODEL_REC);
  guint64 t = 0, total = md->records + (guint64) D;
  guint64 src_idx = 0;
  while (t < total) {
    int n = 0;
    if (t < md->records) {
      gssize got = pread (fd, rec, 2 * sizeof (float) * MIN ((guint64)
              MODEL_REC, md->records - rd), (off_t) (rd * 2 * sizeof (float)));
      n = got > 0 ? (int) (got / (2 * sizeof (float))) : 0;
      if (n <= 0)
        break;
      rd += n;
      for (int k = 0; k < n; k++) {
        xin[k] = rec[2 * k];
        ein[k] = rec[2 * k + 1];
      }
    } else {
      n = (int) MIN ((guint64) MODEL_REC, total - t);
      memset (xin, 0, n * sizeof (float));
      memset (ein, 0, n * sizeof (float));
    }
    if (lim)
      master_limiter_process_f32 (lim, yout, xin, n);
    for (int k = 0; k < n; k++, t++) {
      ring_x[t % (D + 1)] = xin[k];
      ring_e[t % (D + 1)] = ein[k];
      if (t < (guint64) D)
        continue;
      float x = ring_x[(t - D) % (D + 1)];
      double e = ring_e[(t - D) % (D + 1)];
      if (lim && x > 1e-9f) {
        double r = yout[k] / x;
        e *= r * r;
      } else {
        e *= g2;
      }
      (void) g;
      /* source record src_idx = t - D */
      if (src_idx >= next_edge) {
        sub[sub_no % 4] = cur;
        sub_no++;
        cur = 0.0;
        next_edge = (guint64) ceil (per_sub * (sub_no + 1));
        if (sub_no >= 4) {
          double zb = (sub[0] + sub[1] + sub[2] + sub[3]) * norm;
          double l = zb > 0.0 ? -0.691 + 10.0 * log10 (zb) : -HUGE_VAL;
          if (l >= MODEL_HIST_LO) {
            int bi = (int) ((l - MODEL_HIST_LO) / MODEL_HIST_STEP);
            bi = MIN (bi, MODEL_HIST_N - 1);
            hist_z[bi] += zb;
            hist_n[bi]++;
          }
        }
      }
      cur += e;
      src_idx++;
    }
  }
  g_free (rec);
  g_free (ring_x);
  g_free (ring_e);
  g_free (xin);
  g_free (yout);
  g_free (ein);
  if (lim)
    master_limiter_free (lim);
  return TRUE;
}

/* BS.1770 gating of the histogram: integrated loudness, LUFS. */
static double
model_gate (const double *hist_z, const guint32 * hist_n)
{
  double sz = 0.0, res = -HUGE_VAL;
  guint64 sn = 0;
  for (int b = 0; b < MODEL_HIST_N; b++) {
    sz += hist_z[b];
    sn += hist_n[b];
  }
  if (sn > 0) {
    double rel = -0.691 + 10.0 * log10 (sz / sn) - 10.0;
    int b0 = (int) floor ((rel - MODEL_HIST_LO) / MODEL_HIST_STEP);
    b0 = CLAMP (b0, 0, MODEL_HIST_N - 1);
    sz = 0.0;
    sn = 0;
    for (int b = b0; b < MODEL_HIST_N; b++) {
      sz += hist_z[b];
      sn += hist_n[b];
    }
    if (sn > 0)
      res = -0.691 + 10.0 * log10 (sz / sn);
  }
  return res;
}

/* ---- measurement (MasterLoudness on the stream at a tap) ---- */

typedef struct
{
  MasterLoudness ml;            /* loudness, LRA (dsp/loudness) */
  gboolean have_ml;             /* ml initialised */
  gboolean want_album;          /* album mode: also feed album_st */
  ebur128_state *album_st;      /* album gating over several files
                                 * (ebur128_loudness_global_multiple) */
  MasterTruePeak *tp;           /* 8x true peak (dsp/truepeak) */
  int tp_factor;                /* true-peak oversampling: 4 or 8; 0: the
                                 * meter-grade reading of ml (analysis) */
  double tp_max;                /* largest reading, linear */
  double sp_max;                /* largest sample, linear */
  GstAudioInfo info;
  gboolean have_info;
  guint64 frames;
  /* Two taps: loudness (ml, album_st, frames, conv) and, upstream of it,
   * peaks (tp, tp_max, sp_max, conv_p, peaks; in the analysis pass the
   * model instead). Analysis: a queue between them (two threads); render:
   * one thread, the peak tap first. */
  float *conv;                  /* loudness tap: float frames, CONV_FRAMES */
  float *conv_p;                /* peak tap: float frames, CONV_FRAMES */
  float *peaks;                 /* truepeak readings, CONV_FRAMES frames */
  gboolean format_changed;
  gboolean want_model;          /* analysis: feed a Model (peak tap) */
  Model *model;
} Measure;

#define CONV_FRAMES 4096

typedef struct
{
  gdouble integrated, lra, true_peak, sample_peak;      /* LUFS, LU, dB */
  gdouble true_peak_bound;      /* dBTP: true_peak + detector margin */
  guint64 frames;
  gint rate, channels;
} Stats;

static void
measure_clear (Measure * m)
{
  master_loudness_clear (&m->ml);
  if (m->album_st)
    ebur128_destroy (&m->album_st);
  master_truepeak_free (m->tp);
  g_free (m->conv);
  g_free (m->conv_p);
  g_free (m->peaks);
  model_free (m->model);
  memset (m, 0, sizeof *m);
}

/* libebur128's default map: 4 ch L R Ls Rs, 5 ch L R C Ls Rs, else
 * L R C (LFE) Ls Rs and further channels unused; 1 ch weighs 1.0. */
static void
default_positions (MasterLoudnessPosition * pos, gint channels)
{
  static const MasterLoudnessPosition six[] = {
    MASTER_LOUDNESS_POS_FRONT_LEFT, MASTER_LOUDNESS_POS_FRONT_RIGHT,
    MASTER_LOUDNESS_POS_FRONT_CENTER, MASTER_LOUDNESS_POS_LFE,
    MASTER_LOUDNESS_POS_SURROUND_LEFT, MASTER_LOUDNESS_POS_SURROUND_RIGHT,
  };
  for (gint c = 0; c < channels && c < MASTER_LOUDNESS_MAX_CHANNELS; c++)
    pos[c] = c < 6 ? six[c] : MASTER_LOUDNESS_POS_LFE;
  if (channels == 1)
    pos[0] = MASTER_LOUDNESS_POS_MONO;
  if (channels == 4) {
    pos[2] = MASTER_LOUDNESS_POS_SURROUND_LEFT;
    pos[3] = MASTER_LOUDNESS_POS_SURROUND_RIGHT;
  }
  if (channels == 5) {
    pos[3] = MASTER_LOUDNESS_POS_SURROUND_LEFT;
    pos[4] = MASTER_LOUDNESS_POS_SURROUND_RIGHT;
  }
}

static void
measure_caps (Measure * m, GstCaps * caps)
{
  GstAudioInfo info;
  if (!gst_audio_info_from_caps (&info, caps))
    return;
  if (m->have_info) {
    if (info.rate != m->info.rate || info.channels != m->info.channels
        || info.finfo != m->info.finfo)
      m->format_changed = TRUE;
    return;
  }
  m->info = info;
  m->have_info = TRUE;
  /* libebur128's default channel map, as the independent meters of the
   * tests and of earlier versions use it */
  MasterLoudnessPosition pos[MASTER_LOUDNESS_MAX_CHANNELS];
  default_positions (pos, info.channels);
  m->have_ml = master_loudness_init (&m->ml, (unsigned) info.rate,
      (unsigned) info.channels, pos, MASTER_LOUDNESS_RANGE
      | (m->tp_factor > 0 ? 0 : MASTER_LOUDNESS_TRUE_PEAK)) == 0;
  if (m->want_album)
    m->album_st = ebur128_init ((unsigned) info.channels,
        (unsigned long) info.rate, EBUR128_MODE_I);
  if (m->tp_factor > 0)
    m->tp = master_truepeak_new (info.channels, m->tp_factor);
  m->conv = g_new (float, CONV_FRAMES * info.channels);
  m->conv_p = g_new (float, CONV_FRAMES * info.channels);
  m->peaks = g_new (float, CONV_FRAMES * info.channels);
  if (m->want_model)
    m->model = model_new (info.rate, info.channels);
}

/* Sample loops of the taps, 4 floats at a time (GCC vector extensions,
 * one SSE register each). */
typedef float gm_v4f __attribute__ ((vector_size (16)));
typedef gint32 gm_v4i __attribute__ ((vector_size (16)));

/* Non-finite samples (the chain keeps samples finite; guard the meters
 * anyway) become 0. */
static void
zero_non_finite (float *x, gsize n)
{
  gsize i = 0;
  for (; i + 4 <= n; i += 4) {
    gm_v4i v;
    memcpy (&v, x + i, sizeof v);
    gm_v4i bad = (v & 0x7f800000) == 0x7f800000;
    v &= ~bad;
    memcpy (x + i, &v, sizeof v);
  }
  for (; i < n; i++)
    if (!isfinite (x[i]))
      x[i] = 0.0f;
}

/* max(m, |x[i]|) over n finite samples. Non-negative floats order as their
 * bit patterns do: the maximum is taken on integers. */
static float
max_abs (const float *x, gsize n, float m)
{
  gm_v4i a0 = { 0 }, a1 = { 0 };
  gsize i = 0;
  for (; i + 8 <= n; i += 8) {
    gm_v4i v0, v1;
    memcpy (&v0, x + i, sizeof v0);
    memcpy (&v1, x + i + 4, sizeof v1);
    v0 &= 0x7fffffff;
    v1 &= 0x7fffffff;
    gm_v4i g0 = v0 > a0, g1 = v1 > a1;
    a0 = (v0 & g0) | (a0 & ~g0);
    a1 = (v1 & g1) | (a1 & ~g1);
  }
  gm_v4i g = a1 > a0;
  a0 = (a1 & g) | (a0 & ~g);
  for (int k = 0; k < 4; k++) {
    float f;
    gint32 b = a0[k];
    memcpy (&f, &b, sizeof f);
    m = f > m ? f : m;
  }
  for (; i < n; i++)
    m = fabsf (x[i]) > m ? fabsf (x[i]) : m;
  return m;
}

/* Converts up to CONV_FRAMES frames at p to float in d (exactly: every
 * integer sample has at most 24 significant bits, except S32's, rounded
 * once as before); non-finite samples as 0. */
static void
to_float (Measure * m, float *d, const guint8 * p, gsize frames)
{
  gsize n = frames * GST_AUDIO_INFO_CHANNELS (&m->info);
  switch (GST_AUDIO_INFO_FORMAT (&m->info)) {
    case GST_AUDIO_FORMAT_F32LE:
      memcpy (d, p, n * sizeof (float));
      zero_non_finite (d, n);
      break;
    case GST_AUDIO_FORMAT_F64LE:
      for (gsize i = 0; i < n; i++)
        d[i] = (float) ((const double *) p)[i];
      zero_non_finite (d, n);
      break;
    case GST_AUDIO_FORMAT_S16LE:
      for (gsize i = 0; i < n; i++)
        d[i] = ((const gint16 *) p)[i] * (1.0f / 32768.0f);
      break;
    case GST_AUDIO_FORMAT_S32LE:
      for (gsize i = 0; i < n; i++)
        d[i] = (float) (((const gint32 *) p)[i] / 2147483648.0);
      break;
    case GST_AUDIO_FORMAT_S24LE:
      for (gsize i = 0; i < n; i++, p += 3)
        d[i] = (float) (gint32) ((guint32) p[0] << 8 | (guint32) p[1] << 16
            | (guint32) p[2] << 24) * (1.0f / 2147483648.0f);
      break;
    default:
      memset (d, 0, n * sizeof (float));
      m->format_changed = TRUE;
      break;
  }
}

static void
measure_buffer (Measure * m, GstBuffer * buf, gboolean peaks)
{
  GstMapInfo map;
  if (!m->have_ml || (m->tp_factor > 0 && !m->tp) || m->format_changed)
    return;
  gint bpf = GST_AUDIO_INFO_BPF (&m->info);
  gint ch = GST_AUDIO_INFO_CHANNELS (&m->info);
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  gsize n = map.size / bpf, done = 0;
  float *conv = peaks ? m->conv_p : m->conv;
  while (done < n) {
    gsize b = MIN (CONV_FRAMES, n - done);
    to_float (m, conv, map.data + done * bpf, b);
    if (peaks && !m->tp) {
      /* analysis: the model in this thread (with the decoder), loudness
       * and peaks in the other */
      if (m->model)
        model_add (m->model, conv, b);
    } else if (peaks) {
      /* only the largest reading counts: readings under the largest so far
       * need no refinement (the detector may skip it below the floor, and
       * still reads <= floor there) */
      master_truepeak_set_floor (m->tp, (float) m->tp_max);
      master_truepeak_process_f32 (m->tp, m->peaks, conv, b);
      /* readings are >= 0: their largest absolute value is their maximum */
      m->tp_max = max_abs (m->peaks, b * ch, (float) m->tp_max);
      m->sp_max = max_abs (conv, b * ch, (float) m->sp_max);
    } else {
      master_loudness_add_f32 (&m->ml, conv, b);
      if (m->album_st)
        ebur128_add_frames_float (m->album_st, conv, b);
    }
    done += b;
  }
  if (!peaks)
    m->frames += n;
  gst_buffer_unmap (buf, &map);
}

static GstPadProbeReturn
measure_probe (Measure * m, GstPadProbeInfo * info, gboolean peaks)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    measure_buffer (m, GST_PAD_PROBE_INFO_BUFFER (info), peaks);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *e = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (e) == GST_EVENT_CAPS) {
      GstCaps *caps;
      gst_event_parse_caps (e, &caps);
      /* the peak tap (upstream) sees the caps first and sets up both;
       * the loudness tap sees them later (after the analysis pass's queue,
       * or next in the same thread) and only compares */
      measure_caps (m, caps);
    }
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
loudness_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  return measure_probe (user_data, info, FALSE);
}

static GstPadProbeReturn
peak_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  return measure_probe (user_data, info, TRUE);
}

static double
lin_to_db (double v)
{
  return v > 0.0 ? 20.0 * log10 (v) : -HUGE_VAL;
}

static void
measure_stats (Measure * m, Stats * s)
{
  memset (s, 0, sizeof *s);
  s->integrated = s->true_peak = s->sample_peak = -HUGE_VAL;
  s->frames = m->frames;
  if (!m->have_ml)
    return;
  s->rate = GST_AUDIO_INFO_RATE (&m->info);
  s->channels = GST_AUDIO_INFO_CHANNELS (&m->info);
  s->integrated = master_loudness_integrated (&m->ml);
  if (m->model)
    model_finish (m->model);
  s->lra = master_loudness_range (&m->ml);
  if (!isfinite (s->lra))
    s->lra = 0.0;
  /* flush the true-peak detector's delay with silence */
  if (m->tp) {
    gint ch = s->channels;
    gsize tail = (gsize) master_truepeak_get_delay (m->tp) + 1;
    while (tail > 0) {
      gsize b = MIN (tail, CONV_FRAMES);
      memset (m->conv_p, 0, b * ch * sizeof (float));
      master_truepeak_process_f32 (m->tp, m->peaks, m->conv_p, b);
      for (gsize i = 0; i < b * ch; i++)
        m->tp_max = MAX (m->tp_max, m->peaks[i]);
      tail -= b;
    }
  }
  if (!m->tp) {
    /* analysis: MasterLoudness's BS.1770 (4x) reading, which may lie under
     * the real peak by up to about 0.55 dB near 0.45 fs */
    m->sp_max = master_loudness_sample_peak (&m->ml, -1);
    m->tp_max = master_loudness_true_peak (&m->ml, -1);
    if (!isfinite (m->tp_max))
      m->tp_max = m->sp_max;
  }
  s->true_peak = lin_to_db (MAX (m->tp_max, m->sp_max));
  s->sample_peak = lin_to_db (m->sp_max);
  /* the reading may lie under the real peak by the detector's margin
   * (about 0.02 dB at 8x): the ceiling check uses the upper bound */
  s->true_peak_bound = m->tp ? s->true_peak
      + 20.0 * log10 (master_truepeak_get_margin (m->tp))
      : s->true_peak + METER_TP_MARGIN_DB;
}

/* ---- jobs ---- */

static volatile sig_atomic_t interrupted = 0;

typedef struct
{
  gchar *in_path;
  gchar *out_path;
  gchar *tmp_path;              /* temporary output in OUT's folder */
  const OutFormat *format;
  Stats before, after;
  Measure in_m, out_m;          /* kept for album loudness */
  gdouble gain_db;              /* pre-limiter gain applied */
  gdouble target;               /* LUFS */
  gdouble limiter_ceiling;      /* dBTP given to masterlimiter */
  gint oversampling;            /* true-peak factor of limiter and check */
  gboolean use_limiter;         /* FALSE: gain alone keeps the ceiling */
  gboolean album;               /* --album: album loudness measured too */
  gint passes;                  /* analysis + render passes */
  gchar *error;                 /* one line, NULL when fine */
  gboolean done;
  /* progress, written by the worker, read by the main thread */
  volatile gint permille;
  volatile gint pass_no;
} Job;

static void
job_fail (Job * j, const gchar * fmt, ...) G_GNUC_PRINTF (2, 3);

static void
job_fail (Job * j, const gchar * fmt, ...)
{
  va_list ap;
  if (j->error)
    return;
  va_start (ap, fmt);
  gchar *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  j->error = g_strdup_printf ("%s: %s", j->in_path, msg);
  g_free (msg);
}

static void
job_remove_tmp (Job * j)
{
  if (j->tmp_path) {
    g_unlink (j->tmp_path);
    g_free (j->tmp_path);
    j->tmp_path = NULL;
  }
}

static void
job_free (Job * j)
{
  job_remove_tmp (j);
  measure_clear (&j->in_m);
  measure_clear (&j->out_m);
  g_free (j->in_path);
  g_free (j->out_path);
  g_free (j->error);
  g_free (j);
}

/* --character: masterchain character preset for the render passes (NULL:
 * the chain's neutral stages, so only the gain and the limiter act) */
static const gchar *master_character;

/* decodebin's audio pad -> the tail bin's ghost sink pad */
static void
on_pad_added (GstElement * dec, GstPad * pad, gpointer user_data)
{
  GstElement *tail = user_data;
  GstPad *sink = gst_element_get_static_pad (tail, "sink");
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  if (g_str_has_prefix (gst_structure_get_name (s), "audio/")
      && !gst_pad_is_linked (sink))
    gst_pad_link (pad, sink);
  gst_caps_unref (caps);
  gst_object_unref (sink);
}

static gboolean
set_prop_if_exists (GstElement * e, const gchar * name, const gchar * value)
{
  if (!e || !g_object_class_find_property (G_OBJECT_GET_CLASS (e), name))
    return FALSE;
  gst_util_set_object_arg (G_OBJECT (e), name, value);
  return TRUE;
}

/* Queues split a pass into threads so that it uses more than one core;
 * bounded (8 buffers of 500 ms), so memory stays constant. Analysis:
 * decode + model | loudness and true peak. Render: decode | masterchain |
 * output conversion + measurement + encoding. (A queue between the output
 * peak and loudness taps, as before, costs more in wake-ups than it gains
 * on two cores: the chain's thread is the longest.) */
#define QUEUE "queue max-size-buffers=8 max-size-bytes=0 max-size-time=0"

/* Decoders hand out small buffers (wavparse: 40 ms): every buffer costs a
 * wake-up per queue and per element. audiobuffersplit (gst-plugins-bad)
 * regroups the decoded stream into 500 ms buffers (the last one shorter;
 * nothing dropped or added) before the conversion to F32: a third of the
 * context switches of 200 ms buffers and about 5 % less CPU time; without
 * it the chain runs as it is. */
static const gchar *
split_element (void)
{
  static gsize once = 0;
  static gboolean have = FALSE;
  if (g_once_init_enter (&once)) {
    GstElementFactory *f = gst_element_factory_find ("audiobuffersplit");
    have = f != NULL && !g_getenv ("GM_NO_SPLIT");
    if (f)
      gst_object_unref (f);
    g_once_init_leave (&once, 1);
  }
  return have ? "audiobuffersplit output-buffer-duration=1/2 "
      "strict-buffer-size=false gapless=false ! " : "";
}

/* The mastering chain of a render pass (gst-launch syntax): masterchain in
 * static mode (issue 8), its character stages neutral unless --character
 * sets them (neutral stages are passthrough or bit-exact), then the static
 * gain (child "loudnorm") and the true-peak limiter (child "limiter").
 * Its meter is not needed (the written file is measured at the taps):
 * chain_configure() sets metering=false, which takes it out of the path
 * (after gst_parse_bin_from_description() made the ghost pads: it would
 * take the meter's unlinked pads for the bin's), and sets gain and
 * ceiling. */
static gchar *
chain_description (const Job * j)
{
  return g_strdup_printf ("masterchain name=chain mode=static%s%s "
      "loudnorm::interval=0 loudnorm::max-gain=60 limiter::interval=0",
      master_character ? " character=" : "",
      master_character ? master_character : "");
}

/* j->use_limiter FALSE: the gain alone keeps the input's true peak (upper
 * bound) at least NO_LIMIT_ROOM_DB under the ceiling (< 0 dBTP), so every
 * sample after the gain is under 0 dBFS; the chain's limiter then detects
 * sample peaks (no oversampling) with a 0 dBFS ceiling: it never acts and
 * the output is the input times the gain, exactly (neutral character). */
static void
chain_configure (const Job * j, GstBin * tail)
{
  /* gst_bin_get_by_name looks inside masterchain too */
  GstElement *ln = gst_bin_get_by_name (tail, "loudnorm");
  GstElement *lim = gst_bin_get_by_name (tail, "limiter");
  GstElement *chain = gst_bin_get_by_name (tail, "chain");
  set_prop_if_exists (chain, "metering", "false");
  gst_object_unref (chain);
  /* static gain = target - measured-integrated = gain_db */
  g_object_set (ln, "target", j->target, "measured-integrated",
      j->target - j->gain_db, NULL);
  if (lim) {
    /* a character's stages before the limiter change the peaks the
     * analysis measured: the limiter stays in */
    gboolean limit = j->use_limiter || master_character != NULL;
    gchar *c = g_strdup_printf ("%.4f", limit ? j->limiter_ceiling : 0.0);
    set_prop_if_exists (lim, "ceiling", c);
    set_prop_if_exists (lim, "true-peak", limit ? "true" : "false");
    gchar *os = g_strdup_printf ("%d", j->oversampling);
    set_prop_if_exists (lim, "oversampling", os);
    g_free (os);
    g_free (c);
    gst_object_unref (lim);
  }
  gst_object_unref (ln);
}

/* One pass over j->in_path. render == FALSE: analysis into j->in_m.
 * render == TRUE: gain/ceiling chain written to j->tmp_path, measured into
 * j->out_m. Returns FALSE with j->error set on failure. */
static gboolean
run_pass (Job * j, gboolean render)
{
  GError *err = NULL;
  gchar *desc;
  Measure *m = render ? &j->out_m : &j->in_m;

  measure_clear (m);
  /* the input's true peak is reported and decides whether the render
   * needs the limiter: MasterLoudness's meter-grade reading (cheap), plus
   * METER_TP_MARGIN_DB for the decision, which the output's measurement
   * checks anyway. The output's is checked against the ceiling with the
   * detector's worst-case margin added, at the limiter's factor (the
   * limiter aims under the ceiling by the same margin, so the check passes
   * exactly when the limiter kept its promise) */
  m->tp_factor = render ? j->oversampling : 0;
  m->want_model = !render;
  m->want_album = j->album;
  if (render) {
    const OutFormat *f = j->format;
    gchar *chain = chain_description (j);
    desc = g_strdup_printf ("%saudioconvert ! audio/x-raw,format=F32LE,"
        "layout=interleaved ! " QUEUE " ! %s ! " QUEUE " ! "
        "%saudioconvert name=oconv ! capsfilter name=ocaps caps=\"%s\" ! "
        "identity name=peaktap ! identity name=tap ! %s ! "
        "filesink name=sink", split_element (), chain, f->pre, f->raw, f->enc);
    g_free (chain);
  } else {
    desc = g_strdup_printf ("%saudioconvert ! audio/x-raw,format=F32LE,"
        "layout=interleaved ! identity name=peaktap ! " QUEUE " ! "
        "identity name=tap ! fakesink name=sink sync=false", split_element ());
  }
  GstElement *tail = gst_parse_bin_from_description (desc, TRUE, &err);
  g_free (desc);
  if (!tail) {
    job_fail (j, "cannot build the chain: %s", err ? err->message : "?");
    g_clear_error (&err);
    return FALSE;
  }
  GstElement *pipe = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *dec = gst_element_factory_make ("decodebin", NULL);
  g_object_set (src, "location", j->in_path, NULL);
  gm_decodebin_audio_only (dec);
  gst_bin_add_many (GST_BIN (pipe), src, dec, tail, NULL);
  gst_element_link (src, dec);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), tail);

  if (render) {
    GstElement *oconv = gst_bin_get_by_name (GST_BIN (tail), "oconv");
    GstElement *sink = gst_bin_get_by_name (GST_BIN (tail), "sink");
    chain_configure (j, GST_BIN (tail));
    if (j->format->dither16) {
      set_prop_if_exists (oconv, "dithering", "tpdf-hf");
      set_prop_if_exists (oconv, "noise-shaping", "high");
    }
    g_object_set (sink, "location", j->tmp_path, NULL);
    gst_object_unref (oconv);
    gst_object_unref (sink);
  }
  const gchar *taps[] = { "peaktap", "tap" };
  for (guint t = 0; t < 2; t++) {
    GstElement *tap = gst_bin_get_by_name (GST_BIN (tail), taps[t]);
    GstPad *tap_src = gst_element_get_static_pad (tap, "src");
    gst_pad_add_probe (tap_src, GST_PAD_PROBE_TYPE_BUFFER
        | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, t ? loudness_probe : peak_probe,
        m, NULL);
    gst_object_unref (tap_src);
    gst_object_unref (tap);
  }

  GmStallWatch watch;
  gm_stall_watch_init (&watch, src, tail);

  GstBus *bus = gst_element_get_bus (pipe);
  gboolean ok = FALSE;
  gint64 t_start = g_get_monotonic_time ();
  if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* the error message on the bus says why */
  }
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    if (interrupted) {
      job_fail (j, "interrupted");
      if (msg)
        gst_message_unref (msg);
      break;
    }
    if (!msg) {
      gint64 pos = 0, dur = 0;
      if (gm_stall_watch_stalled (&watch)) {
        job_fail (j, "%s", GM_STALL_MESSAGE);
        break;
      }
      if (gst_element_query_position (pipe, GST_FORMAT_TIME, &pos)
          && gst_element_query_duration (pipe, GST_FORMAT_TIME, &dur)
          && dur > 0)
        g_atomic_int_set (&j->permille, (gint) CLAMP (pos * 1000 / dur, 0,
                1000));
      continue;
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      ok = TRUE;
    } else {
      GError *e = NULL;
      gchar *debug = NULL;
      gst_message_parse_error (msg, &e, &debug);
      if (render && GST_MESSAGE_SRC (msg)
          && g_str_has_prefix (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
              "sink"))
        job_fail (j, "cannot write %s: %s", j->out_path, e->message);
      else {
        gchar *text = gm_describe_error (e, debug);
        job_fail (j, "%s", text);
        g_free (text);
      }
      g_clear_error (&e);
      g_free (debug);
    }
    gst_message_unref (msg);
    break;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  if (g_getenv ("GM_DEBUG")) {
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    fprintf (stderr, "%s pass: %.2f s (process CPU so far %.2f s)\n",
        render ? "render" : "analysis",
        (g_get_monotonic_time () - t_start) / 1e6,
        ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec
            + ru.ru_stime.tv_usec) / 1e6);
  }
  g_atomic_int_set (&j->permille, 1000);
  j->passes++;

  if (ok && (!m->have_info || m->frames == 0)) {
    job_fail (j, "no audio stream");
    ok = FALSE;
  }
  if (ok && m->format_changed) {
    job_fail (j, "the audio format changes mid-stream (not supported)");
    ok = FALSE;
  }
  if (ok)
    measure_stats (m, render ? &j->after : &j->before);
  return ok;
}

/* ---- gain iteration ---- */

typedef struct
{
  gdouble g[MAX_RENDER_PASSES], f[MAX_RENDER_PASSES];   /* gain dB, error LU */
  gint n;
} Secant;

/* Inverse quadratic interpolation through the last three points: the gain
 * where the error is 0. FALSE when undefined. */
static gboolean
iqi (const Secant * s, gdouble * out)
{
  gint n = s->n;
  if (n < 3)
    return FALSE;
  gdouble x0 = s->g[n - 3], x1 = s->g[n - 2], x2 = s->g[n - 1];
  gdouble y0 = s->f[n - 3], y1 = s->f[n - 2], y2 = s->f[n - 1];
  if (y0 == y1 || y1 == y2 || y0 == y2)
    return FALSE;
  *out = x0 * y1 * y2 / ((y0 - y1) * (y0 - y2))
      + x1 * y0 * y2 / ((y1 - y0) * (y1 - y2))
      + x2 * y0 * y1 / ((y2 - y0) * (y2 - y1));
  return isfinite (*out);
}

/* Next gain from all (gain, error) pairs measured so far.
 * Output loudness grows with the gain, at slope 1 until the limiter acts and
 * more slowly after (concave), with small kinks where gating changes. So:
 *  - not bracketed yet: secant through the last two points (the first step
 *    assumes slope 1), slope bounded to [0.05, 1.5], steps of at most
 *    12 dB: on the concave curve this approaches the target from below,
 *    where the slope is still informative (overshooting into the flat,
 *    heavily limited region wastes passes); from the third point on, the
 *    inverse quadratic through the last three when it extends the secant
 *    step by at most 2x (it follows the curvature);
 *  - bracketed: inverse quadratic interpolation through the last three
 *    points (it follows the curvature), else the secant; a candidate
 *    outside the bracket, or within 10 % of its ends, is replaced by the
 *    false-position point moved at least 10 % inside (never stalls). */
static gdouble
secant_next (Secant * s, gdouble g, gdouble f)
{
  if (s->n == MAX_RENDER_PASSES) {
    memmove (s->g, s->g + 1, (MAX_RENDER_PASSES - 1) * sizeof (gdouble));
    memmove (s->f, s->f + 1, (MAX_RENDER_PASSES - 1) * sizeof (gdouble));
    s->n--;
  }
  s->g[s->n] = g;
  s->f[s->n] = f;
  s->n++;

  gboolean have_lo = FALSE, have_hi = FALSE;
  gdouble lo = 0, flo = 0, hi = 0, fhi = 0;
  for (gint i = 0; i < s->n; i++) {
    if (s->f[i] < 0 && (!have_lo || s->g[i] > lo)) {
      lo = s->g[i];
      flo = s->f[i];
      have_lo = TRUE;
    } else if (s->f[i] >= 0 && (!have_hi || s->g[i] < hi)) {
      hi = s->g[i];
      fhi = s->f[i];
      have_hi = TRUE;
    }
  }

  gdouble next;
  gint n = s->n;
  if (!(have_lo && have_hi)) {
    gdouble slope = 1.0;
    if (n >= 2 && fabs (s->g[n - 1] - s->g[n - 2]) > 1e-6)
      slope = (s->f[n - 1] - s->f[n - 2]) / (s->g[n - 1] - s->g[n - 2]);
    slope = CLAMP (slope, 0.05, 1.5);
    gdouble step = -f / slope;
    step = CLAMP (step, -12.0, 12.0);
    next = g + step;
    /* three points on one side: the quadratic through them follows the
     * curvature (a concave curve's root lies beyond the secant's); take it
     * when it goes the same way, at most three secant steps */
    gdouble q;
    if (iqi (s, &q) && (q - next) * step >= 0.0
        && fabs (q - next) <= 2.0 * fabs (step))
      next = q;
  } else {
    next = 0;
    gboolean ok = iqi (s, &next);
    if (!ok && n >= 2 && s->f[n - 1] != s->f[n - 2]) {
      next = s->g[n - 1] - s->f[n - 1] * (s->g[n - 1] - s->g[n - 2])
          / (s->f[n - 1] - s->f[n - 2]);
      ok = isfinite (next);
    }
    gdouble w = hi - lo, margin = 0.1 * fabs (w);
    gdouble a = MIN (lo, hi), b = MAX (lo, hi);
    if (!ok || next <= a + margin || next >= b - margin) {
      gdouble fp = lo - flo * w / (fhi - flo);
      next = CLAMP (fp, a + margin, b - margin);
    }
  }
  if (g_getenv ("GM_DEBUG"))
    fprintf (stderr, "gain %+.3f dB -> error %+.3f LU; next %+.3f dB\n", g,
        f, next);
  return next;
}

/* Renders until on target (all jobs share the gain in album mode).
 * Returns TRUE when the target and ceiling were met. */
static gboolean render_until_on_target (Job ** jobs, guint n_jobs,
    const Options * o, GThreadPool * pool);

/* Thread pool work: analysis or render pass of one job. */
typedef struct
{
  Job *job;
  gboolean render;
  gint *remaining;
  GMutex *lock;
  GCond *cond;
} Work;

static void
work_run (gpointer data, gpointer user_data)
{
  Work *w = data;
  if (!w->job->error)
    run_pass (w->job, w->render);
  g_mutex_lock (w->lock);
  (*w->remaining)--;
  g_cond_signal (w->cond);
  g_mutex_unlock (w->lock);
  g_free (w);
}

static const Options *progress_opts;
static Job **progress_jobs;
static guint progress_n;

static void
print_progress (void)
{
  if (!progress_opts || !progress_opts->progress)
    return;
  gint pmin = 1000, pass = 0;
  guint done = 0;
  for (guint i = 0; i < progress_n; i++) {
    Job *j = progress_jobs[i];
    if (j->done || j->error) {
      done++;
      continue;
    }
    pmin = MIN (pmin, g_atomic_int_get (&j->permille));
    pass = MAX (pass, g_atomic_int_get (&j->pass_no));
  }
  if (done == progress_n)
    return;
  gint bar = pmin * 30 / 1000;
  gchar buf[31];
  for (gint i = 0; i < 30; i++)
    buf[i] = i < bar ? '#' : '-';
  buf[30] = 0;
  fprintf (stderr, "\rmastering [%s] %3d%%  pass %d  (%u/%u files done) ",
      buf, pmin / 10, pass, done, progress_n);
  fflush (stderr);
}

/* Runs one pass of every job without an error in the pool and waits. */
static void
run_all (Job ** jobs, guint n, gboolean render, GThreadPool * pool)
{
  GMutex lock;
  GCond cond;
  gint remaining = 0;
  if (!pool) {
    /* in the calling thread (one file iterated by a file worker) */
    for (guint i = 0; i < n; i++) {
      if (jobs[i]->error || jobs[i]->done)
        continue;
      g_atomic_int_set (&jobs[i]->permille, 0);
      g_atomic_int_inc (&jobs[i]->pass_no);
      run_pass (jobs[i], render);
    }
    return;
  }
  g_mutex_init (&lock);
  g_cond_init (&cond);
  for (guint i = 0; i < n; i++) {
    if (jobs[i]->error || jobs[i]->done)
      continue;
    Work *w = g_new0 (Work, 1);
    w->job = jobs[i];
    w->render = render;
    w->remaining = &remaining;
    w->lock = &lock;
    w->cond = &cond;
    g_atomic_int_set (&jobs[i]->permille, 0);
    g_atomic_int_inc (&jobs[i]->pass_no);
    g_mutex_lock (&lock);
    remaining++;
    g_mutex_unlock (&lock);
    g_thread_pool_push (pool, w, NULL);
  }
  g_mutex_lock (&lock);
  while (remaining > 0) {
    gint64 until = g_get_monotonic_time () + 200 * G_TIME_SPAN_MILLISECOND;
    g_cond_wait_until (&cond, &lock, until);
    g_mutex_unlock (&lock);
    print_progress ();
    g_mutex_lock (&lock);
  }
  g_mutex_unlock (&lock);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
}

/* Album loudness of the measured streams (gating over all of them). */
static gdouble
album_integrated (Job ** jobs, guint n, gboolean after)
{
  ebur128_state **st = g_new0 (ebur128_state *, n);
  size_t k = 0;
  for (guint i = 0; i < n; i++) {
    Measure *m = after ? &jobs[i]->out_m : &jobs[i]->in_m;
    if (!jobs[i]->error && m->album_st)
      st[k++] = m->album_st;
  }
  double l = -HUGE_VAL;
  if (k > 0 && ebur128_loudness_global_multiple (st, k, &l) != EBUR128_SUCCESS)
    l = -HUGE_VAL;
  g_free (st);
  return l;
}

static volatile gint files_remaining;
/* signalled when a file is done, so the main thread wakes at once */
static GMutex files_lock;
static GCond files_cond;
static gboolean job_commit (Job * j, const Options * o);

/* One file, not album: analysis, render passes, commit; in this thread. */
static void
file_work (gpointer data, gpointer user_data)
{
  Job *j = data;
  const Options *o = user_data;
  g_atomic_int_inc (&j->pass_no);
  if (run_pass (j, FALSE) && render_until_on_target (&j, 1, o, NULL))
    job_commit (j, o);
  g_mutex_lock (&files_lock);
  g_atomic_int_add (&files_remaining, -1);
  g_cond_signal (&files_cond);
  g_mutex_unlock (&files_lock);
}

/* Predicted loudness (LUFS) of the jobs' outputs together (album gating
 * over all of them; one job: its own) at `gain`, each job limited at its
 * limiter ceiling when it uses the limiter and `limited`. -HUGE_VAL when a
 * job has no model. */
static double
model_predict (Job ** jobs, guint n, double gain, double margin,
    gboolean limited)
{
  double *hist_z = g_new0 (double, MODEL_HIST_N);
  guint32 *hist_n = g_new0 (guint32, MODEL_HIST_N);
  double res = -HUGE_VAL;
  gboolean ok = TRUE;
  for (guint i = 0; i < n && ok; i++)
    ok = model_hist (jobs[i]->in_m.model, gain, jobs[i]->limiter_ceiling,
        limited && jobs[i]->use_limiter, margin, hist_z, hist_n);
  if (ok)
    res = model_gate (hist_z, hist_n);
  g_free (hist_z);
  g_free (hist_n);
  return res;
}

typedef struct
{
  Job **jobs;
  guint n;
  double gain, margin, result;
} ModelEval;

static gpointer
model_eval_thread (gpointer data)
{
  ModelEval *e = data;
  e->result = model_predict (e->jobs, e->n, e->gain, e->margin, TRUE);
  return NULL;
}

/* Two limited predictions at once (the machine has spare cores between
 * passes); sequential when no thread can be made. */
static void
model_predict2 (Job ** jobs, guint n, double g1, double g2, double margin,
    double *l1, double *l2)
{
  ModelEval e = { jobs, n, g2, margin, -HUGE_VAL };
  GThread *t = g_thread_try_new ("gm-model", model_eval_thread, &e, NULL);
  *l1 = model_predict (jobs, n, g1, margin, TRUE);
  if (t)
    g_thread_join (t);
  else
    model_eval_thread (&e);
  *l2 = e.result;
}

/* Gain at which the model predicts `aim` LUFS for the jobs (their limiter
 * ceilings), the model's value there in *l_at. Evaluates two gains at once
 * per round: `g` and g + spread first, then the secant estimate through
 * the two points nearest the aim (kept inside a bracket once there is one)
 * and a point 10 % further along the step, which usually brackets the
 * root on the concave curve. */
static gdouble
model_solve (Job ** jobs, guint nj, gdouble aim, gdouble g,
    gdouble spread, gdouble margin, gdouble * l_at)
{
  enum { MAXP = 16 };
  gdouble X[MAXP], F[MAXP];
  gint n = 0;
  gdouble xa = g, xb = g + spread;
  for (gint round = 0; round < MAXP / 2; round++) {
    gdouble la, lb;
    model_predict2 (jobs, nj, xa, xb, margin, &la, &lb);
    if (!isfinite (la) || !isfinite (lb))
      break;
    X[n] = xa;
    F[n++] = la - aim;
    X[n] = xb;
    F[n++] = lb - aim;
    if (g_getenv ("GM_DEBUG"))
      fprintf (stderr, "model: %+.3f dB -> %+.4f, %+.3f dB -> %+.4f\n", xa,
          la - aim, xb, lb - aim);
    /* nearest two points, and the bracket */
    gint b1 = 0, b2 = -1, lo = -1, hi = -1;
    for (gint i = 1; i < n; i++)
      if (fabs (F[i]) < fabs (F[b1]))
        b1 = i;
    for (gint i = 0; i < n; i++)
      if (i != b1 && fabs (X[i] - X[b1]) > 1e-9
          && (b2 < 0 || fabs (F[i]) < fabs (F[b2])))
        b2 = i;
    for (gint i = 0; i < n; i++) {
      if (F[i] < 0 && (lo < 0 || X[i] > X[lo]))
        lo = i;
      if (F[i] >= 0 && (hi < 0 || X[i] < X[hi]))
        hi = i;
    }
    if (fabs (F[b1]) <= 0.002 || b2 < 0) {
      *l_at = F[b1] + aim;
      return X[b1];
    }
    gdouble slope = (F[b1] - F[b2]) / (X[b1] - X[b2]);
    slope = CLAMP (slope, 0.02, 1.5);
    gdouble step = CLAMP (-F[b1] / slope, -12.0, 12.0);
    gdouble x = X[b1] + step;
    if (lo >= 0 && hi >= 0) {
      gdouble a = MIN (X[lo], X[hi]), b = MAX (X[lo], X[hi]);
      if (!(x > a && x < b))
        x = X[lo] - F[lo] * (X[hi] - X[lo]) / (F[hi] - F[lo]);
    }
    xa = x;
    xb = x + 0.1 * step;
    if (fabs (xb - xa) < 0.005)
      xb = xa + (step >= 0 ? 0.005 : -0.005);
  }
  /* rounds exhausted: the nearest point */
  gint b1 = 0;
  for (gint i = 1; i < n; i++)
    if (fabs (F[i]) < fabs (F[b1]))
      b1 = i;
  if (n == 0) {
    *l_at = -HUGE_VAL;
    return g;
  }
  *l_at = F[b1] + aim;
  return X[b1];
}

static gboolean
render_until_on_target (Job ** jobs, guint n, const Options * o,
    GThreadPool * pool)
{
  Secant sec = { 0 };
  gdouble in_l = o->album ? album_integrated (jobs, n, FALSE) :
      jobs[0]->before.integrated;
  if (!isfinite (in_l)) {
    for (guint i = 0; i < n; i++)
      job_fail (jobs[i], "silent or too short to measure loudness");
    return FALSE;
  }
  gdouble g = o->target - in_l;
  gdouble best_err = HUGE_VAL, best_g = g;
  gboolean best_peaks_ok = FALSE;
  for (guint i = 0; i < n; i++) {
    Job *j = jobs[i];
    /* a little under the ceiling: the check after quantisation reads the
     * limiter's output at most ~0.001 dB over its aim, and a pass spent
     * only to lower the ceiling by that would double the work */
    j->limiter_ceiling = o->ceiling - LIMITER_ROOM_DB;
    j->target = o->target;
    j->oversampling = o->oversampling;
    /* the gain alone keeps the input's true peak (upper bound) under the
     * ceiling with room for quantisation: no limiter, one exact pass */
    j->use_limiter = !(isfinite (j->before.true_peak_bound)
        && g + j->before.true_peak_bound <= o->ceiling - NO_LIMIT_ROOM_DB);
  }
  /* gains tried stay within 40 dB of the first guess: beyond that the
   * target is out of reach anyway */
  const gdouble g_lo = g - 40.0, g_hi = g + 40.0;

  /* when the limiter acts (in any file of an album), the models of the
   * analysis pass guess the gain; after each of the first MODEL_STEPS
   * render passes, their offset from the measurement corrects them for the
   * next guess */
  gboolean md = FALSE;
  for (guint i = 0; i < n; i++)
    md |= jobs[i]->use_limiter;
  for (guint i = 0; i < n; i++)
    md &= jobs[i]->in_m.model != NULL && !jobs[i]->in_m.model->failed;
  gdouble model_l = -HUGE_VAL, margin = 1.0;
  gint model_steps = 0;
  if (md) {
    gint64 t0 = g_get_monotonic_time ();
    MasterTruePeak *tp = master_truepeak_new (1, o->oversampling);
    if (tp) {
      margin = master_truepeak_get_margin (tp);
      master_truepeak_free (tp);
    }
    gdouble l0 = model_predict (jobs, n, 0.0, 1.0, FALSE);
    if (isfinite (l0)) {
      gdouble off = in_l - l0;
      g = model_solve (jobs, n, o->target - off, g, 3.0, margin, &model_l);
      g = CLAMP (g, g_lo, g_hi);
    } else {
      md = FALSE;
    }
    if (g_getenv ("GM_DEBUG"))
      fprintf (stderr, "model: unlimited %.3f LUFS (measured %.3f), first "
          "gain %+.3f dB (predicted %.3f LUFS), %.3f s\n", l0, in_l, g,
          model_l, (g_get_monotonic_time () - t0) / 1e6);
  }

  gint render_passes = MAX_RENDER_PASSES;
  for (gint pass = 0; pass < MAX_RENDER_PASSES; pass++) {
    for (guint i = 0; i < n; i++)
      jobs[i]->gain_db = g;
    run_all (jobs, n, TRUE, pool);
    gboolean any_ok = FALSE;
    for (guint i = 0; i < n; i++)
      any_ok |= jobs[i]->error == NULL;
    if (!any_ok || interrupted)
      return FALSE;

    gdouble out_l = o->album ? album_integrated (jobs, n, TRUE) :
        jobs[0]->after.integrated;
    gdouble err = out_l - o->target;
    gboolean peaks_ok = TRUE;
    for (guint i = 0; i < n; i++) {
      Job *j = jobs[i];
      if (j->error)
        continue;
      gdouble excess = j->after.true_peak_bound - o->ceiling;
      if (excess > 0.0) {
        /* over the ceiling after quantisation/encoding: lower the
         * limiter's ceiling by the excess (and a margin) */
        j->limiter_ceiling -= excess + 0.02;
        peaks_ok = FALSE;
      }
    }
    if (g_getenv ("GM_DEBUG"))
      fprintf (stderr, "render: gain %+.3f dB%s -> %.3f LUFS (error %+.3f "
          "LU), true peak <= %.3f dBTP%s\n", g, jobs[0]->use_limiter ? ""
          : " (no limiter)", out_l, err, jobs[0]->after.true_peak_bound,
          peaks_ok ? "" : " OVER");
    if (peaks_ok && fabs (err) < best_err) {
      best_err = fabs (err);
      best_g = g;
      best_peaks_ok = TRUE;
    }
    if (fabs (err) <= o->tolerance && peaks_ok)
      return TRUE;
    gdouble next = g;
    if (fabs (err) > o->tolerance)
    {
      next = secant_next (&sec, g, err);
      gboolean limiting = FALSE;
      for (guint i = 0; i < n; i++)
        limiting |= jobs[i]->use_limiter;
      if (md && model_steps < MODEL_STEPS && limiting
          && isfinite (model_l) && isfinite (out_l)) {
        gint64 t0 = g_get_monotonic_time ();
        gdouble off = out_l - model_l;
        next = model_solve (jobs, n, o->target - off, g, 0.3, margin,
            &model_l);
        model_steps++;
        if (g_getenv ("GM_DEBUG"))
          fprintf (stderr, "model: offset %+.3f LU, next gain %+.3f dB, "
              "%.3f s\n", off, next, (g_get_monotonic_time () - t0) / 1e6);
      }
      next = CLAMP (next, g_lo, g_hi);
    }
    /* the same gain and ceiling again would render the same output (the
     * gain is at its bound): no pass left that could do better */
    gboolean stuck = peaks_ok && fabs (next - g) < 1e-9;
    if ((pass == MAX_RENDER_PASSES - 1 || stuck) && best_peaks_ok
        && best_err <= ACCEPT_LU) {
      /* out of passes: take the best one if it meets the requirement */
      if (g == best_g)
        return TRUE;
      for (guint i = 0; i < n; i++)
        jobs[i]->gain_db = best_g;
      run_all (jobs, n, TRUE, pool);
      for (guint i = 0; i < n; i++)
        if (jobs[i]->error)
          return FALSE;
      return TRUE;
    }
    if (stuck) {
      render_passes = pass + 1;
      break;
    }
    g = next;
    /* the gain alone went over the ceiling after all: limit from now on */
    for (guint i = 0; i < n; i++)
      if (!peaks_ok)
        jobs[i]->use_limiter = TRUE;
  }
  for (guint i = 0; i < n; i++) {
    if (best_peaks_ok)
      job_fail (jobs[i], "target %.1f LUFS not reached under the ceiling "
          "%.1f dBTP after %d render passes (closest %.2f LU away)",
          o->target, o->ceiling, render_passes, best_err);
    else
      job_fail (jobs[i], "true peak stays over the ceiling %.1f dBTP after "
          "%d render passes", o->ceiling, MAX_RENDER_PASSES);
  }
  return FALSE;
}

/* ---- file checks ---- */

static gboolean
same_file (const gchar * a, const gchar * b)
{
  GStatBuf sa, sb;
  if (g_stat (a, &sa) != 0 || g_stat (b, &sb) != 0)
    return FALSE;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Validates paths and creates the temporary file. Returns FALSE (with the
 * job's error set) when the job cannot run. */
static gboolean
job_prepare (Job * j, const Options * o)
{
  if (g_access (j->in_path, R_OK) != 0) {
    job_fail (j, "%s", g_strerror (errno));
    return FALSE;
  }
  if (g_file_test (j->in_path, G_FILE_TEST_IS_DIR)) {
    job_fail (j, "is a directory");
    return FALSE;
  }
  gchar *in_real = realpath (j->in_path, NULL);
  gchar *out_real = realpath (j->out_path, NULL);
  gboolean same = (in_real && out_real && !strcmp (in_real, out_real))
      || same_file (j->in_path, j->out_path);
  free (in_real);
  free (out_real);
  if (same) {
    job_fail (j, "output %s is the input file; refusing to overwrite it",
        j->out_path);
    return FALSE;
  }
  if (g_file_test (j->out_path, G_FILE_TEST_IS_DIR)) {
    job_fail (j, "output %s is a directory", j->out_path);
    return FALSE;
  }
  if (g_file_test (j->out_path, G_FILE_TEST_EXISTS) && !o->force) {
    job_fail (j, "output %s exists (use --force to overwrite)", j->out_path);
    return FALSE;
  }
  gchar *dir = g_path_get_dirname (j->out_path);
  gchar *base = g_path_get_basename (j->out_path);
  gchar *tmpl = g_strdup_printf ("%s%c.%s.XXXXXX.part", dir,
      G_DIR_SEPARATOR, base);
  gint fd = g_mkstemp_full (tmpl, O_RDWR, 0644);
  if (fd < 0) {
    job_fail (j, "cannot write to folder %s: %s", dir, g_strerror (errno));
    g_free (tmpl);
  } else {
    close (fd);
    j->tmp_path = tmpl;
  }
  g_free (dir);
  g_free (base);
  return j->tmp_path != NULL;
}

static gboolean
job_commit (Job * j, const Options * o)
{
  if (!o->force && g_file_test (j->out_path, G_FILE_TEST_EXISTS)) {
    job_fail (j, "output %s appeared while working; not overwritten",
        j->out_path);
    return FALSE;
  }
  /* the temporary file was created 0600 by mkstemp: honour the umask */
  mode_t um = umask (0);
  umask (um);
  g_chmod (j->tmp_path, 0666 & ~um);
  if (g_rename (j->tmp_path, j->out_path) != 0) {
    job_fail (j, "cannot rename to %s: %s", j->out_path, g_strerror (errno));
    return FALSE;
  }
  g_free (j->tmp_path);
  j->tmp_path = NULL;
  j->done = TRUE;
  return TRUE;
}

/* ---- report ---- */

static gchar *
fmt_db (gdouble v, const gchar * unit)
{
  if (!isfinite (v))
    return g_strdup_printf ("   -inf %s", unit);
  return g_strdup_printf ("%7.2f %s", v, unit);
}

static void
print_stats_row (const gchar * label, const Stats * s)
{
  gchar *i = fmt_db (s->integrated, "LUFS");
  gchar *tp = fmt_db (s->true_peak, "dBTP");
  gdouble plr = s->true_peak - s->integrated;
  gchar *p = fmt_db (isfinite (plr) ? plr : NAN, "dB");
  printf ("  %-7s %s  %6.2f LU  %s  %s\n", label, i, s->lra, tp, p);
  g_free (i);
  g_free (tp);
  g_free (p);
}

static void
json_string (GString * s, const gchar * v)
{
  g_string_append_c (s, '"');
  for (const gchar * p = v; p && *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf (s, "\\%c", *p);
    else if ((guchar) * p < 0x20)
      g_string_append_printf (s, "\\u%04x", *p);
    else
      g_string_append_c (s, *p);
  }
  g_string_append_c (s, '"');
}

static void
json_num (GString * s, const gchar * key, gdouble v)
{
  if (isfinite (v))
    g_string_append_printf (s, "\"%s\": %.4f", key, v);
  else
    g_string_append_printf (s, "\"%s\": null", key);
}

static void
json_stats (GString * s, const gchar * key, const Stats * st)
{
  g_string_append_printf (s, "\"%s\": {", key);
  json_num (s, "integrated", st->integrated);
  g_string_append (s, ", ");
  json_num (s, "loudness_range", st->lra);
  g_string_append (s, ", ");
  json_num (s, "true_peak", st->true_peak);
  g_string_append (s, ", ");
  json_num (s, "sample_peak", st->sample_peak);
  g_string_append (s, ", ");
  json_num (s, "plr", st->true_peak - st->integrated);
  g_string_append_printf (s, ", \"frames\": %" G_GUINT64_FORMAT
      ", \"rate\": %d, \"channels\": %d}", st->frames, st->rate, st->channels);
}

static void
report (Job ** jobs, guint n, const Options * o)
{
  if (o->json) {
    GString *s = g_string_new ("[\n");
    for (guint i = 0; i < n; i++) {
      Job *j = jobs[i];
      g_string_append (s, "  {\"input\": ");
      json_string (s, j->in_path);
      g_string_append (s, ", \"output\": ");
      json_string (s, j->out_path);
      g_string_append_printf (s, ", \"ok\": %s, ",
          j->done ? "true" : "false");
      json_num (s, "target", o->target);
      g_string_append (s, ", ");
      json_num (s, "ceiling", o->ceiling);
      g_string_append_printf (s, ", \"album\": %s, ",
          o->album ? "true" : "false");
      if (j->done) {
        json_num (s, "gain_db", j->gain_db);
        g_string_append (s, ", ");
        json_num (s, "limiter_ceiling", j->limiter_ceiling);
        g_string_append_printf (s, ", \"passes\": %d, ", j->passes);
        json_stats (s, "before", &j->before);
        g_string_append (s, ", ");
        json_stats (s, "after", &j->after);
      } else {
        g_string_append (s, "\"error\": ");
        json_string (s, j->error ? j->error : "not done");
      }
      g_string_append_printf (s, "}%s\n", i + 1 < n ? "," : "");
    }
    g_string_append (s, "]\n");
    fputs (s->str, stdout);
    g_string_free (s, TRUE);
    return;
  }
  if (o->quiet)
    return;
  for (guint i = 0; i < n; i++) {
    Job *j = jobs[i];
    if (!j->done)
      continue;
    printf ("%s -> %s\n", j->in_path, j->out_path);
    printf ("          integrated       LRA    true peak         PLR\n");
    print_stats_row ("before", &j->before);
    print_stats_row ("after", &j->after);
    printf ("  gain %+.2f dB, %d passes (1 analysis + %d render), target "
        "%.1f LUFS%s, ceiling %.1f dBTP, %s, %.1f s\n", j->gain_db, j->passes,
        j->passes - 1, o->target, o->album ? " (album)" : "", o->ceiling,
        j->format->name, j->after.rate > 0 ?
        (double) j->after.frames / j->after.rate : 0.0);
  }
}

/* ---- signals ---- */

static void
on_signal (int sig)
{
  interrupted = 1;
}

/* ---- demo signal ---- */

static guint32
demo_rand (guint32 * s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

static float
demo_noise (guint32 * s)
{
  return (float) ((demo_rand (s) >> 8) / 8388608.0 - 1.0);
}

/* 40 s of programme-like stereo at 48 kHz: a soft intro, drums + bass +
 * chords verse, a dense loud chorus, 1.5 s of silence, a quiet outro.
 * Written as 32-bit float WAV. */
static gboolean
write_demo (const gchar * path, GError ** error)
{
  const gint rate = 48000, ch = 2;
  const gsize n = 40 * (gsize) rate;
  float *x = g_new0 (float, n * ch);
  guint32 seed = 12345;
  double lp = 0, lp2 = 0, air1 = 0, air2 = 0;
  for (gsize i = 0; i < n; i++) {
    double t = (double) i / rate;
    double beat = fmod (t, 0.5);
    double bar = floor (t / 2.0);
    double section;             /* level of the section, linear */
    if (t < 8)
      section = 0.3;
    else if (t < 20)
      section = 0.6;
    else if (t < 32)
      section = 0.9;
    else if (t < 33.5)
      section = 0.0;
    else
      section = 0.25;
    double kick = (t >= 8 && t < 32) ? exp (-beat * 30) * sin (2 * G_PI *
        (50 + 80 * exp (-beat * 40)) * beat) : 0;
    double nz = demo_noise (&seed);
    lp += 0.3 * (nz - lp);
    lp2 += 0.05 * (nz - lp2);
    /* hats: high-passed noise, then two one-pole low-passes (~5 kHz) so
     * that, as in real masters, little energy sits near Nyquist */
    air1 += 0.5 * ((nz - lp) - air1);
    air2 += 0.5 * (air1 - air2);
    double hat = (t >= 8 && t < 32 && fmod (t, 0.25) < 0.03) ?
        2.0 * air2 * exp (-fmod (t, 0.25) * 120) : 0;
    double root = 55.0 * pow (2.0, ((int) bar % 4 == 3 ? 5 : (int) bar % 4 *
            2) / 12.0);
    double bass = 0.5 * sin (2 * G_PI * root * t);
    double chord = 0.25 * (sin (2 * G_PI * root * 4 * t)
        + sin (2 * G_PI * root * 5 * t) + sin (2 * G_PI * root * 6 * t));
    double pad = lp2 * 2.0;
    double l = section * (0.8 * kick + 0.4 * hat + bass * 0.6 + chord * 0.5
        + pad * (t >= 20 && t < 32 ? 1.0 : 0.3));
    double r = section * (0.8 * kick + 0.3 * hat + bass * 0.6 + chord * 0.45
        + (lp2 - lp) * 0.5);
    x[i * 2] = (float) CLAMP (l * 0.5, -1.0, 1.0);
    x[i * 2 + 1] = (float) CLAMP (r * 0.5, -1.0, 1.0);
  }
  /* RIFF/WAVE, WAVE_FORMAT_IEEE_FLOAT */
  guint32 data_bytes = (guint32) (n * ch * 4);
  guint8 h[44];
  memcpy (h, "RIFF", 4);
  GST_WRITE_UINT32_LE (h + 4, 36 + data_bytes);
  memcpy (h + 8, "WAVEfmt ", 8);
  GST_WRITE_UINT32_LE (h + 16, 16);
  GST_WRITE_UINT16_LE (h + 20, 3);
  GST_WRITE_UINT16_LE (h + 22, ch);
  GST_WRITE_UINT32_LE (h + 24, rate);
  GST_WRITE_UINT32_LE (h + 28, rate * ch * 4);
  GST_WRITE_UINT16_LE (h + 32, ch * 4);
  GST_WRITE_UINT16_LE (h + 34, 32);
  memcpy (h + 36, "data", 4);
  GST_WRITE_UINT32_LE (h + 40, data_bytes);
  FILE *f = g_fopen (path, "wb");
  gboolean ok = f && fwrite (h, 1, 44, f) == 44
      && fwrite (x, 4, n * ch, f) == n * ch;
  if (f && fclose (f) != 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot write %s: %s", path, g_strerror (errno));
  g_free (x);
  return ok;
}

/* ---- main ---- */

static void
ensure_plugin (void)
{
  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  GstElementFactory *f = gst_element_factory_find ("masterloudnorm");
  if (f)
    gst_object_unref (f);
  else
    GST_PLUGIN_STATIC_REGISTER (mastering);
}

static gboolean
resolve_target (const gchar * target, const gchar * preset,
    const gchar * ceiling, Options * o, gchar ** err)
{
  GstMasterLoudnormPreset p;
  gdouble t = -14.0, c = -1.0;
  gst_master_loudnorm_preset_values (GST_MASTER_LOUDNORM_PRESET_STREAMING,
      &t, &c);
  if (preset) {
    if (!gst_master_loudnorm_preset_from_name (preset, &p)
        || !gst_master_loudnorm_preset_values (p, &t, &c)) {
      *err = g_strdup_printf ("unknown preset '%s' (streaming, apple, "
          "ebu-r128, atsc-a85, podcast)", preset);
      return FALSE;
    }
  }
  if (target) {
    gchar *end = NULL;
    gdouble v = g_ascii_strtod (target, &end);
    if (end && end != target && *end == '\0') {
      t = v;
    } else if (gst_master_loudnorm_preset_from_name (target, &p)
        && gst_master_loudnorm_preset_values (p, &t, &c)) {
      /* a preset name: its target and ceiling */
    } else {
      *err = g_strdup_printf ("--target '%s' is neither a number (LUFS) nor "
          "a preset name", target);
      return FALSE;
    }
  }
  if (ceiling) {
    gchar *end = NULL;
    gdouble v = g_ascii_strtod (ceiling, &end);
    if (!end || end == ceiling || *end != '\0') {
      *err = g_strdup_printf ("--ceiling '%s' is not a number (dBTP)",
          ceiling);
      return FALSE;
    }
    c = v;
  }
  if (t < -70.0 || t > 0.0 || c < -20.0 || c > 0.0) {
    *err = g_strdup_printf ("target %.1f LUFS / ceiling %.1f dBTP out of "
        "range (-70..0, -20..0)", t, c);
    return FALSE;
  }
  o->target = t;
  o->ceiling = c;
  return TRUE;
}

static gchar *
output_in_dir (const gchar * dir, const gchar * in, const OutFormat * f)
{
  gchar *base = g_path_get_basename (in);
  gchar *dot = strrchr (base, '.');
  if (dot && f)
    *dot = '\0';
  gchar *name = f ? g_strdup_printf ("%s.%s", base, f->ext) : g_strdup (base);
  gchar *out = g_build_filename (dir, name, NULL);
  g_free (base);
  g_free (name);
  return out;
}

static int
master_main (int argc, char **argv, gboolean demo)
{
  gchar *target = NULL, *preset = NULL, *ceiling = NULL, *format = NULL;
  gchar *character = NULL;
  gboolean album = FALSE, force = FALSE, json = FALSE, quiet = FALSE;
  gint jobs_n = 1, oversampling = 4;
  gdouble tolerance = 0.05;
  GOptionEntry entries[] = {
    {"target", 't', 0, G_OPTION_ARG_STRING, &target,
        "Integrated loudness target: LUFS or a preset name", "LUFS|PRESET"},
    {"ceiling", 'c', 0, G_OPTION_ARG_STRING, &ceiling,
        "True-peak ceiling, dBTP (default: the preset's)", "dBTP"},
    {"preset", 'p', 0, G_OPTION_ARG_STRING, &preset,
        "streaming (-14/-1, default), apple (-16/-1), ebu-r128 (-23/-1), "
          "atsc-a85 (-24/-2), podcast (-16/-1)", "NAME"},
    {"album", 'a', 0, G_OPTION_ARG_NONE, &album,
        "One gain for all files: the album hits the target, relative "
          "loudness kept", NULL},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
        "wav (=wav24), wav16, wav32f, flac, flac16, ogg, opus, mp3 "
          "(default: by OUT's extension)", "FMT"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs_n,
        "Files processed at once", "N"},
    {"oversampling", 0, 0, G_OPTION_ARG_INT, &oversampling,
        "True-peak oversampling of the limiter and of the ceiling check: 4 "
          "(default) or 8 (stricter, slower)", "4|8"},
    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Report as JSON", NULL},
    {"force", 0, 0, G_OPTION_ARG_NONE, &force,
        "Overwrite an existing OUT", NULL},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No report", NULL},
    {"tolerance", 0, 0, G_OPTION_ARG_DOUBLE, &tolerance,
        "Largest accepted distance from target, LU (default 0.05)", "LU"},
    {"character", 0, 0, G_OPTION_ARG_STRING, &character,
        "masterchain character: transparent (default: tone and dynamics "
          "stages neutral), warm, loud, broadcast-safe, speech (EQ, "
          "compression, saturation, imaging before the gain and the "
          "limiter)", "NAME"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new (demo ? "- master a built-in "
      "demo signal" : "[IN OUT | IN... DIR] - master to a loudness target");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx, "Measures, sets the loudness and "
      "true-peak limits each file so that it meets the target integrated "
      "loudness (+-tolerance) with its true peak under the ceiling.\n"
      "With no files: masters a built-in demo signal.");
  GError *err = NULL;
  int status = 0;
  Options o = { 0 };
  Job **jobs = NULL;
  guint n_jobs = 0;
  gchar *demo_dir = NULL;
  gchar *msg = NULL;

  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    fprintf (stderr, "gst-master master: %s\n", err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);
  ensure_plugin ();
  if (character) {
    GstElement *chain = gst_element_factory_make ("masterchain", NULL);
    GEnumValue *ev = NULL;
    if (chain) {
      GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (chain), "character");
      ev = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (ps)->enum_class, character);
      gst_object_unref (gst_object_ref_sink (chain));
    }
    if (!ev) {
      fprintf (stderr, "gst-master master: --character '%s': %s\n", character,
          chain ? "unknown (transparent, warm, loud, broadcast-safe, speech)"
          : "element masterchain not available");
      return 2;
    }
    master_character = character;
  }

  if (!resolve_target (target, preset, ceiling, &o, &msg)) {
    fprintf (stderr, "gst-master master: %s\n", msg);
    g_free (msg);
    return 2;
  }
  o.album = album;
  o.force = force;
  o.json = json;
  o.quiet = quiet;
  o.jobs = CLAMP (jobs_n, 1, 64);
  if (oversampling != 4 && oversampling != 8) {
    gm_error (NULL, "--oversampling must be 4 or 8");
    return 2;
  }
  o.oversampling = oversampling;
  o.tolerance = CLAMP (tolerance, 0.001, 1.0);
  o.progress = isatty (STDERR_FILENO) && !json && !quiet;
  if (format && !(o.format = format_by_name (format))) {
    fprintf (stderr, "gst-master master: unknown format '%s'\n", format);
    return 2;
  }
  GstElementFactory *lf = gst_element_factory_find ("masterchain");
  if (!lf) {
    fprintf (stderr, "gst-master master: element masterchain not "
        "available\n");
    return 1;
  }
  gst_object_unref (lf);

  /* from here on SIGINT/SIGTERM stop the work and remove the temporary
   * files (made below) */
  struct sigaction sa, old_int, old_term;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction (SIGINT, &sa, &old_int);
  sigaction (SIGTERM, &sa, &old_term);

  /* collect (IN, OUT) pairs */
  gint n_files = demo ? 0 : argc - 1;
  gchar **files = argv + 1;
  gchar *demo_in = NULL, *demo_out = NULL;
  if (n_files == 0) {
    demo_dir = g_dir_make_tmp ("gst-master-demo-XXXXXX", &err);
    if (!demo_dir) {
      fprintf (stderr, "gst-master demo: %s\n", err->message);
      g_clear_error (&err);
      return 1;
    }
    demo_in = g_build_filename (demo_dir, "demo.wav", NULL);
    demo_out = g_build_filename (demo_dir, "demo-master.wav", NULL);
    if (!write_demo (demo_in, &err)) {
      fprintf (stderr, "gst-master demo: %s\n", err->message);
      g_clear_error (&err);
      return 1;
    }
    if (!o.quiet && !o.json)
      printf ("demo: mastering a generated 40 s programme (%s) to %.1f LUFS, "
          "%.1f dBTP\n", demo_in, o.target, o.ceiling);
    n_jobs = 1;
    jobs = g_new0 (Job *, 1);
    jobs[0] = g_new0 (Job, 1);
    jobs[0]->in_path = demo_in;
    jobs[0]->out_path = demo_out;
  } else if (n_files == 1) {
    fprintf (stderr, "gst-master master: missing OUT (usage: gst-master "
        "master [options] IN OUT | IN... DIR)\n");
    return 2;
  } else {
    const gchar *last = files[n_files - 1];
    gboolean dir_mode = g_file_test (last, G_FILE_TEST_IS_DIR);
    if (!dir_mode && n_files > 2) {
      fprintf (stderr, "gst-master master: with several inputs the last "
          "argument must be an existing folder: %s\n", last);
      return 2;
    }
    n_jobs = n_files - 1;
    jobs = g_new0 (Job *, n_jobs);
    for (guint i = 0; i < n_jobs; i++) {
      jobs[i] = g_new0 (Job, 1);
      jobs[i]->in_path = g_strdup (files[i]);
      jobs[i]->out_path = dir_mode ? output_in_dir (last, files[i], o.format)
          : g_strdup (last);
    }
  }
  for (guint i = 0; i < n_jobs; i++) {
    Job *j = jobs[i];
    j->album = o.album;
    j->format = o.format ? o.format : format_by_path (j->out_path);
    if (!j->format) {
      if (n_files > 2 || g_file_test (files[n_files - 1], G_FILE_TEST_IS_DIR))
        j->format = format_by_name ("wav24");
      else
        job_fail (j, "unknown output type for %s (use .wav, .flac, .ogg, "
            ".opus, .mp3 or --format)", j->out_path);
    }
    if (!j->error)
      job_prepare (j, &o);
  }


  progress_opts = &o;
  progress_jobs = jobs;
  progress_n = n_jobs;
  GThreadPool *pool = g_thread_pool_new (work_run, NULL, o.jobs, FALSE, NULL);

  if (o.album) {
    run_all (jobs, n_jobs, FALSE, pool);     /* analysis of every file */
    gboolean all_ok = TRUE;
    for (guint i = 0; i < n_jobs; i++)
      all_ok &= jobs[i]->error == NULL;
    if (!all_ok) {
      /* one bad file spoils the album gain: fail them all */
      for (guint i = 0; i < n_jobs; i++)
        job_fail (jobs[i], "not mastered: another file of the album failed");
    } else if (render_until_on_target (jobs, n_jobs, &o, pool)) {
      for (guint i = 0; i < n_jobs; i++)
        job_commit (jobs[i], &o);
    }
  } else {
    /* each file on its own: o.jobs files iterate at once, each in one
     * thread of file_pool running its passes in that thread */
    GThreadPool *file_pool = g_thread_pool_new (file_work, &o, o.jobs,
        FALSE, NULL);
    files_remaining = 0;
    for (guint i = 0; i < n_jobs; i++) {
      if (jobs[i]->error)
        continue;
      g_atomic_int_inc (&files_remaining);
      g_thread_pool_push (file_pool, jobs[i], NULL);
    }
    g_mutex_lock (&files_lock);
    while (g_atomic_int_get (&files_remaining) > 0) {
      g_cond_wait_until (&files_cond, &files_lock, g_get_monotonic_time ()
          + 200 * G_TIME_SPAN_MILLISECOND);
      g_mutex_unlock (&files_lock);
      print_progress ();
      g_mutex_lock (&files_lock);
    }
    g_mutex_unlock (&files_lock);
    g_thread_pool_free (file_pool, FALSE, TRUE);
  }

  if (progress_opts->progress)
    fprintf (stderr, "\r%80s\r", "");
  g_thread_pool_free (pool, FALSE, TRUE);
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGTERM, &old_term, NULL);

  report (jobs, n_jobs, &o);
  for (guint i = 0; i < n_jobs; i++) {
    if (jobs[i]->error) {
      gm_error (NULL, "%s", jobs[i]->error);
      status = 1;
    }
    job_remove_tmp (jobs[i]);
  }
  if (interrupted)
    status = 130;
  if (demo_dir && status == 0 && !o.quiet && !o.json)
    printf ("demo: mastered file: %s\n", demo_out);
  for (guint i = 0; i < n_jobs; i++)
    job_free (jobs[i]);
  g_free (jobs);
  g_free (demo_dir);
  return status;
}

int
gm_master_main (int argc, char **argv)
{
  return master_main (argc, argv, FALSE);
}

int
gm_demo_main (int argc, char **argv)
{
  /* options as for master; file arguments are ignored */
  return master_main (argc, argv, TRUE);
}
