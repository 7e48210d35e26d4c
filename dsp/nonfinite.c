/* masterdsp: non-finite sample detection and replacement; see nonfinite.h */
#include "nonfinite.h"

#include <stdint.h>
#include <string.h>

#define EXP32 UINT32_C (0x7f800000)
#define EXP64 UINT64_C (0x7ff0000000000000)
#define LANES 8

int
master_nonfinite_any_f32 (const float *s, size_t n)
{
  /* blocks of LANES with a fixed-size inner loop: vectorised by the basic
   * block (SLP) vectoriser even at -O2's cheap cost model */
  uint32_t acc[LANES] = { 0 }, any = 0;
  size_t i, k;
  for (i = 0; i + LANES <= n; i += LANES) {
    for (k = 0; k < LANES; k++) {
      uint32_t u;
      memcpy (&u, s + i + k, sizeof (u));
      /* the masked exponent plus one exponent unit carries into the
       * sign bit only when all exponent bits are set */
      acc[k] |= (u & EXP32) + UINT32_C (0x00800000);
    }
  }
  for (k = 0; k < LANES; k++)
    any |= acc[k] >> 31;
  for (; i < n; i++) {
    uint32_t u;
    memcpy (&u, s + i, sizeof (u));
    any |= (uint32_t) ((u & EXP32) == EXP32);
  }
  return any != 0;
}

int
master_nonfinite_any_f64 (const double *s, size_t n)
{
  /* blocks of LANES with a fixed-size inner loop: vectorised by the basic
   * block (SLP) vectoriser even at -O2's cheap cost model */
  uint64_t acc[LANES] = { 0 }, any = 0;
  size_t i, k;
  for (i = 0; i + LANES <= n; i += LANES) {
    for (k = 0; k < LANES; k++) {
      uint64_t u;
      memcpy (&u, s + i + k, sizeof (u));
      /* the masked exponent plus one exponent unit carries into the
       * sign bit only when all exponent bits are set */
      acc[k] |= (u & EXP64) + UINT64_C (0x0010000000000000);
    }
  }
  for (k = 0; k < LANES; k++)
    any |= acc[k] >> 63;
  for (; i < n; i++) {
    uint64_t u;
    memcpy (&u, s + i, sizeof (u));
    any |= (uint64_t) ((u & EXP64) == EXP64);
  }
  return any != 0;
}

size_t
master_nonfinite_zero_f32 (float *dst, const float *src, size_t n)
{
  size_t i, bad = 0;
  for (i = 0; i < n; i++) {
    uint32_t u;
    float v = src[i];
    memcpy (&u, &v, sizeof (u));
    if ((u & EXP32) == EXP32) {
      v = 0.0f;
      bad++;
    }
    dst[i] = v;
  }
  return bad;
}

size_t
master_nonfinite_zero_f64 (double *dst, const double *src, size_t n)
{
  size_t i, bad = 0;
  for (i = 0; i < n; i++) {
    uint64_t u;
    double v = src[i];
    memcpy (&u, &v, sizeof (u));
    if ((u & EXP64) == EXP64) {
      v = 0.0;
      bad++;
    }
    dst[i] = v;
  }
  return bad;
}
