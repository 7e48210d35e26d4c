/* Unit test of dsp/nonfinite: every length and position, NaN/+Inf/-Inf
 * found, extreme finite values (max, denormal, -0) not flagged, replacement
 * count and in-place use. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nonfinite.h"

int
main (void)
{
  static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 25, 32,
    64, 65, 100, 999
  };
  float f[1000];
  double d[1000];
  size_t cases = 0;
  for (size_t li = 0; li < sizeof (lens) / sizeof (lens[0]); li++) {
    size_t n = lens[li];
    for (size_t i = 0; i < n; i++) {
      /* finite extremes */
      f[i] = (i % 4 == 0) ? FLT_MAX : (i % 4 == 1) ? -FLT_MIN / 4 : (i % 4 == 2) ? -0.0f : 0.5f;
      d[i] = (i % 4 == 0) ? -DBL_MAX : (i % 4 == 1) ? DBL_MIN / 4 : (i % 4 == 2) ? -0.0 : 0.5;
    }
    CHECK (!master_nonfinite_any_f32 (f, n), "f32 false positive n=%zu", n);
    CHECK (!master_nonfinite_any_f64 (d, n), "f64 false positive n=%zu", n);
    for (size_t p = 0; p < n; p++) {
      const double bad[] = { NAN, INFINITY, -INFINITY };
      for (int b = 0; b < 3; b++) {
        float fs = f[p];
        double ds = d[p];
        f[p] = (float) bad[b];
        d[p] = bad[b];
        CHECK (master_nonfinite_any_f32 (f, n), "f32 miss n=%zu p=%zu", n, p);
        CHECK (master_nonfinite_any_f64 (d, n), "f64 miss n=%zu p=%zu", n, p);
        float fo[1000];
        CHECK (master_nonfinite_zero_f32 (fo, f, n) == 1 && fo[p] == 0.0f,
            "f32 zero n=%zu p=%zu", n, p);
        CHECK (master_nonfinite_zero_f64 (d, d, n) == 1 && d[p] == 0.0,
            "f64 zero in place n=%zu p=%zu", n, p);
        CHECK (!master_nonfinite_any_f32 (fo, n) && !master_nonfinite_any_f64 (d, n),
            "after zero n=%zu", n);
        f[p] = fs;
        d[p] = ds;
        cases++;
      }
    }
  }
  NOTE ("nonfinite: %zu placements of NaN/+Inf/-Inf over 18 lengths found and zeroed; "
      "FLT_MAX, DBL_MAX, denormals and -0 not flagged", cases);
  return check_finish ();
}
