/* masterdsp: stereo imager. See imager.h for the signal flow and design. */
#include "imager.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "master-orc.h"
#include "kernels-ref.h"
#include "nonfinite.h"

/* frames per inner block: scratch buffers live in the struct (no allocation
 * in process) */
#define BLOCK 256
/* the bass-mono frequency glides in sub-blocks of this many frames, with the
 * filter coefficients recomputed at each one */
#define GLIDE_FRAMES 32
/* frames per float partial sum of the statistics */
#define STATS_CHUNK 256

/* A linear ramp: `cur` moves by `step` per frame for `left` frames, then is
 * set exactly to `target`. */
typedef struct {
  double cur;
  double target;
  double step;
  int64_t left;
} Ramp;

/* 2nd-order section, transposed direct form II, coefficients normalised by
 * a0. State z1, z2 in double (low cut-off frequencies need the precision). */
typedef struct {
  double b0, b1, b2, a1, a2;
  double z1, z2;
} Biquad;

struct MasterImager {
  double rate;                  /* Hz */
  int64_t ramp_frames;          /* smoothing length in frames */
  MasterImagerParams params;    /* last targets, clamped */

  Ramp gm;                      /* mid gain, linear */
  Ramp gsw;                     /* side gain times width, linear */
  Ramp bl, br;                  /* balance gains, linear */
  Ramp bm;                      /* bass-mono mix 0..1 (0 = filter bypassed) */
  Ramp fc_log2;                 /* bass-mono frequency, log2(Hz) */
  int bm_enabled;               /* 1 while the side filter runs */

  Biquad hp[2];                 /* LR4 high-pass on the side signal */

  MasterImagerStats stats;

  /* scratch: M/S frames and per-sample gain pairs */
  float tf[2 * BLOCK];
  float tf2[2 * BLOCK];
  float gf[2 * BLOCK];
  double td[2 * BLOCK];
  double td2[2 * BLOCK];
  double gd[2 * BLOCK];
};

/* ---- parameters ---- */

void
master_imager_params_init (MasterImagerParams * p)
{
  p->width = 1.0;
  p->mid_gain_db = 0.0;
  p->side_gain_db = 0.0;
  p->bass_mono_hz = 0.0;
  p->balance = 0.0;
}

int
master_imager_params_is_neutral (const MasterImagerParams * p)
{
  return p->width == 1.0 && p->mid_gain_db == 0.0 && p->side_gain_db == 0.0
      && p->bass_mono_hz <= 0.0 && p->balance == 0.0;
}

static double
clampd (double v, double lo, double hi)
{
  /* NaN-safe: NaN goes to lo */
  if (!(v >= lo))
    return lo;
  if (v > hi)
    return hi;
  return v;
}

static double
db_to_lin (double db)
{
  return pow (10.0, db / 20.0);
}

/* ---- ramps ---- */

static void
ramp_snap (Ramp * r, double v)
{
  r->cur = r->target = v;
  r->step = 0.0;
  r->left = 0;
}

static void
ramp_to (Ramp * r, double target, int64_t frames)
{
  if (target == r->target && (r->left > 0 || r->cur == target))
    return;
  r->target = target;
  if (frames <= 0 || r->cur == target) {
    ramp_snap (r, target);
    return;
  }
  r->step = (target - r->cur) / (double) frames;
  r->left = frames;
}

static inline double
ramp_next (Ramp * r)
{
  double v = r->cur;
  if (r->left > 0) {
    if (--r->left == 0)
      r->cur = r->target;
    else
      r->cur += r->step;
  }
  return v;
}

/* advance a ramp by n frames without reading the values */
static void
ramp_skip (Ramp * r, int64_t n)
{
  if (r->left <= 0)
    return;
  if (n >= r->left) {
    ramp_snap (r, r->target);
  } else {
    r->left -= n;
    r->cur += r->step * (double) n;
  }
}

static int
ramp_is_const (const Ramp * r, double v)
{
  return r->left == 0 && r->cur == v;
}

/* ---- bass-mono filter ---- */

static void
biquad_design (Biquad * q, double rate, double fc, int highpass)
{
  /* Butterworth 2nd order (Q = 1/sqrt2) by the bilinear transform with
   * pre-warping at fc (RBJ cookbook form). */
  double w0 = 2.0 * M_PI * fc / rate;
  double c = cos (w0), s = sin (w0);
  double alpha = s / (2.0 * M_SQRT1_2);
  double a0 = 1.0 + alpha;
  if (highpass) {
    q->b0 = (1.0 + c) / 2.0 / a0;
    q->b1 = -(1.0 + c) / a0;
  } else {
    q->b0 = (1.0 - c) / 2.0 / a0;
    q->b1 = (1.0 - c) / a0;
  }
  q->b2 = q->b0;
  q->a1 = -2.0 * c / a0;
  q->a2 = (1.0 - alpha) / a0;
}

static void
bm_design (MasterImager * im, double fc)
{
  double nyq = 0.45 * im->rate;
  if (fc > nyq)
    fc = nyq;
  biquad_design (&im->hp[0], im->rate, fc, 1);
  biquad_design (&im->hp[1], im->rate, fc, 1);
}

static void
bm_clear_state (MasterImager * im)
{
  im->hp[0].z1 = im->hp[0].z2 = 0.0;
  im->hp[1].z1 = im->hp[1].z2 = 0.0;
}

static inline double
biquad_tick (Biquad * q, double x)
{
  double y = q->b0 * x + q->z1;
  q->z1 = q->b1 * x - q->a1 * y + q->z2;
  q->z2 = q->b2 * x - q->a2 * y;
  return y;
}

static void
flush_denormals (Biquad * q)
{
  if (fabs (q->z1) < 1e-30)
    q->z1 = 0.0;
  if (fabs (q->z2) < 1e-30)
    q->z2 = 0.0;
}

/* |H(e^jw)| of a biquad, with its real and imaginary parts */
static double
complex_mag (const Biquad * q, double w, double *re_out, double *im_out)
{
  /* H = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2), z = e^jw */
  double c1 = cos (w), s1 = -sin (w), c2 = cos (2 * w), s2 = -sin (2 * w);
  double nr = q->b0 + q->b1 * c1 + q->b2 * c2;
  double ni = q->b1 * s1 + q->b2 * s2;
  double dr = 1.0 + q->a1 * c1 + q->a2 * c2;
  double di = q->a1 * s1 + q->a2 * s2;
  double den = dr * dr + di * di;
  *re_out = (nr * dr + ni * di) / den;
  *im_out = (ni * dr - nr * di) / den;
  return sqrt (*re_out * *re_out + *im_out * *im_out);
}

double
master_imager_bass_mono_response (double rate, double fc, double freq,
    int which)
{
  Biquad hp, lp;
  double w = 2.0 * M_PI * freq / rate;
  double hr, hi, lr, li;
  biquad_design (&hp, rate, fc, 1);
  biquad_design (&lp, rate, fc, 0);
  complex_mag (&hp, w, &hr, &hi);
  complex_mag (&lp, w, &lr, &li);
  /* LR4 = section squared */
  double h4r = hr * hr - hi * hi, h4i = 2 * hr * hi;
  double l4r = lr * lr - li * li, l4i = 2 * lr * li;
  switch (which) {
    case 0:
      return sqrt (h4r * h4r + h4i * h4i);
    case 1:
      return sqrt (l4r * l4r + l4i * l4i);
    default:{
      double sr = h4r + l4r, si = h4i + l4i;
      return sqrt (sr * sr + si * si);
    }
  }
}

/* ---- lifetime ---- */

MasterImager *
master_imager_new (double rate)
{
  MasterImager *im;
  if (!(rate >= 1000.0))
    return NULL;
  im = calloc (1, sizeof (*im));
  if (!im)
    return NULL;
  im->rate = rate;
  master_imager_params_init (&im->params);
  master_imager_set_smoothing (im, 0.02);
  ramp_snap (&im->gm, 1.0);
  ramp_snap (&im->gsw, 1.0);
  ramp_snap (&im->bl, 1.0);
  ramp_snap (&im->br, 1.0);
  ramp_snap (&im->bm, 0.0);
  ramp_snap (&im->fc_log2, log2 (120.0));
  bm_design (im, 120.0);
  return im;
}

void
master_imager_free (MasterImager ** im)
{
  if (im && *im) {
    free (*im);
    *im = NULL;
  }
}

void
master_imager_set_smoothing (MasterImager * im, double seconds)
{
  if (!(seconds >= 0.0))
    seconds = 0.0;
  im->ramp_frames = (int64_t) llround (seconds * im->rate);
}

void
master_imager_set_params (MasterImager * im, const MasterImagerParams * p)
{
  MasterImagerParams c;
  double bl, br;
  int64_t n = im->ramp_frames;

  c.width = clampd (p->width, 0.0, MASTER_IMAGER_WIDTH_MAX);
  c.mid_gain_db = clampd (p->mid_gain_db, -120.0, 24.0);
  c.side_gain_db = clampd (p->side_gain_db, -120.0, 24.0);
  c.bass_mono_hz = clampd (p->bass_mono_hz, 0.0, 0.45 * im->rate);
  if (c.bass_mono_hz > 0.0 && c.bass_mono_hz < MASTER_IMAGER_BASS_MONO_MIN_HZ)
    c.bass_mono_hz = MASTER_IMAGER_BASS_MONO_MIN_HZ;
  c.balance = clampd (p->balance, -1.0, 1.0);
  im->params = c;

  ramp_to (&im->gm, c.mid_gain_db == 0.0 ? 1.0 : db_to_lin (c.mid_gain_db), n);
  ramp_to (&im->gsw, c.width * (c.side_gain_db == 0.0 ? 1.0 :
          db_to_lin (c.side_gain_db)), n);
  bl = c.balance > 0.0 ? 1.0 - c.balance : 1.0;
  br = c.balance < 0.0 ? 1.0 + c.balance : 1.0;
  ramp_to (&im->bl, bl, n);
  ramp_to (&im->br, br, n);

  if (c.bass_mono_hz > 0.0) {
    double l2 = log2 (c.bass_mono_hz);
    if (!im->bm_enabled) {
      /* switching on: start at the target frequency with a clean filter
       * and fade the filtered side in */
      im->bm_enabled = 1;
      bm_clear_state (im);
      ramp_snap (&im->fc_log2, l2);
      bm_design (im, c.bass_mono_hz);
    } else {
      ramp_to (&im->fc_log2, l2, n);
    }
    ramp_to (&im->bm, 1.0, n);
  } else {
    ramp_to (&im->bm, 0.0, n);
  }
}

void
master_imager_reset (MasterImager * im)
{
  ramp_snap (&im->gm, im->gm.target);
  ramp_snap (&im->gsw, im->gsw.target);
  ramp_snap (&im->bl, im->bl.target);
  ramp_snap (&im->br, im->br.target);
  ramp_snap (&im->bm, im->bm.target);
  ramp_snap (&im->fc_log2, im->fc_log2.target);
  if (im->bm.cur == 0.0)
    im->bm_enabled = 0;
  bm_design (im, exp2 (im->fc_log2.cur));
  bm_clear_state (im);
}

int
master_imager_is_neutral (const MasterImager * im)
{
  return ramp_is_const (&im->gm, 1.0) && ramp_is_const (&im->gsw, 1.0)
      && ramp_is_const (&im->bl, 1.0) && ramp_is_const (&im->br, 1.0)
      && !im->bm_enabled;
}

/* ---- statistics ---- */

void
master_imager_take_stats (MasterImager * im, MasterImagerStats * out)
{
  *out = im->stats;
  memset (&im->stats, 0, sizeof (im->stats));
}

double
master_imager_stats_correlation (const MasterImagerStats * s)
{
  double d = s->sum_ll * s->sum_rr;
  if (!(d > 0.0))
    return 0.0;
  return clampd (s->sum_lr / sqrt (d), -1.0, 1.0);
}

static double
level_db (double sum, uint64_t n)
{
  double ms;
  if (n == 0 || !(sum > 0.0))
    return MASTER_IMAGER_LEVEL_FLOOR_DB;
  ms = sum / (double) n;
  return fmax (10.0 * log10 (ms), MASTER_IMAGER_LEVEL_FLOOR_DB);
}

double
master_imager_stats_mid_db (const MasterImagerStats * s)
{
  /* sum M^2 = sum (L+R)^2 / 4 */
  return level_db ((s->sum_ll + 2.0 * s->sum_lr + s->sum_rr) / 4.0,
      s->n_frames);
}

double
master_imager_stats_side_db (const MasterImagerStats * s)
{
  return level_db ((s->sum_ll - 2.0 * s->sum_lr + s->sum_rr) / 4.0,
      s->n_frames);
}

#define DEFINE_STATS(fmt, T) \
/* Sums in float over at most STATS_CHUNK frames in four independent lanes \
 * (no serial add chain; vectorised), added to the double totals per chunk: \
 * relative error ~1e-5, far below what dB and correlation figures show. */ \
static void \
stats_add_##fmt (MasterImagerStats * st, const T * x, size_t n) \
{ \
  size_t i = 0; \
  st->n_frames += n; \
  while (i < n) { \
    size_t end = n - i > STATS_CHUNK ? i + STATS_CHUNK : n; \
    float ll[4] = { 0 }, rr[4] = { 0 }, lr[4] = { 0 }; \
    size_t k; \
    for (; i + 4 <= end; i += 4) { \
      for (k = 0; k < 4; k++) { \
        float l = (float) x[2 * (i + k)], r = (float) x[2 * (i + k) + 1]; \
        ll[k] += l * l; \
        rr[k] += r * r; \
        lr[k] += l * r; \
      } \
    } \
    for (; i < end; i++) { \
      float l = (float) x[2 * i], r = (float) x[2 * i + 1]; \
      ll[0] += l * l; \
      rr[0] += r * r; \
      lr[0] += l * r; \
    } \
    st->sum_ll += (double) (ll[0] + ll[1]) + (double) (ll[2] + ll[3]); \
    st->sum_rr += (double) (rr[0] + rr[1]) + (double) (rr[2] + rr[3]); \
    st->sum_lr += (double) (lr[0] + lr[1]) + (double) (lr[2] + lr[3]); \
  } \
} \
\
void \
master_imager_analyse_##fmt (MasterImager * im, const T * src, size_t n) \
{ \
  double ll = 0.0, rr = 0.0, lr = 0.0; \
  size_t i; \
  if (!master_nonfinite_any_##fmt (src, 2 * n)) { \
    stats_add_##fmt (&im->stats, src, n); \
    return; \
  } \
  for (i = 0; i < n; i++) { \
    double l = src[2 * i], r = src[2 * i + 1]; \
    if (!isfinite (l) || !isfinite (r)) \
      continue; \
    ll += l * l; \
    rr += r * r; \
    lr += l * r; \
  } \
  im->stats.sum_ll += ll; \
  im->stats.sum_rr += rr; \
  im->stats.sum_lr += lr; \
  im->stats.n_frames += n; \
}

DEFINE_STATS (f32, float)
DEFINE_STATS (f64, double)

/* ---- processing ---- */

/* Bass-mono side filter on the S slots of interleaved M,S frames. Runs only
 * while enabled; mixes filtered and unfiltered side by the bm ramp. */
#define DEFINE_SIDE_FILTER(fmt, T) \
static void \
side_filter_##fmt (MasterImager * im, T * ms, size_t n) \
{ \
  size_t i = 0; \
  while (i < n) { \
    size_t len = n - i; \
    size_t k; \
    if (im->fc_log2.left > 0) { \
      /* glide: recompute coefficients every GLIDE_FRAMES frames */ \
      if (len > GLIDE_FRAMES) \
        len = GLIDE_FRAMES; \
      bm_design (im, exp2 (im->fc_log2.cur)); \
      ramp_skip (&im->fc_log2, (int64_t) len); \
    } \
    if (ramp_is_const (&im->bm, 1.0)) { \
      for (k = i; k < i + len; k++) { \
        double s = ms[2 * k + 1]; \
        s = biquad_tick (&im->hp[1], biquad_tick (&im->hp[0], s)); \
        ms[2 * k + 1] = (T) s; \
      } \
    } else { \
      for (k = i; k < i + len; k++) { \
        double s = ms[2 * k + 1]; \
        double m = ramp_next (&im->bm); \
        double h = biquad_tick (&im->hp[1], biquad_tick (&im->hp[0], s)); \
        ms[2 * k + 1] = (T) (s + m * (h - s)); \
      } \
    } \
    i += len; \
  } \
  flush_denormals (&im->hp[0]); \
  flush_denormals (&im->hp[1]); \
  if (ramp_is_const (&im->bm, 0.0)) { \
    im->bm_enabled = 0; \
    bm_clear_state (im); \
  } \
}

DEFINE_SIDE_FILTER (f32, float)
DEFINE_SIDE_FILTER (f64, double)

/* Fill interleaved gain pairs from two ramps; returns 1 if the pair is
 * (1, 1) for the whole block (multiplication can be skipped). */
#define DEFINE_FILL(fmt, T) \
static int \
fill_pair_##fmt (T * g, Ramp * a, Ramp * b, size_t n) \
{ \
  size_t i; \
  if (ramp_is_const (a, 1.0) && ramp_is_const (b, 1.0)) \
    return 1; \
  if (a->left == 0 && b->left == 0) { \
    T ga = (T) a->cur, gb = (T) b->cur; \
    for (i = 0; i < n; i++) { \
      g[2 * i] = ga; \
      g[2 * i + 1] = gb; \
    } \
    return 0; \
  } \
  for (i = 0; i < n; i++) { \
    g[2 * i] = (T) ramp_next (a); \
    g[2 * i + 1] = (T) ramp_next (b); \
  } \
  return 0; \
}

DEFINE_FILL (f32, float)
DEFINE_FILL (f64, double)


/* Scratch use (no in-place calls: the ORC prototypes are restrict):
 * ta <- encode(in); bass mono on ta; tb <- gains(ta); decode into the free
 * scratch buffer and apply balance from it into dst, or decode into dst. */
#define DEFINE_PROCESS(fmt, T, ta, tb, gbuf, ENC, DEC, GAINC) \
size_t \
master_imager_process_##fmt (MasterImager * im, T * dst, const T * src, \
    size_t n_frames) \
{ \
  size_t bad = 0; \
  while (n_frames > 0) { \
    size_t b = n_frames < BLOCK ? n_frames : BLOCK; \
    const T *in = src; \
    if (master_nonfinite_any_##fmt (src, 2 * b)) { \
      bad += master_nonfinite_zero_##fmt (dst, src, 2 * b); \
      in = dst; \
      bm_clear_state (im); \
    } \
    if (master_imager_is_neutral (im)) { \
      if (dst != in) \
        memcpy (dst, in, 2 * b * sizeof (T)); \
    } else { \
      T *ms = im->ta, *spare = im->tb; \
      ENC (im->ta, in, (int) b); \
      if (im->bm_enabled) \
        side_filter_##fmt (im, im->ta, b); \
      if (!fill_pair_##fmt (im->gbuf, &im->gm, &im->gsw, b)) { \
        GAINC (im->tb, im->ta, im->gbuf, (int) (2 * b)); \
        ms = im->tb; \
        spare = im->ta; \
      } \
      if (!fill_pair_##fmt (im->gbuf, &im->bl, &im->br, b)) { \
        DEC (spare, ms, (int) b); \
        GAINC (dst, spare, im->gbuf, (int) (2 * b)); \
      } else { \
        DEC (dst, ms, (int) b); \
      } \
    } \
    stats_add_##fmt (&im->stats, dst, b); \
    src += 2 * b; \
    dst += 2 * b; \
    n_frames -= b; \
  } \
  return bad; \
}

DEFINE_PROCESS (f32, float, tf, tf2, gf, master_ms_encode_f32,
    master_ms_decode_f32, master_orc_gain_curve_f32)
DEFINE_PROCESS (f64, double, td, td2, gd, master_ms_encode_f64,
    master_ms_decode_f64, master_orc_gain_curve_f64)
