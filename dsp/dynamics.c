/* gst-mastering: dynamics (compressor) core. See dynamics.h for the model. */
#include "dynamics.h"
#include "simd.h"

#include "fastmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* frames handled per inner pass; work buffers are this long */
#define DYN_BLOCK 128
/* RMS detector window (one-pole time constant), seconds */
#define DYN_RMS_WINDOW_S 0.020
/* makeup and mix smoothing time constant, seconds */
#define DYN_PARAM_SMOOTH_S 0.010
/* input samples above this magnitude are treated as garbage (~ +180 dBFS) */
#define DYN_MAX_INPUT 1e9
/* state below this is flushed to 0 (denormal protection) */
#define DYN_TINY 1e-30
#define DB_TO_NEPER (M_LN10 / 20.0)

struct MasterDynamics
{
  int channels;
  double rate;
  MasterDynamicsParams p;

  /* derived from params */
  double thr_db;                /* threshold, dB */
  double slope;                 /* 1/ratio - 1 (<= 0) */
  double knee_db;               /* full knee width */
  double quiet_lev2;            /* squared level below which gain reduction is 0 */
  double a_att;                 /* attack one-pole coefficient */
  double a_rel;                 /* release follower coefficient (compensated) */
  double a_rel_fast;            /* auto release: fast follower coefficient */
  double a_charge;              /* auto release: slow follower charge coefficient */
  double a_rms;                 /* RMS window coefficient */
  double a_param;               /* makeup/mix smoother coefficient */
  int hpf_on;
  double hb0, hb1, hb2, ha1, ha2;       /* sidechain HPF, transposed DF-II */
  int ms_mode;                  /* mid/side active (needs 2 channels) */
  double makeup_target, makeup_cur;     /* linear */
  double mix_target, mix_cur;

  /* per-channel state (arrays of `channels`) */
  double *hz1, *hz2;            /* HPF state */
  double *msq;                  /* RMS mean square */
  double *y_rel;                /* release follower, gain reduction dB */
  double *y_slow;               /* auto release slow follower, dB */
  double *y_gr;                 /* smoothed gain reduction, dB (after attack) */
  double gr_peak;               /* max gain reduction since last take, dB */

  /* lookahead delay line, interleaved frames */
  double *delay;
  int delay_max, delay_len, delay_pos;

  /* work buffers, DYN_BLOCK frames */
  double *work;                 /* interleaved audio */
  double *side;                 /* interleaved sidechain */
  double *lev;                  /* levels: squared, then dB */
  double *gain;                 /* gain reduction (dB), then linear gain:
                                 * one per frame when linked, else
                                 * interleaved per channel */
};

/* The 4-lane vector loops exist twice: an x86-64-v3 (AVX2/FMA) build,
 * `name_v3`, and plain C, `name_c`: without AVX the vectors' comparisons and
 * shuffles would turn into slow scalar code, so CPUs without AVX2/FMA run
 * the plain loops (same arithmetic, one value at a time).  Chosen once per
 * process (master_dynamics_new); master_dynamics_use_simd() lets tests run
 * both. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DYN_HAVE_V3 1
#define DYN_V3 __attribute__ ((target ("arch=x86-64-v3")))
#else
#define DYN_HAVE_V3 0
#define DYN_V3
#endif

static int dyn_simd = -1;       /* -1: not chosen yet */

static int
cpu_has_v3 (void)
{
#if DYN_HAVE_V3
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#else
  return 0;
#endif
}

static inline int
use_v3 (void)
{
  return __atomic_load_n (&dyn_simd, __ATOMIC_RELAXED) > 0;
}

int
master_dynamics_use_simd (int enable)
{
  int prev = use_v3 ();
  __atomic_store_n (&dyn_simd, enable && cpu_has_v3 (), __ATOMIC_RELAXED);
  return prev;
}

void
master_dynamics_params_init (MasterDynamicsParams * p)
{
  memset (p, 0, sizeof (*p));
  p->threshold_db = -18.0;
  p->ratio = 2.0;
  p->knee_db = 6.0;
  p->attack_ms = 10.0;
  p->release_ms = 100.0;
  p->auto_release = 0;
  p->detector = MASTER_DYNAMICS_DETECTOR_PEAK;
  p->link = 1.0;
  p->mode = MASTER_DYNAMICS_MODE_STEREO;
  p->sidechain_hpf_hz = 0.0;
  p->makeup_db = 0.0;
  p->auto_makeup = 0;
  p->mix = 1.0;
}

double
master_dynamics_gain_computer_db (const MasterDynamicsParams * p,
    double level_db)
{
  double ratio = p->ratio < 1.0 ? 1.0 : p->ratio;
  double slope = 1.0 / ratio - 1.0;
  double w = p->knee_db > 0.0 ? p->knee_db : 0.0;
  double over = level_db - p->threshold_db;

  if (2.0 * over < -w)
    return 0.0;
  if (w > 0.0 && 2.0 * fabs (over) <= w) {
    double k = over + w / 2.0;
    return slope * k * k / (2.0 * w);
  }
  return slope * over;
}

double
master_dynamics_makeup_total_db (const MasterDynamicsParams * p)
{
  double m = p->makeup_db;
  if (p->auto_makeup)
    m += -0.5 * master_dynamics_gain_computer_db (p, 0.0);
  return m;
}

/* fraction of a unit step reached at time t by a cascade of two one-poles */
static double
cascade_fraction (double t1, double t2, double t)
{
  if (t1 <= 0.0)
    return 1.0 - exp (-t / t2);
  if (t2 <= 0.0)
    return 1.0 - exp (-t / t1);
  if (fabs (t1 - t2) < 1e-9 * t2)
    return 1.0 - (1.0 + t / t2) * exp (-t / t2);
  return 1.0 - (t1 * exp (-t / t1) - t2 * exp (-t / t2)) / (t1 - t2);
}

/* time constant of the release follower such that follower + attack one-pole
 * reach 63.2 % at `release` (0 if the attack alone is already slower) */
static double
solve_release_follower (double release, double attack)
{
  const double target = 1.0 - exp (-1.0);
  double lo = 0.0, hi = release;
  int i;

  if (attack <= 0.0)
    return release;
  if (cascade_fraction (0.0, attack, release) <= target)
    return 0.0;
  for (i = 0; i < 80; i++) {
    double mid = 0.5 * (lo + hi);
    if (cascade_fraction (mid, attack, release) > target)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

static double
one_pole_coeff (double seconds, double rate)
{
  if (seconds <= 0.0)
    return 0.0;
  return exp (-1.0 / (seconds * rate));
}

static void
update_derived (MasterDynamics * d)
{
  const MasterDynamicsParams *p = &d->p;
  double ratio = p->ratio < 1.0 ? 1.0 : p->ratio;
  double att = p->attack_ms > 0.0 ? p->attack_ms * 1e-3 : 0.0;
  double rel = p->release_ms > 0.0 ? p->release_ms * 1e-3 : 0.0;
  double fast;

  d->thr_db = p->threshold_db;
  d->slope = 1.0 / ratio - 1.0;
  d->knee_db = p->knee_db > 0.0 ? p->knee_db : 0.0;
  d->quiet_lev2 = pow (10.0, (d->thr_db - d->knee_db / 2.0) / 10.0);
  d->a_att = one_pole_coeff (att, d->rate);
  d->a_rel = one_pole_coeff (solve_release_follower (rel, att), d->rate);
  /* auto release: short peaks recover 5x faster than `release`; a slow
   * follower charging over max(100 ms, release) holds sustained reduction
   * and lets it go with `release`. */
  fast = rel / 5.0;
  d->a_rel_fast = one_pole_coeff (solve_release_follower (fast, att), d->rate);
  d->a_charge = one_pole_coeff (rel > 0.1 ? rel : 0.1, d->rate);
  d->a_rms = one_pole_coeff (DYN_RMS_WINDOW_S, d->rate);
  d->ms_mode = (p->mode == MASTER_DYNAMICS_MODE_MID_SIDE && d->channels == 2);

  d->hpf_on = p->sidechain_hpf_hz > 0.0;
  if (d->hpf_on) {
    /* 2nd-order Butterworth high-pass, bilinear with prewarping */
    double f = p->sidechain_hpf_hz;
    double k, norm;
    if (f > 0.45 * d->rate)
      f = 0.45 * d->rate;
    k = tan (M_PI * f / d->rate);
    norm = 1.0 / (1.0 + M_SQRT2 * k + k * k);
    d->hb0 = norm;
    d->hb1 = -2.0 * norm;
    d->hb2 = norm;
    d->ha1 = 2.0 * (k * k - 1.0) * norm;
    d->ha2 = (1.0 - M_SQRT2 * k + k * k) * norm;
  }

  d->makeup_target = exp (master_dynamics_makeup_total_db (p) * DB_TO_NEPER);
  d->mix_target = p->mix < 0.0 ? 0.0 : (p->mix > 1.0 ? 1.0 : p->mix);
}

MasterDynamics *
master_dynamics_new (int channels, double rate, double max_lookahead_ms)
{
  MasterDynamics *d;
  int c = channels;

  if (channels < 1 || channels > 8 || !(rate >= 1000.0 && rate <= 1e6) ||
      !(max_lookahead_ms >= 0.0 && max_lookahead_ms <= 1000.0))
    return NULL;

  d = calloc (1, sizeof (*d));
  if (!d)
    return NULL;
  d->channels = channels;
  d->rate = rate;
  d->delay_max = (int) ceil (max_lookahead_ms * 1e-3 * rate);
  d->hz1 = calloc (c, sizeof (double));
  d->hz2 = calloc (c, sizeof (double));
  d->msq = calloc (c, sizeof (double));
  d->y_rel = calloc (c, sizeof (double));
  d->y_slow = calloc (c, sizeof (double));
  d->y_gr = calloc (c, sizeof (double));
  d->delay = calloc ((size_t) (d->delay_max + 1) * c, sizeof (double));
  d->work = calloc ((size_t) DYN_BLOCK * c, sizeof (double));
  d->side = calloc ((size_t) DYN_BLOCK * c, sizeof (double));
  d->gain = calloc ((size_t) DYN_BLOCK * c, sizeof (double));
  d->lev = calloc ((size_t) DYN_BLOCK * c, sizeof (double));
  if (!d->hz1 || !d->hz2 || !d->msq || !d->y_rel || !d->y_slow || !d->y_gr
      || !d->delay || !d->work || !d->side || !d->gain || !d->lev) {
    master_dynamics_free (&d);
    return NULL;
  }
  if (__atomic_load_n (&dyn_simd, __ATOMIC_RELAXED) < 0)
    __atomic_store_n (&dyn_simd, cpu_has_v3 (), __ATOMIC_RELAXED);
  d->a_param = one_pole_coeff (DYN_PARAM_SMOOTH_S, rate);
  master_dynamics_params_init (&d->p);
  update_derived (d);
  master_dynamics_reset (d);
  return d;
}

void
master_dynamics_free (MasterDynamics ** pd)
{
  MasterDynamics *d;
  if (!pd || !*pd)
    return;
  d = *pd;
  free (d->hz1);
  free (d->hz2);
  free (d->msq);
  free (d->y_rel);
  free (d->y_slow);
  free (d->y_gr);
  free (d->delay);
  free (d->work);
  free (d->side);
  free (d->gain);
  free (d->lev);
  free (d);
  *pd = NULL;
}

void
master_dynamics_set_params (MasterDynamics * d, const MasterDynamicsParams * p)
{
  d->p = *p;
  update_derived (d);
}

int
master_dynamics_set_lookahead (MasterDynamics * d, double ms)
{
  int len = (int) lround ((ms > 0.0 ? ms : 0.0) * 1e-3 * d->rate);
  if (len > d->delay_max)
    len = d->delay_max;
  d->delay_len = len;
  d->delay_pos = 0;
  memset (d->delay, 0, sizeof (double) * (size_t) (d->delay_max + 1)
      * d->channels);
  return len;
}

int
master_dynamics_get_latency (const MasterDynamics * d)
{
  return d->delay_len;
}

void
master_dynamics_reset (MasterDynamics * d)
{
  size_t c = d->channels;
  memset (d->hz1, 0, c * sizeof (double));
  memset (d->hz2, 0, c * sizeof (double));
  memset (d->msq, 0, c * sizeof (double));
  memset (d->y_rel, 0, c * sizeof (double));
  memset (d->y_slow, 0, c * sizeof (double));
  memset (d->y_gr, 0, c * sizeof (double));
  memset (d->delay, 0, sizeof (double) * (size_t) (d->delay_max + 1) * c);
  d->delay_pos = 0;
  d->gr_peak = 0.0;
  d->makeup_cur = d->makeup_target;
  d->mix_cur = d->mix_target;
}

/* Scalar hot loops get an AVX2/FMA clone next to the default one
 * (MASTER_CLONES_V3, simd.h). */
/* scalar gain computer, the same curve as gain_computer_v4 */
static inline double
gain_computer_1 (const MasterDynamics * d, double x)
{
  const double w = d->knee_db;
  const double kc = w > 0.0 ? -d->slope / (2.0 * w) : 0.0;
  double over = x - d->thr_db, k = over + 0.5 * w;
  if (2.0 * over < -w)
    return 0.0;
  return 2.0 * over <= w ? kc * (k * k) : -d->slope * over;
}

/* Gain computer, 4 levels at a time: requested gain reduction in dB (>= 0)
 * at detector level x dB; the same curve as master_dynamics_gain_computer_db
 * (0 below the knee, quadratic in the knee, slope above). */
MASTER_V4_INLINE MasterV4d
gain_computer_v4 (const MasterDynamics * d, MasterV4d x)
{
  const double w = d->knee_db;
  /* knee coefficient; 0 for a hard knee, where the knee branch is only
   * taken at or below the threshold */
  const double kc = w > 0.0 ? -d->slope / (2.0 * w) : 0.0;
  MasterV4d over = x - d->thr_db, k = over + 0.5 * w, r;

  r = master_v4d_select (2.0 * over <= w, kc * (k * k), -d->slope * over);
  return master_v4d_select (2.0 * over < -w, master_v4d_splat (0.0), r);
}

/* req[i] = gain reduction the gain computer asks for at squared detector
 * level lev2[i], i < n (rounded up to a multiple of 4: the arrays are
 * DYN_BLOCK long and DYN_BLOCK is a multiple of 4) */
DYN_V3 static void
request_from_power_v3 (const MasterDynamics * d, double *req, const double *lev2,
    int n)
{
  int i;
  for (i = 0; i < n; i += 4) {
    MasterV4d p = master_v4d_load (lev2 + i);
    master_v4d_store (req + i,
        gain_computer_v4 (d, master_fast_power_to_db_v4 (p)));
  }
}

/* g[i] = linear gain for gain reduction gr[i] dB (exactly 1 where gr <= 0),
 * i < n rounded up to a multiple of 4 */
DYN_V3 static void
gain_from_reduction_v3 (double *g, const double *gr, int n)
{
  int i;
  for (i = 0; i < n; i += 4) {
    MasterV4d r = master_v4d_load (gr + i);
    master_v4d_store (g + i, master_v4d_select (r > 0.0,
            master_fast_db_to_gain_v4 (-r), master_v4d_splat (1.0)));
  }
}

/* attack/release smoothing of one channel's requested gain reduction */
static inline double
smooth_gr (MasterDynamics * d, int c, double xl)
{
  double y, r;
  if (d->p.auto_release) {
    double s = d->y_slow[c];
    r = d->a_rel_fast * d->y_rel[c] + (1.0 - d->a_rel_fast) * xl;
    d->y_rel[c] = xl > r ? xl : r;
    if (xl > s)
      s = d->a_charge * s + (1.0 - d->a_charge) * xl;
    else
      s = d->a_rel * s + (1.0 - d->a_rel) * xl;
    d->y_slow[c] = s;
    y = d->y_rel[c] > s ? d->y_rel[c] : s;
  } else {
    r = d->a_rel * d->y_rel[c] + (1.0 - d->a_rel) * xl;
    y = d->y_rel[c] = xl > r ? xl : r;
  }
  d->y_gr[c] = d->a_att * d->y_gr[c] + (1.0 - d->a_att) * y;
  return d->y_gr[c];
}

/* Smooths n requests of channel c (stride `stride` in req and gr) in
 * place; returns the largest smoothed reduction.  The plain release path
 * keeps its two recursions in registers: its loop-carried chain (release
 * follower: one multiply-add and a max) bounds the whole compressor. */
MASTER_CLONES_V3 static double
smooth_run (MasterDynamics * d, int c, double *gr, int stride, int n)
{
  double grmax = 0.0;
  int i;
  if (d->p.auto_release) {
    for (i = 0; i < n; i++) {
      double y = smooth_gr (d, c, gr[i * stride]);
      gr[i * stride] = y;
      grmax = y > grmax ? y : grmax;
    }
  } else {
    /* Two frames per step.  With r(i) = max(x(i), ar r(i-1) + br x(i)) and
     * a(i) = aa a(i-1) + ba r(i), and ar, aa > 0 (a max distributes over a
     * positive scale):
     *   r(i+1) = max(x(i+1), ar x(i) + br x(i+1),
     *                ar^2 r(i-1) + ar br x(i) + br x(i+1))
     *   a(i+1) = aa^2 a(i-1) + aa ba r(i) + ba r(i+1)
     * so each recursion carries one multiply-add (and a max) per two
     * frames; r(i) and a(i) come off the carried chains.  Same values as
     * the one-frame form up to rounding (a few ulp). */
    const double ar = d->a_rel, br = 1.0 - d->a_rel, ar2 = ar * ar,
        arbr = ar * br;
    const double aa = d->a_att, ba = 1.0 - d->a_att, aa2 = aa * aa,
        aaba = aa * ba;
    double yr = d->y_rel[c], yg = d->y_gr[c], m0 = 0.0, m1 = 0.0;
    for (i = 0; i + 1 < n; i += 2) {
      const double x0 = gr[i * stride], x1 = gr[(i + 1) * stride];
      const double bx1 = br * x1;
      const double p1 = ar * x0 + bx1, q1 = arbr * x0 + bx1;
      const double pm = x1 > p1 ? x1 : p1;
      double r0 = ar * yr + br * x0, r1, g0;
      r0 = x0 > r0 ? x0 : r0;
      r1 = ar2 * yr + q1;
      yr = pm > r1 ? pm : r1;
      g0 = aa * yg + ba * r0;
      yg = aa2 * yg + (aaba * r0 + ba * yr);
      gr[i * stride] = g0;
      gr[(i + 1) * stride] = yg;
      m0 = g0 > m0 ? g0 : m0;
      m1 = yg > m1 ? yg : m1;
    }
    if (i < n) {
      double xl = gr[i * stride];
      double r = ar * yr + br * xl;
      yr = xl > r ? xl : r;
      yg = aa * yg + ba * yr;
      gr[i * stride] = yg;
      m0 = yg > m0 ? yg : m0;
    }
    d->y_rel[c] = yr;
    d->y_gr[c] = yg;
    grmax = m0 > m1 ? m0 : m1;
  }
  return grmax;
}

/* replaces non-finite or absurd samples (|x| > DYN_MAX_INPUT) by 0;
 * returns how many */
DYN_V3 static int
sanitize_v3 (double *x, int n)
{
  MasterV4l bad4 = { 0, 0, 0, 0 };
  int i, bad;
  for (i = 0; i + 4 <= n; i += 4) {
    MasterV4d v = master_v4d_load (x + i);
    MasterV4l ok = (MasterV4d) ((MasterV4l) v & 0x7FFFFFFFFFFFFFFFLL) <=
        DYN_MAX_INPUT;
    bad4 -= ~ok;                /* not-ok lanes are -1 */
    master_v4d_store (x + i, (MasterV4d) ((MasterV4l) v & ok));
  }
  bad = (int) (bad4[0] + bad4[1] + bad4[2] + bad4[3]);
  for (; i < n; i++) {
    if (!(fabs (x[i]) <= DYN_MAX_INPUT)) {
      x[i] = 0.0;
      bad++;
    }
  }
  return bad;
}

static void
flush_tiny (double *x, int n)
{
  int i;
  for (i = 0; i < n; i++)
    if (fabs (x[i]) < DYN_TINY)
      x[i] = 0.0;
}

/* lev[i] = max (l(i)^2, r(i)^2) of n interleaved stereo frames, clamped
 * to 1e20 (+200 dB); returns the largest */
DYN_V3 static double
detect_peak_stereo_v3 (double *lev, const double *sc, int n)
{
  MasterV4d mx = master_v4d_splat (0.0);
  double lmax;
  int i;
  for (i = 0; i + 4 <= n; i += 4) {
    MasterV4d a = master_v4d_load (sc + 2 * i), b =
        master_v4d_load (sc + 2 * i + 4);
    MasterV4d l = __builtin_shuffle (a, b, (MasterV4l) { 0, 2, 4, 6 });
    MasterV4d r = __builtin_shuffle (a, b, (MasterV4l) { 1, 3, 5, 7 });
    MasterV4d v;
    l *= l;
    r *= r;
    v = master_v4d_select (l > r, l, r);
    v = master_v4d_select (v < 1e20, v, master_v4d_splat (1e20));
    mx = master_v4d_select (v > mx, v, mx);
    master_v4d_store (lev + i, v);
  }
  lmax = mx[0] > mx[1] ? mx[0] : mx[1];
  lmax = mx[2] > lmax ? mx[2] : lmax;
  lmax = mx[3] > lmax ? mx[3] : lmax;
  for (; i < n; i++) {
    double l = sc[2 * i] * sc[2 * i], r = sc[2 * i + 1] * sc[2 * i + 1];
    double v = l > r ? l : r;
    v = v < 1e20 ? v : 1e20;
    lev[i] = v;
    lmax = v > lmax ? v : lmax;
  }
  return lmax;
}

/* clamps n squared levels to 1e20 (+200 dB); returns their maximum */
DYN_V3 static double
clamp_levels_v3 (double *lev, int n)
{
  MasterV4d m = master_v4d_splat (0.0);
  double lmax;
  int i;
  for (i = 0; i + 4 <= n; i += 4) {
    MasterV4d v = master_v4d_load (lev + i);
    v = master_v4d_select (v < 1e20, v, master_v4d_splat (1e20));
    m = master_v4d_select (v > m, v, m);
    master_v4d_store (lev + i, v);
  }
  lmax = m[0] > m[1] ? m[0] : m[1];
  lmax = m[2] > lmax ? m[2] : lmax;
  lmax = m[3] > lmax ? m[3] : lmax;
  for (; i < n; i++) {
    lev[i] = lev[i] < 1e20 ? lev[i] : 1e20;
    lmax = lev[i] > lmax ? lev[i] : lmax;
  }
  return lmax;
}

/* buf (n interleaved stereo frames) *= f0 + fm * g[frame] */
DYN_V3 static void
apply_linked_stereo_v3 (double *buf, const double *g, double f0, double fm,
    int n)
{
  int i;
  for (i = 0; i + 4 <= n; i += 4) {
    MasterV4d f = f0 + fm * master_v4d_load (g + i);
    MasterV4d lo = __builtin_shuffle (f, (MasterV4l) { 0, 0, 1, 1 });
    MasterV4d hi = __builtin_shuffle (f, (MasterV4l) { 2, 2, 3, 3 });
    master_v4d_store (buf + 2 * i, master_v4d_load (buf + 2 * i) * lo);
    master_v4d_store (buf + 2 * i + 4, master_v4d_load (buf + 2 * i + 4) *
        hi);
  }
  for (; i < n; i++) {
    double f = f0 + fm * g[i];
    buf[2 * i] *= f;
    buf[2 * i + 1] *= f;
  }
}

/* squared detector level of channel c at frame i of the sidechain */
static inline double
detect (MasterDynamics * d, const double *sc, int C, int i, int c)
{
  double s = sc[i * C + c];
  if (d->p.detector == MASTER_DYNAMICS_DETECTOR_RMS) {
    /* one multiply-add on the carried chain */
    d->msq[c] = d->a_rms * d->msq[c] + (1.0 - d->a_rms) * (s * s);
    return 2.0 * d->msq[c];
  }
  return s * s;
}

/* x[i] = 10 log10 (x[i] + 1e-30) (fast), i < n rounded up to 4 */
DYN_V3 static void
db_from_power_v3 (double *x, int n)
{
  int i;
  for (i = 0; i < n; i += 4)
    master_v4d_store (x + i, master_fast_power_to_db_v4
        (master_v4d_load (x + i) + 1e-30));
}

/* req[i] = gain computer at x[i] dB, i < n rounded up to 4 */
DYN_V3 static void
request_from_db_v3 (const MasterDynamics * d, double *req, const double *x,
    int n)
{
  int i;
  for (i = 0; i < n; i += 4)
    master_v4d_store (req + i, gain_computer_v4 (d, master_v4d_load (x + i)));
}

/* ---- the same loops in plain C ---- */

static void
request_from_power_c (const MasterDynamics * d, double *req,
    const double *lev2, int n)
{
  int i;
  for (i = 0; i < n; i++)
    req[i] = gain_computer_1 (d, master_fast_power_to_db (lev2[i]));
}

static void
gain_from_reduction_c (double *g, const double *gr, int n)
{
  int i;
  for (i = 0; i < n; i++)
    g[i] = gr[i] > 0.0 ? master_fast_db_to_gain (-gr[i]) : 1.0;
}

static int
sanitize_c (double *x, int n)
{
  int i, bad = 0;
  for (i = 0; i < n; i++) {
    if (!(fabs (x[i]) <= DYN_MAX_INPUT)) {
      x[i] = 0.0;
      bad++;
    }
  }
  return bad;
}

static double
detect_peak_stereo_c (double *lev, const double *sc, int n)
{
  double lmax = 0.0;
  int i;
  for (i = 0; i < n; i++) {
    double l = sc[2 * i] * sc[2 * i], r = sc[2 * i + 1] * sc[2 * i + 1];
    double v = l > r ? l : r;
    v = v < 1e20 ? v : 1e20;
    lev[i] = v;
    lmax = v > lmax ? v : lmax;
  }
  return lmax;
}

static double
clamp_levels_c (double *lev, int n)
{
  double lmax = 0.0;
  int i;
  for (i = 0; i < n; i++) {
    lev[i] = lev[i] < 1e20 ? lev[i] : 1e20;
    lmax = lev[i] > lmax ? lev[i] : lmax;
  }
  return lmax;
}

static void
apply_linked_stereo_c (double *buf, const double *g, double f0, double fm,
    int n)
{
  int i;
  for (i = 0; i < n; i++) {
    double f = f0 + fm * g[i];
    buf[2 * i] *= f;
    buf[2 * i + 1] *= f;
  }
}

static void
db_from_power_c (double *x, int n)
{
  int i;
  for (i = 0; i < n; i++)
    x[i] = master_fast_power_to_db (x[i] + 1e-30);
}

static void
request_from_db_c (const MasterDynamics * d, double *req, const double *x,
    int n)
{
  int i;
  for (i = 0; i < n; i++)
    req[i] = gain_computer_1 (d, x[i]);
}

/* dispatch: the v3 loops where the CPU has AVX2/FMA */
#if DYN_HAVE_V3
#define DISPATCH(name, ...) \
  (use_v3 () ? name##_v3 (__VA_ARGS__) : name##_c (__VA_ARGS__))
#else
#define DISPATCH(name, ...) name##_c (__VA_ARGS__)
#endif
#define request_from_power(...) DISPATCH (request_from_power, __VA_ARGS__)
#define gain_from_reduction(...) DISPATCH (gain_from_reduction, __VA_ARGS__)
#define sanitize(...) DISPATCH (sanitize, __VA_ARGS__)
#define detect_peak_stereo(...) DISPATCH (detect_peak_stereo, __VA_ARGS__)
#define clamp_levels(...) DISPATCH (clamp_levels, __VA_ARGS__)
#define apply_linked_stereo(...) DISPATCH (apply_linked_stereo, __VA_ARGS__)
#define db_from_power(...) DISPATCH (db_from_power, __VA_ARGS__)
#define request_from_db(...) DISPATCH (request_from_db, __VA_ARGS__)

/* Fills d->gain (linked: one gain per frame; else interleaved per
 * channel) for the sidechain sc of n frames; returns 1 when linked. */
MASTER_CLONES_V3 static int
compute_gains (MasterDynamics * d, const double *sc, int n)
{
  const int C = d->channels;
  double *lev = d->lev, *gr = d->gain, grmax = 0.0, lmax = 0.0;
  int i, c;

  if (C == 1 || d->p.link >= 1.0) {
    /* detector: loudest channel, squared */
    if (d->p.detector == MASTER_DYNAMICS_DETECTOR_PEAK && C == 2) {
      lmax = detect_peak_stereo (lev, sc, n);
    } else {
      for (i = 0; i < n; i++) {
        double l2 = 0.0;
        for (c = 0; c < C; c++) {
          double v = detect (d, sc, C, i, c);
          l2 = v > l2 ? v : l2;
        }
        lev[i] = l2;
      }
      lmax = clamp_levels (lev, n);
    }
    /* the whole block below the knee: the gain computer asks for nothing */
    if (lmax <= d->quiet_lev2)
      memset (gr, 0, sizeof (double) * n);
    else
      request_from_power (d, gr, lev, n);
    grmax = smooth_run (d, 0, gr, 1, n);
    if (grmax > 0.0)
      gain_from_reduction (gr, gr, n);
    else
      for (i = 0; i < n; i++)
        gr[i] = 1.0;
  } else {
    /* partly linked: x_c = link * max_k(dB_k) + (1 - link) * dB_c */
    const double link = d->p.link < 0.0 ? 0.0 : d->p.link;
    for (i = 0; i < n; i++)
      for (c = 0; c < C; c++) {
        double l2 = detect (d, sc, C, i, c);
        l2 = l2 < 1e20 ? l2 : 1e20;
        lev[i * C + c] = l2;
        lmax = l2 > lmax ? l2 : lmax;
      }
    if (lmax <= d->quiet_lev2) {
      memset (gr, 0, sizeof (double) * n * C);
    } else {
      db_from_power (lev, n * C);
      for (i = 0; i < n; i++) {
        double maxdb = -1000.0, *x = lev + i * C;
        for (c = 0; c < C; c++)
          maxdb = x[c] > maxdb ? x[c] : maxdb;
        for (c = 0; c < C; c++)
          x[c] = link * maxdb + (1.0 - link) * x[c];
      }
      request_from_db (d, gr, lev, n * C);
    }
    for (c = 0; c < C; c++) {
      double m = smooth_run (d, c, gr + c, C, n);
      grmax = m > grmax ? m : grmax;
    }
    if (grmax > 0.0)
      gain_from_reduction (gr, gr, n * C);
    else
      for (i = 0; i < n * C; i++)
        gr[i] = 1.0;
  }
  if (grmax > d->gr_peak)
    d->gr_peak = grmax;
  return C == 1 || d->p.link >= 1.0;
}

/* process buf (n interleaved frames) in place */
static void
process_block (MasterDynamics * d, double *buf, int n)
{
  const int C = d->channels;
  const double *sc = buf;
  int i, c, linked;

  /* the sidechain is mid/side encoded; the audio (and the lookahead delay
   * line) stays left/right, so switching modes never mixes domains */
  if (d->ms_mode) {
    for (i = 0; i < n; i++) {
      double l = buf[2 * i], r = buf[2 * i + 1];
      d->side[2 * i] = 0.5 * (l + r);
      d->side[2 * i + 1] = 0.5 * (l - r);
    }
    sc = d->side;
  }

  if (d->hpf_on) {
    const double b0 = d->hb0, b1 = d->hb1, b2 = d->hb2, a1 = d->ha1,
        a2 = d->ha2;
    for (c = 0; c < C; c++) {
      double z1 = d->hz1[c], z2 = d->hz2[c];
      for (i = 0; i < n; i++) {
        double x = sc[i * C + c];
        double y = b0 * x + z1;
        z1 = b1 * x - a1 * y + z2;
        z2 = b2 * x - a2 * y;
        d->side[i * C + c] = y;
      }
      d->hz1[c] = z1;
      d->hz2[c] = z2;
    }
    sc = d->side;
  }

  /* detector -> gain computer -> smoothing -> linear gain */
  linked = compute_gains (d, sc, n);

  /* lookahead delay */
  if (d->delay_len > 0) {
    /* swap buf with the ring's oldest frames, in at most two runs
     * (wrap-around); d->lev is free once the gains are computed */
    double *ring = d->delay, *tmp = d->lev;
    int len = d->delay_len, pos = d->delay_pos;
    for (i = 0; i < n;) {
      int k = n - i < len - pos ? n - i : len - pos;
      size_t bytes = sizeof (double) * (size_t) k * C;
      memcpy (tmp, ring + (size_t) pos * C, bytes);
      memcpy (ring + (size_t) pos * C, buf + (size_t) i * C, bytes);
      memcpy (buf + (size_t) i * C, tmp, bytes);
      i += k;
      pos += k;
      if (pos >= len)
        pos = 0;
    }
    d->delay_pos = pos;
  }

  /* gain, makeup, mix: y = x * (1 - mix + mix * makeup * gain) */
  {
    const double ap = d->a_param;
    double mk = d->makeup_cur, mx = d->mix_cur;
    const double mkt = d->makeup_target, mxt = d->mix_target;
    int moving = fabs (mk - mkt) > 1e-12 * mkt || fabs (mx - mxt) > 1e-12;
    const int gs = linked ? 0 : 1;      /* gain stride per channel */
    const double *g = d->gain;

    if (!moving && !d->ms_mode) {
      const double f0 = 1.0 - mx, fm = mx * mk;
      if (linked && C == 2) {
        apply_linked_stereo (buf, g, f0, fm, n);
      } else {
        for (i = 0; i < n; i++)
          for (c = 0; c < C; c++)
            buf[i * C + c] *= f0 + fm * g[(linked ? i : i * C) + c * gs];
      }
    } else {
      for (i = 0; i < n; i++) {
        const double *gi = g + (linked ? i : i * C);
        double f0;
        if (moving) {
          mk = ap * mk + (1.0 - ap) * mkt;
          mx = ap * mx + (1.0 - ap) * mxt;
        }
        f0 = 1.0 - mx;
        if (d->ms_mode) {
          double l = buf[2 * i], r = buf[2 * i + 1];
          double m = 0.5 * (l + r) * (f0 + mx * gi[0] * mk);
          double sd = 0.5 * (l - r) * (f0 + mx * gi[gs] * mk);
          buf[2 * i] = m + sd;
          buf[2 * i + 1] = m - sd;
        } else {
          for (c = 0; c < C; c++)
            buf[i * C + c] *= f0 + mx * gi[c * gs] * mk;
        }
      }
      if (moving && fabs (mk - mkt) <= 1e-9 * mkt && fabs (mx - mxt) <= 1e-9) {
        mk = mkt;
        mx = mxt;
      }
      d->makeup_cur = mk;
      d->mix_cur = mx;
    }
  }

  flush_tiny (d->hz1, C);
  flush_tiny (d->hz2, C);
  flush_tiny (d->msq, C);
  flush_tiny (d->y_rel, C);
  flush_tiny (d->y_slow, C);
  flush_tiny (d->y_gr, C);
}

int
master_dynamics_process_f32 (MasterDynamics * d, float *dst, const float *src,
    int n_frames)
{
  const int C = d->channels;
  int done = 0, bad = 0;
  while (done < n_frames) {
    int n = n_frames - done, i;
    if (n > DYN_BLOCK)
      n = DYN_BLOCK;
    for (i = 0; i < n * C; i++)
      d->work[i] = src[(size_t) done * C + i];
    bad += sanitize (d->work, n * C);
    process_block (d, d->work, n);
    for (i = 0; i < n * C; i++)
      dst[(size_t) done * C + i] = (float) d->work[i];
    done += n;
  }
  return bad;
}

int
master_dynamics_process_f64 (MasterDynamics * d, double *dst,
    const double *src, int n_frames)
{
  const int C = d->channels;
  int done = 0, bad = 0;
  /* in place in dst: no copy when dst == src (the multiband's bands) */
  if (dst != src)
    memmove (dst, src, sizeof (double) * (size_t) n_frames * C);
  while (done < n_frames) {
    int n = n_frames - done;
    double *buf = dst + (size_t) done * C;
    if (n > DYN_BLOCK)
      n = DYN_BLOCK;
    bad += sanitize (buf, n * C);
    process_block (d, buf, n);
    done += n;
  }
  return bad;
}

void
master_dynamics_process_inplace_f64 (MasterDynamics * d, double *buf,
    int n_frames)
{
  int done = 0;
  while (done < n_frames) {
    int n = n_frames - done;
    if (n > DYN_BLOCK)
      n = DYN_BLOCK;
    process_block (d, buf + (size_t) done * d->channels, n);
    done += n;
  }
}

double
master_dynamics_take_gain_reduction_db (MasterDynamics * d)
{
  double g = d->gr_peak;
  d->gr_peak = 0.0;
  return g;
}

double
master_dynamics_get_gain_reduction_db (const MasterDynamics * d)
{
  double g = 0.0;
  int c;
  for (c = 0; c < d->channels; c++)
    if (d->y_gr[c] > g)
      g = d->y_gr[c];
  return g;
}

int
master_dynamics_is_transparent (const MasterDynamics * d)
{
  return master_dynamics_get_gain_reduction_db (d) < 1e-6
      && d->makeup_cur == 1.0 && d->makeup_target == 1.0;
}
