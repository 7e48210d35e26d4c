/* Every ORC kernel against its plain C reference (dsp/kernels-ref.c), over
 * lengths 0..33, 64, 65, 1000, 4095 and unaligned buffers (offsets of one
 * and two samples from a 64-byte aligned base), in place and out of place.
 * The stereo-frame kernels (8-byte ORC elements) are called directly only
 * at 8-byte aligned offsets, where ORC supports them; at odd offsets the
 * element-facing wrappers master_*_stereo/ms_*_f32 are checked instead. */
#include "../common/check.h"
#include "kernels-ref.h"
#include "master-orc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const int lengths[] = {
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
  21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 64, 65, 1000, 4095
};
#define N_LENGTHS ((int) (sizeof lengths / sizeof lengths[0]))
#define MAXN (2 * 4095 + 16)

static uint32_t rng = 12345;
static double
rnd (void)
{
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return (double) rng / 4294967296.0 * 4.0 - 2.0;
}

/* Relative-or-absolute closeness: ORC may fuse or reorder float ops. */
static int
close_f (double a, double b, double tol)
{
  return fabs (a - b) <= tol * (1.0 + fabs (a) + fabs (b));
}

static float *fa[4];
static double *da[4];

static void
fill (int off)
{
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < MAXN; i++) {
      fa[k][i + off] = (float) rnd ();
      da[k][i + off] = rnd ();
    }
}

typedef void (*UnaryF) (float *, const float *, int);

static int
cmp_f32 (const float *a, const float *b, int n, double tol)
{
  for (int i = 0; i < n; i++)
    if (!close_f (a[i], b[i], tol))
      return i;
  return -1;
}

static int
cmp_f64 (const double *a, const double *b, int n, double tol)
{
  for (int i = 0; i < n; i++)
    if (!close_f (a[i], b[i], tol))
      return i;
  return -1;
}

int
main (void)
{
  /* base buffers aligned to 64 bytes; tests use base + off */
  for (int k = 0; k < 4; k++) {
    /* aligned_alloc wants the size to be a multiple of the alignment */
    fa[k] = aligned_alloc (64, (sizeof (float) * (MAXN + 64) + 63) / 64 * 64);
    da[k] = aligned_alloc (64, (sizeof (double) * (MAXN + 64) + 63) / 64 * 64);
  }
  int n_cases = 0;
  for (int off = 0; off < 3; off++) {
    for (int li = 0; li < N_LENGTHS; li++) {
      int n = lengths[li];
      int bad;
      float *s = fa[0] + off, *s2 = fa[1] + off, *d = fa[2] + off, *r = fa[3] + off;
      double *ds = da[0] + off, *ds2 = da[1] + off, *dd = da[2] + off, *dr = da[3] + off;

      fill (off);
      master_orc_gain_f32 (d, s, 0.7f, n);
      master_ref_gain_f32 (r, s, 0.7f, n);
      bad = cmp_f32 (d, r, n, 1e-6);
      CHECK (bad < 0, "gain_f32 n=%d off=%d at %d", n, off, bad);

      master_orc_gain_f64 (dd, ds, -1.3, n);
      master_ref_gain_f64 (dr, ds, -1.3, n);
      bad = cmp_f64 (dd, dr, n, 1e-15);
      CHECK (bad < 0, "gain_f64 n=%d off=%d at %d", n, off, bad);

      master_orc_gain_curve_f32 (d, s, s2, n);
      master_ref_gain_curve_f32 (r, s, s2, n);
      bad = cmp_f32 (d, r, n, 1e-6);
      CHECK (bad < 0, "gain_curve_f32 n=%d off=%d at %d", n, off, bad);

      master_orc_gain_curve_f64 (dd, ds, ds2, n);
      master_ref_gain_curve_f64 (dr, ds, ds2, n);
      bad = cmp_f64 (dd, dr, n, 1e-15);
      CHECK (bad < 0, "gain_curve_f64 n=%d off=%d at %d", n, off, bad);

      if (off % 2 == 0)
        master_orc_gain_curve_stereo_f32 (d, s, s2, n);     /* n frames */
      else
        master_gain_curve_stereo_f32 (d, s, s2, n);
      master_ref_gain_curve_stereo_f32 (r, s, s2, n);
      bad = cmp_f32 (d, r, 2 * n, 1e-6);
      CHECK (bad < 0, "gain_curve_stereo_f32 n=%d off=%d at %d", n, off, bad);

      memcpy (d, s2, sizeof (float) * (size_t) n);
      memcpy (r, s2, sizeof (float) * (size_t) n);
      master_orc_abs_max_f32 (d, s, n);
      master_ref_abs_max_f32 (r, s, n);
      bad = cmp_f32 (d, r, n, 0);
      CHECK (bad < 0, "abs_max_f32 n=%d off=%d at %d", n, off, bad);

      memcpy (dd, ds2, sizeof (double) * (size_t) n);
      memcpy (dr, ds2, sizeof (double) * (size_t) n);
      master_orc_abs_max_f64 (dd, ds, n);
      master_ref_abs_max_f64 (dr, ds, n);
      bad = cmp_f64 (dd, dr, n, 0);
      CHECK (bad < 0, "abs_max_f64 n=%d off=%d at %d", n, off, bad);

      if (off % 2 == 0)
        master_orc_ms_encode_f32 (d, s, n);
      else
        master_ms_encode_f32 (d, s, n);
      master_ref_ms_encode_f32 (r, s, n);
      bad = cmp_f32 (d, r, 2 * n, 1e-6);
      CHECK (bad < 0, "ms_encode_f32 n=%d off=%d at %d", n, off, bad);

      if (off % 2 == 0)
        master_orc_ms_decode_f32 (d, s, n);
      else
        master_ms_decode_f32 (d, s, n);
      master_ref_ms_decode_f32 (r, s, n);
      bad = cmp_f32 (d, r, 2 * n, 1e-6);
      CHECK (bad < 0, "ms_decode_f32 n=%d off=%d at %d", n, off, bad);

      master_orc_mix_f32 (d, s, s2, 0.25f, n);
      master_ref_mix_f32 (r, s, s2, 0.25f, n);
      bad = cmp_f32 (d, r, n, 1e-6);
      CHECK (bad < 0, "mix_f32 n=%d off=%d at %d", n, off, bad);

      master_orc_mix_f64 (dd, ds, ds2, 0.25, n);
      master_ref_mix_f64 (dr, ds, ds2, 0.25, n);
      bad = cmp_f64 (dd, dr, n, 1e-15);
      CHECK (bad < 0, "mix_f64 n=%d off=%d at %d", n, off, bad);

      /* in place (d == s) must equal out of place */
      memcpy (d, s, sizeof (float) * (size_t) (2 * n));
      master_ms_encode_f32 (d, d, n);
      master_ref_ms_encode_f32 (r, s, n);
      bad = cmp_f32 (d, r, 2 * n, 1e-6);
      CHECK (bad < 0, "ms_encode_f32 in place n=%d off=%d at %d", n, off, bad);
      memcpy (d, s, sizeof (float) * (size_t) n);
      master_orc_gain_f32 (d, d, 0.5f, n);
      master_ref_gain_f32 (r, s, 0.5f, n);
      bad = cmp_f32 (d, r, n, 1e-6);
      CHECK (bad < 0, "gain_f32 in place n=%d off=%d at %d", n, off, bad);
      n_cases++;
    }
  }

  /* mid/side round trip (C f64 and ORC f32) restores the input */
  {
    float *s = fa[0] + 1, *d = fa[2] + 1;
    fill (1);
    master_ms_encode_f32 (d, s, 1000);
    master_ms_decode_f32 (d, d, 1000);
    CHECK (cmp_f32 (d, s, 2000, 1e-6) < 0, "ms f32 round trip");
    double *ds = da[0] + 1, *dd = da[2] + 1;
    master_ms_encode_f64 (dd, ds, 1000);
    master_ms_decode_f64 (dd, dd, 1000);
    CHECK (cmp_f64 (dd, ds, 2000, 1e-15) < 0, "ms f64 round trip");
  }

  /* peak scan: exact maximum, NaN/Inf ignored */
  {
    float *s = fa[0] + 1;
    for (int n = 1; n < 300; n += 7) {
      for (int i = 0; i < n; i++)
        s[i] = (float) rnd () * 0.2f;    /* |s| < 0.4 */
      int at = (n * 7) % n;
      s[at] = -0.9f;
      CHECK (master_peak_abs_f32 (s, n) == 0.9f, "peak_abs_f32 n=%d", n);
      s[(at + 1) % n] = NAN;
      if (n > 2)
        CHECK (master_peak_abs_f32 (s, n) == 0.9f, "peak_abs_f32 with NaN n=%d", n);
      s[(at + 1) % n] = INFINITY;
      if (n > 2)
        CHECK (master_peak_abs_f32 (s, n) == 0.9f, "peak_abs_f32 with Inf n=%d", n);
    }
    double *ds = da[0] + 1;
    for (int i = 0; i < 999; i++)
      ds[i] = rnd () * 0.25;
    ds[500] = 0.75;
    ds[7] = -INFINITY;
    CHECK (master_peak_abs_f64 (ds, 999) == 0.75, "peak_abs_f64 with -Inf");
    CHECK (master_peak_abs_f64 (ds, 0) == 0.0, "peak_abs_f64 empty");
  }

  NOTE ("%d length/alignment cases x 13 kernels compared with C references", n_cases);
  for (int k = 0; k < 4; k++) {
    free (fa[k]);
    free (da[k]);
  }
  return check_finish ();
}
