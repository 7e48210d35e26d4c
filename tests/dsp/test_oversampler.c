/* Oversampler: integer latency equal to the measured impulse delay, unity DC
 * gain, flat pass band, image rejection of the up-sampler and rejection of
 * what would fold into the audio band on the way down. */
#include "oversampler.h"
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000.0

/* amplitude of frequency f (cycles/sample) in x[0..n) by a Blackman-Harris
 * windowed single-bin DFT */
static double
tone_amp (const float *x, int n, double f)
{
  double re = 0, im = 0, wsum = 0;
  int i;
  for (i = 0; i < n; i++) {
    double t = 2.0 * M_PI * i / (n - 1);
    double w = 0.35875 - 0.48829 * cos (t) + 0.14128 * cos (2 * t) - 0.01168 * cos (3 * t);
    re += w * x[i] * cos (2 * M_PI * f * i);
    im -= w * x[i] * sin (2 * M_PI * f * i);
    wsum += w;
  }
  return 2.0 * sqrt (re * re + im * im) / wsum;
}

/* Runs a whole signal through up (and optionally down) in blocks of bs. */
static void
run (MasterOversampler * os, float *hi, float *out, const float *in, int n, int bs)
{
  int f = master_oversampler_factor (os), done = 0;
  while (done < n) {
    int k = n - done < bs ? n - done : bs;
    master_oversampler_up (os, hi + (size_t) done * f, in + done, k);
    if (out)
      master_oversampler_down (os, out + done, hi + (size_t) done * f, k);
    done += k;
  }
}

static void
cubic_shape (float *buf, int n, void *ctx)
{
  int i;
  (void) ctx;
  for (i = 0; i < n; i++) {
    float v = buf[i] > 1.0f ? 1.0f : buf[i] < -1.0f ? -1.0f : buf[i];
    buf[i] = v - v * v * v / 3.0f;
  }
}

/* Runs noise through up, cubic_shape, down (or the fused process() when
 * fused) in blocks cycling through `sizes`; returns the output in out. */
static void
run_shaped (int factor, int fused, float *out, const float *in, int n,
    const int *sizes, int n_sizes)
{
  MasterOversampler *os = master_oversampler_new (factor, 128);
  float *hi = malloc (sizeof (float) * 128 * factor);
  int done = 0, k = 0;
  while (done < n) {
    int m = sizes[k++ % n_sizes];
    if (m > n - done)
      m = n - done;
    if (fused) {
      master_oversampler_process (os, out + done, in + done, m, cubic_shape, NULL);
    } else {
      master_oversampler_up (os, hi, in + done, m);
      cubic_shape (hi, m * factor, NULL);
      master_oversampler_down (os, out + done, hi, m);
    }
    done += m;
  }
  free (hi);
  master_oversampler_destroy (&os);
}

/* The fused process() equals up + shape + down bit for bit, and the FIR
 * kernels (AVX-512, AVX2+FMA, baseline: MASTER_OVERSAMPLER_ISA) agree to
 * float rounding, over block lengths that hit every tail path. */
static void
test_kernels (void)
{
  static const int sizes[] = { 1, 2, 3, 5, 7, 8, 9, 13, 15, 16, 17, 24, 25, 31, 32,
    33, 47, 63, 64, 65, 100, 127, 128 };
  static const char *isas[] = { "default", "x86-64-v3", "x86-64-v4" };
  static const int factors[] = { 1, 2, 4, 8 };
  const int n = 6000, ns = (int) (sizeof (sizes) / sizeof (sizes[0]));
  float *in = malloc (sizeof (float) * n), *a = malloc (sizeof (float) * n);
  float *b = malloc (sizeof (float) * n), *ref = malloc (sizeof (float) * n);
  uint32_t seed = 99;
  int fi, ii, i;

  for (i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    in[i] = 1.5f * ((float) (seed >> 8) / 16777216.0f - 0.5f);
  }
  for (fi = 0; fi < 4; fi++) {
    int fused_diff = 0;
    double worst = 0.0, peak = 0.0;
    setenv ("MASTER_OVERSAMPLER_ISA", "default", 1);
    run_shaped (factors[fi], 0, ref, in, n, sizes, ns);
    for (i = 0; i < n; i++)
      peak = fmax (peak, fabs (ref[i]));
    for (ii = 0; ii < 3; ii++) {
      setenv ("MASTER_OVERSAMPLER_ISA", isas[ii], 1);
      run_shaped (factors[fi], 0, a, in, n, sizes, ns);
      run_shaped (factors[fi], 1, b, in, n, sizes, ns);
      for (i = 0; i < n; i++) {
        if (memcmp (&a[i], &b[i], sizeof (float)) != 0)
          fused_diff++;
        worst = fmax (worst, fabs (a[i] - ref[i]));
      }
    }
    unsetenv ("MASTER_OVERSAMPLER_ISA");
    NOTE ("factor %d: fused process() vs up/shape/down: %d samples differ; kernels vs "
        "baseline: max |diff| %.2e (peak %.3f)", factors[fi], fused_diff, worst, peak);
    CHECK (fused_diff == 0, "factor %d: fused path differs in %d samples", factors[fi],
        fused_diff);
    CHECK (worst <= 2e-6 * peak, "factor %d: kernels differ by %.2e", factors[fi], worst);
  }
  free (in);
  free (a);
  free (b);
  free (ref);
}

int
main (void)
{
  static const int factors[] = { 1, 2, 4, 8 };
  int fi;

  for (fi = 0; fi < 4; fi++) {
    const int f = factors[fi];
    const int n = 24000;
    MasterOversampler *os = master_oversampler_new (f, 100);
    float *in = calloc (n, sizeof (float));
    float *out = calloc (n, sizeof (float));
    float *hi = calloc ((size_t) n * f, sizeof (float));
    int lat, i, peak = 0;
    double worst_pass = 0.0, worst_image = -300.0;
    static const double pass_hz[] = { 100, 1000, 5000, 10000, 15000, 19000, 20000 };
    int k;

    CHECK (os != NULL, "new(%d)", f);
    if (!os)
      continue;
    lat = master_oversampler_latency (os);

    /* impulse: round-trip peak position == latency, odd block size */
    in[10] = 1.0f;
    run (os, hi, out, in, 2000, 77);
    for (i = 0; i < 2000; i++)
      if (fabsf (out[i]) > fabsf (out[peak]))
        peak = i;
    NOTE ("factor %d: latency %d samples, impulse peak at %d (input at 10), peak %.6f",
        f, lat, peak, out[peak]);
    CHECK (peak - 10 == lat, "factor %d latency %d != measured %d", f, lat, peak - 10);

    /* DC */
    master_oversampler_reset (os);
    for (i = 0; i < n; i++)
      in[i] = 0.5f;
    run (os, hi, out, in, 4000, 100);
    CHECK (fabs (out[3999] - 0.5) < 1e-6, "factor %d DC out %.9f", f, out[3999]);
    CHECK (fabs (hi[3999 * f] - 0.5) < 1e-6, "factor %d DC up %.9f", f, hi[3999 * f]);

    /* pass band and images */
    for (k = 0; k < (int) (sizeof (pass_hz) / sizeof (pass_hz[0])); k++) {
      double fr = pass_hz[k] / RATE, a, dev, img;
      master_oversampler_reset (os);
      for (i = 0; i < n; i++)
        in[i] = (float) (0.5 * sin (2 * M_PI * fr * i));
      run (os, hi, out, in, n, 100);
      a = tone_amp (out + 2000, 16384, fr);
      dev = 20 * log10 (a / 0.5);
      if (fabs (dev) > fabs (worst_pass))
        worst_pass = dev;
      if (f > 1) {
        /* the first image of the up-sampler, at fs - f (high-rate domain) */
        img = 20 * log10 (tone_amp (hi + 2000 * f, 16384, (1.0 - pass_hz[k] / RATE) / f) / 0.5 + 1e-30);
        if (img > worst_image)
          worst_image = img;
      }
    }
    NOTE ("factor %d: pass band deviation (100 Hz..20 kHz) %.5f dB, worst first image %.1f dB",
        f, worst_pass, worst_image);
    CHECK (fabs (worst_pass) < 0.01, "factor %d pass band %.4f dB", f, worst_pass);
    if (f > 1)
      CHECK (worst_image < -115.0, "factor %d image %.1f dB", f, worst_image);

    /* transition band of the round trip (what the saturated path keeps) */
    if (f > 1) {
      static const double tb_hz[] = { 21000, 22000, 23000 };
      double r[3];
      for (k = 0; k < 3; k++) {
        master_oversampler_reset (os);
        for (i = 0; i < n; i++)
          in[i] = (float) (0.5 * sin (2 * M_PI * tb_hz[k] / RATE * i));
        run (os, hi, out, in, n, 100);
        r[k] = 20 * log10 (tone_amp (out + 2000, 16384, tb_hz[k] / RATE) / 0.5 + 1e-30);
      }
      NOTE ("factor %d: round trip at 21 / 22 / 23 kHz: %.2f / %.2f / %.1f dB", f, r[0], r[1], r[2]);
      CHECK (r[1] < -11.0 && r[1] > -13.0, "factor %d: 22 kHz %.2f dB", f, r[1]);
    }

    /* down: a high-rate tone at 25 kHz must not fold to 23 kHz */
    if (f > 1) {
      double fold;
      master_oversampler_reset (os);
      for (i = 0; i < n * f; i++)
        hi[i] = (float) (0.5 * sin (2 * M_PI * (25000.0 / (RATE * f)) * i));
      for (i = 0; i < n; i += 100)
        master_oversampler_down (os, out + i, hi + (size_t) i * f, 100);
      fold = 20 * log10 (tone_amp (out + 2000, 16384, 23000.0 / RATE) / 0.5 + 1e-30);
      NOTE ("factor %d: 25 kHz at the high rate folds to 23 kHz at %.1f dB", f, fold);
      CHECK (fold < -110.0, "factor %d fold %.1f dB", f, fold);
    }

    master_oversampler_destroy (&os);
    CHECK (os == NULL, "destroy nulls");
    free (in);
    free (out);
    free (hi);
  }
  CHECK (master_oversampler_new (3, 100) == NULL, "factor 3 refused");
  test_kernels ();
  return check_finish ();
}
