/* Saturator (see saturator.h). */
#include "saturator.h"
#include "simd.h"
#include "oversampler.h"
#include "nonfinite.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Base-rate frames per internal block: bounds the scratch buffers. */
#define BLOCK 128
/* Dry delay-line length in blocks (see dry_make_room()). */
#define DRY_BLOCKS 8
/* Hard-clip knee sharpness (the smoothed box has edges of width ~1/k). */
#define HARD_KNEE_K 3.0f
/* Tube DC blocker corner, Hz. */
#define DC_BLOCK_HZ 5.0
/* Tape: pre-emphasis shelf (+3 dB between the two corners), HF loss corner,
 * head bump. */
#define TAPE_EMPH_LO_HZ 2121.0
#define TAPE_EMPH_HI_HZ 3000.0
#define TAPE_HF_LOSS_HZ 18000.0
#define TAPE_BUMP_HZ 70.0
#define TAPE_BUMP_DB 1.5
#define TAPE_BUMP_Q 0.9
/* Model switch: fade time and extra hold after the latency, frames/seconds. */
#define SWITCH_FADE_S 0.010
#define SWITCH_HOLD_EXTRA 64
enum { SWITCH_IDLE, SWITCH_FADE_OUT, SWITCH_HOLD, SWITCH_FADE_IN };
/* The wet input is clamped to this magnitude: keeps float filters finite. */
#define WET_CLAMP 1e6

/* Shapers: 8 float lanes (one AVX2 register; two SSE halves on the x86-64
 * baseline). Recursive filters: 2 double lanes = two channels. */
typedef float v4f __attribute__ ((vector_size (64)));
typedef int v4i __attribute__ ((vector_size (64)));
typedef double v2d __attribute__ ((vector_size (16)));
/* the helpers below are always inlined: no v4f crosses a call boundary */
#pragma GCC diagnostic ignored "-Wpsabi"


/* ---- smoothed parameters ----
 * A change moves from the current value to the target along a smoothstep
 * (3t^2 - 2t^3) over `len` frames: no value step and no slope step at
 * either end (a linear gain ramp leaves a slope step, a measurable kink
 * on loud low tones), and it lands exactly on the target. */
typedef struct {
  double cur;
  double target;
  double start;
  int len;
  int remaining;                /* frames left; 0 = settled */
} Ramp;

static void
ramp_jump (Ramp * r, double v)
{
  r->cur = r->target = r->start = v;
  r->len = 0;
  r->remaining = 0;
}

static void
ramp_set (Ramp * r, double target, int len)
{
  if (target == r->target)
    return;
  if (len <= 0) {
    ramp_jump (r, target);
    return;
  }
  r->target = target;
  r->start = r->cur;
  r->len = len;
  r->remaining = len;
}

static inline double
ramp_next (Ramp * r)
{
  if (r->remaining > 0) {
    if (--r->remaining == 0) {
      r->cur = r->target;
    } else {
      double t = (double) (r->len - r->remaining) / r->len;
      r->cur = r->start + (r->target - r->start) * t * t * (3.0 - 2.0 * t);
    }
  }
  return r->cur;
}

/* ---- recursive filters: double precision, two channels per vector ----
 * Direct form I, y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2: the only
 * dependence on the previous output is one multiply-add, so a sample costs
 * one FMA latency per section, and cascaded sections overlap. The
 * coefficients come from an analog prototype (design below); the state
 * stays in registers across a block. */
typedef struct {
  double b0, b1, b2, a1, a2;
} Biquad;

typedef struct {
  v2d x1, x2, y1, y2;
} BiquadState;

MASTER_ALWAYS_INLINE v2d
biquad_run (const Biquad * f, BiquadState * z, v2d x)
{
  v2d y = (f->b0 * x + f->b1 * z->x1 + f->b2 * z->x2) - f->a2 * z->y2
      - f->a1 * z->y1;
  z->x2 = z->x1;
  z->x1 = x;
  z->y2 = z->y1;
  z->y1 = y;
  return y;
}

/* first-order section (b2 = a2 = 0) */
MASTER_ALWAYS_INLINE v2d
first_order_run (const Biquad * f, BiquadState * z, v2d x)
{
  v2d y = (f->b0 * x + f->b1 * z->x1) - f->a1 * z->y1;
  z->x1 = x;
  z->y1 = y;
  return y;
}

/* zero below 1e-25 (denormal-free, keeps the state finite) */
MASTER_ALWAYS_INLINE v2d
flush_tiny (v2d v)
{
  v2d a = { fabs (v[0]), fabs (v[1]) };
  typedef long long v2l __attribute__ ((vector_size (16)));
  return (v2d) ((v2l) v & (v2l) (a > 1e-25));
}

static void
biquad_state_flush (BiquadState * z)
{
  z->x1 = flush_tiny (z->x1);
  z->x2 = flush_tiny (z->x2);
  z->y1 = flush_tiny (z->y1);
  z->y2 = flush_tiny (z->y2);
}

/* First-order shelf/low-pass from analog (1 + s/wz)/(1 + s/wp) (wz <= 0:
 * numerator 1), bilinear with both corners pre-warped. */
static void
design_first_order (Biquad * f, double fz, double fp, double rate)
{
  double cp = 1.0 / tan (M_PI * fp / rate);
  double nb0, nb1;
  double a0 = 1.0 + cp, a1 = 1.0 - cp;

  if (fz > 0.0) {
    double cz = 1.0 / tan (M_PI * fz / rate);
    nb0 = 1.0 + cz;
    nb1 = 1.0 - cz;
  } else {
    nb0 = 1.0;
    nb1 = 1.0;
  }
  f->b0 = nb0 / a0;
  f->b1 = nb1 / a0;
  f->b2 = 0.0;
  f->a1 = a1 / a0;
  f->a2 = 0.0;
}

/* RBJ cookbook peaking EQ. */
static void
design_peak (Biquad * f, double f0, double db, double q, double rate)
{
  double A = pow (10.0, db / 40.0);
  double w = 2.0 * M_PI * f0 / rate;
  double alpha = sin (w) / (2.0 * q);
  double a0 = 1.0 + alpha / A;

  f->b0 = (1.0 + alpha * A) / a0;
  f->b1 = -2.0 * cos (w) / a0;
  f->b2 = (1.0 - alpha * A) / a0;
  f->a1 = -2.0 * cos (w) / a0;
  f->a2 = (1.0 - alpha / A) / a0;
}

/* Two channels (lanes) of signal state: channels 2k and 2k+1; lane 1 is
 * idle (no oversampler, zero input) when the channel count is odd. */
typedef struct {
  MasterOversampler *os[2];
  v2d *dry;                     /* input delay line: latency frames of history
                                 * from dry_pos on, then the new input */
  v2d dc_x1, dc_y1;             /* tube DC blocker state */
  BiquadState pre, de, hf, bump;        /* tape filters */
} Pair;

struct MasterSaturator {
  int rate, channels, factor, latency, smooth_len;
  MasterSaturatorParams p;      /* targets */
  MasterSaturatorModel model;   /* active model */

  Ramp drive_db, bias, mix, out_db, comp_db;

  /* model switch while running: the wet signal fades out, the model
   * changes (at a block start), the wet stays muted while the old model's
   * output and the switch transient pass the filters, then fades in */
  Ramp wet;                     /* wet gain 0..1, output timeline */
  int switch_phase;             /* SWITCH_* */
  int switch_hold;              /* frames left to hold the wet muted */
  MasterSaturatorModel pending_model;

  double dc_r, dc_norm;         /* DC blocker pole and gain normalisation */
  Biquad tape_pre, tape_de, tape_hf, tape_bump;

  /* control values of the post stage delayed by the latency, so gains that
   * belong to the drive and bias at input time meet the matching output:
   * ring of `latency` frames x {tanh(bias), 1/(1-tanh^2), comp} */
  double *ring;
  int ring_pos;
  double ring_last[3];          /* the values written last */
  int ring_same;                /* how many of the last writes equal ring_last */

  /* per-block control arrays, BLOCK each; when nothing moves (steady
   * block) only element 0 is filled and ctl_step is 0 */
  double *g_in, *b_in, *tb_out, *nb_out, *comp_out, *mix_out, *gain_out;
  int ctl_step;                 /* 1: per-frame arrays, 0: constants */
  int post_exact_dry;           /* block is mix 0, gain 1: copy dry exactly */
  /* steady blocks: the last dB -> linear conversions of drive, compensation
   * and output gain (NaN: none yet), so a block whose controls did not move
   * (every block at 1 ms buffers) calls no pow () */
  double memo_db[3], memo_lin[3];

  /* per-block signal scratch */
  v2d *xd, *yd;                 /* one pair, BLOCK */
  float *win[2], *wout[2];      /* BLOCK (+ pad) per lane */

  int n_pairs;
  Pair *pr;
  int dry_pos, dry_cap;         /* window start in every pair's dry line;
                                 * capacity latency + DRY_BLOCKS * BLOCK */
};


/* ---- shapers (float, 4 lanes, on the high-rate buffer) ---- */

MASTER_ALWAYS_INLINE v4f
v_set1 (float a)
{
  return (v4f) { 0 } + a;
}

MASTER_ALWAYS_INLINE v4f
v_select (v4i mask, v4f a, v4f b)
{
  return (v4f) (((v4i) a & mask) | ((v4i) b & ~mask));
}

MASTER_ALWAYS_INLINE v4f
v_abs (v4f x)
{
  return (v4f) ((v4i) x & ((v4i) { 0 } + 0x7fffffff));
}

MASTER_ALWAYS_INLINE v4f
v_min (v4f a, v4f b)
{
  return v_select (a < b, a, b);
}

/* e^y for y in [-87, 0]: Cody-Waite range reduction, degree-7 polynomial
 * (relative error ~1e-7), exponent built from bits. */
MASTER_ALWAYS_INLINE v4f
v_exp_neg (v4f y)
{
  const v4f magic = v_set1 (12582912.0f);       /* 1.5 * 2^23: rounds */
  v4f kf = (y * v_set1 (1.44269504f) + magic) - magic;
  v4f r = y - kf * v_set1 (0.693359375f);
  v4f p;
  v4i k;

  r = r - kf * v_set1 (-2.12194440e-4f);
  p = v_set1 (1.0f / 5040.0f);
  p = p * r + v_set1 (1.0f / 720.0f);
  p = p * r + v_set1 (1.0f / 120.0f);
  p = p * r + v_set1 (1.0f / 24.0f);
  p = p * r + v_set1 (1.0f / 6.0f);
  p = p * r + v_set1 (0.5f);
  p = p * r + v_set1 (1.0f);
  p = p * r + v_set1 (1.0f);
  k = __builtin_convertvector (kf, v4i);
  return p * (v4f) ((k + 127) << 23);
}

/* tanh: [7/6] Lambert continued fraction below 1, (1-e)/(1+e) with
 * e = exp(-2|x|) above; both are analytic and agree to ~1e-8 at the
 * switch, so the curve stays smooth (aliasing needs smoothness). */
MASTER_ALWAYS_INLINE v4f
v_tanh (v4f x)
{
  v4f a = v_min (v_abs (x), v_set1 (9.0f));
  v4f a2 = a * a;
  v4f pn = a * (v_set1 (135135.0f) + a2 * (v_set1 (17325.0f) +
          a2 * (v_set1 (378.0f) + a2)));
  v4f pd = v_set1 (135135.0f) + a2 * (v_set1 (62370.0f) +
      a2 * (v_set1 (3150.0f) + a2 * v_set1 (28.0f)));
  v4f e = v_exp_neg (v_set1 (-2.0f) * a);
  v4i big = a >= v_set1 (1.0f);
  v4f num = v_select (big, v_set1 (1.0f) - e, pn);
  v4f den = v_select (big, v_set1 (1.0f) + e, pd);
  v4f t = num / den;
  return (v4f) ((v4i) t | ((v4i) x & ((v4i) { 0 } + (int) 0x80000000)));
}

/* log(1 + e), e in [0, 1]: 2 atanh(e / (2 + e)) by its odd series. */
MASTER_ALWAYS_INLINE v4f
v_log1p01 (v4f e)
{
  v4f s = e / (v_set1 (2.0f) + e);
  v4f s2 = s * s;
  v4f p = v_set1 (1.0f / 13.0f);
  p = p * s2 + v_set1 (1.0f / 11.0f);
  p = p * s2 + v_set1 (1.0f / 9.0f);
  p = p * s2 + v_set1 (1.0f / 7.0f);
  p = p * s2 + v_set1 (1.0f / 5.0f);
  p = p * s2 + v_set1 (1.0f / 3.0f);
  p = p * s2 + v_set1 (1.0f);
  return v_set1 (2.0f) * s * p;
}

/* (logcosh(k(x+1)) - logcosh(k(x-1))) / 2k, with
 * logcosh(z) = |z| + log(1 + exp(-2|z|)) - log 2. */
MASTER_ALWAYS_INLINE v4f
v_hardclip (v4f x)
{
  const v4f k = v_set1 (HARD_KNEE_K);
  v4f xc = v_select (x > v_set1 (8.0f), v_set1 (8.0f), x);
  v4f p, q, ap, aq, lp, lq;

  xc = v_select (xc < v_set1 (-8.0f), v_set1 (-8.0f), xc);
  p = k * (xc + v_set1 (1.0f));
  q = k * (xc - v_set1 (1.0f));
  ap = v_abs (p);
  aq = v_abs (q);
  lp = v_log1p01 (v_exp_neg (v_set1 (-2.0f) * v_min (ap, v_set1 (40.0f))));
  lq = v_log1p01 (v_exp_neg (v_set1 (-2.0f) * v_min (aq, v_set1 (40.0f))));
  return (ap - aq + lp - lq) * v_set1 (0.5f / HARD_KNEE_K);
}

/* In place over n samples (any n: the tail goes through a padded copy).
 * Memoryless, as master_oversampler_process() requires. */
#define DEFINE_SHAPE(name, fn)                                              \
MASTER_CLONES_V4 static void                                                   \
name (float *buf, int n, void *ctx)                                         \
{                                                                           \
  int i;                                                                    \
  (void) ctx;                                                               \
  for (i = 0; i + 16 <= n; i += 16) {                                       \
    v4f v;                                                                  \
    memcpy (&v, buf + i, sizeof (v));                                       \
    v = fn (v);                                                             \
    memcpy (buf + i, &v, sizeof (v));                                       \
  }                                                                         \
  if (i < n) {                                                              \
    float tmp[16] = { 0 };                                                  \
    v4f v;                                                                  \
    memcpy (tmp, buf + i, sizeof (float) * (n - i));                        \
    memcpy (&v, tmp, sizeof (v));                                           \
    v = fn (v);                                                             \
    memcpy (tmp, &v, sizeof (v));                                           \
    memcpy (buf + i, tmp, sizeof (float) * (n - i));                        \
  }                                                                         \
}

DEFINE_SHAPE (shape_tanh, v_tanh)
DEFINE_SHAPE (shape_hard, v_hardclip)

/* ---- exact (libm) curves: auto gain and tests ---- */

static double
logcosh (double z)
{
  double a = fabs (z);
  return a + log1p (exp (-2.0 * a)) - M_LN2;
}

double
master_saturator_curve (MasterSaturatorModel model, double bias, double x)
{
  switch (model) {
    case MASTER_SATURATOR_TUBE:{
      double tb = tanh (bias);
      return (tanh (x + bias) - tb) / (1.0 - tb * tb);
    }
    case MASTER_SATURATOR_HARD_CLIP:{
      double k = HARD_KNEE_K;
      return (logcosh (k * (x + 1.0)) - logcosh (k * (x - 1.0))) / (2.0 * k);
    }
    case MASTER_SATURATOR_TAPE:
    case MASTER_SATURATOR_SOFT_CLIP:
    default:
      return tanh (x);
  }
}

/* Auto gain: rms(in) / rms(out) for a sine at the reference level, DC
 * removed (the tube's DC goes to its DC blocker). In dB. */
static double
auto_gain_db (MasterSaturatorModel model, double drive_db, double bias)
{
  const int n = 256;
  double a = pow (10.0, MASTER_SATURATOR_AUTO_GAIN_REF_DB / 20.0);
  double g = pow (10.0, drive_db / 20.0);
  double s1 = 0.0, s2 = 0.0, var, db;
  int i;

  for (i = 0; i < n; i++) {
    double y = master_saturator_curve (model, bias,
        g * a * sin (2.0 * M_PI * (i + 0.5) / n));
    s1 += y;
    s2 += y * y;
  }
  s1 /= n;
  var = s2 / n - s1 * s1;
  if (!(var > 1e-30))
    return 0.0;
  db = 20.0 * log10 ((a / sqrt (2.0)) / sqrt (var));
  if (db > 60.0)
    db = 60.0;
  if (db < -60.0)
    db = -60.0;
  return db;
}

static double
clampd (double v, double lo, double hi)
{
  if (!(v >= lo))
    return lo;                  /* also NaN */
  return v > hi ? hi : v;
}

void
master_saturator_params_init (MasterSaturatorParams * p)
{
  p->model = MASTER_SATURATOR_SOFT_CLIP;
  p->drive_db = 0.0;
  p->bias = 0.2;
  p->mix = 1.0;
  p->output_gain_db = 0.0;
  p->auto_gain = 1;
}

static void
sanitize_params (MasterSaturatorParams * p)
{
  if ((int) p->model < 0 || (int) p->model > MASTER_SATURATOR_HARD_CLIP)
    p->model = MASTER_SATURATOR_SOFT_CLIP;
  p->drive_db = clampd (p->drive_db, MASTER_SATURATOR_DRIVE_MIN_DB,
      MASTER_SATURATOR_DRIVE_MAX_DB);
  p->bias = clampd (p->bias, MASTER_SATURATOR_BIAS_MIN,
      MASTER_SATURATOR_BIAS_MAX);
  p->mix = clampd (p->mix, 0.0, 1.0);
  p->output_gain_db = clampd (p->output_gain_db, MASTER_SATURATOR_GAIN_MIN_DB,
      MASTER_SATURATOR_GAIN_MAX_DB);
}

static double
comp_target (const MasterSaturatorParams * p)
{
  return p->auto_gain ? auto_gain_db (p->model, p->drive_db, p->bias) : 0.0;
}

static void
pair_reset (MasterSaturator * s, Pair * pr)
{
  int l;

  for (l = 0; l < 2; l++)
    if (pr->os[l])
      master_oversampler_reset (pr->os[l]);
  memset (pr->dry, 0, sizeof (v2d) * s->dry_cap);
  pr->dc_x1 = pr->dc_y1 = (v2d) { 0, 0 };
  memset (&pr->pre, 0, sizeof (pr->pre));
  memset (&pr->de, 0, sizeof (pr->de));
  memset (&pr->hf, 0, sizeof (pr->hf));
  memset (&pr->bump, 0, sizeof (pr->bump));
}

static void
ring_fill (MasterSaturator * s)
{
  double tb = tanh (s->bias.cur);
  double nb = 1.0 / (1.0 - tb * tb);
  double comp = pow (10.0, s->comp_db.cur / 20.0);
  int i;

  if (s->model != MASTER_SATURATOR_TUBE) {
    tb = 0.0;
    nb = 1.0;
  }
  for (i = 0; i < s->latency; i++) {
    s->ring[3 * i] = tb;
    s->ring[3 * i + 1] = nb;
    s->ring[3 * i + 2] = comp;
  }
  s->ring_pos = 0;
  s->ring_last[0] = tb;
  s->ring_last[1] = nb;
  s->ring_last[2] = comp;
  s->ring_same = s->latency;
}

void
master_saturator_reset (MasterSaturator * s)
{
  int k;

  ramp_jump (&s->drive_db, s->p.drive_db);
  ramp_jump (&s->bias, s->p.bias);
  ramp_jump (&s->mix, s->p.mix);
  ramp_jump (&s->out_db, s->p.output_gain_db);
  ramp_jump (&s->comp_db, comp_target (&s->p));
  s->model = s->p.model;
  s->pending_model = s->p.model;
  ramp_jump (&s->wet, 1.0);
  s->switch_phase = SWITCH_IDLE;
  s->switch_hold = 0;
  for (k = 0; k < s->n_pairs; k++)
    pair_reset (s, &s->pr[k]);
  s->dry_pos = 0;
  ring_fill (s);
}

void
master_saturator_set_params (MasterSaturator * s,
    const MasterSaturatorParams * p)
{
  MasterSaturatorParams q = *p;

  sanitize_params (&q);
  s->p = q;
  if (q.model != s->pending_model) {
    s->pending_model = q.model;
    if (s->switch_phase != SWITCH_FADE_OUT && s->switch_phase != SWITCH_HOLD) {
      s->switch_phase = SWITCH_FADE_OUT;
      ramp_set (&s->wet, 0.0, (int) lround (SWITCH_FADE_S * s->rate *
              s->wet.cur));
    }
  }
  ramp_set (&s->drive_db, q.drive_db, s->smooth_len);
  ramp_set (&s->bias, q.bias, s->smooth_len);
  ramp_set (&s->mix, q.mix, s->smooth_len);
  ramp_set (&s->out_db, q.output_gain_db, s->smooth_len);
  ramp_set (&s->comp_db, comp_target (&q), s->smooth_len);
}

MasterSaturator *
master_saturator_new (int rate, int channels, int oversampling,
    const MasterSaturatorParams * p)
{
  MasterSaturator *s;
  MasterSaturatorParams defaults;
  double hf;
  int k, l;

  if (rate < 8000 || rate > 384000 || channels < 1 || channels > 64)
    return NULL;
  if (oversampling != 1 && oversampling != 2 && oversampling != 4
      && oversampling != 8)
    return NULL;
  if (!p) {
    master_saturator_params_init (&defaults);
    p = &defaults;
  }

  s = calloc (1, sizeof (*s));
  if (!s)
    return NULL;
  for (k = 0; k < 3; k++)
    s->memo_db[k] = NAN;
  s->rate = rate;
  s->channels = channels;
  s->factor = oversampling;
  s->smooth_len = (int) lround (MASTER_SATURATOR_SMOOTH_S * rate);
  s->p = *p;
  sanitize_params (&s->p);

  s->dc_r = exp (-2.0 * M_PI * DC_BLOCK_HZ / rate);
  s->dc_norm = (1.0 + s->dc_r) / 2.0;
  design_first_order (&s->tape_pre, TAPE_EMPH_LO_HZ, TAPE_EMPH_HI_HZ, rate);
  design_first_order (&s->tape_de, TAPE_EMPH_HI_HZ, TAPE_EMPH_LO_HZ, rate);
  hf = TAPE_HF_LOSS_HZ;
  if (hf > 0.45 * rate)
    hf = 0.45 * rate;
  design_first_order (&s->tape_hf, 0.0, hf, rate);
  design_peak (&s->tape_bump, TAPE_BUMP_HZ, TAPE_BUMP_DB, TAPE_BUMP_Q, rate);

  s->n_pairs = (channels + 1) / 2;
  s->pr = calloc (s->n_pairs, sizeof (Pair));
  if (!s->pr)
    goto fail;
  for (k = 0; k < s->n_pairs; k++) {
    for (l = 0; l < 2 && 2 * k + l < channels; l++) {
      s->pr[k].os[l] = master_oversampler_new (oversampling, BLOCK);
      if (!s->pr[k].os[l])
        goto fail;
    }
  }
  s->latency = master_oversampler_latency (s->pr[0].os[0]);
  s->dry_cap = s->latency + DRY_BLOCKS * BLOCK;
  for (k = 0; k < s->n_pairs; k++) {
    s->pr[k].dry = calloc (s->dry_cap, sizeof (v2d));
    if (!s->pr[k].dry)
      goto fail;
  }
  if (s->latency > 0) {
    s->ring = calloc ((size_t) s->latency * 3, sizeof (double));
    if (!s->ring)
      goto fail;
  }
  s->g_in = calloc (BLOCK * 7, sizeof (double));
  s->xd = calloc (BLOCK * 2, sizeof (v2d));
  for (l = 0; l < 2; l++) {
    s->win[l] = calloc (BLOCK + 8, sizeof (float));
    s->wout[l] = calloc (BLOCK + 8, sizeof (float));
    if (!s->win[l] || !s->wout[l])
      goto fail;
  }
  if (!s->g_in || !s->xd)
    goto fail;
  s->b_in = s->g_in + BLOCK;
  s->tb_out = s->g_in + 2 * BLOCK;
  s->nb_out = s->g_in + 3 * BLOCK;
  s->comp_out = s->g_in + 4 * BLOCK;
  s->mix_out = s->g_in + 5 * BLOCK;
  s->gain_out = s->g_in + 6 * BLOCK;
  s->yd = s->xd + BLOCK;

  master_saturator_reset (s);
  return s;

fail:
  master_saturator_destroy (&s);
  return NULL;
}

void
master_saturator_destroy (MasterSaturator ** ps)
{
  MasterSaturator *s;
  int k;

  if (!ps || !*ps)
    return;
  s = *ps;
  if (s->pr) {
    for (k = 0; k < s->n_pairs; k++) {
      master_oversampler_destroy (&s->pr[k].os[0]);
      master_oversampler_destroy (&s->pr[k].os[1]);
      free (s->pr[k].dry);
    }
    free (s->pr);
  }
  free (s->ring);
  free (s->g_in);
  free (s->xd);
  free (s->win[0]);
  free (s->win[1]);
  free (s->wout[0]);
  free (s->wout[1]);
  free (s);
  *ps = NULL;
}

int
master_saturator_latency (const MasterSaturator * s)
{
  return s->latency;
}

int
master_saturator_oversampling (const MasterSaturator * s)
{
  return s->factor;
}

int
master_saturator_is_ramping (const MasterSaturator * s)
{
  return s->drive_db.remaining > 0 || s->bias.remaining > 0
      || s->mix.remaining > 0 || s->out_db.remaining > 0
      || s->comp_db.remaining > 0 || s->switch_phase != SWITCH_IDLE;
}

int
master_saturator_is_neutral (const MasterSaturator * s)
{
  return s->p.mix == 0.0 && s->p.output_gain_db == 0.0
      && s->model == s->p.model && !master_saturator_is_ramping (s);
}

static void
switch_model_now (MasterSaturator * s)
{
  int k;

  s->model = s->pending_model;
  /* fresh model-specific state: tape filters and DC blocker start clean */
  for (k = 0; k < s->n_pairs; k++) {
    Pair *pr = &s->pr[k];
    pr->dc_x1 = pr->dc_y1 = (v2d) { 0, 0 };
    memset (&pr->pre, 0, sizeof (pr->pre));
    memset (&pr->de, 0, sizeof (pr->de));
    memset (&pr->hf, 0, sizeof (pr->hf));
    memset (&pr->bump, 0, sizeof (pr->bump));
  }
  /* the tube values in the delay ring belong to the old model */
  ring_fill (s);
  s->switch_phase = SWITCH_HOLD;
  s->switch_hold = s->latency + SWITCH_HOLD_EXTRA;
}

/* pow (10, db / 20), remembered per slot k: the same result as calling
 * pow () when db repeats (NaN never matches, so the first call computes) */
static double
db_to_lin_memo (MasterSaturator * s, int k, double db)
{
  if (db != s->memo_db[k]) {
    s->memo_db[k] = db;
    s->memo_lin[k] = pow (10.0, db / 20.0);
  }
  return s->memo_lin[k];
}

/* Fills the control arrays of one block (shared by channels). A steady
 * block (no ramp moving, no model switch under way, and the delay ring
 * holding one value throughout) fills element 0 only, with exactly the
 * values the per-frame path would repeat, and sets ctl_step = 0. */
static void
controls_block (MasterSaturator * s, int n)
{
  int tube;
  int i, exact = 1;
  double g = 1.0, tbc = 0.0, nbc = 1.0, compc = 1.0;

  if ((s->switch_phase == SWITCH_FADE_OUT && s->wet.cur == 0.0
          && s->wet.remaining == 0) || (s->switch_phase == SWITCH_HOLD
          && s->model != s->pending_model))
    switch_model_now (s);
  tube = s->model == MASTER_SATURATOR_TUBE;

  if (s->switch_phase == SWITCH_IDLE && s->wet.remaining == 0
      && s->drive_db.remaining == 0 && s->bias.remaining == 0
      && s->comp_db.remaining == 0 && s->mix.remaining == 0
      && s->out_db.remaining == 0 && s->ring_same >= s->latency) {
    double m = s->mix.cur, odb = s->out_db.cur;
    s->g_in[0] = db_to_lin_memo (s, 0, s->drive_db.cur);
    s->b_in[0] = tube ? s->bias.cur : 0.0;
    if (s->latency > 0) {
      s->tb_out[0] = s->ring_last[0];
      s->nb_out[0] = s->ring_last[1];
      s->comp_out[0] = s->ring_last[2] * s->wet.cur;
    } else {
      if (tube) {
        tbc = tanh (s->bias.cur);
        nbc = 1.0 / (1.0 - tbc * tbc);
      }
      s->tb_out[0] = tbc;
      s->nb_out[0] = nbc;
      s->comp_out[0] = db_to_lin_memo (s, 1, s->comp_db.cur) * s->wet.cur;
    }
    s->mix_out[0] = m;
    s->gain_out[0] = db_to_lin_memo (s, 2, odb);
    s->post_exact_dry = m == 0.0 && odb == 0.0;
    s->ctl_step = 0;
    return;
  }

  for (i = 0; i < n; i++) {
    int moving_d = s->drive_db.remaining > 0;
    int moving_b = s->bias.remaining > 0;
    int moving_c = s->comp_db.remaining > 0;
    int moving_o = s->out_db.remaining > 0;
    double d = ramp_next (&s->drive_db);
    double b = ramp_next (&s->bias);
    double cdb = ramp_next (&s->comp_db);
    double m = ramp_next (&s->mix);
    double odb = ramp_next (&s->out_db);
    double tb, nb, comp;

    /* transcendental functions only while a value moves */
    if (i == 0 || moving_d)
      g = pow (10.0, d / 20.0);
    if (tube && (i == 0 || moving_b)) {
      tbc = tanh (b);
      nbc = 1.0 / (1.0 - tbc * tbc);
    }
    if (i == 0 || moving_c)
      compc = pow (10.0, cdb / 20.0);
    s->g_in[i] = g;
    s->b_in[i] = tube ? b : 0.0;
    tb = tbc;
    nb = nbc;
    comp = compc;
    /* delay the values that belong to the input by the latency */
    if (s->latency > 0) {
      double *r = s->ring + 3 * s->ring_pos;
      double t0 = r[0], t1 = r[1], t2 = r[2];
      if (tb == s->ring_last[0] && nb == s->ring_last[1]
          && comp == s->ring_last[2]) {
        if (s->ring_same < s->latency)
          s->ring_same++;
      } else {
        s->ring_last[0] = tb;
        s->ring_last[1] = nb;
        s->ring_last[2] = comp;
        s->ring_same = 1;
      }
      r[0] = tb;
      r[1] = nb;
      r[2] = comp;
      if (++s->ring_pos == s->latency)
        s->ring_pos = 0;
      tb = t0;
      nb = t1;
      comp = t2;
    }
    if (s->switch_phase == SWITCH_HOLD && --s->switch_hold <= 0) {
      s->switch_phase = SWITCH_FADE_IN;
      ramp_set (&s->wet, 1.0, (int) lround (SWITCH_FADE_S * s->rate));
    }
    comp *= ramp_next (&s->wet);
    if (s->switch_phase == SWITCH_FADE_IN && s->wet.remaining == 0)
      s->switch_phase = SWITCH_IDLE;
    s->tb_out[i] = tb;
    s->nb_out[i] = nb;
    s->comp_out[i] = comp;
    s->mix_out[i] = m;
    if (i == 0 || moving_o)
      s->gain_out[i] = pow (10.0, odb / 20.0);
    else
      s->gain_out[i] = s->gain_out[i - 1];
    if (m != 0.0 || odb != 0.0)
      exact = 0;
  }
  s->post_exact_dry = exact;
  s->ctl_step = 1;
}

MASTER_ALWAYS_INLINE v2d
v2_splat (double a)
{
  return (v2d) { a, a };
}

typedef float v2f __attribute__ ((vector_size (8)));
typedef long long v2l __attribute__ ((vector_size (16)));

MASTER_ALWAYS_INLINE v2d
v2_min (v2d a, v2d b)
{
  v2l m = a < b;
  return (v2d) (((v2l) a & m) | ((v2l) b & ~m));
}

MASTER_ALWAYS_INLINE v2d
v2_max (v2d a, v2d b)
{
  v2l m = a > b;
  return (v2d) (((v2l) a & m) | ((v2l) b & ~m));
}

/* Wet input at the base rate: s->xd -> s->win[0..1], and the dry delay
 * line. `tape` is a literal at each call. */
MASTER_ALWAYS_INLINE void
pre_loop (MasterSaturator * s, Pair * pr, int n, const int tape, const int st)
{
  const v2d *restrict x = s->xd;
  v2d *restrict dry = pr->dry + s->dry_pos + s->latency;
  const double *restrict g_in = s->g_in, *restrict b_in = s->b_in;
  float *restrict w0 = s->win[0], *restrict w1 = s->win[1];
  const Biquad f1 = s->tape_pre;
  BiquadState z = pr->pre;
  int i;

  const v2d g0 = v2_splat (g_in[0]), b0 = v2_splat (b_in[0]);
  const v2d lim = v2_splat (WET_CLAMP);

  for (i = 0; i < n; i++) {
    v2d v = x[i] * (st ? v2_splat (g_in[i]) : g0);
    v2f f;
    dry[i] = x[i];
    if (tape)
      v = first_order_run (&f1, &z, v);
    v += st ? v2_splat (b_in[i]) : b0;
    f = __builtin_convertvector (v2_min (v2_max (v, -lim), lim), v2f);
    w0[i] = f[0];
    w1[i] = f[1];
  }
  pr->pre = z;
}

/* Wet output back at the base rate: s->wout -> s->yd with the mix.
 * `model` is a literal at each call. With `exact` (mix 0, gain 0 dB) the
 * output is the dry signal bit-exactly and the wet state keeps running. */
MASTER_ALWAYS_INLINE void
post_loop (MasterSaturator * s, Pair * pr, int n, const int model,
    const int exact, const int st)
{
  const v2d *restrict dry = pr->dry + s->dry_pos;
  v2d *restrict y = s->yd;
  const float *restrict w0 = s->wout[0], *restrict w1 = s->wout[1];
  const double *restrict tb = s->tb_out, *restrict nb = s->nb_out;
  const double *restrict comp = s->comp_out, *restrict mix = s->mix_out;
  const double *restrict gain = s->gain_out;
  const Biquad de = s->tape_de, hf = s->tape_hf, bump = s->tape_bump;
  BiquadState zde = pr->de, zhf = pr->hf, zbump = pr->bump;
  const v2d dc_norm = v2_splat (s->dc_norm), dc_r = v2_splat (s->dc_r);
  v2d dc_x1 = pr->dc_x1, dc_y1 = pr->dc_y1;
  int i;

  const v2d tb0 = v2_splat (tb[0]), nb0 = v2_splat (nb[0]);
  const v2d comp0 = v2_splat (comp[0]), mix0 = v2_splat (mix[0]);
  const v2d gain0 = v2_splat (gain[0]);

  for (i = 0; i < n; i++) {
    v2d w = { w0[i], w1[i] };
    v2d d = dry[i];
    if (model == MASTER_SATURATOR_TUBE) {
      v2d v = (w - (st ? v2_splat (tb[i]) : tb0))
          * (st ? v2_splat (nb[i]) : nb0);
      w = dc_norm * (v - dc_x1) + dc_r * dc_y1;
      dc_x1 = v;
      dc_y1 = w;
    } else if (model == MASTER_SATURATOR_TAPE) {
      w = first_order_run (&de, &zde, w);
      w = first_order_run (&hf, &zhf, w);
      w = biquad_run (&bump, &zbump, w);
    }
    if (exact) {
      y[i] = d;
    } else {
      w *= st ? v2_splat (comp[i]) : comp0;
      y[i] = (d + (w - d) * (st ? v2_splat (mix[i]) : mix0))
          * (st ? v2_splat (gain[i]) : gain0);
    }
  }
  pr->de = zde;
  pr->hf = zhf;
  pr->bump = zbump;
  pr->dc_x1 = dc_x1;
  pr->dc_y1 = dc_y1;
}

/* The loops are instantiated per model and per control layout (st: 1 =
 * per-frame arrays, 0 = constants), so a steady block keeps its controls
 * in registers. */
MASTER_CLONES_V3 static void
pre_block (MasterSaturator * s, Pair * pr, int n)
{
  const int tape = s->model == MASTER_SATURATOR_TAPE;

  if (s->ctl_step) {
    if (tape)
      pre_loop (s, pr, n, 1, 1);
    else
      pre_loop (s, pr, n, 0, 1);
  } else {
    if (tape)
      pre_loop (s, pr, n, 1, 0);
    else
      pre_loop (s, pr, n, 0, 0);
  }
}

#define POST_MODELS(exact, st)                                              \
  switch (s->model) {                                                       \
    case MASTER_SATURATOR_TUBE:                                             \
      post_loop (s, pr, n, MASTER_SATURATOR_TUBE, exact, st);               \
      break;                                                                \
    case MASTER_SATURATOR_TAPE:                                             \
      post_loop (s, pr, n, MASTER_SATURATOR_TAPE, exact, st);               \
      break;                                                                \
    default:                                                                \
      post_loop (s, pr, n, MASTER_SATURATOR_SOFT_CLIP, exact, st);          \
      break;                                                                \
  }

MASTER_CLONES_V3 static void
post_block (MasterSaturator * s, Pair * pr, int n)
{
  if (s->post_exact_dry) {
    /* only the wet state runs: the controls do not matter */
    POST_MODELS (1, 1);
  } else if (s->ctl_step) {
    POST_MODELS (0, 1);
  } else {
    POST_MODELS (0, 0);
  }
}

/* One pair of channels of one block: s->xd (sanitised input) -> s->yd. */
static void
pair_block (MasterSaturator * s, Pair * pr, int n)
{
  int l;

  pre_block (s, pr, n);
  for (l = 0; l < 2; l++) {
    if (!pr->os[l]) {
      memset (s->wout[l], 0, sizeof (float) * n);
      continue;
    }
    master_oversampler_process (pr->os[l], s->wout[l], s->win[l], n,
        s->model == MASTER_SATURATOR_HARD_CLIP ? shape_hard : shape_tanh,
        NULL);
  }
  post_block (s, pr, n);

  pr->dc_x1 = flush_tiny (pr->dc_x1);
  pr->dc_y1 = flush_tiny (pr->dc_y1);
  biquad_state_flush (&pr->pre);
  biquad_state_flush (&pr->de);
  biquad_state_flush (&pr->hf);
  biquad_state_flush (&pr->bump);
}

/* float <-> double conversion of contiguous samples (stereo fast path). */
typedef float v4s __attribute__ ((vector_size (16)));
typedef double v4w __attribute__ ((vector_size (32)));

MASTER_CLONES_V3 static void
widen_f32 (double *restrict d, const float *restrict s, int n)
{
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v4s v;
    v4w w;
    memcpy (&v, s + i, sizeof v);
    w = __builtin_convertvector (v, v4w);
    memcpy (d + i, &w, sizeof w);
  }
  for (; i < n; i++)
    d[i] = s[i];
}

MASTER_CLONES_V3 static void
narrow_f32 (float *restrict d, const double *restrict s, int n)
{
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v4w w;
    v4s v;
    memcpy (&w, s + i, sizeof w);
    v = __builtin_convertvector (w, v4s);
    memcpy (d + i, &v, sizeof v);
  }
  for (; i < n; i++)
    d[i] = (float) s[i];
}

static void
widen_f64 (double *restrict d, const double *restrict s, int n)
{
  memcpy (d, s, sizeof (double) * n);
}

static void
narrow_f64 (double *restrict d, const double *restrict s, int n)
{
  memcpy (d, s, sizeof (double) * n);
}

/* The dry lines slide along their buffers; the history moves back to the
 * front once per DRY_BLOCKS blocks. */
static void
dry_make_room (MasterSaturator * s, int n)
{
  int k;

  if (s->dry_pos + s->latency + n <= s->dry_cap)
    return;
  for (k = 0; k < s->n_pairs; k++)
    memmove (s->pr[k].dry, s->pr[k].dry + s->dry_pos,
        sizeof (v2d) * s->latency);
  s->dry_pos = 0;
}

/* A non-finite sample becomes 0 and is counted. */
#define SANITISE(v, bad) do { if (!isfinite (v)) { (v) = 0.0; (bad)++; } } while (0)

#define DEFINE_PROCESS(suffix, T)                                            \
int                                                                          \
master_saturator_process_##suffix (MasterSaturator * s, T * dst,             \
    const T * src, int n_frames)                                             \
{                                                                            \
  const int C = s->channels;                                                 \
  int bad = 0, done = 0;                                                     \
                                                                             \
  while (done < n_frames) {                                                  \
    int n = n_frames - done < BLOCK ? n_frames - done : BLOCK;               \
    int k, i;                                                                \
    controls_block (s, n);                                                   \
    dry_make_room (s, n);                                                    \
    for (k = 0; k < s->n_pairs; k++) {                                       \
      const int c = 2 * k;                                                   \
      const T *in = src + (size_t) done * C + c;                             \
      T *out = dst + (size_t) done * C + c;                                  \
      if (C == 2 && !master_nonfinite_any_##suffix (in, (size_t) n * 2)) {   \
        /* stereo: a pair's frames are the interleaved input as is */        \
        widen_##suffix ((double *) s->xd, in, 2 * n);                        \
      } else if (c + 1 < C) {                                                \
        for (i = 0; i < n; i++) {                                            \
          double a = in[(size_t) i * C], b = in[(size_t) i * C + 1];         \
          SANITISE (a, bad);                                                 \
          SANITISE (b, bad);                                                 \
          s->xd[i] = (v2d) { a, b };                                         \
        }                                                                    \
      } else {                                                               \
        for (i = 0; i < n; i++) {                                            \
          double a = in[(size_t) i * C];                                     \
          SANITISE (a, bad);                                                 \
          s->xd[i] = (v2d) { a, 0.0 };                                       \
        }                                                                    \
      }                                                                      \
      pair_block (s, &s->pr[k], n);                                          \
      if (C == 2) {                                                          \
        narrow_##suffix (out, (const double *) s->yd, 2 * n);                \
      } else if (c + 1 < C) {                                                \
        for (i = 0; i < n; i++) {                                            \
          out[(size_t) i * C] = (T) s->yd[i][0];                             \
          out[(size_t) i * C + 1] = (T) s->yd[i][1];                         \
        }                                                                    \
      } else {                                                               \
        for (i = 0; i < n; i++)                                              \
          out[(size_t) i * C] = (T) s->yd[i][0];                             \
      }                                                                      \
    }                                                                        \
    s->dry_pos += n;                                                         \
    done += n;                                                               \
  }                                                                          \
  return bad;                                                                \
}

DEFINE_PROCESS (f32, float)
DEFINE_PROCESS (f64, double)
