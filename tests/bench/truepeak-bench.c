/* Micro-benchmark of dsp/truepeak: ns per frame of
 * master_truepeak_process_f32 (48 kHz stereo programme-like noise, 1024-frame
 * blocks, best of 5) for factors 4 and 8, every body this CPU runs
 * (MASTER_TRUEPEAK_ISA), without a floor (every reading refined) and with
 * the limiter's (-1 dBTP / margin x 0.9 on material peaking near +3 dBFS).
 * The baseline body is the in-run reference: the ratios say what the
 * vector bodies buy.
 *
 *   build/tests/bench/truepeak-bench [seconds]   (default 10 s of signal) */
#include "truepeak.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int
main (int argc, char **argv)
{
  const int C = 2, B = 1024, rate = 48000;
  const double secs = argc > 1 ? atof (argv[1]) : 10.0;
  const long n = (long) (secs * rate) / B * B;
  float *x = malloc ((size_t) n * C * sizeof (float));
  float *pk = malloc ((size_t) n * C * sizeof (float));
  unsigned s = 1;
  double lp = 0;
  if (!x || !pk || n <= 0)
    return 1;
  for (long i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    lp = 0.9 * lp + 0.1 * ((s >> 8) / 16777216.0 - 0.5);
    double env = 1.2 + 0.8 * sin (i * 2e-4);
    for (int c = 0; c < C; c++) {
      s = s * 1664525u + 1013904223u;
      x[i * C + c] = (float) (env * (3 * lp + 0.3 * ((s >> 8) / 16777216.0 - 0.5))
          + 0.4 * sin (i * 0.05 * (c + 1)));
    }
  }
  static const char *isas[] = { "generic", "avx2", NULL };
  printf ("truepeak-bench: %.0f s, %d Hz, %d ch, %d-frame blocks, best of 5\n",
      n / (double) rate, rate, C, B);
  for (int F = 4; F <= 8; F *= 2) {
    for (int fl = 0; fl < 2; fl++) {
      double ref = 0;
      for (int b = 0; b < 3; b++) {
        if (isas[b])
          setenv ("MASTER_TRUEPEAK_ISA", isas[b], 1);
        else
          unsetenv ("MASTER_TRUEPEAK_ISA");
        MasterTruePeak *tp = master_truepeak_new (C, F);
        const double floor_ = fl ? 0.891251 / master_truepeak_get_margin (tp) * 0.9 : 0.0;
        master_truepeak_set_floor (tp, (float) floor_);
        double best = 1e9;
        for (int rep = 0; rep < 5; rep++) {
          master_truepeak_reset (tp);
          double t0 = now ();
          for (long i = 0; i < n; i += B)
            master_truepeak_process_f32 (tp, pk + i * C, x + i * C, B);
          double t = now () - t0;
          best = t < best ? t : best;
        }
        master_truepeak_free (tp);
        const double ns = best / n * 1e9;
        if (b == 0)
          ref = ns;
        printf ("%dx %-8s floor %-5s %7.2f ns/frame  %5.2fx the baseline body\n", F,
            isas[b] ? isas[b] : "native", fl ? "0.79" : "none", ns, ref / ns);
      }
    }
  }
  free (x);
  free (pk);
  return 0;
}
