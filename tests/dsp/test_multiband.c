/* tests for dsp/multiband: ratio 1 is the crossover allpass (flat), a band
 * compresses only its range, abrupt parameter changes (solo, bypass,
 * makeup, threshold, crossover, output gain, mix) do not click, NaN input. */
#include "check.h"
#include "multiband.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000.0

static void
bands_init (MasterMultibandBand * b, int n)
{
  static const double f[] = { 100.0, 500.0, 2500.0, 8000.0, 14000.0, 20000.0 };
  int i;
  memset (b, 0, sizeof (*b) * n);
  for (i = 0; i < n; i++) {
    master_dynamics_params_init (&b[i].dyn);
    b[i].dyn.ratio = 1.0;
    b[i].crossover_hz = f[i];
  }
}

static double
tone_gain_db (const double *y, const double *x, int from, int to, int C)
{
  double ey = 0.0, ex = 0.0;
  int i;
  for (i = from; i < to; i++) {
    ey += y[i * C] * y[i * C];
    ex += x[i * C] * x[i * C];
  }
  return 10.0 * log10 (ey / ex);
}

static void
test_band_ranges (void)
{
  const int n = (int) RATE, C = 2;
  MasterMultiband *m = master_multiband_new (C, RATE, 10.0);
  MasterMultibandBand b[4];
  double *x = malloc (sizeof (double) * n * C), *y =
      malloc (sizeof (double) * n * C);
  static const double tones[] = { 50.0, 1000.0, 6000.0 };
  int t, i;

  for (t = 0; t < 3; t++) {
    double g_off, g_on, gr2;
    for (i = 0; i < n; i++)
      x[2 * i] = x[2 * i + 1] = 0.5 * sin (2 * M_PI * tones[t] * i / RATE);
    bands_init (b, 4);
    master_multiband_configure (m, 4, 24, 0.0, b, 1.0, 0.0);
    master_multiband_process_f64 (m, y, x, n);
    g_off = tone_gain_db (y, x, n / 2, n, C);
    /* compress band 2 (500..2500 Hz) hard */
    b[2].dyn.threshold_db = -40.0;
    b[2].dyn.ratio = 10.0;
    master_multiband_configure (m, 4, 24, 0.0, b, 1.0, 0.0);
    master_multiband_process_f64 (m, y, x, n);
    g_on = tone_gain_db (y, x, n / 2, n, C);
    gr2 = master_multiband_take_gain_reduction_db (m, 2);
    printf ("band2 (500..2500 Hz) T -40 R 10: %5.0f Hz tone gain %.3f dB "
        "(all ratio 1: %.2e dB), band2 reduction %.2f dB\n", tones[t], g_on,
        g_off, gr2);
    CHECK (fabs (g_off) < 1e-6, "ratio 1 not flat at %g Hz: %g", tones[t],
        g_off);
    /* the neighbouring bands' skirts (-25..-32 dB at 1 kHz) stay */
    if (t == 1)
      CHECK (g_on < -15.0 && gr2 > 25.0, "1 kHz not compressed: %g", g_on);
    else
      CHECK (fabs (g_on) < 0.3, "%g Hz touched: %g dB", tones[t], g_on);
  }
  master_multiband_free (&m);
  free (x);
  free (y);
}

static void
test_no_clicks_and_nan (void)
{
  const int n = (int) (3.0 * RATE), C = 2, blk = (int) (0.05 * RATE);
  MasterMultiband *m = master_multiband_new (C, RATE, 10.0);
  MasterMultibandBand b[4];
  double *x = malloc (sizeof (double) * n * C), *y =
      malloc (sizeof (double) * n * C);
  const double amp = 0.25, w = 2.0 * M_PI * 1000.0 / RATE;
  double worst = 0.0, gmax = pow (10.0, 12.0 / 20.0), mix = 1.0, og = 0.0;
  unsigned seed = 3;
  int i, k, finite = 1, bad;

  bands_init (b, 4);
  for (i = 0; i < 4; i++) {
    b[i].dyn.attack_ms = 1.0;
    b[i].dyn.release_ms = 30.0;
  }
  master_multiband_configure (m, 4, 24, 2.0, b, 1.0, 0.0);
  for (i = 0; i < n; i++)
    x[2 * i] = x[2 * i + 1] = amp * sin (w * i);
  for (k = 0; k * blk < n; k++) {
    int len = n - k * blk < blk ? n - k * blk : blk, j;
    seed = seed * 1103515245u + 12345u;
    j = (seed >> 10) % 4;
    switch (k % 7) {
      case 0:
        b[j].solo = !b[j].solo;
        break;
      case 1:
        b[j].bypass = !b[j].bypass;
        break;
      case 2:
        b[j].dyn.makeup_db = (seed >> 8) % 2 ? 6.0 : -6.0;
        break;
      case 3:
        b[j].dyn.threshold_db = (seed >> 8) % 2 ? -40.0 : 0.0;
        b[j].dyn.ratio = (seed >> 9) % 2 ? 20.0 : 1.0;
        break;
      case 4:
        b[1].crossover_hz = (seed >> 8) % 2 ? 700.0 : 1400.0;
        break;
      case 5:
        og = (seed >> 8) % 2 ? 6.0 : -6.0;
        break;
      default:
        mix = (seed >> 8) % 2 ? 1.0 : 0.0;
        break;
    }
    master_multiband_set_params (m, b, mix, og);
    master_multiband_process_f64 (m, y + (size_t) k * blk * C,
        x + (size_t) k * blk * C, len);
  }
  for (i = 2 + 4800; i < n; i++) {
    double d2 = fabs (y[2 * i] - 2 * y[2 * i - 2] + y[2 * i - 4]);
    if (d2 > worst)
      worst = d2;
  }
  printf ("multiband: abrupt solo/bypass/makeup/threshold/crossover/output/"
      "mix changes every 50 ms on a 1 kHz tone: max 2nd difference %.4f "
      "(tone alone %.4f, at +12 dB %.4f)\n", worst, amp * w * w,
      gmax * amp * w * w);
  CHECK (worst < 1.5 * gmax * amp * w * w, "click: %g", worst);

  x[100] = NAN;
  x[301] = INFINITY;
  x[302] = -INFINITY;
  x[555] = -3e9;                /* absurd */
  x[4096 * C - 1] = NAN;        /* in the scalar tail of the check */
  bad = master_multiband_process_f64 (m, y, x, 4096);
  for (i = 0; i < 4096 * C; i++)
    finite &= isfinite (y[i]);
  printf ("multiband NaN/+-Inf/absurd: %d bad samples reported, output "
      "finite: %s\n", bad, finite ? "yes" : "NO");
  CHECK (bad == 5 && finite, "bad %d finite %d", bad, finite);
  {
    /* F32 entry, odd length (scalar tail) */
    float *xf = malloc (sizeof (float) * 4095 * C), *yf =
        malloc (sizeof (float) * 4095 * C);
    for (i = 0; i < 4095 * C; i++)
      xf[i] = (float) x[i];
    xf[4095 * C - 1] = -INFINITY;
    bad = master_multiband_process_f32 (m, yf, xf, 4095);
    finite = 1;
    for (i = 0; i < 4095 * C; i++)
      finite &= isfinite (yf[i]);
    printf ("multiband F32 NaN/+-Inf/absurd: %d bad samples reported, output "
        "finite: %s\n", bad, finite ? "yes" : "NO");
    CHECK (bad == 5 && finite, "f32: bad %d finite %d", bad, finite);
    free (xf);
    free (yf);
  }
  master_multiband_free (&m);
  free (x);
  free (y);
}

int
main (void)
{
  int pass;
  /* vector loops (where the CPU has AVX2/FMA), then plain C */
  for (pass = 0; pass < 2; pass++) {
    master_dynamics_use_simd (pass == 0);
    printf ("== %s loops\n", pass == 0 ? "vector" : "plain C");
    test_band_ranges ();
    test_no_clicks_and_nan ();
  }
  return check_finish ();
}
