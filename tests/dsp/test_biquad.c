/* dsp/biquad: the cascade against a plain per-channel reference, for
 * 1..8 channels, F32/F64, odd lengths, in place; identity sections are an
 * exact copy; coefficient ramps land exactly on the target and stay smooth;
 * NaN/Inf input resets the state, output stays finite, recovery follows. */
#include "check.h"
#include "biquad.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* direct form I reference, one channel */
static void
reference (const MasterBiquadCoeffs * c, int n_sec, const double *x,
    double *y, int n, int stride)
{
  double s[8][4];
  int i, k;
  memset (s, 0, sizeof (s));
  for (i = 0; i < n; i++) {
    double v = x[(size_t) i * stride];
    for (k = 0; k < n_sec; k++) {
      double o = c[k].b0 * v + c[k].b1 * s[k][0] + c[k].b2 * s[k][1]
          - c[k].a1 * s[k][2] - c[k].a2 * s[k][3];
      s[k][1] = s[k][0];
      s[k][0] = v;
      s[k][3] = s[k][2];
      s[k][2] = o;
      v = o;
    }
    y[(size_t) i * stride] = v;
  }
}

static void
random_section (MasterBiquadCoeffs * c, unsigned *seed)
{
  /* poles r e^{+-j th}, zeros anywhere reasonable */
  double r = 0.3 + 0.69 * (rand_r (seed) / (double) RAND_MAX);
  double th = M_PI * (rand_r (seed) / (double) RAND_MAX);
  c->a1 = -2 * r * cos (th);
  c->a2 = r * r;
  c->b0 = 0.5 + rand_r (seed) / (double) RAND_MAX;
  c->b1 = 2 * (rand_r (seed) / (double) RAND_MAX) - 1;
  c->b2 = 0.5 * (rand_r (seed) / (double) RAND_MAX);
}

static void
test_against_reference (void)
{
  static const int lengths[] = { 0, 1, 7, 255, 256, 257, 999, 4095 };
  unsigned seed = 1;
  int ch, li, n_sec;
  double worst = 0.0;

  for (ch = 1; ch <= 8; ch++)
    for (n_sec = 0; n_sec <= 4; n_sec++)
      for (li = 0; li < 8; li++) {
        int n = lengths[li], i, k, c;
        MasterBiquad bq;
        MasterBiquadCoeffs co[8][4];
        double *x = malloc (sizeof (double) * (n * ch + 1));
        double *y = malloc (sizeof (double) * (n * ch + 1));
        double *r = malloc (sizeof (double) * (n * ch + 1));
        float *xf = malloc (sizeof (float) * (n * ch + 1));
        double dev = 0.0, devf = 0.0;

        CHECK (master_biquad_init (&bq, n_sec, ch) == 0, "init");
        for (k = 0; k < n_sec; k++)
          for (c = 0; c < ch; c++) {
            random_section (&co[c][k], &seed);
            master_biquad_set (&bq, k, c, &co[c][k]);
          }
        for (i = 0; i < n * ch; i++) {
          x[i] = 2 * (rand_r (&seed) / (double) RAND_MAX) - 1;
          xf[i] = (float) x[i];
        }
        for (c = 0; c < ch; c++)
          reference (co[c], n_sec, x + c, r + c, n, ch);
        master_biquad_process_f64 (&bq, y, x, n);
        for (i = 0; i < n * ch; i++)
          dev = fmax (dev, fabs (y[i] - r[i]));
        /* in place, F32 */
        master_biquad_reset (&bq);
        for (i = 0; i < n * ch; i++)
          xf[i] = (float) x[i];
        for (c = 0; c < ch; c++)
          reference (co[c], n_sec, x + c, r + c, n, ch);
        master_biquad_process_f32 (&bq, xf, xf, n);
        for (i = 0; i < n * ch; i++)
          devf = fmax (devf, fabs (xf[i] - r[i]) / fmax (1.0, fabs (r[i])));
        CHECK (dev < 1e-9, "ch %d sections %d n %d: f64 deviation %g", ch,
            n_sec, n, dev);
        CHECK (devf < 1e-4, "ch %d sections %d n %d: f32 deviation %g", ch,
            n_sec, n, devf);
        worst = fmax (worst, dev);
        master_biquad_clear (&bq);
        free (x);
        free (y);
        free (r);
        free (xf);
      }
  NOTE ("cascade vs direct-form-I reference, 1..8 ch, 0..4 sections: max "
      "f64 deviation %.2e", worst);
}

static void
test_identity_exact (void)
{
  MasterBiquad bq;
  float x[2 * 1000], y[2 * 1000];
  unsigned seed = 7;
  int i, same = 1;

  master_biquad_init (&bq, 3, 2);
  for (i = 0; i < 2000; i++)
    x[i] = (float) (2 * (rand_r (&seed) / (double) RAND_MAX) - 1) * 1e-3f;
  master_biquad_process_f32 (&bq, y, x, 1000);
  for (i = 0; i < 2000; i++)
    same &= memcmp (&x[i], &y[i], sizeof (float)) == 0;
  CHECK (same, "identity sections must copy bit-exactly");
  master_biquad_clear (&bq);
}

static void
test_ramp (void)
{
  MasterBiquad bq;
  MasterBiquadCoeffs a = { 1, 0, 0, 0, 0 }, b = { 0.5, 0.2, 0.1, -0.3, 0.2 };
  double x[3000], y[3000], maxd2 = 0.0;
  int i;

  master_biquad_init (&bq, 1, 1);
  master_biquad_set (&bq, 0, -1, &a);
  master_biquad_set_target (&bq, 0, -1, &b);
  master_biquad_ramp (&bq, 1000);
  for (i = 0; i < 3000; i++)
    x[i] = sin (2 * M_PI * 100 * i / 48000.0);
  master_biquad_process_f64 (&bq, y, x, 3000);
  CHECK (bq.ramp_left == 0, "ramp finished");
  CHECK (bq.coef[0] == b.b0 && bq.coef[3] == b.a1 && bq.coef[4] == b.a2,
      "ramp lands exactly on the target");
  for (i = 2; i < 3000; i++)
    maxd2 = fmax (maxd2, fabs (y[i] - 2 * y[i - 1] + y[i - 2]));
  NOTE ("ramp identity -> section over 1000 frames, 100 Hz sine: max second "
      "difference %.2e (sine alone: %.2e)", maxd2,
      pow (2 * M_PI * 100 / 48000.0, 2));
  CHECK (maxd2 < 5 * pow (2 * M_PI * 100 / 48000.0, 2) + 1e-4, "smooth");
  master_biquad_clear (&bq);
}

static void
test_nonfinite (void)
{
  MasterBiquad bq;
  MasterBiquadCoeffs c = { 0.2, 0.4, 0.2, -0.5, 0.3 };
  float x[2 * 2048];
  int i, resets, finite = 1;
  double tail = 0.0;

  master_biquad_init (&bq, 2, 2);
  master_biquad_set (&bq, 0, -1, &c);
  master_biquad_set (&bq, 1, -1, &c);
  for (i = 0; i < 2 * 2048; i++)
    x[i] = (float) sin (i * 0.01);
  x[2 * 100] = NAN;
  x[2 * 700 + 1] = INFINITY;
  resets = master_biquad_process_f32 (&bq, x, x, 2048);
  for (i = 0; i < 2 * 2048; i++)
    finite &= isfinite (x[i]);
  CHECK (finite, "output finite");
  CHECK (resets == 2, "two chunks reset (got %d)", resets);
  /* after the reset the filter runs normally again: compare the last chunk
   * with a clean run */
  {
    MasterBiquad ref;
    float z[2 * 2048];
    master_biquad_init (&ref, 2, 2);
    master_biquad_set (&ref, 0, -1, &c);
    master_biquad_set (&ref, 1, -1, &c);
    for (i = 0; i < 2 * 2048; i++)
      z[i] = (float) sin (i * 0.01);
    master_biquad_process_f32 (&ref, z, z, 2048);
    for (i = 2 * 1800; i < 2 * 2048; i++)
      tail = fmax (tail, fabs (z[i] - x[i]));
    master_biquad_clear (&ref);
  }
  NOTE ("NaN/Inf: %d chunk resets, output finite, deviation from a clean "
      "run 1100 frames later %.2e", resets, tail);
  CHECK (tail < 1e-6, "recovered");
  master_biquad_clear (&bq);
}

int
main (void)
{
  test_against_reference ();
  test_identity_exact ();
  test_ramp ();
  test_nonfinite ();
  return check_finish ();
}
