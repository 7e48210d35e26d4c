/* tests for dsp/fastmath.h: the fast power->dB and dB->gain conversions
 * against libm, over the whole range the dynamics processors use and beyond,
 * in the default build and (when the CPU has it) the x86-64-v3 build that
 * the hot loops' target clones run. */
#include "check.h"
#include "fastmath.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef void (*ConvFn) (double *dst, const double *src, int n);

#define DEFINE_CONV(NAME, ATTR)                                              \
ATTR static void                                                             \
NAME##_db (double *dst, const double *src, int n)                            \
{                                                                            \
  for (int i = 0; i < n; i += 4)                                             \
    master_v4d_store (dst + i,                                               \
        master_fast_power_to_db_v4 (master_v4d_load (src + i)));             \
}                                                                            \
ATTR static void                                                             \
NAME##_gain (double *dst, const double *src, int n)                          \
{                                                                            \
  for (int i = 0; i < n; i += 4)                                             \
    master_v4d_store (dst + i,                                               \
        master_fast_db_to_gain_v4 (master_v4d_load (src + i)));              \
}

DEFINE_CONV (conv_default,)

static void
conv_scalar_db (double *dst, const double *src, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] = master_fast_power_to_db (src[i]);
}

static void
conv_scalar_gain (double *dst, const double *src, int n)
{
  for (int i = 0; i < n; i++)
    dst[i] = master_fast_db_to_gain (src[i]);
}
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_V3 1
DEFINE_CONV (conv_v3, __attribute__ ((target ("arch=x86-64-v3"))))
#endif

/* n must be a multiple of 4 */
#define N 400000

static void
check_set (const char *name, ConvFn to_db, ConvFn to_gain)
{
  double *x = malloc (sizeof (double) * N), *y = malloc (sizeof (double) * N);
  double worst_db = 0.0, worst_at = 0.0, worst_g = 0.0, worst_g_at = 0.0;
  int i, finite = 1;

  /* power -> dB: 1e-30 .. 1e20 (the detector's clamp), log-spaced with a
   * random jitter so every mantissa region is hit, plus exact powers of 2
   * and the mantissa split point sqrt 2 */
  srand (1234);
  for (i = 0; i < N; i++) {
    double u = (double) i / (N - 1) + 1e-7 * rand () / RAND_MAX;
    x[i] = pow (10.0, -30.0 + 50.0 * u);
  }
  x[0] = 1.0;
  x[1] = 2.0;
  x[2] = 0.5;
  x[3] = M_SQRT2;
  x[4] = nextafter (M_SQRT2, 2.0);
  x[5] = nextafter (M_SQRT2, 0.0);
  x[6] = 1e20;
  x[7] = 1e-30;
  to_db (y, x, N);
  for (i = 0; i < N; i++) {
    double err = fabs (y[i] - 10.0 * log10 (x[i]));
    if (err > worst_db) {
      worst_db = err;
      worst_at = x[i];
    }
  }
  printf ("%s: power -> dB, 1e-30..1e20: max |error| %.3g dB at %.6g\n",
      name, worst_db, worst_at);
  CHECK (worst_db < 1e-8, "%s power->dB error %g dB", name, worst_db);

  /* zero and subnormals: finite and far below any threshold */
  x[0] = 0.0;
  x[1] = 4.9e-324;
  x[2] = 1e-310;
  x[3] = 2.2250738585072014e-308;
  to_db (y, x, 4);
  for (i = 0; i < 4; i++)
    finite &= isfinite (y[i]) && y[i] < -3000.0;
  CHECK (finite, "power->dB of 0/subnormal: %g %g %g %g", y[0], y[1], y[2],
      y[3]);

  /* dB -> gain: -700 .. +200 dB (gain reductions and makeups) */
  for (i = 0; i < N; i++)
    x[i] = -700.0 + 900.0 * i / (N - 1) + 1e-6 * rand () / RAND_MAX;
  x[0] = 0.0;
  x[1] = -6.020599913279624;
  x[2] = 20.0;
  x[3] = -1e-12;
  to_gain (y, x, N);
  for (i = 0; i < N; i++) {
    double ref = pow (10.0, x[i] / 20.0);
    double err = fabs (y[i] / ref - 1.0);
    if (err > worst_g) {
      worst_g = err;
      worst_g_at = x[i];
    }
  }
  printf ("%s: dB -> gain, -700..+200 dB: max relative error %.3g "
      "(%.3g dB) at %g dB\n", name, worst_g, 20.0 * log10 (1.0 + worst_g),
      worst_g_at);
  CHECK (worst_g < 1e-10, "%s dB->gain relative error %g", name, worst_g);
  CHECK (y[0] == 1.0, "%s gain of 0 dB is %.17g, not exactly 1", name, y[0]);

  /* clamped, finite far outside */
  x[0] = -1e6;
  x[1] = 1e6;
  x[2] = -6000.0;
  x[3] = 6000.0;
  to_gain (y, x, 4);
  CHECK (y[0] >= 0.0 && y[0] < 1e-290 && isfinite (y[1]) && y[1] > 1e290
      && isfinite (y[2]) && isfinite (y[3]), "%s clamp: %g %g %g %g", name,
      y[0], y[1], y[2], y[3]);
  free (x);
  free (y);
}

int
main (void)
{
  check_set ("default", conv_default_db, conv_default_gain);
  check_set ("scalar", conv_scalar_db, conv_scalar_gain);
#ifdef HAVE_V3
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    check_set ("x86-64-v3", conv_v3_db, conv_v3_gain);
  else
    printf ("x86-64-v3: CPU lacks AVX2/FMA, not tested\n");
#endif
  return check_finish ();
}
