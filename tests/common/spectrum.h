/* Spectral purity figures for tests (header only, no dsp/ code):
 * a direct DFT at every bin with a 4-term Blackman-Harris window, then the
 * energy at harmonic bins (k * f0 up to Nyquist, k >= 0, +-4 bins = the
 * window's main lobe) against everything else.
 *
 * Use a length n for which f0 and rate / n divide evenly (coherent
 * sampling, e.g. n = 9600 at 48 kHz gives 5 Hz bins): then every harmonic
 * and every alias of it sits exactly on a bin and the window's leakage
 * stays below the -92 dB side lobes within 4 bins of each tone. */
#ifndef MASTER_TEST_SPECTRUM_H
#define MASTER_TEST_SPECTRUM_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SPECTRUM_LOBE 4

/* p[0 .. n/2]: power per bin. */
static inline void
spectrum_power (const double *x, int n, double *p)
{
  double *xw = malloc (sizeof (double) * n), *ct = malloc (sizeof (double) * n);
  int i, k;
  for (i = 0; i < n; i++) {
    double t = 2.0 * M_PI * i / n;
    xw[i] = x[i] * (0.35875 - 0.48829 * cos (t) + 0.14128 * cos (2 * t)
        - 0.01168 * cos (3 * t));
    ct[i] = cos (t);
  }
  for (k = 0; k <= n / 2; k++) {
    double re = 0, im = 0;
    long idx = 0;
    for (i = 0; i < n; i++) {
      long q = idx + n - n / 4;         /* sin(a) = cos(a - pi/2) */
      re += xw[i] * ct[idx];
      im += xw[i] * ct[q >= n ? q - n : q];
      idx += k;
      if (idx >= n)
        idx -= n;
    }
    p[k] = re * re + im * im;
  }
  free (xw);
  free (ct);
}

/* Non-harmonic energy relative to the total, dB. */
static inline double
spectrum_alias_db (const double *x, int n, double rate, double f0)
{
  double *p = malloc (sizeof (double) * (n / 2 + 1));
  char *harm = calloc (n / 2 + 1, 1);
  double bin = rate / n, total = 0, alias = 0;
  int k, h;
  spectrum_power (x, n, p);
  for (h = 0; h * f0 <= rate / 2; h++) {
    int c = (int) lround (h * f0 / bin);
    for (k = c - SPECTRUM_LOBE; k <= c + SPECTRUM_LOBE; k++)
      if (k >= 0 && k <= n / 2)
        harm[k] = 1;
  }
  for (k = 0; k <= n / 2; k++) {
    total += p[k];
    if (!harm[k])
      alias += p[k];
  }
  free (p);
  free (harm);
  return 10.0 * log10 (alias / total + 1e-300);
}

/* Energy of harmonic h relative to the fundamental, dB. */
static inline double
spectrum_harmonic_db (const double *x, int n, double rate, double f0, int h)
{
  double *p = malloc (sizeof (double) * (n / 2 + 1));
  double bin = rate / n, e1 = 0, eh = 0;
  int c1 = (int) lround (f0 / bin), ch = (int) lround (h * f0 / bin), k;
  spectrum_power (x, n, p);
  for (k = -SPECTRUM_LOBE; k <= SPECTRUM_LOBE; k++) {
    e1 += p[c1 + k];
    if (ch + k >= 0 && ch + k <= n / 2)
      eh += p[ch + k];
  }
  free (p);
  return 10.0 * log10 (eh / e1 + 1e-300);
}

#endif
