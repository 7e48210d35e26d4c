/* gst-mastering: level <-> dB conversions with bounded error, four at a time.
 *
 * The gain computers of the dynamics processors convert a detector level to
 * dB and a gain reduction back to a linear gain for every sample; libm's
 * log() and exp() cost more than the rest of a compressor band together.
 * These replacements work on 4 doubles (GCC vector extension: two SSE2
 * registers in the default build, one AVX2 register in an x86-64-v3 clone)
 * and need no division by zero checks or branches:
 *
 *   master_fast_power_to_db_v4 (p) = 10 log10 (p)   p > 0 normal
 *     exponent/mantissa split, mantissa in [sqrt(1/2), sqrt 2), ln(m) by the
 *     atanh series to t^11 (|t| <= 0.172): |error| < 1e-8 dB.
 *     p = 0 or subnormal gives about -3080 dB (finite); p must not be
 *     negative, infinite or NaN (callers clamp).
 *   master_fast_db_to_gain_v4 (g_db) = 10^(g_db / 20)
 *     2^n * 2^f, |f| <= 1/2, 2^f by its Taylor series to degree 9:
 *     relative error < 1e-10 (< 1e-9 dB).  g_db is clamped to +-6020 dB.
 *
 * master_fast_power_to_db() and master_fast_db_to_gain() are the same
 * conversions on one double (for plain C loops).
 *
 * tests/dsp/test_fastmath.c bounds all of them against libm over their
 * ranges. */
#ifndef MASTER_FASTMATH_H
#define MASTER_FASTMATH_H

#include <stdint.h>
#include <string.h>

/* Every function taking or returning a 4-lane vector must be inlined
 * (MASTER_V4_INLINE): a call from an x86-64-v3 clone into a default-ISA
 * copy would pass the vector in a different way (-Wpsabi warns of it; with
 * the forced inlining no vector ever crosses a call). */
#pragma GCC diagnostic ignored "-Wpsabi"
#define MASTER_V4_INLINE static inline __attribute__ ((always_inline))

typedef double MasterV4d __attribute__ ((vector_size (32)));
typedef int64_t MasterV4l __attribute__ ((vector_size (32)));
typedef uint64_t MasterV4u __attribute__ ((vector_size (32)));

/* unaligned load/store of 4 doubles */
MASTER_V4_INLINE MasterV4d
master_v4d_load (const double *p)
{
  MasterV4d v;
  memcpy (&v, p, sizeof v);
  return v;
}

MASTER_V4_INLINE void
master_v4d_store (double *p, MasterV4d v)
{
  memcpy (p, &v, sizeof v);
}

MASTER_V4_INLINE MasterV4d
master_v4d_splat (double x)
{
  return (MasterV4d) { x, x, x, x };
}

/* mask ? a : b, mask lanes all ones or all zeros (a vector comparison) */
MASTER_V4_INLINE MasterV4d
master_v4d_select (MasterV4l mask, MasterV4d a, MasterV4d b)
{
  return (MasterV4d) (((MasterV4l) a & mask) | ((MasterV4l) b & ~mask));
}

/* 1.5 * 2^52: adding it rounds to an integer that sits in the low mantissa
 * bits (for |x| < 2^51) */
#define MASTER_FAST_ROUND_MAGIC 6755399441055744.0
#define MASTER_FAST_ROUND_MAGIC_BITS 0x4338000000000000LL

MASTER_V4_INLINE MasterV4d
master_fast_power_to_db_v4 (MasterV4d p)
{
  const MasterV4l bits = (MasterV4l) p;
  const MasterV4l one_bits = (MasterV4l) master_v4d_splat (1.0);
  /* logical shift: SSE2 has no 64-bit arithmetic one */
  MasterV4l e = (MasterV4l) ((MasterV4u) bits >> 52) - 1023;
  MasterV4d m = (MasterV4d) ((bits & 0x000FFFFFFFFFFFFFLL) | one_bits);
  /* mantissa to [sqrt(1/2), sqrt 2): halves the series argument */
  const MasterV4l big = m > 1.4142135623730951;
  MasterV4d ef, t, t2, s;

  m = master_v4d_select (big, m * 0.5, m);
  e -= big;                     /* big lanes are -1 */
  ef = (MasterV4d) (e + MASTER_FAST_ROUND_MAGIC_BITS) -
      MASTER_FAST_ROUND_MAGIC;
  /* ln m = 2 atanh t, t = (m - 1) / (m + 1) */
  t = (m - 1.0) / (m + 1.0);
  t2 = t * t;
  /* s = sum t^2k / (2k + 1), k = 0..5, Estrin's scheme (short dependency
   * chains: the loops over blocks overlap several evaluations) */
  {
    MasterV4d t4 = t2 * t2;
    MasterV4d p01 = 1.0 + t2 * (1.0 / 3.0);
    MasterV4d p23 = 1.0 / 5.0 + t2 * (1.0 / 7.0);
    MasterV4d p45 = 1.0 / 9.0 + t2 * (1.0 / 11.0);
    s = p01 + t4 * (p23 + t4 * p45);
  }
  /* 10 log10 p = 10/ln10 (e ln2 + ln m) */
  return ef * (4.3429448190325182765 * 0.69314718055994530942) +
      (2.0 * 4.3429448190325182765) * (t * s);
}

MASTER_V4_INLINE MasterV4d
master_fast_db_to_gain_v4 (MasterV4d g_db)
{
  /* 10^(x/20) = 2^(x log2(10) / 20) */
  MasterV4d y = g_db * 0.16609640474436811739, t, n, u, q;
  MasterV4l scale;

  y = master_v4d_select (y > 1000.0, master_v4d_splat (1000.0), y);
  y = master_v4d_select (y < -1000.0, master_v4d_splat (-1000.0), y);
  t = y + MASTER_FAST_ROUND_MAGIC;
  n = t - MASTER_FAST_ROUND_MAGIC;
  u = (y - n) * 0.69314718055994530942;  /* |u| <= ln2 / 2 */
  /* 2^f = e^u = sum u^k / k!, k = 0..9 (remainder < 1e-11 relative),
   * Estrin's scheme */
  {
    MasterV4d u2 = u * u, u4 = u2 * u2, u8 = u4 * u4;
    MasterV4d p01 = 1.0 + u;
    MasterV4d p23 = 1.0 / 2.0 + u * (1.0 / 6.0);
    MasterV4d p45 = 1.0 / 24.0 + u * (1.0 / 120.0);
    MasterV4d p67 = 1.0 / 720.0 + u * (1.0 / 5040.0);
    MasterV4d p89 = 1.0 / 40320.0 + u * (1.0 / 362880.0);
    MasterV4d p03 = p01 + u2 * p23, p47 = p45 + u2 * p67;
    q = (p03 + u4 * p47) + u8 * p89;
  }
  scale = ((MasterV4l) t - MASTER_FAST_ROUND_MAGIC_BITS + 1023) << 52;
  return q * (MasterV4d) scale;
}

/* The same two conversions one value at a time, for the plain C loops that
 * run where the CPU lacks AVX2/FMA (a 4-lane vector's comparisons and
 * shuffles would be split into scalar code there). */
static inline double
master_fast_power_to_db (double p)
{
  int64_t bits, e;
  double m, t, t2, t4, s;
  memcpy (&bits, &p, sizeof bits);
  e = (int64_t) ((uint64_t) bits >> 52) - 1023;
  bits = (bits & 0x000FFFFFFFFFFFFFLL) | 0x3FF0000000000000LL;
  memcpy (&m, &bits, sizeof m);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  t = (m - 1.0) / (m + 1.0);
  t2 = t * t;
  t4 = t2 * t2;
  s = (1.0 + t2 * (1.0 / 3.0)) + t4 * ((1.0 / 5.0 + t2 * (1.0 / 7.0)) +
      t4 * (1.0 / 9.0 + t2 * (1.0 / 11.0)));
  return (double) e * (4.3429448190325182765 * 0.69314718055994530942) +
      (2.0 * 4.3429448190325182765) * (t * s);
}

static inline double
master_fast_db_to_gain (double g_db)
{
  double y = g_db * 0.16609640474436811739, t, n, u, u2, u4, q, sc;
  int64_t bits;
  y = y > 1000.0 ? 1000.0 : (y < -1000.0 ? -1000.0 : y);
  t = y + MASTER_FAST_ROUND_MAGIC;
  n = t - MASTER_FAST_ROUND_MAGIC;
  u = (y - n) * 0.69314718055994530942;
  u2 = u * u;
  u4 = u2 * u2;
  q = ((1.0 + u) + u2 * (1.0 / 2.0 + u * (1.0 / 6.0))) +
      u4 * ((1.0 / 24.0 + u * (1.0 / 120.0)) + u2 * (1.0 / 720.0 +
          u * (1.0 / 5040.0))) + (u4 * u4) * (1.0 / 40320.0 +
      u * (1.0 / 362880.0));
  memcpy (&bits, &t, sizeof bits);
  bits = (bits - MASTER_FAST_ROUND_MAGIC_BITS + 1023) << 52;
  memcpy (&sc, &bits, sizeof sc);
  return q * sc;
}

#endif /* MASTER_FASTMATH_H */
