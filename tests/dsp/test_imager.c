/* Unit tests of dsp/imager: nulls, width, bass mono, fold-down, statistics,
 * smoothing, NaN. Prints the measured figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "imager.h"

#define RATE 48000.0

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;

static double
rnd (void)
{
  /* xorshift64*, uniform in [-1, 1) */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double) ((rng_state * 2685821657736338717ULL) >> 11) /
      (double) (1ULL << 52) - 1.0;
}

/* stereo test material: partly correlated noise plus two sines */
static void
gen_stereo_f32 (float *x, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    double c = 0.3 * rnd (), t = i / RATE;
    x[2 * i] = (float) (c + 0.2 * rnd () + 0.2 * sin (2 * M_PI * 440 * t));
    x[2 * i + 1] = (float) (c + 0.2 * rnd () + 0.2 * sin (2 * M_PI * 660 * t));
  }
}

static MasterImager *
make (const MasterImagerParams * p)
{
  MasterImager *im = master_imager_new (RATE);
  master_imager_set_params (im, p);
  master_imager_reset (im);     /* start on the targets */
  return im;
}

static void
test_neutral_null (void)
{
  size_t n = 48000;
  float *x = malloc (n * 2 * sizeof (float)), *y = malloc (n * 2 * sizeof (float));
  double *xd = malloc (n * 2 * sizeof (double)), *yd = malloc (n * 2 * sizeof (double));
  MasterImagerParams p;
  MasterImager *im;

  gen_stereo_f32 (x, n);
  for (size_t i = 0; i < 2 * n; i++)
    xd[i] = x[i] * 1.000001;
  master_imager_params_init (&p);
  CHECK (master_imager_params_is_neutral (&p), "default params neutral");
  im = make (&p);
  CHECK (master_imager_is_neutral (im), "imager neutral");
  master_imager_process_f32 (im, y, x, n);
  CHECK (memcmp (x, y, n * 2 * sizeof (float)) == 0, "f32 neutral not bit-exact");
  master_imager_process_f64 (im, yd, xd, n);
  CHECK (memcmp (xd, yd, n * 2 * sizeof (double)) == 0, "f64 neutral not bit-exact");
  /* in place too */
  memcpy (y, x, n * 2 * sizeof (float));
  master_imager_process_f32 (im, y, y, n);
  CHECK (memcmp (x, y, n * 2 * sizeof (float)) == 0, "in-place neutral");

  /* after automation returns to neutral, the null is bit-exact again */
  p.width = 1.7;
  p.balance = 0.3;
  master_imager_set_params (im, &p);
  master_imager_process_f32 (im, y, x, 4800);
  master_imager_params_init (&p);
  master_imager_set_params (im, &p);
  master_imager_process_f32 (im, y, x, 4800);   /* 20 ms ramp back */
  CHECK (master_imager_is_neutral (im), "neutral after ramp back");
  master_imager_process_f32 (im, y, x, n);
  CHECK (memcmp (x, y, n * 2 * sizeof (float)) == 0, "null after ramp back");
  NOTE ("neutral: f32/f64 outputs bit-identical to input (%zu frames)", n);
  master_imager_free (&im);
  CHECK (im == NULL, "free nulls the pointer");
  free (x);
  free (y);
  free (xd);
  free (yd);
}

static void
test_width_zero (void)
{
  size_t n = 48000, diff = 0;
  float *x = malloc (n * 2 * sizeof (float)), *y = malloc (n * 2 * sizeof (float));
  double *xd = malloc (n * 2 * sizeof (double)), *yd = malloc (n * 2 * sizeof (double));
  MasterImagerParams p;
  MasterImager *im;
  double maxerr = 0;

  gen_stereo_f32 (x, n);
  for (size_t i = 0; i < 2 * n; i++)
    xd[i] = x[i];
  master_imager_params_init (&p);
  p.width = 0.0;
  p.mid_gain_db = -1.5;
  p.bass_mono_hz = 150;
  p.side_gain_db = 3;
  im = make (&p);
  master_imager_process_f32 (im, y, x, n);
  master_imager_process_f64 (im, yd, xd, n);
  for (size_t i = 0; i < n; i++) {
    diff += y[2 * i] != y[2 * i + 1];
    diff += yd[2 * i] != yd[2 * i + 1];
    /* L == R == gm * (L+R)/2 */
    maxerr = fmax (maxerr, fabs (yd[2 * i] - pow (10, -1.5 / 20) *
            (xd[2 * i] + xd[2 * i + 1]) / 2));
  }
  CHECK (diff == 0, "width 0: %zu frames with L != R", diff);
  CHECK (maxerr < 1e-12, "width 0 mono value error %g", maxerr);
  NOTE ("width 0: frames with L != R: %zu of %zu (f32+f64); mono value error %.3g",
      diff, 2 * n, maxerr);
  master_imager_free (&im);
  free (x);
  free (y);
  free (xd);
  free (yd);
}

/* RMS of the side (L-R)/2 of a stereo buffer, skipping `skip` frames */
static double
side_rms (const float *y, size_t n, size_t skip)
{
  double s = 0;
  for (size_t i = skip; i < n; i++) {
    double v = (y[2 * i] - y[2 * i + 1]) / 2;
    s += v * v;
  }
  return sqrt (s / (n - skip));
}

static void
test_bass_mono (void)
{
  const double fc = 120.0;
  size_t n = 96000, skip = 48000;
  float *x = malloc (n * 2 * sizeof (float)), *y = malloc (n * 2 * sizeof (float));
  MasterImagerParams p;
  MasterImager *im;
  double worst_sum = 0;

  /* analytic response of the digital filter */
  for (double f = 10; f < 20000; f *= 1.05) {
    double s = master_imager_bass_mono_response (RATE, fc, f, 2);
    worst_sum = fmax (worst_sum, fabs (20 * log10 (s)));
  }
  double a_oct = -20 * log10 (master_imager_bass_mono_response (RATE, fc, fc / 2, 0));
  double a_fc = -20 * log10 (master_imager_bass_mono_response (RATE, fc, fc, 0));
  double a_up = -20 * log10 (master_imager_bass_mono_response (RATE, fc, 2 * fc, 0));
  NOTE ("bass-mono %g Hz (analytic): LP+HP sum deviation max %.2e dB; "
      "side attenuation %.2f dB at fc/2, %.2f dB at fc, %.3f dB at 2fc",
      fc, worst_sum, a_oct, a_fc, a_up);
  CHECK (worst_sum < 0.01, "crossover does not sum flat: %g dB", worst_sum);
  CHECK (a_oct >= 24.0, "attenuation an octave below %.2f dB < 24", a_oct);

  /* measured: pure side sines */
  const double freqs[] = { 30, 60, 120, 240, 1000 };
  for (int k = 0; k < 5; k++) {
    double f = freqs[k];
    for (size_t i = 0; i < n; i++) {
      float s = (float) (0.5 * sin (2 * M_PI * f * i / RATE));
      x[2 * i] = s;
      x[2 * i + 1] = -s;
    }
    master_imager_params_init (&p);
    p.bass_mono_hz = fc;
    im = make (&p);
    master_imager_process_f32 (im, y, x, n);
    double att = 20 * log10 (side_rms (x, n, skip) / side_rms (y, n, skip));
    NOTE ("bass-mono %g Hz: side sine %6.0f Hz attenuated %.2f dB", fc, f, att);
    if (f <= fc / 2)
      CHECK (att >= 24.0, "side at %g Hz only %.2f dB down", f, att);
    if (f >= 1000)
      CHECK (att < 0.05, "side at %g Hz attenuated %.3f dB", f, att);
    master_imager_free (&im);
  }

  /* mid untouched: pure mid gives bit-identical output; mixed material keeps
   * (L+R)/2 within float rounding */
  master_imager_params_init (&p);
  p.bass_mono_hz = fc;
  im = make (&p);
  for (size_t i = 0; i < n; i++)
    x[2 * i] = x[2 * i + 1] = (float) (0.4 * sin (2 * M_PI * 50 * i / RATE) + 0.2 * rnd ());
  master_imager_process_f32 (im, y, x, n);
  CHECK (memcmp (x, y, n * 2 * sizeof (float)) == 0, "pure mid changed by bass mono");
  gen_stereo_f32 (x, n);
  master_imager_process_f32 (im, y, x, n);
  double merr = 0;
  for (size_t i = 0; i < n; i++) {
    float mi = (x[2 * i] + x[2 * i + 1]) * 0.5f, mo = (y[2 * i] + y[2 * i + 1]) * 0.5f;
    merr = fmax (merr, fabs (mi - mo));
  }
  CHECK (merr < 1e-6, "mid changed by %g", merr);
  NOTE ("bass-mono: pure-mid input bit-identical; mixed input mid max error %.3g (float rounding)",
      merr);
  master_imager_free (&im);
  free (x);
  free (y);
}

static void
test_fold_down (void)
{
  size_t n = 96000;
  float *x = malloc (n * 2 * sizeof (float)), *y = malloc (n * 2 * sizeof (float));
  MasterImagerParams p;
  MasterImager *im;
  double e_st_in = 0, e_st_out = 0, e_mono_in = 0, e_mono_out = 0, merr = 0;

  gen_stereo_f32 (x, n);
  master_imager_params_init (&p);
  p.width = 2.0;
  im = make (&p);
  master_imager_process_f32 (im, y, x, n);
  for (size_t i = 0; i < n; i++) {
    double mi = (x[2 * i] + (double) x[2 * i + 1]) / 2, mo = (y[2 * i] + (double) y[2 * i + 1]) / 2;
    e_st_in += x[2 * i] * (double) x[2 * i] + x[2 * i + 1] * (double) x[2 * i + 1];
    e_st_out += y[2 * i] * (double) y[2 * i] + y[2 * i + 1] * (double) y[2 * i + 1];
    e_mono_in += 2 * mi * mi;
    e_mono_out += 2 * mo * mo;
    merr = fmax (merr, fabs (mi - mo));
  }
  double fold_vs_in = 10 * log10 (e_mono_out / e_mono_in);
  double loss_in = 10 * log10 (e_st_in / e_mono_in);
  double loss_out = 10 * log10 (e_st_out / e_mono_out);
  NOTE ("fold-down, width 2: mono sum of output vs mono sum of input %+.4f dB "
      "(max sample diff %.3g); stereo->mono loss input %.2f dB, widened %.2f dB",
      fold_vs_in, merr, loss_in, loss_out);
  /* documented: the mono fold-down of the output equals that of the input
   * (x mid gain); the widened side energy is what mono loses */
  CHECK (fabs (fold_vs_in) < 0.001, "fold-down changed by %g dB", fold_vs_in);
  CHECK (merr < 1e-6, "fold-down sample error %g", merr);
  CHECK (loss_out > loss_in, "widening should increase stereo->mono loss");
  master_imager_free (&im);
  free (x);
  free (y);
}

static void
test_stats (void)
{
  size_t n = 48000;
  float *x = malloc (n * 2 * sizeof (float)), *y = malloc (n * 2 * sizeof (float));
  MasterImagerParams p;
  MasterImager *im;
  MasterImagerStats st;
  double c;

  master_imager_params_init (&p);
  im = make (&p);
  for (size_t i = 0; i < n; i++)
    x[2 * i] = x[2 * i + 1] = (float) (0.5 * sin (2 * M_PI * 1000 * i / RATE));
  master_imager_process_f32 (im, y, x, n);
  master_imager_take_stats (im, &st);
  c = master_imager_stats_correlation (&st);
  double mid = master_imager_stats_mid_db (&st), side = master_imager_stats_side_db (&st);
  double want = 20 * log10 (0.5 / sqrt (2));
  NOTE ("stats mono sine 0.5: corr %.4f mid %.3f dB (expect %.3f) side %.1f dB", c, mid, want, side);
  CHECK (fabs (c - 1) < 1e-9, "corr %g", c);
  CHECK (fabs (mid - want) < 0.01, "mid %g", mid);
  CHECK (side <= MASTER_IMAGER_LEVEL_FLOOR_DB, "side %g", side);

  for (size_t i = 0; i < n; i++)
    x[2 * i + 1] = -x[2 * i];
  master_imager_process_f32 (im, y, x, n);
  master_imager_take_stats (im, &st);
  c = master_imager_stats_correlation (&st);
  NOTE ("stats anti-phase: corr %.4f side %.3f dB", c, master_imager_stats_side_db (&st));
  CHECK (fabs (c + 1) < 1e-9, "corr %g", c);

  for (size_t i = 0; i < n; i++) {
    x[2 * i] = (float) rnd ();
    x[2 * i + 1] = (float) rnd ();
  }
  master_imager_process_f32 (im, y, x, n);
  master_imager_take_stats (im, &st);
  c = master_imager_stats_correlation (&st);
  NOTE ("stats independent noise: corr %.4f", c);
  CHECK (fabs (c) < 0.03, "corr %g", c);
  master_imager_take_stats (im, &st);
  CHECK (st.n_frames == 0 && master_imager_stats_correlation (&st) == 0, "take clears");
  master_imager_free (&im);
  free (x);
  free (y);
}

/* max |second difference| of one channel */
static double
max_d2 (const float *y, size_t n, int ch, size_t from)
{
  double m = 0;
  for (size_t i = from + 2; i < n; i++)
    m = fmax (m, fabs (y[2 * i + ch] - 2 * y[2 * (i - 1) + ch] + y[2 * (i - 2) + ch]));
  return m;
}

/* run the parameter-jump scenario with the given smoothing time; returns the
 * max second difference over both channels */
static double
jump_scenario (const float *x, float *y, size_t n, double smoothing)
{
  size_t chunk = 480;
  MasterImagerParams p;
  MasterImager *im;
  master_imager_params_init (&p);
  im = make (&p);
  master_imager_set_smoothing (im, smoothing);
  for (size_t off = 0; off < n; off += chunk) {
    if (off == 4800) {
      p.width = 0;
      p.mid_gain_db = 6;
      p.side_gain_db = -6;
      p.balance = 0.8;
      p.bass_mono_hz = 300;
      master_imager_set_params (im, &p);
    } else if (off == 24000) {
      p.width = 2;
      p.mid_gain_db = -6;
      p.balance = -1;
      p.bass_mono_hz = 80;
      master_imager_set_params (im, &p);
    } else if (off == 38400) {
      master_imager_params_init (&p);
      master_imager_set_params (im, &p);
    }
    master_imager_process_f32 (im, y + 2 * off, x + 2 * off, chunk);
  }
  master_imager_free (&im);
  return fmax (max_d2 (y, n, 0, 0), max_d2 (y, n, 1, 0));
}

static void
test_smoothing (void)
{
  size_t n = 48000;
  float *x = malloc (n * 2 * sizeof (float)), *y = malloc (n * 2 * sizeof (float));

  /* 100 Hz sines, different on L and R: the steady second difference is
   * small (0.5 * (2 pi 100 / 48000)^2 = 8.6e-5) so a step stands out */
  for (size_t i = 0; i < n; i++) {
    x[2 * i] = (float) (0.5 * sin (2 * M_PI * 100 * i / RATE));
    x[2 * i + 1] = (float) (0.5 * cos (2 * M_PI * 100 * i / RATE));
  }
  double steady = fmax (max_d2 (x, n, 0, 0), max_d2 (x, n, 1, 0));
  double stepped = jump_scenario (x, y, n, 0.0);
  double smooth = jump_scenario (x, y, n, 0.02);
  NOTE ("smoothing: max second difference: input %.5f, jumps unsmoothed %.5f, "
      "jumps with 20 ms ramps %.5f (%.1f dB below unsmoothed)",
      steady, stepped, smooth, 20 * log10 (stepped / smooth));
  /* a 20 ms ramp bends the waveform by ~ amplitude * dgain / 960 per sample;
   * a step jumps by ~ amplitude * dgain */
  CHECK (smooth < stepped / 20, "click: %.5f vs unsmoothed %.5f", smooth, stepped);
  CHECK (smooth < 0.005, "click: second difference %.5f", smooth);
  free (x);
  free (y);
}

static void
test_nan (void)
{
  size_t n = 4800;
  float *x = malloc (n * 2 * sizeof (float)), *y = malloc (n * 2 * sizeof (float));
  double *xd = malloc (n * 2 * sizeof (double)), *yd = malloc (n * 2 * sizeof (double));
  MasterImagerParams p;
  MasterImager *im;
  size_t bad, nonfinite = 0;

  gen_stereo_f32 (x, n);
  for (size_t i = 0; i < 2 * n; i++)
    xd[i] = x[i];
  x[100] = NAN;
  x[2001] = INFINITY;
  xd[3] = -INFINITY;
  xd[4000] = NAN;
  master_imager_params_init (&p);
  p.width = 1.5;
  p.bass_mono_hz = 100;
  im = make (&p);
  bad = master_imager_process_f32 (im, y, x, n);
  for (size_t i = 0; i < 2 * n; i++)
    nonfinite += !isfinite (y[i]);
  CHECK (bad == 2 && nonfinite == 0, "f32 bad %zu nonfinite out %zu", bad, nonfinite);
  bad = master_imager_process_f64 (im, yd, xd, n);
  for (size_t i = 0; i < 2 * n; i++)
    nonfinite += !isfinite (yd[i]);
  CHECK (bad == 2 && nonfinite == 0, "f64 bad %zu nonfinite out %zu", bad, nonfinite);
  /* state recovers: clean input afterwards gives clean output */
  gen_stereo_f32 (x, n);
  bad = master_imager_process_f32 (im, y, x, n);
  for (size_t i = 0; i < 2 * n; i++)
    nonfinite += !isfinite (y[i]);
  CHECK (bad == 0 && nonfinite == 0, "after NaN: bad %zu nonfinite %zu", bad, nonfinite);
  NOTE ("NaN/Inf: 4 bad samples replaced, 0 non-finite outputs");
  master_imager_free (&im);
  free (x);
  free (y);
  free (xd);
  free (yd);
}

static void
test_f32_f64_agree (void)
{
  size_t n = 48000;
  float *x = malloc (n * 2 * sizeof (float)), *y = malloc (n * 2 * sizeof (float));
  double *xd = malloc (n * 2 * sizeof (double)), *yd = malloc (n * 2 * sizeof (double));
  MasterImagerParams p;
  MasterImager *a, *b;
  double maxerr = 0;

  gen_stereo_f32 (x, n);
  for (size_t i = 0; i < 2 * n; i++)
    xd[i] = x[i];
  master_imager_params_init (&p);
  p.width = 1.4;
  p.mid_gain_db = -2;
  p.side_gain_db = 1;
  p.bass_mono_hz = 200;
  p.balance = -0.25;
  a = make (&p);
  b = make (&p);
  master_imager_process_f32 (a, y, x, n);
  master_imager_process_f64 (b, yd, xd, n);
  for (size_t i = 0; i < 2 * n; i++)
    maxerr = fmax (maxerr, fabs (y[i] - yd[i]));
  NOTE ("f32 vs f64 max difference %.3g", maxerr);
  CHECK (maxerr < 1e-5, "f32/f64 differ by %g", maxerr);
  /* expected value check on f64: L' = bl (gm M + gs w HP(S)); with balance
   * -0.25: bl = 1, br = 0.75 */
  CHECK (master_imager_new (10.0) == NULL, "bad rate accepted");
  master_imager_free (&a);
  master_imager_free (&b);
  free (x);
  free (y);
  free (xd);
  free (yd);
}

static void
test_gains (void)
{
  /* constant pure-mid and pure-side probes measure gm, gs*w, bl, br */
  size_t n = 4800;
  double *x = malloc (n * 2 * sizeof (double)), *y = malloc (n * 2 * sizeof (double));
  MasterImagerParams p;
  MasterImager *im;
  master_imager_params_init (&p);
  p.width = 1.5;
  p.mid_gain_db = -3;
  p.side_gain_db = 2;
  p.balance = 0.4;
  im = make (&p);
  for (size_t i = 0; i < n; i++) {
    x[2 * i] = 0.25;            /* M = 0.125 + ..., choose L=0.25, R=0.05 */
    x[2 * i + 1] = 0.05;
  }
  master_imager_process_f64 (im, y, x, n);
  double M = 0.15, S = 0.10;
  double gm = pow (10, -3 / 20.0), gs = 1.5 * pow (10, 2 / 20.0);
  double wl = 0.6 * (gm * M + gs * S), wr = 1.0 * (gm * M - gs * S);
  NOTE ("gains: L %.9f (expect %.9f) R %.9f (expect %.9f)", y[0], wl, y[1], wr);
  CHECK (fabs (y[0] - wl) < 1e-12 && fabs (y[1] - wr) < 1e-12, "matrix gains");
  master_imager_free (&im);
  free (x);
  free (y);
}

int
main (void)
{
  test_neutral_null ();
  test_width_zero ();
  test_bass_mono ();
  test_fold_down ();
  test_stats ();
  test_smoothing ();
  test_nan ();
  test_f32_f64_agree ();
  test_gains ();
  return check_finish ();
}
