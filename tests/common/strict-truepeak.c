/* Strict true-peak reference; see strict-truepeak.h. */
#include "strict-truepeak.h"

#include <math.h>
#include <stdlib.h>

#define HALF 128                /* taps each side */
#define OS 16
#define BETA 12.0

static double
bessel_i0 (double x)
{
  double s = 1, t = 1, q = x * x / 4;
  for (int k = 1; k < 300; k++) {
    t *= q / ((double) k * k);
    s += t;
    if (t < s * 1e-17)
      break;
  }
  return s;
}

double
strict_true_peak_db (const float *x, size_t n, int C)
{
  double *h = malloc (sizeof (double) * OS * 2 * HALF);
  const double i0b = bessel_i0 (BETA);
  for (int p = 0; p < OS; p++)
    for (int k = 0; k < 2 * HALF; k++) {
      double t = (k - (HALF - 1)) - (double) p / OS;
      double s = fabs (t) < 1e-12 ? 1.0 : sin (M_PI * t) / (M_PI * t);
      double r = t / (HALF + 0.5);
      double w = fabs (r) >= 1 ? 0 : bessel_i0 (BETA * sqrt (1 - r * r)) / i0b;
      h[p * 2 * HALF + k] = s * w;
    }
  double sp = 0;
  for (size_t i = 0; i < n * (size_t) C; i++)
    sp = fabs (x[i]) > sp ? fabs (x[i]) : sp;
  const double thr = sp * 0.5;
  double best = sp;
  for (int c = 0; c < C; c++)
    for (size_t i = 0; i + 1 < n; i++) {
      if (fabs (x[i * C + c]) < thr && fabs (x[(i + 1) * C + c]) < thr)
        continue;
      /* between samples i and i + 1 */
      for (int p = 1; p < OS; p++) {
        const double *hp = h + p * 2 * HALF;
        double a = 0;
        for (int k = 0; k < 2 * HALF; k++) {
          long j = (long) i - (HALF - 1) + k;
          if (j >= 0 && j < (long) n)
            a += hp[k] * x[j * C + c];
        }
        if (fabs (a) > best)
          best = fabs (a);
      }
    }
  free (h);
  return best > 0 ? 20.0 * log10 (best) : -1000.0;
}
