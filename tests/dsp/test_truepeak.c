/* dsp/truepeak against a plain scalar reference of the same algorithm, for
 * every instruction-set body this CPU runs (MASTER_TRUEPEAK_ISA), factors 4
 * and 8, 1/2/3/8 channels, f32 and f64, odd block sizes (1 .. 1000 frames,
 * across the 256-frame chunks), with and without a floor; then the margin:
 * no reading of a sinusoid (any frequency up to 0.49 fs, any phase, off the
 * init-time measurement grid) times master_truepeak_get_margin() is under
 * the sinusoid's amplitude; and chunking: the same signal fed in random
 * chunks of 1 .. 300 frames and in one block gives bit-identical readings
 * (small buffers take their own code paths: no rounding, lazy history).
 *
 * The reference is the detector's definition written out directly: the 2x
 * stream Z (Z[2m] = x[m], Z[2m+1] by a 256-tap Kaiser (beta 5) windowed
 * sinc), points p/F2 between its samples by 8-tap ones, and per frame m the
 * largest |point| on [m, m+1) or the vertex of the parabola through a local
 * maximum of |x| and its neighbours, reported delay = 131 frames later. */
#include "truepeak.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define T1 256
#define T2 8
#define DELAY 131
#define BETA 5.0

static double
bessel_i0 (double x)
{
  double sum = 1.0, term = 1.0, q = x * x / 4.0;
  for (int k = 1; k < 64; k++) {
    term *= q / ((double) k * k);
    sum += term;
    if (term < sum * 1e-17)
      break;
  }
  return sum;
}

/* taps (in time order) of the point p / F after the centre sample of a
 * T-tap window whose centre is index T/2 - 1 */
static void
design (double *h, int F, int T, int p)
{
  const double half = F * T / 2.0, i0b = bessel_i0 (BETA);
  double sum = 0.0, tmp[T1];
  for (int q = 0; q < T; q++) {
    double x = q * F + p - half, t = x / F, r = x / half;
    double s = fabs (t) < 1e-12 ? 1.0 : sin (M_PI * t) / (M_PI * t);
    tmp[q] = s * bessel_i0 (BETA * sqrt (fmax (0.0, 1.0 - r * r))) / i0b;
    sum += tmp[q];
  }
  for (int q = 0; q < T; q++)
    h[T - 1 - q] = tmp[q] / sum;
}

typedef struct
{
  int F;
  double h1[T1], h2[4][T2];
} Ref;

static void
ref_init (Ref * r, int F)
{
  r->F = F;
  design (r->h1, 2, T1, 1);
  for (int p = 1; p < F / 2; p++)
    design (r->h2[p], F / 2, T2, p);
}

/* x: one channel, n samples; x[i] = 0 outside [0, n) */
static double
xs (const float *x, long n, long i)
{
  return i < 0 || i >= n ? 0.0 : x[i];
}

static double
zs (const Ref * r, const float *x, long n, long i)
{
  long m = i >> 1;              /* floor */
  if (!(i & 1))
    return xs (x, n, m);
  double s = 0.0;
  for (int j = 0; j < T1; j++)
    s += r->h1[j] * xs (x, n, m - (T1 / 2 - 1) + j);
  return s;
}

/* the 2x stream of one channel, precomputed: z[i + ZOFF] = Z[i] */
#define ZOFF (2 * DELAY + 16)
static double *
make_z (const Ref * r, const float *x, long n)
{
  double *z = malloc ((size_t) (2 * n + 2 * ZOFF) * sizeof (double));
  for (long i = -ZOFF; i < 2 * n + ZOFF; i++)
    z[i + ZOFF] = zs (r, x, n, i);
  return z;
}

/* point s (0..F-1) of frame m */
static double
point (const Ref * r, const double *z, long m, int s)
{
  const int F2 = r->F / 2, h = s / F2, p = s % F2;
  if (p == 0)
    return z[2 * m + h + ZOFF];
  double acc = 0.0;
  for (int j = 0; j < T2; j++)
    acc += r->h2[p][j] * z[2 * m + h - (T2 / 2 - 1) + j + ZOFF];
  return acc;
}

static float
parabola_peak (float a, float b, float c)
{
  float den = 2.0f * b - a - c;
  if (den <= 0.0f)
    return b;
  float d = a - c;
  return b + d * d / (8.0f * den);
}

/* reading of frame m (published at input frame m + DELAY), points in float
 * as the detector keeps them; skip: raw maxima under it are not refined */
static float
ref_reading (const Ref * r, const double *z, long m, float skip)
{
  const int F = r->F;
  float v[10];
  v[0] = (float) point (r, z, m - 1, F - 1);
  for (int s = 0; s < F; s++)
    v[1 + s] = (float) point (r, z, m, s);
  v[F + 1] = (float) point (r, z, m + 1, 0);
  float best = 0.0f;
  for (int i = 1; i <= F; i++)
    best = fabsf (v[i]) > best ? fabsf (v[i]) : best;
  if (best >= skip) {
    for (int i = 1; i <= F; i++) {
      float b = v[i], sg = b < 0.0f ? -1.0f : 1.0f;
      float ab = b * sg, aa = v[i - 1] * sg, ac = v[i + 1] * sg;
      if (ab >= aa && ab >= ac) {
        float pk = parabola_peak (aa, ab, ac);
        best = pk > best ? pk : best;
      }
    }
  }
  return best;
}

static unsigned rng = 12345u;
static double
urand (void)
{
  rng = rng * 1664525u + 1013904223u;
  return (rng >> 8) / 16777216.0;
}

/* test signal: noise, a near-Nyquist tone, a burst, silence, a step */
static void
make_signal (float *x, long n, int C)
{
  for (long i = 0; i < n; i++)
    for (int c = 0; c < C; c++) {
      double v;
      long seg = i * 5 / n;
      if (seg == 0)
        v = 1.6 * (urand () - 0.5);
      else if (seg == 1)
        v = 0.9 * sin (2 * M_PI * (0.487 + 0.002 * c) * i + c);
      else if (seg == 2)
        v = 0.0;
      else if (seg == 3)
        v = (i & 64) ? 0.7 : -0.7;
      else
        v = 0.3 * sin (2 * M_PI * 0.11 * i) + 0.4 * (urand () - 0.5);
      x[i * C + c] = (float) v;
    }
}

static const long lengths[] = { 1, 7, 64, 255, 256, 257, 1000, 31, 513, 100 };

/* runs tp over x in varying blocks; f64 through a double copy */
static void
run_blocks (MasterTruePeak * tp, float *pk, const float *x, long n, int C, int f64)
{
  long done = 0;
  int b = 0;
  double *xd = NULL;
  if (f64) {
    xd = malloc ((size_t) n * C * sizeof (double));
    for (long i = 0; i < n * C; i++)
      xd[i] = x[i];
  }
  while (done < n) {
    long m = lengths[b++ % (int) (sizeof lengths / sizeof lengths[0])];
    if (m > n - done)
      m = n - done;
    if (f64)
      master_truepeak_process_f64 (tp, pk + done * C, xd + done * C, (size_t) m);
    else
      master_truepeak_process_f32 (tp, pk + done * C, x + done * C, (size_t) m);
    done += m;
  }
  free (xd);
}

static void
test_reference (const char *isa)
{
  static const int chans[] = { 1, 2, 3, 8 };
  double worst = 0.0;
  int cases = 0;
  for (int fi = 0; fi < 2; fi++) {
    const int F = fi ? 8 : 4;
    Ref ref;
    ref_init (&ref, F);
    for (int ci = 0; ci < 4; ci++) {
      const int C = chans[ci];
      const long n = C > 2 ? 1500 : 3000;
      float *x = malloc ((size_t) n * C * sizeof (float));
      float *xc = malloc ((size_t) n * sizeof (float));
      float *pk = malloc ((size_t) n * C * sizeof (float));
      make_signal (x, n, C);
      for (int mode = 0; mode < 3; mode++) {
        /* mode 0: f32, no floor; 1: f64, no floor; 2: f32, floor 0.5 */
        const float floor_ = mode == 2 ? 0.5f : 0.0f;
        MasterTruePeak *tp = master_truepeak_new (C, F);
        CHECK (master_truepeak_get_delay (tp) == DELAY, "delay %d",
            master_truepeak_get_delay (tp));
        master_truepeak_set_floor (tp, floor_);
        run_blocks (tp, pk, x, n, C, mode == 1);
        int bad = 0;
        for (int c = 0; c < C; c++) {
          for (long i = 0; i < n; i++)
            xc[i] = x[i * C + c];
          double *z = make_z (&ref, xc, n);
          for (long k = 0; k < n; k++) {
            /* the unrefined reference where the detector may skip, the
             * refined one for the floor contract */
            float r = ref_reading (&ref, z, k - DELAY, floor_ / 1.25f);
            float r0 = mode == 2 ? ref_reading (&ref, z, k - DELAY, 0.0f) : r;
            float got = pk[k * C + c];
            double err = fabs ((double) got - r);
            if (err > worst)
              worst = err;
            /* float rounding of 256-term sums: 1e-5 of full scale */
            if (err > 1e-5 && bad++ < 5)
              CHECK (0, "%s %dx C=%d mode %d ch %d frame %ld: %.8f, reference %.8f",
                  isa, F, C, mode, c, k, got, r);
            /* readings over the floor are the refined ones */
            if (r0 >= floor_ && fabs ((double) got - r0) > 1e-5 && bad++ < 5)
              CHECK (0, "%s %dx floor: frame %ld %.8f, refined %.8f", isa, F, k, got, r0);
            if (got < r0 - 1e-5 && !(got <= floor_) && bad++ < 5)
              CHECK (0, "%s %dx floor: frame %ld %.8f under refined %.8f and over the floor",
                  isa, F, k, got, r0);
          }
          free (z);
        }
        CHECK (bad == 0, "%s %dx C=%d mode %d: %d readings off", isa, F, C, mode, bad);
        cases++;
        master_truepeak_free (tp);
      }
      free (x);
      free (xc);
      free (pk);
    }
  }
  NOTE ("body %-7s: %d cases (4x/8x, 1/2/3/8 ch, f32/f64/floor, blocks 1..1000): "
      "largest difference from the scalar reference %.2e (full scale 1)", isa, cases, worst);
}

/* Every crest of a steady sinusoid (amplitude 1) is read, by the frame
 * holding it or the next one, at >= 1 / margin. Frequencies and phases off
 * the grid the margin was measured on. */
static void
test_margin (void)
{
  for (int F = 4; F <= 8; F *= 2) {
    MasterTruePeak *tp = master_truepeak_new (1, F);
    const double margin = master_truepeak_get_margin (tp);
    enum { LEN = 1200 };
    static float x[LEN], pk[LEN];
    double worst = 1e9;         /* smallest reading * margin at a crest */
    double worst_f = 0;
    rng = 777u;
    for (int t = 0; t < 400; t++) {
      /* the top of the band, where the under-read peaks, then anywhere */
      double f = t < 20 ? 0.49 - 0.0005 * t : t < 60 ? 0.49 : 0.49 * urand ();
      double phi = 2 * M_PI * urand ();
      double w = 2 * M_PI * f;
      master_truepeak_reset (tp);
      for (int i = 0; i < LEN; i++)
        x[i] = (float) cos (w * i + phi);
      master_truepeak_process_f32 (tp, pk, x, LEN);
      for (int k = 0;; k++) {
        double tc = (k * M_PI - phi) / w;
        if (tc < 2 * DELAY + 300)
          continue;
        if (tc > LEN - DELAY - 4)
          break;
        int m = (int) floor (tc);
        double r = fmax (pk[m + DELAY], pk[m + 1 + DELAY]) * margin;
        if (r < worst) {
          worst = r;
          worst_f = f;
        }
      }
    }
    NOTE ("%dx: margin %.4f dB; smallest crest reading x margin over 400 sinusoids "
        "(0..0.49 fs) %.6f (%+.4f dB, at %.4f fs)", F, 20 * log10 (margin), worst,
        20 * log10 (worst), worst_f);
    /* float input (amplitude rounded by 6e-8) and float sums */
    CHECK (worst >= 1.0 - 2e-6, "%dx: crest read %.6f of the amplitude x margin", F, worst);
    master_truepeak_free (tp);
  }
}

/* The readings do not depend on how the input is cut: random chunks of
 * 1..300 frames (and runs of 1-frame calls) against one block, bit for bit,
 * every body, 4x/8x, 1/2/3 channels, f32/f64, with and without a floor,
 * over more than one history compaction. */
static void
test_chunking (const char *isa)
{
  static const int chans[] = { 1, 2, 3 };
  int cases = 0;
  long calls = 0;
  for (int fi = 0; fi < 2; fi++) {
    const int F = fi ? 8 : 4;
    for (int ci = 0; ci < 3; ci++) {
      const int C = chans[ci];
      const long n = 20000;
      float *x = malloc ((size_t) n * C * sizeof (float));
      double *xd = malloc ((size_t) n * C * sizeof (double));
      float *whole = malloc ((size_t) n * C * sizeof (float));
      float *cut = malloc ((size_t) n * C * sizeof (float));
      make_signal (x, n, C);
      for (long i = 0; i < n * C; i++)
        xd[i] = x[i];
      for (int mode = 0; mode < 3; mode++) {
        /* mode 0: f32, no floor; 1: f64, no floor; 2: f32, floor 0.5 */
        MasterTruePeak *a = master_truepeak_new (C, F);
        MasterTruePeak *b = master_truepeak_new (C, F);
        master_truepeak_set_floor (a, mode == 2 ? 0.5f : 0.0f);
        master_truepeak_set_floor (b, mode == 2 ? 0.5f : 0.0f);
        if (mode == 1)
          master_truepeak_process_f64 (a, whole, xd, (size_t) n);
        else
          master_truepeak_process_f32 (a, whole, x, (size_t) n);
        rng = 4242u + (unsigned) (F * 10 + C * 3 + mode);
        for (long done = 0; done < n;) {
          /* mostly 1..300; now and then a run of single frames */
          long m = (urand () < 0.05) ? 1 : 1 + (long) (urand () * 300);
          if (m > n - done)
            m = n - done;
          if (mode == 1)
            master_truepeak_process_f64 (b, cut + done * C, xd + done * C, (size_t) m);
          else
            master_truepeak_process_f32 (b, cut + done * C, x + done * C, (size_t) m);
          done += m;
          calls++;
        }
        long diff = 0, first = -1;
        for (long i = 0; i < n * C; i++)
          if (memcmp (&whole[i], &cut[i], sizeof (float)) != 0) {
            if (first < 0)
              first = i;
            diff++;
          }
        CHECK (diff == 0, "%s %dx C=%d mode %d: %ld readings differ between chunked "
            "and one block (first at frame %ld: %.9g vs %.9g)", isa, F, C, mode, diff,
            first / C, first >= 0 ? whole[first] : 0.0, first >= 0 ? cut[first] : 0.0);
        cases++;
        master_truepeak_free (a);
        master_truepeak_free (b);
      }
      free (x);
      free (xd);
      free (whole);
      free (cut);
    }
  }
  NOTE ("body %-7s: %d cases, %ld chunked calls (1..300 frames): readings identical to "
      "one block", isa, cases, calls);
}

int
main (void)
{
  static const char *isas[] = { "generic", "avx2", "native" };
  for (int i = 0; i < 3; i++) {
    if (i < 2)
      setenv ("MASTER_TRUEPEAK_ISA", isas[i], 1);
    else
      unsetenv ("MASTER_TRUEPEAK_ISA");
    test_reference (isas[i]);
    test_chunking (isas[i]);
  }
  test_margin ();
  return check_finish ();
}
