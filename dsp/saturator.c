/* Saturator (see saturator.h). */
#include "saturator.h"
#include "oversampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Base-rate frames per internal block: bounds the scratch buffers. */
#define BLOCK 128
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

typedef float v4f __attribute__ ((vector_size (16)));
typedef int v4i __attribute__ ((vector_size (16)));

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

/* ---- double-precision biquad (transposed direct form II) ---- */
typedef struct {
  double b0, b1, b2, a1, a2;
  double z1, z2;
} Biquad;

static inline double
biquad_run (Biquad * f, double x)
{
  double y = f->b0 * x + f->z1;
  f->z1 = f->b1 * x - f->a1 * y + f->z2;
  f->z2 = f->b2 * x - f->a2 * y;
  return y;
}

static void
biquad_flush (Biquad * f)
{
  if (!(fabs (f->z1) > 1e-25))
    f->z1 = 0.0;
  if (!(fabs (f->z2) > 1e-25))
    f->z2 = 0.0;
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

typedef struct {
  MasterOversampler *os;
  double *dry;                  /* [latency + BLOCK]: delay line, then new input */
  double dc_x1, dc_y1;          /* tube DC blocker state */
  Biquad pre, de, hf, bump;     /* tape filters */
} Channel;

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
  Biquad tape_pre, tape_de, tape_hf, tape_bump;   /* coefficient templates */

  /* control values of the post stage delayed by the latency, so gains that
   * belong to the drive and bias at input time meet the matching output:
   * ring of `latency` frames x {tanh(bias), 1/(1-tanh^2), comp} */
  double *ring;
  int ring_pos;

  /* per-block control arrays, BLOCK each */
  double *g_in, *b_in, *tb_out, *nb_out, *comp_out, *mix_out, *gain_out;
  int post_exact_dry;           /* block is mix 0, gain 1: copy dry exactly */

  /* per-block signal scratch */
  double *xd, *yd;              /* one channel, BLOCK */
  float *win, *wout;            /* BLOCK (+ pad) */
  float *top;                   /* BLOCK * factor (+ pad) at the high rate */

  Channel *ch;
};

/* ---- shapers (float, 4 lanes, on the high-rate buffer) ---- */

static inline v4f
v_set1 (float a)
{
  return (v4f) {
  a, a, a, a};
}

static inline v4f
v_select (v4i mask, v4f a, v4f b)
{
  return (v4f) (((v4i) a & mask) | ((v4i) b & ~mask));
}

static inline v4f
v_abs (v4f x)
{
  return (v4f) ((v4i) x & (v4i) {
      0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff});
}

static inline v4f
v_min (v4f a, v4f b)
{
  return v_select (a < b, a, b);
}

/* e^y for y in [-87, 0]: Cody-Waite range reduction, degree-7 polynomial
 * (relative error ~1e-7), exponent built from bits. */
static inline v4f
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
static inline v4f
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
  return (v4f) ((v4i) t | ((v4i) x & (v4i) {
          (int) 0x80000000, (int) 0x80000000, (int) 0x80000000,
          (int) 0x80000000}));
}

/* log(1 + e), e in [0, 1]: 2 atanh(e / (2 + e)) by its odd series. */
static inline v4f
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
static inline v4f
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

/* n is rounded up to a multiple of 4: buffers carry 4 floats of padding. */
static void
shape_tanh (float *buf, int n)
{
  int i;
  for (i = 0; i < n; i += 4) {
    v4f v;
    memcpy (&v, buf + i, sizeof (v));
    v = v_tanh (v);
    memcpy (buf + i, &v, sizeof (v));
  }
}

static void
shape_hard (float *buf, int n)
{
  int i;
  for (i = 0; i < n; i += 4) {
    v4f v;
    memcpy (&v, buf + i, sizeof (v));
    v = v_hardclip (v);
    memcpy (buf + i, &v, sizeof (v));
  }
}

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
channel_reset (MasterSaturator * s, Channel * c)
{
  master_oversampler_reset (c->os);
  memset (c->dry, 0, sizeof (double) * (s->latency + BLOCK));
  c->dc_x1 = c->dc_y1 = 0.0;
  c->pre = s->tape_pre;
  c->de = s->tape_de;
  c->hf = s->tape_hf;
  c->bump = s->tape_bump;
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
}

void
master_saturator_reset (MasterSaturator * s)
{
  int c;

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
  for (c = 0; c < s->channels; c++)
    channel_reset (s, &s->ch[c]);
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
  int c, top;

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

  s->ch = calloc (channels, sizeof (Channel));
  if (!s->ch)
    goto fail;
  for (c = 0; c < channels; c++) {
    s->ch[c].os = master_oversampler_new (oversampling, BLOCK);
    if (!s->ch[c].os)
      goto fail;
  }
  s->latency = master_oversampler_latency (s->ch[0].os);
  for (c = 0; c < channels; c++) {
    s->ch[c].dry = calloc (s->latency + BLOCK, sizeof (double));
    if (!s->ch[c].dry)
      goto fail;
  }
  if (s->latency > 0) {
    s->ring = calloc ((size_t) s->latency * 3, sizeof (double));
    if (!s->ring)
      goto fail;
  }
  s->g_in = calloc (BLOCK * 7, sizeof (double));
  s->xd = calloc (BLOCK * 2, sizeof (double));
  top = BLOCK * oversampling;
  s->win = calloc (BLOCK + 4, sizeof (float));
  s->wout = calloc (BLOCK + 4, sizeof (float));
  s->top = calloc (top + 4, sizeof (float));
  if (!s->g_in || !s->xd || !s->win || !s->wout || !s->top)
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
  int c;

  if (!ps || !*ps)
    return;
  s = *ps;
  if (s->ch) {
    for (c = 0; c < s->channels; c++) {
      master_oversampler_destroy (&s->ch[c].os);
      free (s->ch[c].dry);
    }
    free (s->ch);
  }
  free (s->ring);
  free (s->g_in);
  free (s->xd);
  free (s->win);
  free (s->wout);
  free (s->top);
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

static void
switch_model_now (MasterSaturator * s)
{
  int c;

  s->model = s->pending_model;
  /* fresh model-specific state: tape filters and DC blocker start clean */
  for (c = 0; c < s->channels; c++) {
    Channel *ch = &s->ch[c];
    ch->dc_x1 = ch->dc_y1 = 0.0;
    ch->pre = s->tape_pre;
    ch->de = s->tape_de;
    ch->hf = s->tape_hf;
    ch->bump = s->tape_bump;
  }
  /* the tube values in the delay ring belong to the old model */
  ring_fill (s);
  s->switch_phase = SWITCH_HOLD;
  s->switch_hold = s->latency + SWITCH_HOLD_EXTRA;
}

/* Fills the per-frame control arrays of one block (shared by channels). */
static void
controls_block (MasterSaturator * s, int n)
{
  int tube;
  int i, exact = 1;

  if ((s->switch_phase == SWITCH_FADE_OUT && s->wet.cur == 0.0
          && s->wet.remaining == 0) || (s->switch_phase == SWITCH_HOLD
          && s->model != s->pending_model))
    switch_model_now (s);
  tube = s->model == MASTER_SATURATOR_TUBE;

  double g = 1.0, tbc = 0.0, nbc = 1.0, compc = 1.0;

  for (i = 0; i < n; i++) {
    int moving_d = s->drive_db.remaining > 0;
    int moving_b = s->bias.remaining > 0;
    int moving_c = s->comp_db.remaining > 0;
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
    s->gain_out[i] = pow (10.0, odb / 20.0);
    if (m != 0.0 || odb != 0.0)
      exact = 0;
  }
  s->post_exact_dry = exact;
}

/* One channel of one block: s->xd (sanitised input) -> s->yd. */
static void
channel_block (MasterSaturator * s, Channel * c, int n)
{
  const MasterSaturatorModel model = s->model;
  const double *x = s->xd;
  double *y = s->yd;
  double *dry = c->dry;
  const int L = s->latency;
  const int top_n = (n * s->factor + 3) & ~3;
  int i;

  /* wet input at the base rate */
  for (i = 0; i < n; i++) {
    double v = x[i] * s->g_in[i];
    dry[L + i] = x[i];
    if (model == MASTER_SATURATOR_TAPE)
      v = biquad_run (&c->pre, v);
    v += s->b_in[i];
    if (v > WET_CLAMP)
      v = WET_CLAMP;
    else if (v < -WET_CLAMP)
      v = -WET_CLAMP;
    s->win[i] = (float) v;
  }

  master_oversampler_up (c->os, s->top, s->win, n);
  if (model == MASTER_SATURATOR_HARD_CLIP)
    shape_hard (s->top, top_n);
  else
    shape_tanh (s->top, top_n);
  master_oversampler_down (c->os, s->wout, s->top, n);

  if (s->post_exact_dry) {
    /* neutral block: keep the wet state running, output dry bit-exactly */
    for (i = 0; i < n; i++)
      y[i] = dry[i];
    if (model == MASTER_SATURATOR_TAPE) {
      for (i = 0; i < n; i++) {
        double w = biquad_run (&c->de, s->wout[i]);
        w = biquad_run (&c->hf, w);
        (void) biquad_run (&c->bump, w);
      }
    } else if (model == MASTER_SATURATOR_TUBE) {
      for (i = 0; i < n; i++) {
        double w = (s->wout[i] - s->tb_out[i]) * s->nb_out[i];
        c->dc_y1 = s->dc_norm * (w - c->dc_x1) + s->dc_r * c->dc_y1;
        c->dc_x1 = w;
      }
    }
  } else {
    for (i = 0; i < n; i++) {
      double w = s->wout[i];
      double d = dry[i];
      if (model == MASTER_SATURATOR_TUBE) {
        double v = (w - s->tb_out[i]) * s->nb_out[i];
        w = s->dc_norm * (v - c->dc_x1) + s->dc_r * c->dc_y1;
        c->dc_x1 = v;
        c->dc_y1 = w;
      } else if (model == MASTER_SATURATOR_TAPE) {
        w = biquad_run (&c->de, w);
        w = biquad_run (&c->hf, w);
        w = biquad_run (&c->bump, w);
      }
      w *= s->comp_out[i];
      y[i] = (d + (w - d) * s->mix_out[i]) * s->gain_out[i];
    }
  }

  memmove (dry, dry + n, sizeof (double) * L);
  if (!(fabs (c->dc_y1) > 1e-25))
    c->dc_y1 = 0.0;
  if (!(fabs (c->dc_x1) > 1e-25))
    c->dc_x1 = 0.0;
  biquad_flush (&c->pre);
  biquad_flush (&c->de);
  biquad_flush (&c->hf);
  biquad_flush (&c->bump);
}

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
    int c, i;                                                                \
    controls_block (s, n);                                                   \
    for (c = 0; c < C; c++) {                                                \
      const T *in = src + (size_t) done * C + c;                             \
      T *out = dst + (size_t) done * C + c;                                  \
      for (i = 0; i < n; i++) {                                              \
        double v = in[(size_t) i * C];                                       \
        if (!isfinite (v)) {                                                 \
          v = 0.0;                                                           \
          bad++;                                                             \
        }                                                                    \
        s->xd[i] = v;                                                        \
      }                                                                      \
      channel_block (s, &s->ch[c], n);                                       \
      for (i = 0; i < n; i++)                                                \
        out[(size_t) i * C] = (T) s->yd[i];                                  \
    }                                                                        \
    done += n;                                                               \
  }                                                                          \
  return bad;                                                                \
}

DEFINE_PROCESS (f32, float)
DEFINE_PROCESS (f64, double)
