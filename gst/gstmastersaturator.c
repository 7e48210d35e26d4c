/* mastersaturator: see gstmastersaturator.h and dsp/saturator.h. */
/**
 * SECTION:element-mastersaturator
 * @title: mastersaturator
 *
 * Analog-style saturation for mastering: four models (`soft-clip`: tanh,
 * odd harmonics; `tube`: biased tanh, even harmonics, DC-blocked; `tape`:
 * pre-emphasised tanh with gentle high-frequency loss and a low-frequency
 * head bump; `hard-clip`: clip with a smoothed knee), a dry/wet `mix`,
 * `output-gain`, and `auto-gain`, which keeps programme loudness about
 * equal while `drive` changes.
 *
 * The shaper runs oversampled (`oversampling` 1, 2, 4 or 8; default 4) with
 * linear-phase polyphase filters, so aliasing stays below -90 dB for a 5 or
 * 9 kHz sine at -6 dBFS driven +12 dB (soft-clip, tube and tape at 4x).
 * The saturated path is band-limited (flat to 0.417 fs, -0.6 dB at
 * 0.4375 fs, -12 dB at 0.458 fs: 20 / 21 / 22 kHz at 48 kHz) so that
 * harmonics above Nyquist are removed, not folded; at oversampling 1 it is
 * full band (and aliases).
 * The filters delay the signal by a whole number of samples (101 at 4x,
 * 94 at 2x, 103 at 8x, 0 at 1x); the element reports that latency and keeps
 * its output time-aligned: it withholds the first `latency` output frames
 * and pushes them at EOS, so every output sample carries the timestamp of
 * its input sample and the sample count is unchanged. A timestamp jump in
 * the input, a GAP, SEGMENT or CAPS event are handled the same way: the run
 * before it is drained (pushed ahead of the event), and the run after it
 * starts fresh at its own time.
 *
 * Neutral: `mix`=0 with `output-gain`=0 gives the input back bit-exactly.
 * Once it is neutral and settled (no ramp moving) and no control binding is
 * active, the element goes passthrough: it pushes its withheld frames (the
 * input of the last `latency` frames, exactly) and then forwards input
 * buffers untouched, costing only a scan for NaN/Inf (replaced by 0, with
 * the one warning) and the level statistics. Leaving passthrough (`mix` or
 * `output-gain` set) restarts the saturator on the last few milliseconds of
 * input it kept, withholds `latency` frames again, and ramps `mix` and
 * `output-gain` in from neutral over 20 ms: no click, no gap, no repeated or
 * lost frame. The reported latency stays the same in both modes (see
 * "Passthrough" in the source).
 * drive, bias, mix and output-gain are controllable and move along a 20 ms
 * smoothstep after every change (controller values are read every ~5 ms of
 * audio: 256 frames at 48 kHz). Changing `model` while playing dips the saturated part for about
 * 25 ms instead of clicking; `oversampling` changes in READY only.
 *
 * Every #GstMasterSaturator:interval nanoseconds of audio (and once at EOS
 * for the rest) the element posts an element message named
 * `mastersaturator` with `timestamp`, `stream-time`, `running-time`,
 * `duration` (GstClockTime, of the interval's input), `input-rms`,
 * `output-rms`, `input-peak`, `output-peak` (dBFS over all channels; the
 * output figures lag by the latency, at most ~2 ms) and `final` (TRUE for
 * the EOS message).
 *
 * Presets (GstPreset, gst/presets/GstMasterSaturator.prs): `warm-tube`,
 * `tape-glue`, `parallel-crunch`, `soft-clip-peaks`.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=in.wav ! wavparse ! audioconvert ! \
 *     mastersaturator model=tube drive=9 bias=0.3 mix=0.5 ! \
 *     audioconvert ! wavenc ! filesink location=out.wav
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmastersaturator.h"
#include "simd.h"
#include "gstmasterenum.h"
#include "gstmastermessage.h"
#include "gstmasteralign.h"
#include "nonfinite.h"

#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_master_saturator_debug);
#define GST_CAT_DEFAULT gst_master_saturator_debug

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_DRIVE,
  PROP_BIAS,
  PROP_MIX,
  PROP_OUTPUT_GAIN,
  PROP_AUTO_GAIN,
  PROP_OVERSAMPLING,
  PROP_INTERVAL,
};

#define DEFAULT_OVERSAMPLING 4

/* Passthrough.
 *
 * Neutral (mix 0, output gain 0 dB, nothing ramping) the dsp's output is
 * its input delayed by `latency` frames, bit-exactly, and the element's
 * output is time-aligned with its input (withheld lead, drained tail), so
 * forwarding input buffers as they are gives the same samples with the
 * same timestamps. Entering passthrough pushes the withheld frames first
 * (drain(): exact copies of the last `latency` input frames), so nothing
 * is lost or repeated. Leaving it, the dsp restarts (neutral, at the new
 * drive/model) on the last HIST_EXTRA + latency frames of input, which
 * were forwarded already: that fills the oversampling filters and the tape
 * pre-emphasis with the real signal, so the saturated path starts without
 * an onset transient; its output is discarded, `latency` output frames are
 * withheld as at a stream start (output frame k still carries input frame
 * k's time), and mix/output gain then ramp from neutral over 20 ms.
 *
 * Latency: the LATENCY query keeps answering the oversampling latency in
 * both modes. Reporting 0 in passthrough would need a latency message (and
 * a pipeline-wide latency redistribution) at every toggle, and a live sink
 * would then drop or stall when the larger latency came back; keeping the
 * larger value constant only means downstream may wait `latency` longer
 * than needed while passthrough (a few ms at most: 94 frames at 2x). */
#define HIST_EXTRA 256

#define CAPS_STR \
  "audio/x-raw, format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], channels = (int) [ 1, 8 ], " \
  "layout = (string) interleaved"

GType
gst_master_saturator_model_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {MASTER_SATURATOR_SOFT_CLIP, "Soft clip: tanh, odd harmonics only",
        "soft-clip"},
    {MASTER_SATURATOR_TUBE,
        "Tube: biased tanh, even harmonics, DC removed", "tube"},
    {MASTER_SATURATOR_TAPE,
          "Tape: soft peak compression, gentle high-frequency loss, "
          "low-frequency bump", "tape"},
    {MASTER_SATURATOR_HARD_CLIP, "Hard clip with a smoothed knee",
        "hard-clip"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&id)) {
    GType t = gst_master_enum_register ("GstMasterSaturatorModel", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

#define gst_master_saturator_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMasterSaturator, gst_master_saturator,
    GST_TYPE_AUDIO_FILTER, G_IMPLEMENT_INTERFACE (GST_TYPE_PRESET, NULL));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (mastersaturator, "mastersaturator",
    GST_RANK_NONE, GST_TYPE_MASTER_SATURATOR,
    GST_DEBUG_CATEGORY_INIT (gst_master_saturator_debug, "mastersaturator", 0,
        "mastersaturator element"));

static guint
round_oversampling (guint v)
{
  if (v <= 1)
    return 1;
  if (v <= 2)
    return 2;
  if (v <= 4)
    return 4;
  return 8;
}

static void
gst_master_saturator_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterSaturator *self = GST_MASTER_SATURATOR (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      self->props.model = g_value_get_enum (value);
      break;
    case PROP_DRIVE:
      self->props.drive_db = g_value_get_double (value);
      break;
    case PROP_BIAS:
      self->props.bias = g_value_get_double (value);
      break;
    case PROP_MIX:
      self->props.mix = g_value_get_double (value);
      break;
    case PROP_OUTPUT_GAIN:
      self->props.output_gain_db = g_value_get_double (value);
      break;
    case PROP_AUTO_GAIN:
      self->props.auto_gain = g_value_get_boolean (value);
      break;
    case PROP_OVERSAMPLING:
      self->oversampling = round_oversampling (g_value_get_uint (value));
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  self->props_dirty = TRUE;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_saturator_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterSaturator *self = GST_MASTER_SATURATOR (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_enum (value, self->props.model);
      break;
    case PROP_DRIVE:
      g_value_set_double (value, self->props.drive_db);
      break;
    case PROP_BIAS:
      g_value_set_double (value, self->props.bias);
      break;
    case PROP_MIX:
      g_value_set_double (value, self->props.mix);
      break;
    case PROP_OUTPUT_GAIN:
      g_value_set_double (value, self->props.output_gain_db);
      break;
    case PROP_AUTO_GAIN:
      g_value_set_boolean (value, self->props.auto_gain);
      break;
    case PROP_OVERSAMPLING:
      g_value_set_uint (value, self->oversampling);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, self->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
restart_stats (GstMasterSaturator * self)
{
  self->stat_frames = 0;
  self->stat_start = GST_CLOCK_TIME_NONE;
  self->in_sumsq = self->out_sumsq = 0.0;
  self->in_peak = self->out_peak = 0.0;
  self->out_samples = 0;
}

static gdouble
to_db (gdouble lin)
{
  return lin > 1e-15 ? 20.0 * log10 (lin) : -300.0;
}

/* The message of the interval that just ended; posted by the caller with
 * no lock held. */
static GstMessage *
build_message (GstMasterSaturator * self, gboolean final)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime ts = self->stat_start;
  gsize in_n = (gsize) self->stat_frames * self->channels;
  GstStructure *st = gst_master_message_structure_new (trans, "mastersaturator",
      ts, gst_util_uint64_scale_int_round (self->stat_frames, GST_SECOND,
          self->rate));
  gst_structure_set (st,
      "input-rms", G_TYPE_DOUBLE, to_db (in_n ? sqrt (self->in_sumsq / in_n) : 0.0),
      "output-rms", G_TYPE_DOUBLE, to_db (self->out_samples ?
          sqrt (self->out_sumsq / self->out_samples) : 0.0),
      "input-peak", G_TYPE_DOUBLE, to_db (self->in_peak),
      "output-peak", G_TYPE_DOUBLE, to_db (self->out_peak),
      "final", G_TYPE_BOOLEAN, final, NULL);
  restart_stats (self);
  return gst_message_new_element (GST_OBJECT (self), st);
}

/* Sum of squares and peak of n samples into *sumsq / *peak, skipping
 * non-finite ones (the input may hold NaN/Inf; the output never does).
 * Eight independent double lanes (masked, no branch), so the loop is not
 * one serial addition chain and vectorises; AVX2 clone where available. */
typedef double v4d __attribute__ ((vector_size (32)));
typedef gint64 v4l __attribute__ ((vector_size (32)));
#pragma GCC diagnostic ignored "-Wpsabi"


static inline __attribute__ ((always_inline)) void
accumulate_lane (v4d v, v4d * s, v4d * p, v4l * bad)
{
  const v4l absmask = (v4l) { 0 } + G_GINT64_CONSTANT (0x7fffffffffffffff);
  v4d a = (v4d) ((v4l) v & absmask);
  v4l finite = a <= ((v4d) { 0 } + G_MAXDOUBLE);     /* false for NaN, Inf */
  v4l up;
  *bad |= ~finite;
  a = (v4d) ((v4l) a & finite);
  *s += a * a;
  up = a > *p;
  *p = (v4d) (((v4l) a & up) | ((v4l) * p & ~up));
}

/* Returns non-zero when any sample was NaN/Inf (passthrough needs no
 * second scan). */
MASTER_CLONES_V3 static gboolean
accumulate_f64 (const double *d, gsize n, gdouble * sumsq, gdouble * peak)
{
  v4d s0 = { 0 }, s1 = { 0 }, p0 = { 0 }, p1 = { 0 };
  v4l bad = { 0 };
  gdouble s = 0.0, p = 0.0;
  gboolean any_bad = FALSE;
  gsize i = 0;
  gint l;

  for (; i + 8 <= n; i += 8) {
    v4d a, b;
    memcpy (&a, d + i, sizeof a);
    memcpy (&b, d + i + 4, sizeof b);
    accumulate_lane (a, &s0, &p0, &bad);
    accumulate_lane (b, &s1, &p1, &bad);
  }
  for (; i < n; i++) {
    gdouble v = d[i];
    gdouble a = fabs (v);
    if (a <= G_MAXDOUBLE) {
      s += v * v;
      p = a > p ? a : p;
    } else {
      any_bad = TRUE;
    }
  }
  s0 += s1;
  *sumsq += ((s0[0] + s0[1]) + (s0[2] + s0[3])) + s;
  for (l = 0; l < 4; l++) {
    p = p0[l] > p ? p0[l] : p;
    p = p1[l] > p ? p1[l] : p;
    any_bad |= bad[l] != 0;
  }
  *peak = p > *peak ? p : *peak;
  return any_bad;
}

/* The same for float samples: the finiteness test, the mask and the peak
 * stay in float (exact), only the squares are summed in double. Returns
 * non-zero when any sample was NaN/Inf, so passthrough needs no second
 * scan. */
typedef float v8s __attribute__ ((vector_size (32)));
typedef gint32 v8i __attribute__ ((vector_size (32)));
typedef float v4s __attribute__ ((vector_size (16)));

MASTER_CLONES_V3 static gboolean
accumulate_f32 (const float *d, gsize n, gdouble * sumsq, gdouble * peak)
{
  const v8i absmask = (v8i) { 0 } + 0x7fffffff;
  const v8s fmax = (v8s) { 0 } + G_MAXFLOAT;
  v4d s0 = { 0 }, s1 = { 0 };
  v8s p = { 0 };
  v8i bad = { 0 };
  gdouble s = 0.0, pk = 0.0;
  gboolean any_bad = FALSE;
  gsize i = 0;
  gint l;

  for (; i + 8 <= n; i += 8) {
    v8s v, a;
    v8i fin;
    v4s lo, hi;
    v4d wl, wh;
    memcpy (&v, d + i, sizeof v);
    a = (v8s) ((v8i) v & absmask);
    fin = a <= fmax;            /* false for NaN and Inf */
    bad |= ~fin;
    a = (v8s) ((v8i) a & fin);
    p = (v8s) (((v8i) a & (a > p)) | ((v8i) p & ~(a > p)));
    memcpy (&lo, &a, sizeof lo);
    memcpy (&hi, (const float *) &a + 4, sizeof hi);
    wl = __builtin_convertvector (lo, v4d);
    wh = __builtin_convertvector (hi, v4d);
    s0 += wl * wl;
    s1 += wh * wh;
  }
  for (; i < n; i++) {
    gdouble v = d[i];
    gdouble a = fabs (v);
    if (a <= G_MAXDOUBLE) {
      s += v * v;
      pk = a > pk ? a : pk;
    } else {
      any_bad = TRUE;
    }
  }
  s0 += s1;
  *sumsq += ((s0[0] + s0[1]) + (s0[2] + s0[3])) + s;
  for (l = 0; l < 8; l++) {
    pk = p[l] > pk ? p[l] : pk;
    any_bad |= bad[l] != 0;
  }
  *peak = pk > *peak ? pk : *peak;
  return any_bad;
}

/* Forget stream position and signal state (start, flush, new caps). */
static void
reset_stream (GstMasterSaturator * self)
{
  if (self->sat)
    master_saturator_reset (self->sat);
  gst_master_align_reset (&self->align, self->latency);
  self->hist_fill = 0;
  self->continues = FALSE;
  if (self->ramp_delay > 0 && self->sat)
    master_saturator_set_params (self->sat, &self->bypass_props);
  self->ramp_delay = 0;
  restart_stats (self);
}

static gboolean
gst_master_saturator_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterSaturator *self = GST_MASTER_SATURATOR (filter);
  MasterSaturatorParams p;
  guint os, old_latency = self->latency;
  gboolean had = self->sat != NULL;

  GST_OBJECT_LOCK (self);
  p = self->props;
  os = self->oversampling;
  self->props_dirty = FALSE;
  GST_OBJECT_UNLOCK (self);

  master_saturator_destroy (&self->sat);
  g_free (self->zeros);
  self->zeros = NULL;
  g_free (self->hist);
  g_free (self->scratch);
  self->hist = self->scratch = NULL;
  self->bypass = FALSE;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);

  self->rate = GST_AUDIO_INFO_RATE (info);
  self->channels = GST_AUDIO_INFO_CHANNELS (info);
  self->bpf = GST_AUDIO_INFO_BPF (info);
  self->is_f64 = GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F64;
  self->sat = master_saturator_new (self->rate, self->channels, os, &p);
  if (!self->sat) {
    GST_ERROR_OBJECT (self, "cannot create saturator (%d Hz, %d ch, %ux)",
        self->rate, self->channels, os);
    return FALSE;
  }
  self->latency = master_saturator_latency (self->sat);
  self->zeros = g_malloc0 ((gsize) MAX (self->latency, 1) * self->bpf);
  self->hist_max = self->latency + HIST_EXTRA;
  self->hist = g_malloc0 ((gsize) self->hist_max * self->bpf);
  self->scratch = g_malloc0 ((gsize) self->hist_max * self->bpf);
  reset_stream (self);
  GST_INFO_OBJECT (self, "%d Hz, %d ch, %s, oversampling %ux, latency %u",
      self->rate, self->channels, self->is_f64 ? "F64" : "F32", os,
      self->latency);

  if (had && old_latency != self->latency)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

static gboolean
gst_master_saturator_start (GstBaseTransform * trans)
{
  GstMasterSaturator *self = GST_MASTER_SATURATOR (trans);
  self->warned_bad = FALSE;
  reset_stream (self);
  return TRUE;
}

static gboolean
gst_master_saturator_stop (GstBaseTransform * trans)
{
  GstMasterSaturator *self = GST_MASTER_SATURATOR (trans);
  master_saturator_destroy (&self->sat);
  g_free (self->zeros);
  self->zeros = NULL;
  g_free (self->hist);
  g_free (self->scratch);
  self->hist = self->scratch = NULL;
  self->latency = 0;
  self->bypass = FALSE;
  gst_base_transform_set_passthrough (trans, FALSE);
  return TRUE;
}

/* Syncs controlled properties to the stream time of `pts` (never under our
 * own lock) and copies the settings into *p; TRUE when they changed since
 * the last copy. */
static gboolean
snapshot_params (GstMasterSaturator * self, GstClockTime pts,
    MasterSaturatorParams * p)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  gboolean dirty;

  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTime st = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, pts);
    if (GST_CLOCK_TIME_IS_VALID (st))
      gst_object_sync_values (GST_OBJECT (self), st);
  }
  GST_OBJECT_LOCK (self);
  dirty = self->props_dirty;
  *p = self->props;
  self->props_dirty = FALSE;
  self->interval_frames = self->interval ?
      MAX (1, gst_util_uint64_scale_round (self->interval, self->rate,
          GST_SECOND)) : 0;
  GST_OBJECT_UNLOCK (self);
  return dirty;
}

/* Syncs and hands changed settings to the dsp. */
static void
sync_params (GstMasterSaturator * self, GstClockTime pts)
{
  MasterSaturatorParams p;

  if (snapshot_params (self, pts, &p))
    master_saturator_set_params (self->sat, &p);
}

static GstClockTime
frames_to_time (GstMasterSaturator * self, guint64 frames)
{
  return gst_util_uint64_scale_int (frames, GST_SECOND, self->rate);
}

static void
process (GstMasterSaturator * self, gpointer dst, gconstpointer src, gint n,
    GstClockTime pts, gboolean count_input)
{
  /* sub-blocks of ~5 ms so controller automation is followed closely, a
   * multiple of 64 frames (the oversampling filters' vector block: other
   * lengths leave tails that cost up to twice as much per frame) */
  const gint chunk = MAX (64, (self->rate / 200 + 32) / 64 * 64);
  gint done = 0, bad = 0;

  while (done < n) {
    gint k = MIN (chunk, n - done);
    gsize off = (gsize) done * self->bpf;
    if (self->ramp_delay > 0) {
      /* just out of passthrough: these frames' output is withheld; the
       * ramp to the new settings starts with the first frame pushed */
      k = MIN (k, self->ramp_delay);
    } else if (GST_CLOCK_TIME_IS_VALID (pts)) {
      sync_params (self, pts + frames_to_time (self, done));
    } else {
      sync_params (self, GST_CLOCK_TIME_NONE);
    }
    /* end chunks on message interval boundaries */
    if (count_input && self->interval_frames > self->stat_frames)
      k = (gint) MIN ((guint64) k, self->interval_frames - self->stat_frames);
    if (self->is_f64)
      bad += master_saturator_process_f64 (self->sat,
          (double *) ((guint8 *) dst + off),
          (const double *) ((const guint8 *) src + off), k);
    else
      bad += master_saturator_process_f32 (self->sat,
          (float *) ((guint8 *) dst + off),
          (const float *) ((const guint8 *) src + off), k);
    if (self->ramp_delay > 0) {
      self->ramp_delay -= k;
      if (self->ramp_delay == 0)
        master_saturator_set_params (self->sat, &self->bypass_props);
    }

    /* levels for the messages: input as it arrives, output as computed
     * (it lags the input by the latency, at most ~2 ms) */
    if (count_input) {
      gsize ns = (gsize) k * self->channels;
      /* the n frames are counted in already */
      if (self->stat_frames == 0)
        self->stat_start = gst_master_align_run_time (&self->align,
            self->align.in_frames - n + done, self->rate);
      if (self->is_f64) {
        accumulate_f64 ((const double *) ((const guint8 *) src + off), ns,
            &self->in_sumsq, &self->in_peak);
        accumulate_f64 ((const double *) ((guint8 *) dst + off), ns,
            &self->out_sumsq, &self->out_peak);
      } else {
        accumulate_f32 ((const float *) ((const guint8 *) src + off), ns,
            &self->in_sumsq, &self->in_peak);
        accumulate_f32 ((const float *) ((guint8 *) dst + off), ns,
            &self->out_sumsq, &self->out_peak);
      }
      self->out_samples += ns;
      self->stat_frames += k;
      if (self->interval_frames > 0
          && self->stat_frames >= self->interval_frames)
        gst_element_post_message (GST_ELEMENT (self),
            build_message (self, FALSE));
    }
    done += k;
  }
  if (bad > 0 && !self->warned_bad) {
    self->warned_bad = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Invalid audio samples"),
        ("%d NaN/Inf input samples replaced by silence (further ones are "
            "replaced without warning)", bad));
  }
}

/* Wraps the processed frames [skip, n) of `data` into an output buffer
 * stamped with the time of the input frames they belong to. */
static GstBuffer *
make_output (GstMasterSaturator * self, GstBuffer * data, gint n)
{
  gint skip = gst_master_align_withhold (&self->align, n);
  gint out_n = n - skip;
  GstBuffer *out;

  if (out_n <= 0) {
    gst_buffer_unref (data);
    return NULL;
  }
  out = gst_buffer_copy_region (data, GST_BUFFER_COPY_MEMORY |
      GST_BUFFER_COPY_FLAGS, (gsize) skip * self->bpf,
      (gsize) out_n * self->bpf);
  gst_buffer_unref (data);
  gst_master_align_run_output (&self->align, out, out_n, self->rate);
  /* just out of passthrough: the output continues the forwarded buffers */
  if (self->continues)
    GST_BUFFER_FLAG_UNSET (out, GST_BUFFER_FLAG_DISCONT);
  self->continues = FALSE;
  return out;
}

static void drain (GstMasterSaturator * self);

/* Adds n frames of `data` to the statistics as both input and output (in
 * passthrough they are the same samples; NaN/Inf, which the output will not
 * carry, are skipped), posting messages on interval boundaries. pts: time
 * of the first frame. Returns TRUE when any sample was NaN/Inf. */
static gboolean
count_bypass (GstMasterSaturator * self, const guint8 * data, gint n,
    GstClockTime pts)
{
  gboolean bad = FALSE;
  gint done = 0;

  while (done < n) {
    gint k = n - done;
    gsize ns;
    gdouble sumsq = 0.0, peak = 0.0;

    if (self->interval_frames > self->stat_frames)
      k = (gint) MIN ((guint64) k, self->interval_frames - self->stat_frames);
    ns = (gsize) k * self->channels;
    if (self->stat_frames == 0)
      self->stat_start = GST_CLOCK_TIME_IS_VALID (pts) ?
          pts + frames_to_time (self, done) : GST_CLOCK_TIME_NONE;
    if (self->is_f64)
      bad |= accumulate_f64 ((const double *) (data + (gsize) done * self->bpf),
          ns, &sumsq, &peak);
    else
      bad |= accumulate_f32 ((const float *) (data + (gsize) done * self->bpf),
          ns, &sumsq, &peak);
    self->in_sumsq += sumsq;
    self->out_sumsq += sumsq;
    self->in_peak = MAX (self->in_peak, peak);
    self->out_peak = MAX (self->out_peak, peak);
    self->out_samples += ns;
    self->stat_frames += k;
    if (self->interval_frames > 0 && self->stat_frames >= self->interval_frames)
      gst_element_post_message (GST_ELEMENT (self),
          build_message (self, FALSE));
    done += k;
  }
  return bad;
}

/* Keeps the last hist_max frames seen in passthrough. */
static void
remember_history (GstMasterSaturator * self, const guint8 * data, gint n)
{
  const gsize bpf = self->bpf;
  guint8 *hist = self->hist;

  /* an empty buffer maps to NULL: memcpy from NULL is undefined even for
   * 0 bytes (UBSan: nonnull argument) */
  if (n <= 0)
    return;
  if ((guint) n >= self->hist_max) {
    memcpy (hist, data + (gsize) (n - self->hist_max) * bpf,
        (gsize) self->hist_max * bpf);
    self->hist_fill = self->hist_max;
  } else {
    guint keep = MIN (self->hist_fill, self->hist_max - (guint) n);
    memmove (hist, hist + (gsize) (self->hist_fill - keep) * bpf,
        (gsize) keep * bpf);
    memcpy (hist + (gsize) keep * bpf, data, (gsize) n * bpf);
    self->hist_fill = keep + n;
  }
}

static void
enter_bypass (GstMasterSaturator * self)
{
  GST_DEBUG_OBJECT (self, "neutral: passthrough");
  /* the withheld frames are exact copies of the last input frames */
  drain (self);
  gst_master_align_reset (&self->align, self->latency);
  self->hist_fill = 0;
  self->bypass = TRUE;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

static void
leave_bypass (GstMasterSaturator * self)
{
  MasterSaturatorParams q = self->bypass_props;

  GST_DEBUG_OBJECT (self, "not neutral: processing (preroll %u frames)",
      self->hist_fill);
  /* restart neutral at the new settings (nothing audible changes while
   * mix is 0), prime the filters with the recent input, then ramp in */
  q.mix = 0.0;
  q.output_gain_db = 0.0;
  master_saturator_set_params (self->sat, &q);
  master_saturator_reset (self->sat);
  if (self->hist_fill > 0) {
    if (self->is_f64)
      master_saturator_process_f64 (self->sat, self->scratch, self->hist,
          self->hist_fill);
    else
      master_saturator_process_f32 (self->sat, self->scratch, self->hist,
          self->hist_fill);
  }
  /* mix and output gain act at output time: ramp them in once the
   * `latency` withheld frames (already forwarded in passthrough) are out */
  self->ramp_delay = self->latency;
  if (self->ramp_delay == 0)
    master_saturator_set_params (self->sat, &self->bypass_props);
  /* the timeline (start, frame counts) of the forwarded buffers goes on:
   * output frame k keeps the time of input frame k */
  gst_master_align_run_relag (&self->align);
  self->hist_fill = 0;
  /* the output continues the forwarded buffers: no DISCONT */
  self->continues = TRUE;
  self->bypass = FALSE;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}

/* Decides at a buffer start whether it passes through (see "Passthrough"
 * above), switching modes when needed. */
static gboolean
update_bypass (GstMasterSaturator * self, GstClockTime pts)
{
  MasterSaturatorParams p;
  gboolean dirty = snapshot_params (self, pts, &p);
  gboolean neutral = p.mix == 0.0 && p.output_gain_db == 0.0
      && !gst_object_has_active_control_bindings (GST_OBJECT (self));

  if (self->bypass) {
    self->bypass_props = p;
    if (!neutral)
      leave_bypass (self);
    return self->bypass;
  }
  if (dirty)
    master_saturator_set_params (self->sat, &p);
  if (neutral && master_saturator_is_neutral (self->sat)) {
    self->bypass_props = p;
    enter_bypass (self);
  }
  return self->bypass;
}

/* Passthrough of one buffer: NaN/Inf are replaced by 0 in a copy (the
 * output must stay finite), levels counted, recent input remembered. */
static GstBuffer *
bypass_buffer (GstMasterSaturator * self, GstBuffer * in)
{
  GstMapInfo map;
  gsize n_samples;
  gboolean bad;
  gint n;

  if (!gst_buffer_map (in, &map, GST_MAP_READ))
    return in;
  n_samples = map.size / (self->is_f64 ? 8 : 4);
  n = map.size / self->bpf;
  /* follow the input timeline (a later switch to processing continues
   * it); a timestamp jump starts a new one */
  if (gst_master_align_run_jumps (&self->align, GST_BUFFER_PTS (in),
          self->rate, frames_to_time (self, 1))) {
    gst_master_align_reset (&self->align, self->latency);
    self->hist_fill = 0;
  }
  gst_master_align_run_forward (&self->align, GST_BUFFER_PTS (in), n);
  bad = count_bypass (self, map.data, n, GST_BUFFER_PTS (in));
  if (bad) {
    GstBuffer *out = gst_buffer_new_allocate (NULL, map.size, NULL);
    GstMapInfo omap;
    gsize replaced;

    gst_buffer_copy_into (out, in, GST_BUFFER_COPY_METADATA, 0, -1);
    gst_buffer_map (out, &omap, GST_MAP_WRITE);
    replaced = self->is_f64 ?
        master_nonfinite_zero_f64 ((double *) omap.data,
        (const double *) map.data, n_samples) :
        master_nonfinite_zero_f32 ((float *) omap.data,
        (const float *) map.data, n_samples);
    remember_history (self, omap.data, n);
    gst_buffer_unmap (out, &omap);
    gst_buffer_unmap (in, &map);
    gst_buffer_unref (in);
    if (!self->warned_bad) {
      self->warned_bad = TRUE;
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Invalid audio samples"),
          ("%" G_GSIZE_FORMAT " NaN/Inf input samples replaced by silence "
              "(further ones are replaced without warning)", replaced));
    }
    return out;
  }
  remember_history (self, map.data, n);
  gst_buffer_unmap (in, &map);
  return in;
}

static GstFlowReturn
gst_master_saturator_generate_output (GstBaseTransform * trans,
    GstBuffer ** outbuf)
{
  GstMasterSaturator *self = GST_MASTER_SATURATOR (trans);
  GstBuffer *in = trans->queued_buf;
  GstBuffer *work;
  GstMapInfo imap, wmap;
  gint n;

  *outbuf = NULL;
  if (!in)
    return GST_FLOW_OK;
  trans->queued_buf = NULL;

  if (!self->sat) {
    gst_buffer_unref (in);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (update_bypass (self, GST_BUFFER_PTS (in))) {
    *outbuf = bypass_buffer (self, in);
    return GST_FLOW_OK;
  }
  if (!gst_buffer_map (in, &imap, GST_MAP_READ)) {
    gst_buffer_unref (in);
    return GST_FLOW_ERROR;
  }
  n = imap.size / self->bpf;
  /* a timestamp jump (gap, non-flushing segment change): finish the old
   * run (push its withheld tail) and start a new one at the new time */
  if (gst_master_align_run_jumps (&self->align, GST_BUFFER_PTS (in),
          self->rate, frames_to_time (self, 1))) {
    GST_DEBUG_OBJECT (self, "timestamp jump at %" GST_TIME_FORMAT
        ": draining and restarting", GST_TIME_ARGS (GST_BUFFER_PTS (in)));
    drain (self);
  }
  gst_master_align_run_input (&self->align, GST_BUFFER_PTS (in),
      GST_BUFFER_OFFSET_NONE, n);
  work = gst_buffer_new_allocate (NULL, (gsize) n * self->bpf, NULL);
  gst_buffer_copy_into (work, in, GST_BUFFER_COPY_FLAGS, 0, 0);
  gst_buffer_map (work, &wmap, GST_MAP_WRITE);
  process (self, wmap.data, imap.data, n, GST_BUFFER_PTS (in), TRUE);
  gst_buffer_unmap (work, &wmap);
  gst_buffer_unmap (in, &imap);
  gst_buffer_unref (in);

  *outbuf = make_output (self, work, n);
  return GST_FLOW_OK;
}

/* EOS: push the withheld tail (the last `latency` input frames). */
static void
drain (GstMasterSaturator * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstBuffer *work, *out;
  GstMapInfo wmap;
  gint n = gst_master_align_drain_frames (&self->align);

  if (self->bypass) {
    /* nothing withheld; the next buffer starts a new timeline */
    gst_master_align_reset (&self->align, self->latency);
    self->hist_fill = 0;
    return;
  }
  if (!self->sat)
    return;
  if (n == 0) {
    /* nothing withheld (no lookahead at 1x, or nothing fed yet): the next
     * buffer still starts a new run at its own time */
    gst_master_align_reset (&self->align, self->latency);
    master_saturator_reset (self->sat);
    return;
  }
  work = gst_buffer_new_allocate (NULL, (gsize) n * self->bpf, NULL);
  gst_buffer_map (work, &wmap, GST_MAP_WRITE);
  process (self, wmap.data, self->zeros, n, GST_CLOCK_TIME_NONE, FALSE);
  gst_buffer_unmap (work, &wmap);
  out = make_output (self, work, n);
  if (out) {
    GstFlowReturn ret;
    GST_DEBUG_OBJECT (self, "draining %" G_GSIZE_FORMAT " frames",
        gst_buffer_get_size (out) / self->bpf);
    ret = gst_pad_push (trans->srcpad, out);
    if (ret != GST_FLOW_OK)
      GST_DEBUG_OBJECT (self, "drain push: %s", gst_flow_get_name (ret));
  }
  /* nothing left to withhold or drain until the next reset */
  gst_master_align_reset (&self->align, self->latency);
  master_saturator_reset (self->sat);
}

static gboolean
gst_master_saturator_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasterSaturator *self = GST_MASTER_SATURATOR (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      drain (self);
      if (self->stat_frames > 0)
        gst_element_post_message (GST_ELEMENT (self),
            build_message (self, TRUE));
      break;
    case GST_EVENT_FLUSH_STOP:
      reset_stream (self);
      break;
    case GST_EVENT_CAPS:
    case GST_EVENT_SEGMENT:
    case GST_EVENT_GAP:
      /* the withheld frames belong before this event (old format, old
       * segment, before the gap): push them first */
      drain (self);
      break;
    case GST_EVENT_STREAM_START:
      self->warned_bad = FALSE;
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_master_saturator_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstMasterSaturator *self = GST_MASTER_SATURATOR (trans);

  if (direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    GstClockTime ours;
    if (!gst_pad_peer_query (trans->sinkpad, query))
      return FALSE;
    ours = self->rate > 0 ? frames_to_time (self, self->latency) : 0;
    GST_DEBUG_OBJECT (self, "adding latency %" GST_TIME_FORMAT,
        GST_TIME_ARGS (ours));
    gst_master_latency_query_add (query, ours);
    return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
      query);
}

static void
gst_master_saturator_finalize (GObject * object)
{
  GstMasterSaturator *self = GST_MASTER_SATURATOR (object);
  master_saturator_destroy (&self->sat);
  g_free (self->zeros);
  g_free (self->hist);
  g_free (self->scratch);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_master_saturator_class_init (GstMasterSaturatorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  const GParamFlags ctl = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_CONTROLLABLE;
  GstCaps *caps;

  gobject_class->set_property = gst_master_saturator_set_property;
  gobject_class->get_property = gst_master_saturator_get_property;
  gobject_class->finalize = gst_master_saturator_finalize;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_enum ("model", "Model",
          "Saturation model; a change while playing fades the saturated part out "
          "and back in (about 25 ms dip of the wet signal, no click)",
          GST_TYPE_MASTER_SATURATOR_MODEL, MASTER_SATURATOR_SOFT_CLIP,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DRIVE,
      g_param_spec_double ("drive", "Drive",
          "Gain into the shaper, in dB (ramped over 20 ms)",
          MASTER_SATURATOR_DRIVE_MIN_DB, MASTER_SATURATOR_DRIVE_MAX_DB, 0.0,
          ctl));
  g_object_class_install_property (gobject_class, PROP_BIAS,
      g_param_spec_double ("bias", "Bias",
          "Tube operating-point offset, unitless (-1..1, added to the "
          "driven signal in full-scale units; more = more even harmonics; "
          "tube model only)", MASTER_SATURATOR_BIAS_MIN,
          MASTER_SATURATOR_BIAS_MAX, 0.2, ctl));
  g_object_class_install_property (gobject_class, PROP_MIX,
      g_param_spec_double ("mix", "Mix",
          "Wet share, linear fraction (0 = dry only, 1 = saturated only)",
          0.0, 1.0, 1.0, ctl));
  g_object_class_install_property (gobject_class, PROP_OUTPUT_GAIN,
      g_param_spec_double ("output-gain", "Output gain",
          "Gain after the mix, in dB", MASTER_SATURATOR_GAIN_MIN_DB,
          MASTER_SATURATOR_GAIN_MAX_DB, 0.0, ctl));
  g_object_class_install_property (gobject_class, PROP_AUTO_GAIN,
      g_param_spec_boolean ("auto-gain", "Auto gain",
          "Scale the saturated signal so its loudness stays about equal as "
          "drive changes (RMS match of a -12 dBFS sine, in dB)", TRUE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_OVERSAMPLING,
      g_param_spec_uint ("oversampling", "Oversampling",
          "Oversampling factor, times the sample rate (1, 2, 4 or 8; other "
          "values round up); sets the latency (0/94/101/103 samples)",
          1, 8, DEFAULT_OVERSAMPLING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Audio time between mastersaturator level messages, in "
          "nanoseconds (0 = only the final message at EOS)", 0, G_MAXUINT64,
          0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "Mastering saturator", "Filter/Effect/Audio",
      "Oversampled analog-style saturation (soft clip, tube, tape, hard "
      "clip) with mix and auto gain, latency-compensated",
      "gst-mastering");

  caps = gst_caps_from_string (CAPS_STR);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_master_saturator_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_master_saturator_stop);
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_master_saturator_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_saturator_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_master_saturator_query);
  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_saturator_setup);

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_SATURATOR_MODEL, 0);
}

static void
gst_master_saturator_init (GstMasterSaturator * self)
{
  master_saturator_params_init (&self->props);
  self->oversampling = DEFAULT_OVERSAMPLING;
  self->props_dirty = TRUE;
  gst_master_align_reset (&self->align, 0);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), FALSE);
}
