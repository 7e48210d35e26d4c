/* tests for dsp/dynamics: static curve, step response time constants,
 * lookahead latency, link, mid/side, sidechain HPF, makeup, NaN safety. */
#include "check.h"
#include "dynamics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000.0

static double
db (double x)
{
  return 20.0 * log10 (x);
}

/* steady 1 kHz stereo tone at peak level `level_db`; returns measured gain
 * (output RMS / input RMS over the last 0.5 s), in dB */
static double
tone_gain_db (const MasterDynamicsParams * p, double level_db, int f64)
{
  const int n = (int) (2.0 * RATE), tail = (int) (0.5 * RATE);
  const int C = 2;
  MasterDynamics *d = master_dynamics_new (C, RATE, 0.0);
  double amp = pow (10.0, level_db / 20.0), ein = 0.0, eout = 0.0;
  int i;
  float *xf = malloc (sizeof (float) * n * C), *yf =
      malloc (sizeof (float) * n * C);
  double *xd = malloc (sizeof (double) * n * C), *yd =
      malloc (sizeof (double) * n * C);

  master_dynamics_set_params (d, p);
  master_dynamics_reset (d);
  for (i = 0; i < n; i++) {
    double s = amp * sin (2.0 * M_PI * 1000.0 * i / RATE);
    xd[2 * i] = xd[2 * i + 1] = s;
    xf[2 * i] = xf[2 * i + 1] = (float) s;
  }
  if (f64) {
    master_dynamics_process_f64 (d, yd, xd, n);
  } else {
    master_dynamics_process_f32 (d, yf, xf, n);
    for (i = 0; i < n * C; i++)
      yd[i] = yf[i];
  }
  for (i = n - tail; i < n; i++) {
    ein += xd[2 * i] * xd[2 * i];
    eout += yd[2 * i] * yd[2 * i];
  }
  master_dynamics_free (&d);
  free (xf);
  free (yf);
  free (xd);
  free (yd);
  return 10.0 * log10 (eout / ein);
}

static void
test_static_curve (void)
{
  static const double knees[] = { 0.0, 12.0 };
  static const MasterDynamicsDetector dets[] =
      { MASTER_DYNAMICS_DETECTOR_PEAK, MASTER_DYNAMICS_DETECTOR_RMS };
  int k, t;

  for (t = 0; t < 2; t++) {
    for (k = 0; k < 2; k++) {
      MasterDynamicsParams p;
      double lev, worst = 0.0, worst_lev = 0.0;
      master_dynamics_params_init (&p);
      p.threshold_db = -30.0;
      p.ratio = 4.0;
      p.knee_db = knees[k];
      p.attack_ms = 5.0;
      p.release_ms = 2000.0;
      p.detector = dets[t];
      for (lev = -60.0; lev <= 0.001; lev += 2.0) {
        double expect = master_dynamics_gain_computer_db (&p, lev);
        double got = tone_gain_db (&p, lev, (int) lev % 4 == 0);
        double err = fabs (got - expect);
        if (err > worst) {
          worst = err;
          worst_lev = lev;
        }
        CHECK (err <= 0.05, "static curve det=%d knee=%g level %g dBFS: "
            "gain %.4f dB, formula %.4f dB", t, knees[k], lev, got, expect);
      }
      printf ("static curve %s knee %4.1f dB (T -30, R 4, 1 kHz, -60..0 dBFS):"
          " worst error %.4f dB at %g dBFS\n", t ? "rms " : "peak", knees[k],
          worst, worst_lev);
    }
  }
}

/* DC level step: returns the time (ms) at which the gain reduction (dB) has
 * covered 63.2 % of its way from the old to the new steady value */
static double
step_time_ms (const MasterDynamicsParams * p, double from, double to,
    double *gr_from, double *gr_to)
{
  const int pre = (int) (3.0 * RATE), post = (int) (6.0 * RATE);
  MasterDynamics *d = master_dynamics_new (1, RATE, 0.0);
  double *x = malloc (sizeof (double) * (pre + post));
  double *y = malloc (sizeof (double) * (pre + post));
  double g0, g1, target;
  int i;

  master_dynamics_set_params (d, p);
  master_dynamics_reset (d);
  for (i = 0; i < pre + post; i++)
    x[i] = i < pre ? from : to;
  master_dynamics_process_f64 (d, y, x, pre + post);
  /* measured steady value before the step; the formula's after it (the
   * longest release has not fully settled in the window) */
  g0 = -db (y[pre - 1] / x[pre - 1]);
  g1 = -master_dynamics_gain_computer_db (p, db (fabs (to)));
  target = g0 + (1.0 - exp (-1.0)) * (g1 - g0);
  for (i = pre; i < pre + post; i++) {
    double gr = -db (y[i] / x[i]);
    if ((g1 > g0 && gr >= target) || (g1 < g0 && gr <= target))
      break;
  }
  *gr_from = g0;
  *gr_to = g1;
  master_dynamics_free (&d);
  free (x);
  free (y);
  /* sample i is the (i - pre + 1)-th sample after the step */
  return (i - pre + 1) / RATE * 1000.0;
}

static void
test_step_response (void)
{
  static const double times[][2] = {
    {1.0, 50.0}, {10.0, 100.0}, {30.0, 500.0}, {5.0, 1000.0}, {50.0, 200.0}
  };
  unsigned k;
  for (k = 0; k < sizeof (times) / sizeof (times[0]); k++) {
    MasterDynamicsParams p;
    double a, r, g0, g1, h0, h1;
    master_dynamics_params_init (&p);
    p.threshold_db = -30.0;
    p.ratio = 4.0;
    p.knee_db = 0.0;
    p.attack_ms = times[k][0];
    p.release_ms = times[k][1];
    a = step_time_ms (&p, 0.01, 0.5, &g0, &g1);
    r = step_time_ms (&p, 0.5, 0.01, &h0, &h1);
    printf ("step -40 -> -6 dBFS: gain reduction %.2f -> %.2f dB, 63 %% after "
        "%.3f ms (attack %.1f ms, error %+.2f %%); back: %.2f -> %.2f dB, "
        "63 %% after %.3f ms (release %.1f ms, error %+.2f %%)\n", g0, g1, a,
        p.attack_ms, 100.0 * (a / p.attack_ms - 1.0), h0, h1, r,
        p.release_ms, 100.0 * (r / p.release_ms - 1.0));
    CHECK (fabs (g0) < 0.01 && fabs (h0 - g1) < 0.01,
        "steady gain reduction %.3f / %.3f", g0, g1);
    CHECK (fabs (a / p.attack_ms - 1.0) <= 0.05, "attack %.3f ms vs %.1f",
        a, p.attack_ms);
    CHECK (fabs (r / p.release_ms - 1.0) <= 0.05, "release %.3f ms vs %.1f",
        r, p.release_ms);
  }
}

static void
test_lookahead (void)
{
  static const double la[] = { 0.0, 1.0, 5.0, 10.0 };
  unsigned k;
  for (k = 0; k < 4; k++) {
    MasterDynamics *d = master_dynamics_new (2, RATE, 20.0);
    MasterDynamicsParams p;
    const int n = 4096;
    float *x = calloc (n * 2, sizeof (float)), *y =
        calloc (n * 2, sizeof (float));
    int lat, i, peak = -1, chunk;
    double pv = 0.0;
    master_dynamics_params_init (&p);
    p.threshold_db = -20.0;
    p.ratio = 8.0;
    master_dynamics_set_params (d, &p);
    lat = master_dynamics_set_lookahead (d, la[k]);
    x[2 * 100] = x[2 * 100 + 1] = 0.9f;
    /* odd chunk sizes, including 1-frame calls */
    for (i = 0, chunk = 1; i < n; i += chunk, chunk = chunk % 37 + 1) {
      int m = n - i < chunk ? n - i : chunk;
      master_dynamics_process_f32 (d, y + 2 * i, x + 2 * i, m);
    }
    for (i = 0; i < n; i++)
      if (fabs (y[2 * i]) > pv) {
        pv = fabs (y[2 * i]);
        peak = i;
      }
    printf ("lookahead %4.1f ms: latency %d frames, impulse peak at +%d frames,"
        " peak gain %.2f dB\n", la[k], lat, peak - 100, db (pv / 0.9));
    CHECK (lat == (int) lround (la[k] * RATE / 1000.0), "latency %d", lat);
    CHECK (peak - 100 == lat, "impulse delay %d != latency %d", peak - 100,
        lat);
    if (lat > 0)
      CHECK (db (pv / 0.9) < -1.0, "lookahead did not catch the impulse: %.2f"
          " dB", db (pv / 0.9));
    master_dynamics_free (&d);
    free (x);
    free (y);
  }
}

static void
test_nan_and_neutral (void)
{
  MasterDynamics *d = master_dynamics_new (2, RATE, 10.0);
  MasterDynamicsParams p;
  const int n = 48000;
  double *x = malloc (sizeof (double) * n * 2), *y =
      malloc (sizeof (double) * n * 2);
  int i, bad, finite = 1;
  double maxdiff = 0.0;

  master_dynamics_params_init (&p);
  p.threshold_db = -30.0;
  p.ratio = 10.0;
  p.sidechain_hpf_hz = 100.0;
  p.detector = MASTER_DYNAMICS_DETECTOR_RMS;
  p.link = 0.5;
  master_dynamics_set_params (d, &p);
  master_dynamics_set_lookahead (d, 3.0);
  for (i = 0; i < n * 2; i++)
    x[i] = 0.5 * sin (i * 0.01);
  x[1000] = NAN;
  x[2001] = INFINITY;
  x[3000] = -INFINITY;
  x[4000] = 1e300;
  bad = master_dynamics_process_f64 (d, y, x, n);
  for (i = 0; i < n * 2; i++)
    if (!isfinite (y[i]))
      finite = 0;
  printf ("NaN/Inf: %d bad samples reported, output finite: %s, final gain "
      "reduction %.2f dB\n", bad, finite ? "yes" : "NO",
      master_dynamics_get_gain_reduction_db (d));
  CHECK (bad == 4, "bad count %d", bad);
  CHECK (finite, "non-finite output");
  CHECK (master_dynamics_get_gain_reduction_db (d) > 1.0
      && master_dynamics_get_gain_reduction_db (d) < 40.0,
      "state not sane after NaN: %g", master_dynamics_get_gain_reduction_db (d));

  /* ratio 1 and mix 0 are nulls (apart from the lookahead delay) */
  for (i = 0; i < n * 2; i++)
    x[i] = 0.9 * sin (i * 0.013);
  p.ratio = 1.0;
  p.mix = 1.0;
  master_dynamics_set_params (d, &p);
  master_dynamics_reset (d);
  master_dynamics_process_f64 (d, y, x, n);
  for (i = 2 * 144; i < n * 2; i++)
    maxdiff = fmax (maxdiff, fabs (y[i] - x[i - 2 * 144]));
  printf ("ratio 1: max |out - delayed in| = %.3g\n", maxdiff);
  CHECK (maxdiff < 1e-12, "ratio 1 not a null: %g", maxdiff);
  p.ratio = 20.0;
  p.mix = 0.0;
  p.mode = MASTER_DYNAMICS_MODE_MID_SIDE;
  master_dynamics_set_params (d, &p);
  master_dynamics_reset (d);
  master_dynamics_process_f64 (d, y, x, n);
  maxdiff = 0.0;
  for (i = 2 * 144; i < n * 2; i++)
    maxdiff = fmax (maxdiff, fabs (y[i] - x[i - 2 * 144]));
  printf ("mix 0 (mid/side): max |out - delayed in| = %.3g\n", maxdiff);
  CHECK (maxdiff < 1e-12, "mix 0 not a null: %g", maxdiff);
  master_dynamics_free (&d);
  free (x);
  free (y);

  /* below the knee the compressor is a bit-exact null (F32) */
  {
    MasterDynamics *q = master_dynamics_new (2, RATE, 0.0);
    float *xf = malloc (sizeof (float) * n * 2), *yf =
        malloc (sizeof (float) * n * 2);
    int same = 1;
    master_dynamics_params_init (&p);
    p.threshold_db = -20.0;
    p.ratio = 4.0;
    master_dynamics_set_params (q, &p);
    for (i = 0; i < n * 2; i++)
      xf[i] = (float) (0.05 * sin (i * 0.0123));      /* -26 dBFS peak */
    master_dynamics_process_f32 (q, yf, xf, n);
    for (i = 0; i < n * 2; i++)
      same &= xf[i] == yf[i];
    printf ("tone at -26 dBFS, threshold -20, knee 6: output bit-identical: "
        "%s\n", same ? "yes" : "NO");
    CHECK (same, "below-threshold output not bit-exact");
    master_dynamics_free (&q);
    free (xf);
    free (yf);
  }
}

static void
test_link_ms_hpf_makeup (void)
{
  MasterDynamics *d = master_dynamics_new (2, RATE, 0.0);
  MasterDynamicsParams p;
  const int n = 48000;
  double *x = malloc (sizeof (double) * n * 2), *y =
      malloc (sizeof (double) * n * 2);
  double gl, gr, g_nohpf, g_hpf, gm, expect;
  int i;

  /* link 0: loud left, quiet right: right untouched */
  master_dynamics_params_init (&p);
  p.threshold_db = -30.0;
  p.ratio = 4.0;
  p.knee_db = 0.0;
  p.link = 0.0;
  master_dynamics_set_params (d, &p);
  for (i = 0; i < n; i++) {
    x[2 * i] = 0.5 * sin (2 * M_PI * 1000.0 * i / RATE);
    x[2 * i + 1] = 0.01 * sin (2 * M_PI * 1000.0 * i / RATE);
  }
  master_dynamics_process_f64 (d, y, x, n);
  gl = db (fabs (y[2 * (n - 36)] / x[2 * (n - 36)]));
  gr = db (fabs (y[2 * (n - 36) + 1] / x[2 * (n - 36) + 1]));
  printf ("link 0: left gain %.2f dB, right gain %.2f dB\n", gl, gr);
  CHECK (gl < -15.0 && fabs (gr) < 0.01, "link 0: %g %g", gl, gr);
  p.link = 1.0;
  master_dynamics_set_params (d, &p);
  master_dynamics_reset (d);
  master_dynamics_process_f64 (d, y, x, n);
  gr = db (fabs (y[2 * (n - 36) + 1] / x[2 * (n - 36) + 1]));
  printf ("link 1: right gain %.2f dB\n", gr);
  CHECK (gr < -15.0, "link 1: right %g", gr);

  /* sidechain HPF: 40 Hz tone, HPF at 300 Hz cuts the detector ~ 34 dB */
  for (i = 0; i < n; i++)
    x[2 * i] = x[2 * i + 1] = 0.5 * sin (2 * M_PI * 40.0 * i / RATE);
  master_dynamics_reset (d);
  master_dynamics_process_f64 (d, y, x, n);
  g_nohpf = db (fabs (y[2 * (n - 300)] / x[2 * (n - 300)]));
  p.sidechain_hpf_hz = 300.0;
  master_dynamics_set_params (d, &p);
  master_dynamics_reset (d);
  master_dynamics_process_f64 (d, y, x, n);
  g_hpf = db (fabs (y[2 * (n - 300)] / x[2 * (n - 300)]));
  printf ("sidechain HPF 300 Hz, 40 Hz tone at -6 dBFS: gain %.2f dB without,"
      " %.2f dB with\n", g_nohpf, g_hpf);
  CHECK (g_nohpf < -15.0 && g_hpf > -1.0, "hpf %g %g", g_nohpf, g_hpf);

  /* makeup + auto makeup on a steady tone */
  p.sidechain_hpf_hz = 0.0;
  p.makeup_db = 3.0;
  p.auto_makeup = 1;
  p.release_ms = 2000.0;
  expect = master_dynamics_gain_computer_db (&p, -6.0) +
      master_dynamics_makeup_total_db (&p);
  gm = tone_gain_db (&p, -6.0, 1);
  printf ("makeup 3 dB + auto (%.2f dB): gain %.3f dB, expected %.3f dB\n",
      master_dynamics_makeup_total_db (&p) - 3.0, gm, expect);
  CHECK (fabs (gm - expect) < 0.05, "makeup %g vs %g", gm, expect);

  /* auto release stays finite and releases */
  p.auto_release = 1;
  p.makeup_db = 0.0;
  p.auto_makeup = 0;
  p.release_ms = 200.0;
  {
    double g0, g1;
    double t = step_time_ms (&p, 0.5, 0.01, &g0, &g1);
    printf ("auto release (release 200 ms) after 4 s of sustained reduction: "
        "63 %% after %.1f ms\n", t);
    CHECK (t > 1.0 && t < 2000.0, "auto release %g", t);
    /* a 20 ms burst after silence: the slow follower has hardly charged,
     * the reduction recovers with the fast (release/5) follower */
    {
      const int pre = (int) (0.5 * RATE), burst = (int) (0.02 * RATE),
          post = (int) (2.0 * RATE), tot = pre + burst + post;
      MasterDynamics *m = master_dynamics_new (1, RATE, 0.0);
      double *bx = malloc (sizeof (double) * tot), *by =
          malloc (sizeof (double) * tot), g_peak, tb;
      int k;
      p.attack_ms = 0.5;
      master_dynamics_set_params (m, &p);
      for (k = 0; k < tot; k++)
        bx[k] = (k >= pre && k < pre + burst) ? 0.5 : 0.01;
      master_dynamics_process_f64 (m, by, bx, tot);
      g_peak = -db (by[pre + burst - 1] / bx[pre + burst - 1]);
      for (k = pre + burst; k < tot; k++)
        if (-db (by[k] / bx[k]) <= exp (-1.0) * g_peak)
          break;
      tb = (k - (pre + burst) + 1) * 1000.0 / RATE;
      printf ("auto release (release 200 ms) after a 20 ms burst (%.2f dB "
          "reduction): 63 %% recovered after %.1f ms\n", g_peak, tb);
      CHECK (tb < 0.5 * t, "burst release %g not faster than sustained %g",
          tb, t);
      master_dynamics_free (&m);
      free (bx);
      free (by);
    }
  }
  master_dynamics_free (&d);
  free (x);
  free (y);
}

/* abrupt parameter changes every 50 ms on a steady tone: every change is
 * smoothed (gain reduction by attack/release, makeup and mix over 10 ms), so
 * the output's second difference stays of the order of the tone's own */
static void
test_no_clicks (void)
{
  const int n = (int) (3.0 * RATE), C = 2, blk = (int) (0.05 * RATE);
  MasterDynamics *d = master_dynamics_new (C, RATE, 5.0);
  MasterDynamicsParams p;
  double *x = malloc (sizeof (double) * n * C), *y =
      malloc (sizeof (double) * n * C);
  const double amp = 0.5, w = 2.0 * M_PI * 1000.0 / RATE;
  double worst = 0.0, gmax = pow (10.0, 12.0 / 20.0);
  unsigned seed = 7;
  int i, k;

  master_dynamics_params_init (&p);
  p.attack_ms = 1.0;
  p.release_ms = 30.0;
  master_dynamics_set_params (d, &p);
  master_dynamics_set_lookahead (d, 2.0);
  for (i = 0; i < n; i++)
    x[2 * i] = x[2 * i + 1] = amp * sin (w * i);
  for (k = 0; k * blk < n; k++) {
    int m = n - k * blk < blk ? n - k * blk : blk;
    seed = seed * 1103515245u + 12345u;
    switch (k % 6) {
      case 0:
        p.makeup_db = (seed >> 8) % 2 ? 12.0 : -12.0;
        break;
      case 1:
        p.mix = (seed >> 8) % 2 ? 1.0 : 0.0;
        break;
      case 2:
        p.threshold_db = (seed >> 8) % 2 ? -40.0 : 0.0;
        break;
      case 3:
        p.ratio = (seed >> 8) % 2 ? 20.0 : 1.0;
        break;
      case 4:
        p.knee_db = (seed >> 8) % 2 ? 0.0 : 24.0;
        p.detector = (seed >> 9) % 2;
        break;
      default:
        p.mode = (seed >> 8) % 2;
        p.auto_makeup = (seed >> 9) % 2;
        break;
    }
    if (p.auto_makeup && p.makeup_db > 0.0)
      p.makeup_db = 0.0;        /* keep the total gain within +12 dB */
    master_dynamics_set_params (d, &p);
    master_dynamics_process_f64 (d, y + (size_t) k * blk * C,
        x + (size_t) k * blk * C, m);
  }
  for (i = 2 + 240; i < n; i++) {
    double d2 = fabs (y[2 * i] - 2 * y[2 * i - 2] + y[2 * i - 4]);
    if (d2 > worst)
      worst = d2;
  }
  printf ("abrupt parameter changes every 50 ms on a 1 kHz tone: max 2nd "
      "difference %.4f (tone alone %.4f, at +12 dB %.4f)\n", worst,
      amp * w * w, gmax * amp * w * w);
  CHECK (worst < 1.5 * gmax * amp * w * w, "click: %g", worst);
  master_dynamics_free (&d);
  free (x);
  free (y);
}

/* ---- reference compressor: the model of dynamics.h written plainly,
 * one frame at a time with libm's log10/pow, no vectors, no fast math ---- */

static double
ref_cascade_fraction (double t1, double t2, double t)
{
  if (t1 <= 0.0)
    return 1.0 - exp (-t / t2);
  if (fabs (t1 - t2) < 1e-9 * t2)
    return 1.0 - (1.0 + t / t2) * exp (-t / t2);
  return 1.0 - (t1 * exp (-t / t1) - t2 * exp (-t / t2)) / (t1 - t2);
}

/* release follower time constant such that follower + attack one-pole reach
 * 63.2 % after `release` (dynamics.h "Time constants") */
static double
ref_release_follower (double release, double attack)
{
  double lo = 0.0, hi = release;
  int i;
  if (ref_cascade_fraction (0.0, attack, release) <= 1.0 - exp (-1.0))
    return 0.0;
  for (i = 0; i < 200; i++) {
    double mid = 0.5 * (lo + hi);
    if (ref_cascade_fraction (mid, attack, release) > 1.0 - exp (-1.0))
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* y = reference compressor (no lookahead, makeup 0, mix 1) of x */
static void
ref_compress (const MasterDynamicsParams * p, int C, const double *x,
    double *y, int n)
{
  const double att = p->attack_ms * 1e-3, rel = p->release_ms * 1e-3;
  const double trel = ref_release_follower (rel, att);
  const double a_att = exp (-1.0 / (att * RATE));
  const double a_rel = trel > 0.0 ? exp (-1.0 / (trel * RATE)) : 0.0;
  const double a_rms = exp (-1.0 / (0.020 * RATE));
  double msq[8] = { 0 }, yr[8] = { 0 }, yg[8] = { 0 };
  int i, c;

  for (i = 0; i < n; i++) {
    double l2[8], maxdb = -1e9, lmax = 0.0;
    for (c = 0; c < C; c++) {
      double s = x[i * C + c];
      if (p->detector == MASTER_DYNAMICS_DETECTOR_RMS) {
        msq[c] += (1.0 - a_rms) * (s * s - msq[c]);
        l2[c] = 2.0 * msq[c];
      } else {
        l2[c] = s * s;
      }
      if (l2[c] > lmax)
        lmax = l2[c];
    }
    for (c = 0; c < C; c++) {
      double lev, req, r;
      if (C == 1 || p->link >= 1.0) {
        lev = 10.0 * log10 (lmax);
      } else {
        int k;
        for (k = 0, maxdb = -1e9; k < C; k++)
          if (10.0 * log10 (l2[k] + 1e-30) > maxdb)
            maxdb = 10.0 * log10 (l2[k] + 1e-30);
        lev = p->link * maxdb + (1.0 - p->link) * 10.0 * log10 (l2[c] +
            1e-30);
      }
      req = -master_dynamics_gain_computer_db (p, lev);
      r = a_rel * yr[c] + (1.0 - a_rel) * req;
      yr[c] = req > r ? req : r;
      yg[c] = a_att * yg[c] + (1.0 - a_att) * yr[c];
      y[i * C + c] = x[i * C + c] * (yg[c] > 0.0 ? pow (10.0, -yg[c] / 20.0)
          : 1.0);
    }
  }
}

/* The processor (vector loops, fast log/exp, two-frame smoother step)
 * against the plain reference on programme-like material: every output
 * sample's gain within 1e-6 dB of the reference's. */
static void
test_against_reference (void)
{
  static const struct
  {
    int C, det;
    double link, knee;
  } cases[] = {
    {2, MASTER_DYNAMICS_DETECTOR_PEAK, 1.0, 6.0},
    {2, MASTER_DYNAMICS_DETECTOR_PEAK, 1.0, 0.0},
    {1, MASTER_DYNAMICS_DETECTOR_PEAK, 1.0, 12.0},
    {2, MASTER_DYNAMICS_DETECTOR_RMS, 1.0, 6.0},
    {2, MASTER_DYNAMICS_DETECTOR_PEAK, 0.5, 6.0},
    {3, MASTER_DYNAMICS_DETECTOR_PEAK, 0.0, 3.0},
    {6, MASTER_DYNAMICS_DETECTOR_RMS, 1.0, 6.0},
  };
  const int n = (int) (2.0 * RATE);
  size_t k;

  for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const int C = cases[k].C;
    MasterDynamics *d = master_dynamics_new (C, RATE, 0.0);
    MasterDynamicsParams p;
    double *x = malloc (sizeof (double) * n * C);
    double *y = malloc (sizeof (double) * n * C);
    double *r = malloc (sizeof (double) * n * C);
    double worst = 0.0;
    unsigned seed = 99;
    int i, c, done = 0, chunk = 1;

    master_dynamics_params_init (&p);
    p.threshold_db = -24.0;
    p.ratio = 3.0;
    p.knee_db = cases[k].knee;
    p.attack_ms = 2.0;
    p.release_ms = 60.0;
    p.detector = cases[k].det;
    p.link = cases[k].link;
    master_dynamics_set_params (d, &p);
    /* noise under a slow and a fast envelope, channels differing: the
     * gain computer, knee and both smoother directions all work */
    for (i = 0; i < n; i++) {
      double env = 0.02 + 0.6 * fabs (sin (2.0 * M_PI * 1.3 * i / RATE))
          * (0.5 + 0.5 * sin (2.0 * M_PI * 11.0 * i / RATE));
      for (c = 0; c < C; c++) {
        seed = seed * 1103515245u + 12345u;
        x[i * C + c] = env * (1.0 - 0.2 * c) * (((seed >> 8) & 0xFFFF) /
            32768.0 - 1.0);
      }
    }
    /* odd block sizes: the two-frame step's odd tails */
    while (done < n) {
      int m = n - done < chunk ? n - done : chunk;
      master_dynamics_process_f64 (d, y + (size_t) done * C,
          x + (size_t) done * C, m);
      done += m;
      chunk = chunk * 7 % 509 + 1;
    }
    ref_compress (&p, C, x, r, n);
    for (i = 0; i < n * C; i++) {
      if (fabs (r[i]) > 1e-9) {
        double e = fabs (20.0 * log10 (y[i] / r[i]));
        if (!(e <= worst))
          worst = e;
      }
    }
    printf ("vs plain reference (%d ch, %s, link %.1f, knee %.0f dB, T -24 "
        "R 3, 2 s noise): max gain deviation %.2e dB\n", C,
        cases[k].det ? "rms " : "peak", cases[k].link, cases[k].knee, worst);
    CHECK (worst < 1e-6, "deviation from the reference %g dB", worst);
    master_dynamics_free (&d);
    free (x);
    free (y);
    free (r);
  }
}

int
main (void)
{
  int pass;
  /* the vector loops (AVX2/FMA, where the CPU has them), then the plain C
   * loops that CPUs without them run */
  for (pass = 0; pass < 2; pass++) {
    master_dynamics_use_simd (pass == 0);
    printf ("== %s loops\n", pass == 0 ? "vector (if the CPU has AVX2/FMA)"
        : "plain C");
    test_against_reference ();
    test_static_curve ();
    test_step_response ();
    test_lookahead ();
    test_nan_and_neutral ();
    test_link_ms_hpf_makeup ();
    test_no_clicks ();
  }
  return check_finish ();
}
