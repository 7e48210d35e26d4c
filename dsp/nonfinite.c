/* masterdsp: non-finite sample detection and replacement; see nonfinite.h */
#include "nonfinite.h"

#include <stdint.h>
#include <string.h>

#define EXP32 UINT32_C (0x7f800000)
#define EXP64 UINT64_C (0x7ff0000000000000)

int
master_nonfinite_any_f32 (const float *s, size_t n)
{
  uint32_t any = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    uint32_t u;
    memcpy (&u, s + i, sizeof (u));
    any |= (uint32_t) ((u & EXP32) == EXP32);
  }
  return any != 0;
}

int
master_nonfinite_any_f64 (const double *s, size_t n)
{
  uint64_t any = 0;
  size_t i;
  for (i = 0; i < n; i++) {
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
