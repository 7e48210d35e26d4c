/* masterdsp: sample-accurate fades. See fade.h for formulas. */
#include "fade.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "master-orc.h"
#include "kernels-ref.h"
#include "nonfinite.h"

#define BLOCK 256

struct MasterFade {
  double rate;                  /* Hz */
  int channels;
  MasterFadeSchedule sched;
  int ran;                      /* processed since the last reset */
  int64_t declick_pos;          /* position where the declick offset starts */
  double declick_offset;        /* gain offset at declick_pos, 0 = none */
  double declick_len;           /* frames */
  /* scratch: per-frame gains and per-sample (expanded) gains */
  double g[BLOCK];               /* per-frame gain */
  double x[BLOCK];               /* per-frame fade position */
  float gf[BLOCK];
  float gfx[BLOCK * MASTER_FADE_MAX_CHANNELS];
  double gd[BLOCK * MASTER_FADE_MAX_CHANNELS];
};

static double
clamp01 (double v)
{
  if (!(v > 0.0))
    return 0.0;
  return v < 1.0 ? v : 1.0;
}

double
master_fade_curve (MasterFadeCurve curve, double x)
{
  if (!(x > 0.0))
    return 0.0;
  if (x >= 1.0)
    return 1.0;
  switch (curve) {
    case MASTER_FADE_CURVE_LOGARITHMIC:
      return clamp01 (log10 (1.0 + 999.0 * x) / 3.0);
    case MASTER_FADE_CURVE_EXPONENTIAL:
      return clamp01 ((pow (10.0, 3.0 * x) - 1.0) / 999.0);
    case MASTER_FADE_CURVE_S_CURVE:
      return clamp01 ((1.0 - cos (M_PI * x)) / 2.0);
    case MASTER_FADE_CURVE_EQUAL_POWER:
      return clamp01 (sin (M_PI_2 * x));
    case MASTER_FADE_CURVE_LINEAR:
    default:
      return x;
  }
}

double
master_fade_curve_inverse (MasterFadeCurve curve, double g)
{
  if (!(g > 0.0))
    return 0.0;
  if (g >= 1.0)
    return 1.0;
  switch (curve) {
    case MASTER_FADE_CURVE_LOGARITHMIC:
      return clamp01 ((pow (10.0, 3.0 * g) - 1.0) / 999.0);
    case MASTER_FADE_CURVE_EXPONENTIAL:
      return clamp01 (log10 (1.0 + 999.0 * g) / 3.0);
    case MASTER_FADE_CURVE_S_CURVE:
      return clamp01 (acos (1.0 - 2.0 * g) / M_PI);
    case MASTER_FADE_CURVE_EQUAL_POWER:
      return clamp01 (asin (g) / M_PI_2);
    case MASTER_FADE_CURVE_LINEAR:
    default:
      return g;
  }
}

double
master_fade_schedule_gain (const MasterFadeSchedule * s, int64_t p)
{
  double pd = (double) p, g = 1.0;
  if (s->has_in) {
    if (pd < s->in_start)
      return 0.0;
    if (pd < s->in_start + s->in_len)
      g = master_fade_curve (s->curve, (pd - s->in_start) / s->in_len);
  }
  if (s->has_out) {
    if (pd >= s->out_end)
      return 0.0;
    if (pd > s->out_end - s->out_len)
      g *= master_fade_curve (s->curve, (s->out_end - pd) / s->out_len);
  }
  return g;
}

MasterFade *
master_fade_new (double rate, int channels)
{
  MasterFade *f;
  if (!(rate >= 1000.0) || channels < 1 || channels > MASTER_FADE_MAX_CHANNELS)
    return NULL;
  f = calloc (1, sizeof (*f));
  if (!f)
    return NULL;
  f->rate = rate;
  f->channels = channels;
  f->declick_len = fmax (1.0, round (MASTER_FADE_DECLICK_SECONDS * rate));
  f->sched.curve = MASTER_FADE_CURVE_LINEAR;
  return f;
}

void
master_fade_free (MasterFade ** f)
{
  if (f && *f) {
    free (*f);
    *f = NULL;
  }
}

void
master_fade_reset (MasterFade * f)
{
  f->ran = 0;
  f->declick_offset = 0.0;
}

double
master_fade_gain (const MasterFade * f, int64_t pos)
{
  double g = master_fade_schedule_gain (&f->sched, pos);
  if (f->declick_offset != 0.0 && pos >= f->declick_pos) {
    double k = (double) (pos - f->declick_pos);
    if (k < f->declick_len)
      g = clamp01 (g + f->declick_offset * (1.0 - k / f->declick_len));
  }
  return g;
}

static int
sched_equal (const MasterFadeSchedule * a, const MasterFadeSchedule * b)
{
  return a->curve == b->curve && a->has_in == b->has_in
      && a->has_out == b->has_out
      && (!a->has_in || (a->in_start == b->in_start && a->in_len == b->in_len))
      && (!a->has_out || (a->out_end == b->out_end
              && a->out_len == b->out_len));
}

static MasterFadeSchedule
sched_sanitize (const MasterFadeSchedule * s)
{
  MasterFadeSchedule c = *s;
  if ((unsigned) c.curve > MASTER_FADE_CURVE_EQUAL_POWER)
    c.curve = MASTER_FADE_CURVE_LINEAR;
  if (!(c.in_len >= 0.0))
    c.in_len = 0.0;
  if (!(c.out_len >= 0.0))
    c.out_len = 0.0;
  if (!isfinite (c.in_start))
    c.has_in = 0;
  if (!isfinite (c.out_end))
    c.has_out = 0;
  return c;
}

void
master_fade_set_schedule (MasterFade * f, const MasterFadeSchedule * s,
    int64_t pos)
{
  MasterFadeSchedule c = sched_sanitize (s);
  double g_old, g_new;

  if (sched_equal (&c, &f->sched))
    return;
  g_old = master_fade_gain (f, pos);
  f->sched = c;
  if (!f->ran)
    return;
  g_new = master_fade_schedule_gain (&f->sched, pos);
  if (fabs (g_old - g_new) > 1e-6) {
    f->declick_pos = pos;
    f->declick_offset = g_old - g_new;
  } else {
    f->declick_offset = 0.0;
  }
}

const MasterFadeSchedule *
master_fade_get_schedule (const MasterFade * f)
{
  return &f->sched;
}

void
master_fade_start_out (MasterFade * f, int64_t pos, double len,
    MasterFadeCurve curve)
{
  MasterFadeSchedule s = f->sched;
  double g0 = f->ran ? master_fade_gain (f, pos) : 1.0;
  if (!(len >= 0.0))
    len = 0.0;
  s.curve = curve;
  s.has_in = 0;
  s.has_out = 1;
  s.out_len = len;
  s.out_end = (double) pos + master_fade_curve_inverse (curve, g0) * len;
  master_fade_set_schedule (f, &s, pos);
}

void
master_fade_start_in (MasterFade * f, int64_t pos, double len,
    MasterFadeCurve curve)
{
  MasterFadeSchedule s = f->sched;
  double g0 = f->ran ? master_fade_gain (f, pos) : 0.0;
  if (!(len >= 0.0))
    len = 0.0;
  s.curve = curve;
  s.has_out = 0;
  s.has_in = 1;
  s.in_len = len;
  s.in_start = (double) pos - master_fade_curve_inverse (curve, g0) * len;
  master_fade_set_schedule (f, &s, pos);
}

int
master_fade_is_unity (const MasterFade * f, int64_t pos, size_t n)
{
  const MasterFadeSchedule *s = &f->sched;
  double first = (double) pos, last = (double) pos + (double) n - 1.0;
  if (n == 0)
    return 1;
  if (f->declick_offset != 0.0
      && last >= (double) f->declick_pos
      && first < (double) f->declick_pos + f->declick_len)
    return 0;
  if (s->has_in && first < s->in_start + s->in_len)
    return 0;
  if (s->has_out && last > s->out_end - s->out_len)
    return 0;
  return 1;
}

static int
block_is_zero (const MasterFade * f, int64_t pos, size_t n)
{
  const MasterFadeSchedule *s = &f->sched;
  double first = (double) pos, last = (double) pos + (double) n - 1.0;
  if (f->declick_offset != 0.0
      && last >= (double) f->declick_pos
      && first < (double) f->declick_pos + f->declick_len)
    return 0;
  if (s->has_out && first >= s->out_end)
    return 1;
  if (s->has_in && last <= s->in_start)
    return 1;
  return 0;
}


/* Recurrences are re-seeded with libm every RESEED frames, which bounds the
 * rounding drift of the rotation/product to ~1e-14 */
#define RESEED 64

/* out[i] = C(x_i), x_i = a + i b clamped to [0,1], for a fade position that
 * moves linearly with the frame index. The transcendental curves run as
 * recurrences between re-seeds: s-curve and equal-power rotate (cos, sin)
 * by pi*b (pi*b/2) per frame, exponential multiplies 10^(3x) by 10^(3b);
 * logarithmic calls log10 per frame. */
static void
curve_fill (MasterFadeCurve curve, double *out, double a, double b, size_t n)
{
  size_t i;
  int since = -1;               /* frames since the last seed, -1 = none */
  double u = 0.0, v = 0.0, cu = 1.0, su = 0.0, r = 1.0;
  double w = curve == MASTER_FADE_CURVE_S_CURVE ? M_PI :
      curve == MASTER_FADE_CURVE_EQUAL_POWER ? M_PI_2 : 0.0;

  if (w != 0.0) {
    cu = cos (w * b);
    su = sin (w * b);
  } else if (curve == MASTER_FADE_CURVE_EXPONENTIAL) {
    r = pow (10.0, 3.0 * b);
  }
  for (i = 0; i < n; i++) {
    double x = a + (double) i * b;
    if (!(x > 0.0)) {
      out[i] = 0.0;
      since = -1;
      continue;
    }
    if (x >= 1.0) {
      out[i] = 1.0;
      since = -1;
      continue;
    }
    switch (curve) {
      case MASTER_FADE_CURVE_S_CURVE:
      case MASTER_FADE_CURVE_EQUAL_POWER:
        if (since < 0 || since >= RESEED) {
          u = cos (w * x);
          v = sin (w * x);
          since = 0;
        } else {
          double nu = u * cu - v * su;
          v = v * cu + u * su;
          u = nu;
        }
        out[i] = clamp01 (curve == MASTER_FADE_CURVE_S_CURVE ?
            (1.0 - u) / 2.0 : v);
        since++;
        break;
      case MASTER_FADE_CURVE_EXPONENTIAL:
        if (since < 0 || since >= RESEED) {
          u = pow (10.0, 3.0 * x);
          since = 0;
        } else {
          u *= r;
        }
        out[i] = clamp01 ((u - 1.0) / 999.0);
        since++;
        break;
      case MASTER_FADE_CURVE_LOGARITHMIC:
        out[i] = clamp01 (log10 (1.0 + 999.0 * x) / 3.0);
        break;
      case MASTER_FADE_CURVE_LINEAR:
      default:
        out[i] = x;
        break;
    }
  }
}

/* f->g[0..n) = gain of frames pos..pos+n (schedule and declick): the values
 * of master_fade_gain () within ~1e-13, computed a block at a time */
static void
gains_block (MasterFade * f, int64_t pos, size_t n)
{
  const MasterFadeSchedule *s = &f->sched;
  double *g = f->g, *x = f->x;
  double pd = (double) pos;
  size_t i;
  for (i = 0; i < n; i++)
    g[i] = 1.0;
  if (s->has_in) {
    if (s->in_len > 0.0) {
      curve_fill (s->curve, x, (pd - s->in_start) / s->in_len,
          1.0 / s->in_len, n);
    } else {
      for (i = 0; i < n; i++)
        x[i] = pd + (double) i < s->in_start ? 0.0 : 1.0;
    }
    for (i = 0; i < n; i++)
      g[i] = x[i];
  }
  if (s->has_out) {
    if (s->out_len > 0.0) {
      curve_fill (s->curve, x, (s->out_end - pd) / s->out_len,
          -1.0 / s->out_len, n);
      /* exactly 0 from out_end on (the last sample of a file fade) */
      for (i = 0; i < n; i++)
        if (pd + (double) i >= s->out_end)
          x[i] = 0.0;
    } else {
      for (i = 0; i < n; i++)
        x[i] = pd + (double) i >= s->out_end ? 0.0 : 1.0;
    }
    for (i = 0; i < n; i++)
      g[i] *= x[i];
  }
  if (f->declick_offset != 0.0) {
    for (i = 0; i < n; i++) {
      int64_t p = pos + (int64_t) i;
      if (p >= f->declick_pos) {
        double k = (double) (p - f->declick_pos);
        if (k < f->declick_len)
          g[i] = clamp01 (g[i] + f->declick_offset * (1.0 - k / f->declick_len));
      }
    }
  }
}

static void
apply_f32 (MasterFade * f, float *dst, const float *src, size_t n,
    int64_t pos)
{
  size_t i;
  int c, ch = f->channels;
  gains_block (f, pos, n);
  for (i = 0; i < n; i++)
    f->gf[i] = (float) f->g[i];
  if (ch == 1) {
    master_orc_gain_curve_f32 (dst, src, f->gf, (int) n);
  } else if (ch == 2) {
    master_gain_curve_stereo_f32 (dst, src, f->gf, (int) n);
  } else {
    for (i = 0; i < n; i++)
      for (c = 0; c < ch; c++)
        f->gfx[i * ch + c] = f->gf[i];
    master_orc_gain_curve_f32 (dst, src, f->gfx, (int) (n * ch));
  }
}

static void
apply_f64 (MasterFade * f, double *dst, const double *src, size_t n,
    int64_t pos)
{
  size_t i;
  int c, ch = f->channels;
  gains_block (f, pos, n);
  for (i = 0; i < n; i++)
    for (c = 0; c < ch; c++)
      f->gd[i * ch + c] = f->g[i];
  master_orc_gain_curve_f64 (dst, src, f->gd, (int) (n * ch));
}

#define DEFINE_PROCESS(fmt, T) \
size_t \
master_fade_process_##fmt (MasterFade * f, T * dst, const T * src, \
    size_t n_frames, int64_t pos) \
{ \
  size_t bad = 0, ch = (size_t) f->channels; \
  while (n_frames > 0) { \
    size_t b = n_frames < BLOCK ? n_frames : BLOCK; \
    const T *in = src; \
    if (master_nonfinite_any_##fmt (src, b * ch)) { \
      bad += master_nonfinite_zero_##fmt (dst, src, b * ch); \
      in = dst; \
    } \
    if (master_fade_is_unity (f, pos, b)) { \
      if (dst != in) \
        memcpy (dst, in, b * ch * sizeof (T)); \
    } else if (block_is_zero (f, pos, b)) { \
      memset (dst, 0, b * ch * sizeof (T)); \
    } else { \
      apply_##fmt (f, dst, in, b, pos); \
    } \
    f->ran = 1; \
    src += b * ch; \
    dst += b * ch; \
    pos += (int64_t) b; \
    n_frames -= b; \
  } \
  return bad; \
}

DEFINE_PROCESS (f32, float)
DEFINE_PROCESS (f64, double)
