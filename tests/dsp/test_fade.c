/* Unit tests of dsp/fade: curve formulas, sample accuracy of fade-in start
 * and fade-out end, live starts without jumps, declick, formats, channels,
 * block-size independence, NaN. Prints the measured figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fade.h"

#define RATE 48000.0

static const char *curve_names[] = { "linear", "logarithmic", "exponential",
  "s-curve", "equal-power"
};

/* independent formulas, written from the documentation */
static double
formula (int c, double x)
{
  switch (c) {
    case 0:
      return x;
    case 1:
      return log10 (1 + 999 * x) / 3;
    case 2:
      return (pow (10, 3 * x) - 1) / 999;
    case 3:
      return 0.5 - 0.5 * cos (M_PI * x);
    default:
      return sin (M_PI * x / 2);
  }
}

static void
test_curves (void)
{
  for (int c = 0; c < 5; c++) {
    double maxerr = 0, maxinv = 0;
    int mono = 1;
    double prev = -1;
    for (int i = 0; i <= 10000; i++) {
      double x = i / 10000.0, g = master_fade_curve (c, x);
      maxerr = fmax (maxerr, fabs (g - formula (c, x)));
      maxinv = fmax (maxinv, fabs (master_fade_curve_inverse (c, g) - x) * (g > 1e-9 && g < 1 - 1e-9));
      mono &= g >= prev;
      prev = g;
    }
    CHECK (master_fade_curve (c, 0) == 0.0 && master_fade_curve (c, 1) == 1.0,
        "%s endpoints", curve_names[c]);
    CHECK (maxerr < 1e-12, "%s formula error %g", curve_names[c], maxerr);
    CHECK (maxinv < 1e-6, "%s inverse error %g", curve_names[c], maxinv);
    CHECK (mono, "%s not monotonic", curve_names[c]);
    NOTE ("curve %-11s: C(0.5) = %.6f (%.2f dB), formula error %.1e, inverse error %.1e",
        curve_names[c], master_fade_curve (c, 0.5),
        20 * log10 (master_fade_curve (c, 0.5)), maxerr, maxinv);
  }
  double maxp = 0;
  for (int i = 0; i <= 1000; i++) {
    double x = i / 1000.0, a = master_fade_curve (MASTER_FADE_CURVE_EQUAL_POWER, x),
        b = master_fade_curve (MASTER_FADE_CURVE_EQUAL_POWER, 1 - x);
    maxp = fmax (maxp, fabs (a * a + b * b - 1));
  }
  CHECK (maxp < 1e-12, "equal-power sum %g", maxp);
  NOTE ("equal-power: max |C(x)^2 + C(1-x)^2 - 1| = %.1e", maxp);
}

/* fade-in at 0 over len samples and fade-out ending at the last sample of an
 * n-frame stream, on constant 1.0 input, processed in odd-sized chunks */
static void
test_sample_accuracy (void)
{
  const size_t n = 48000;
  const double len_in = 4800.5, len_out = 9600;
  int channels[] = { 1, 2, 6 };
  for (int ci = 0; ci < 3; ci++) {
    int ch = channels[ci];
    float *x = malloc (n * ch * sizeof (float)), *y = malloc (n * ch * sizeof (float));
    double *xd = malloc (n * ch * sizeof (double)), *yd = malloc (n * ch * sizeof (double));
    for (size_t i = 0; i < n * ch; i++) {
      x[i] = 1.0f;
      xd[i] = 1.0;
    }
    for (int c = 0; c < 5; c++) {
      MasterFade *f = master_fade_new (RATE, ch), *fd = master_fade_new (RATE, ch);
      MasterFadeSchedule s = { .curve = c, .has_in = 1, .in_start = 0, .in_len = len_in,
        .has_out = 1, .out_end = n - 1, .out_len = len_out
      };
      master_fade_set_schedule (f, &s, 0);
      master_fade_set_schedule (fd, &s, 0);
      size_t pos = 0, chunk = 1;
      while (pos < n) {
        size_t b = chunk < n - pos ? chunk : n - pos;
        master_fade_process_f32 (f, y + pos * ch, x + pos * ch, b, (int64_t) pos);
        master_fade_process_f64 (fd, yd + pos * ch, xd + pos * ch, b, (int64_t) pos);
        pos += b;
        chunk = chunk * 3 + 7;
        if (chunk > 5000)
          chunk = 333;
      }
      double err32 = 0, err64 = 0, chdiff = 0;
      for (size_t i = 0; i < n; i++) {
        double want = 1.0;
        if (i < len_in)
          want = formula (c, i / len_in);
        if ((double) i > (n - 1) - len_out)
          want *= formula (c, ((n - 1) - (double) i) / len_out);
        err32 = fmax (err32, fabs (y[i * ch] - want));
        err64 = fmax (err64, fabs (yd[i * ch] - want));
        for (int k = 1; k < ch; k++)
          chdiff = fmax (chdiff, fabs (y[i * ch + k] - y[i * ch]));
      }
      CHECK (y[0] == 0.0f && yd[0] == 0.0, "%s first sample %g", curve_names[c], y[0]);
      CHECK (y[(n - 1) * ch + ch - 1] == 0.0f && yd[(n - 1) * ch] == 0.0,
          "%s last sample %g", curve_names[c], y[(n - 1) * ch]);
      CHECK (err32 < 1e-6 && err64 < 1e-12, "%s error f32 %g f64 %g",
          curve_names[c], err32, err64);
      CHECK (chdiff == 0, "channels differ");
      if (ch == 2)
        NOTE ("%d ch %-11s: first %g last %g, max error vs formula f32 %.1e f64 %.1e",
            ch, curve_names[c], y[0], y[(n - 1) * ch], err32, err64);
      master_fade_free (&f);
      master_fade_free (&fd);
    }
    free (x);
    free (y);
    free (xd);
    free (yd);
  }
}

static double
max_step (const float *y, size_t n)
{
  double m = 0;
  for (size_t i = 1; i < n; i++)
    m = fmax (m, fabs (y[i] - y[i - 1]));
  return m;
}

static void
test_live (void)
{
  /* on constant 1.0 input the output is the gain; a 1 s fade moves at most
   * ~1/48000 * (max slope) per sample */
  const size_t n = 4 * 48000;
  float *x = malloc (n * sizeof (float)), *y = malloc (n * sizeof (float));
  for (size_t i = 0; i < n; i++)
    x[i] = 1.0f;
  for (int c = 0; c < 5; c++) {
    MasterFade *f = master_fade_new (RATE, 1);
    size_t pos = 0, chunk = 480;
    for (; pos < n; pos += chunk) {
      if (pos == 24000)
        master_fade_start_out (f, pos, RATE, c);        /* 1 s fade-out */
      if (pos == 48000)
        master_fade_start_in (f, pos, RATE, c);         /* reverse half-way */
      if (pos == 96000)
        master_fade_start_out (f, pos, 0.5 * RATE, c);
      if (pos == 96000 + 48000)
        master_fade_start_in (f, pos, 0.25 * RATE, c);  /* from silence */
      master_fade_process_f32 (f, y + pos, x + pos, chunk, (int64_t) pos);
    }
    double st = max_step (y, n);
    /* the steepest legal step: max slope of the curve / shortest fade */
    double bound = 0, L = 0.25 * RATE;
    for (int i = 0; i < (int) L; i++)
      bound = fmax (bound, master_fade_curve (c, (i + 1) / L) - master_fade_curve (c, i / L));
    bound = bound * 1.01 + 1e-6;
    NOTE ("live %-11s: gain at reversal %.4f, silent after fade-out %s, max step %.2e (curve bound %.2e)",
        curve_names[c], y[48000], y[96000 + 24000 + 100] == 0 ? "yes" : "no", st, bound);
    CHECK (st <= bound, "%s live jump %g > %g", curve_names[c], st, bound);
    CHECK (y[0] == 1.0f && y[23999] == 1.0f, "unity before fade");
    CHECK (y[96000 + 24000 + 100] == 0.0f, "silence after fade-out");
    CHECK (y[n - 1] == 1.0f, "unity after fade-in");
    master_fade_free (&f);
  }
  free (x);
  free (y);
}

static void
test_declick (void)
{
  /* replacing a schedule mid-fade (e.g. the fade-in length property changes)
   * must not jump: the difference is spread over the declick time */
  const size_t n = 48000;
  float *x = malloc (n * sizeof (float)), *y = malloc (n * sizeof (float));
  for (size_t i = 0; i < n; i++)
    x[i] = 1.0f;
  MasterFade *f = master_fade_new (RATE, 1);
  MasterFadeSchedule s = { .curve = MASTER_FADE_CURVE_LINEAR, .has_in = 1,
    .in_start = 0, .in_len = 24000
  };
  master_fade_set_schedule (f, &s, 0);
  master_fade_process_f32 (f, y, x, 12000, 0);   /* gain 0.5 */
  s.in_len = 2400;                               /* now: gain 1 at once */
  master_fade_set_schedule (f, &s, 12000);
  master_fade_process_f32 (f, y + 12000, x + 12000, n - 12000, 12000);
  double st = max_step (y, n);
  double bound = 0.5 / (MASTER_FADE_DECLICK_SECONDS * RATE) * 1.01;
  NOTE ("declick: gain jump 0.5 spread, max step %.2e (bound %.2e), gain 10 ms later %.4f",
      st, bound, y[12480]);
  CHECK (st <= bound, "declick step %g", st);
  CHECK (y[12000 + 240] == 1.0f, "declick finished");
  /* after reset (flush) no declick: new schedule applies at once */
  master_fade_reset (f);
  s.in_len = 48000;
  master_fade_set_schedule (f, &s, 0);
  master_fade_process_f32 (f, y, x, 10, 0);
  CHECK (y[0] == 0.0f, "after reset first sample %g", y[0]);
  master_fade_free (&f);
  free (x);
  free (y);
}

static void
test_nan (void)
{
  const size_t n = 4800;
  float x[2 * 4800], y[2 * 4800];
  double xd[2 * 4800], yd[2 * 4800];
  size_t bad, nonfinite = 0;
  MasterFade *f = master_fade_new (RATE, 2);
  MasterFadeSchedule s = { .curve = MASTER_FADE_CURVE_S_CURVE, .has_in = 1,
    .in_start = 0, .in_len = 1000
  };
  master_fade_set_schedule (f, &s, 0);
  for (size_t i = 0; i < 2 * n; i++) {
    x[i] = (float) sin (i * 0.01);
    xd[i] = x[i];
  }
  x[5] = NAN;
  x[3000] = INFINITY;
  xd[7000] = -INFINITY;
  bad = master_fade_process_f32 (f, y, x, n, 0);
  bad += master_fade_process_f64 (f, yd, xd, n, 0);
  for (size_t i = 0; i < 2 * n; i++)
    nonfinite += !isfinite (y[i]) + !isfinite (yd[i]);
  NOTE ("NaN/Inf: %zu bad samples replaced, %zu non-finite outputs", bad, nonfinite);
  CHECK (bad == 3 && nonfinite == 0, "bad %zu nonfinite %zu", bad, nonfinite);
  CHECK (master_fade_new (RATE, 9) == NULL && master_fade_new (10, 1) == NULL, "bad args");
  master_fade_free (&f);
}

static void
test_unity_null (void)
{
  /* outside any fade the output is the input, bit for bit */
  const size_t n = 4800;
  float x[4800], y[4800];
  MasterFade *f = master_fade_new (RATE, 1);
  MasterFadeSchedule s = { .curve = MASTER_FADE_CURVE_LINEAR, .has_in = 1,
    .in_start = 0, .in_len = 100, .has_out = 1, .out_end = 1e9, .out_len = 100
  };
  master_fade_set_schedule (f, &s, 0);
  for (size_t i = 0; i < n; i++)
    x[i] = (float) sin (i * 0.1) * 0.7f;
  CHECK (master_fade_is_unity (f, 100, n), "unity range");
  CHECK (!master_fade_is_unity (f, 99, n), "not unity range");
  master_fade_process_f32 (f, y, x, n, 100);
  CHECK (memcmp (x, y, sizeof (x)) == 0, "unity region not bit-exact");
  master_fade_free (&f);
}

static void
test_block_matches_scalar (void)
{
  /* the block gain computation (recurrences between re-seeds) equals
   * master_fade_gain () within 1e-12 sample for sample, including overlap
   * of fade-in and fade-out and a declick in progress, for every curve */
  const size_t n = 20000;
  double *x = malloc (n * sizeof (double)), *y = malloc (n * sizeof (double));
  for (size_t i = 0; i < n; i++)
    x[i] = 1.0;
  for (int c = 0; c < 5; c++) {
    MasterFade *f = master_fade_new (RATE, 1);
    MasterFadeSchedule s = { .curve = c, .has_in = 1, .in_start = 100.25,
      .in_len = 9000.5, .has_out = 1, .out_end = 15000.75, .out_len = 8000
    };
    master_fade_set_schedule (f, &s, 0);
    master_fade_process_f64 (f, y, x, 5000, 0);
    s.in_len = 3000;                /* gain jumps: declick from 5000 on */
    master_fade_set_schedule (f, &s, 5000);
    double diff = 0;
    for (size_t i = 0; i < 5000; i++)
      diff = fmax (diff, fabs (y[i] - master_fade_schedule_gain (&(MasterFadeSchedule) {
            .curve = c, .has_in = 1, .in_start = 100.25, .in_len = 9000.5,
            .has_out = 1, .out_end = 15000.75, .out_len = 8000}, (int64_t) i)));
    master_fade_process_f64 (f, y + 5000, x + 5000, n - 5000, 5000);
    for (size_t i = 5000; i < n; i++)
      diff = fmax (diff, fabs (y[i] - master_fade_gain (f, (int64_t) i)));
    CHECK (diff < 1e-12, "%s: block gains differ from scalar by %g", curve_names[c], diff);
    NOTE ("block vs scalar gains %-11s: max difference %.1e over %zu frames (overlap, declick)",
        curve_names[c], diff, n);
    master_fade_free (&f);
  }
  free (x);
  free (y);
}

int
main (void)
{
  test_block_matches_scalar ();
  test_curves ();
  test_sample_accuracy ();
  test_live ();
  test_declick ();
  test_nan ();
  test_unity_null ();
  return check_finish ();
}
