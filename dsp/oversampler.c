/* Linear-phase polyphase FIR oversampler (see oversampler.h). */
#include "oversampler.h"
#include "simd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Stage 1 (fs <-> 2fs): pass band edge and stop band edge as fractions of
 * the base rate, and the Kaiser design attenuation in dB. */
#define STAGE1_PASS 0.4167
#define STAGE1_STOP 0.5
#define STAGE1_ATTEN_DB 120.0
/* Half-band stages: design attenuation in dB. */
#define HALFBAND_ATTEN_DB 100.0
/* Delay-line length in blocks (see line_make_room()). */
#define LINE_BLOCKS 8

/* GCC/Clang vector extensions: 8 or 16 floats, unaligned loads through
 * memcpy. The FIR kernel is compiled three times from one body (below):
 * AVX-512 (16 lanes), AVX2+FMA (8 lanes) and the x86-64 baseline (8 lanes,
 * which GCC splits into SSE halves); master_oversampler_new() picks the
 * best one the CPU runs. */
typedef float v8f __attribute__ ((vector_size (32)));
typedef float v16f __attribute__ ((vector_size (64)));
/* the helpers below are always inlined: no vector crosses a call boundary */
#pragma GCC diagnostic ignored "-Wpsabi"


MASTER_ALWAYS_INLINE v8f
load8 (const float *p)
{
  v8f v;
  memcpy (&v, p, sizeof v);
  return v;
}

MASTER_ALWAYS_INLINE void
store8 (float *p, v8f v)
{
  memcpy (p, &v, sizeof v);
}

MASTER_ALWAYS_INLINE v16f
load16 (const float *p)
{
  v16f v;
  memcpy (&v, p, sizeof v);
  return v;
}

MASTER_ALWAYS_INLINE void
store16 (float *p, v16f v)
{
  memcpy (p, &v, sizeof v);
}

/* y[m] = (acc ? y[m] : 0) + sum_{t<len} c[t] * x[m - t], m in [0, n), for a
 * symmetric c (c[t] == c[len-1-t]). */
typedef void (*FirFunc) (float *restrict y, const float *restrict x,
    const float *restrict c, int len, int n, int acc);

/* Both interpolation branches of a stage in one pass (AVX-512 only, else
 * NULL): y0 from c0 (len0 taps, len0 odd), y1 from c1 (len0 - 1 taps),
 * same input x and offset. Branch 1's mirrored pairs reach one sample
 * further than branch 0's of the next tap, x[m - (len0-2) + t] ==
 * x[m - (len0-1) + (t+1)], so every vector load serves both branches:
 * ~20 % less time than two fir() calls (the loads bound the kernel). */
typedef void (*Fir2Func) (float *restrict y0, float *restrict y1,
    const float *restrict x, const float *restrict c0,
    const float *restrict c1, int len0, int n);

/* One polyphase branch with its leading and trailing zero taps trimmed:
 * y[m] = sum_{t < len} c[t] * x[m - off - t]. Every branch of a
 * linear-phase (symmetric) prototype is itself symmetric, c[t] ==
 * c[len - 1 - t], which the FIR kernels use to halve their
 * multiplications. */
typedef struct {
  float *c;
  int off;
  int len;
} Branch;

/* One 2x stage between rate r (low side) and 2r (high side). */
typedef struct {
  Branch up[2];                 /* interpolation branches (gain 2), phase b -> y[2m+b] */
  Branch dn[2];                 /* decimation branches: even and odd input phases */
  int max_low;                  /* largest block at the low rate */
  int up_hist;                  /* history kept before the new input, samples */
  float *up_buf;                /* [up_pos .. up_pos + up_hist): history, then new input */
  int up_pos, up_cap;           /* window start; capacity up_hist + LINE_BLOCKS * max_low */
  float *ph[2];                 /* [max_low] interpolated phases before interleaving */
  int dn_hist;
  float *dn_e;                  /* even high-rate samples, window at dn_pos like up_buf */
  float *dn_o;                  /* odd high-rate samples, window at dn_pos */
  int dn_pos, dn_cap;
} Stage;

struct MasterOversampler {
  int factor;
  int n_stages;
  int max_frames;
  int latency;                  /* base-rate samples, round trip */
  FirFunc fir;                  /* kernel for this CPU */
  Fir2Func fir2;                /* two-branch interpolation kernel or NULL */
  Stage st[3];
  float *work[2];               /* intermediate-rate blocks, max_frames * factor */
};

/* Outputs [m, n) by 8 lanes, then one by one; the taps t and len-1-t share
 * one multiplication, c[t] * (x[m-t] + x[m-len+1+t]) (the additions and
 * the fused multiply-adds run on separate ports). x must be readable from
 * index -(len - 1). */
MASTER_ALWAYS_INLINE void
fir_tail8 (float *restrict y, const float *restrict x, const float *restrict c,
    int len, int m, int n, int acc)
{
  const int half = len / 2, mid = len & 1, far = len - 1;

  for (; m + 8 <= n; m += 8) {
    v8f a = acc ? load8 (y + m) : (v8f) { 0 };
    const float *xp = x + m;
    int t;
    if (mid)
      a += ((v8f) { 0 } + c[half]) * load8 (xp - half);
    for (t = 0; t < half; t++)
      a += ((v8f) { 0 } + c[t]) * (load8 (xp - t) + load8 (xp - far + t));
    store8 (y + m, a);
  }
  for (; m < n; m++) {
    float a = acc ? y[m] : 0.0f;
    const float *xp = x + m;
    int t;
    if (mid)
      a += c[half] * xp[-half];
    for (t = 0; t < half; t++)
      a += c[t] * (xp[-t] + xp[-far + t]);
    y[m] = a;
  }
}

/* Blocks of 32 outputs in four 8-lane accumulators while the taps stream
 * past. tail3: the 16..24-output tail pass below (AVX2; the baseline body,
 * which splits every 8-lane vector in two, runs slower with it). */
MASTER_ALWAYS_INLINE void
fir_body8 (float *restrict y, const float *restrict x, const float *restrict c,
    int len, int n, int acc, const int tail3)
{
  const int half = len / 2, mid = len & 1, far = len - 1;
  int m = 0;

  for (; m + 32 <= n; m += 32) {
    v8f a0, a1, a2, a3;
    const float *xp = x + m;
    int t;

    if (acc) {
      a0 = load8 (y + m);
      a1 = load8 (y + m + 8);
      a2 = load8 (y + m + 16);
      a3 = load8 (y + m + 24);
    } else {
      a0 = a1 = a2 = a3 = (v8f) { 0 };
    }
    if (mid) {
      const v8f cv = (v8f) { 0 } + c[half];
      const float *p = xp - half;
      a0 += cv * load8 (p);
      a1 += cv * load8 (p + 8);
      a2 += cv * load8 (p + 16);
      a3 += cv * load8 (p + 24);
    }
    for (t = 0; t < half; t++) {
      const v8f cv = (v8f) { 0 } + c[t];
      const float *p = xp - t, *q = xp - far + t;
      a0 += cv * (load8 (p) + load8 (q));
      a1 += cv * (load8 (p + 8) + load8 (q + 8));
      a2 += cv * (load8 (p + 16) + load8 (q + 16));
      a3 += cv * (load8 (p + 24) + load8 (q + 24));
    }
    store8 (y + m, a0);
    store8 (y + m + 8, a1);
    store8 (y + m + 16, a2);
    store8 (y + m + 24, a3);
  }
  /* 8..24 outputs left (16 of a 48-frame call): one pass of that many
   * accumulators, not one pass per 8 (each pass walks every tap); same
   * taps in the same order per output */
  if (tail3 && m + 16 <= n) {
    const int three = m + 24 <= n;
    v8f a0 = acc ? load8 (y + m) : (v8f) { 0 };
    v8f a1 = acc ? load8 (y + m + 8) : (v8f) { 0 };
    v8f a2 = three && acc ? load8 (y + m + 16) : (v8f) { 0 };
    const float *xp = x + m;
    int t;
    if (mid) {
      const v8f cv = (v8f) { 0 } + c[half];
      const float *p = xp - half;
      a0 += cv * load8 (p);
      a1 += cv * load8 (p + 8);
      if (three)
        a2 += cv * load8 (p + 16);
    }
    if (three) {
      for (t = 0; t < half; t++) {
        const v8f cv = (v8f) { 0 } + c[t];
        const float *p = xp - t, *q = xp - far + t;
        a0 += cv * (load8 (p) + load8 (q));
        a1 += cv * (load8 (p + 8) + load8 (q + 8));
        a2 += cv * (load8 (p + 16) + load8 (q + 16));
      }
      store8 (y + m + 16, a2);
    } else {
      for (t = 0; t < half; t++) {
        const v8f cv = (v8f) { 0 } + c[t];
        const float *p = xp - t, *q = xp - far + t;
        a0 += cv * (load8 (p) + load8 (q));
        a1 += cv * (load8 (p + 8) + load8 (q + 8));
      }
    }
    store8 (y + m, a0);
    store8 (y + m + 8, a1);
    m += three ? 24 : 16;
  }
  fir_tail8 (y, x, c, len, m, n, acc);
}

/* Blocks of 64 outputs in four 16-lane accumulators. */
MASTER_ALWAYS_INLINE void
fir_body16 (float *restrict y, const float *restrict x,
    const float *restrict c, int len, int n, int acc)
{
  const int half = len / 2, mid = len & 1, far = len - 1;
  int m = 0;

  for (; m + 64 <= n; m += 64) {
    v16f a0, a1, a2, a3;
    const float *xp = x + m;
    int t;

    if (acc) {
      a0 = load16 (y + m);
      a1 = load16 (y + m + 16);
      a2 = load16 (y + m + 32);
      a3 = load16 (y + m + 48);
    } else {
      a0 = a1 = a2 = a3 = (v16f) { 0 };
    }
    if (mid) {
      const v16f cv = (v16f) { 0 } + c[half];
      const float *p = xp - half;
      a0 += cv * load16 (p);
      a1 += cv * load16 (p + 16);
      a2 += cv * load16 (p + 32);
      a3 += cv * load16 (p + 48);
    }
    for (t = 0; t < half; t++) {
      const v16f cv = (v16f) { 0 } + c[t];
      const float *p = xp - t, *q = xp - far + t;
      a0 += cv * (load16 (p) + load16 (q));
      a1 += cv * (load16 (p + 16) + load16 (q + 16));
      a2 += cv * (load16 (p + 32) + load16 (q + 32));
      a3 += cv * (load16 (p + 48) + load16 (q + 48));
    }
    store16 (y + m, a0);
    store16 (y + m + 16, a1);
    store16 (y + m + 32, a2);
    store16 (y + m + 48, a3);
  }
  /* tails: more outputs per call, but every output sums its taps in the
   * same order as above (a sign-symmetric input gives a sign-symmetric
   * output, to the bit). 48 outputs (1 ms at 48 kHz) in one pass of three
   * accumulators: a chain of dependent FMAs per accumulator, so fewer
   * passes of more accumulators are faster */
  if (m + 48 <= n) {
    v16f a0 = acc ? load16 (y + m) : (v16f) { 0 };
    v16f a1 = acc ? load16 (y + m + 16) : (v16f) { 0 };
    v16f a2 = acc ? load16 (y + m + 32) : (v16f) { 0 };
    const float *xp = x + m;
    int t;
    if (mid) {
      const v16f cv = (v16f) { 0 } + c[half];
      a0 += cv * load16 (xp - half);
      a1 += cv * load16 (xp - half + 16);
      a2 += cv * load16 (xp - half + 32);
    }
    for (t = 0; t < half; t++) {
      const v16f cv = (v16f) { 0 } + c[t];
      const float *p = xp - t, *q = xp - far + t;
      a0 += cv * (load16 (p) + load16 (q));
      a1 += cv * (load16 (p + 16) + load16 (q + 16));
      a2 += cv * (load16 (p + 32) + load16 (q + 32));
    }
    store16 (y + m, a0);
    store16 (y + m + 16, a1);
    store16 (y + m + 32, a2);
    m += 48;
  }
  for (; m + 32 <= n; m += 32) {
    v16f a0 = acc ? load16 (y + m) : (v16f) { 0 };
    v16f a1 = acc ? load16 (y + m + 16) : (v16f) { 0 };
    const float *xp = x + m;
    int t;
    if (mid) {
      const v16f cv = (v16f) { 0 } + c[half];
      a0 += cv * load16 (xp - half);
      a1 += cv * load16 (xp - half + 16);
    }
    for (t = 0; t < half; t++) {
      const v16f cv = (v16f) { 0 } + c[t];
      const float *p = xp - t, *q = xp - far + t;
      a0 += cv * (load16 (p) + load16 (q));
      a1 += cv * (load16 (p + 16) + load16 (q + 16));
    }
    store16 (y + m, a0);
    store16 (y + m + 16, a1);
  }
  for (; m + 16 <= n; m += 16) {
    v16f a0 = acc ? load16 (y + m) : (v16f) { 0 };
    const float *xp = x + m;
    int t;
    if (mid)
      a0 += ((v16f) { 0 } + c[half]) * load16 (xp - half);
    for (t = 0; t < half; t++)
      a0 += ((v16f) { 0 } + c[t]) * (load16 (xp - t) + load16 (xp - far + t));
    store16 (y + m, a0);
  }
  fir_tail8 (y, x, c, len, m, n, acc);
}

static void
fir_generic (float *restrict y, const float *restrict x,
    const float *restrict c, int len, int n, int acc)
{
  fir_body8 (y, x, c, len, n, acc, 0);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_FIR_X86 1
__attribute__ ((target ("arch=x86-64-v3")))
static void
fir_avx2 (float *restrict y, const float *restrict x,
    const float *restrict c, int len, int n, int acc)
{
  fir_body8 (y, x, c, len, n, acc, 1);
}

__attribute__ ((target ("arch=x86-64-v4")))
static void
fir_avx512 (float *restrict y, const float *restrict x,
    const float *restrict c, int len, int n, int acc)
{
  fir_body16 (y, x, c, len, n, acc);
}

/* Every output sums its taps in the order fir() does (branch 0: middle
 * tap, then pairs t = 0, 1, ...; branch 1: pairs), in all three loops (64
 * and 16 outputs per block, one by one): the same results as two fir()
 * calls, and sign-symmetric input gives sign-symmetric output. */
__attribute__ ((target ("arch=x86-64-v4")))
static void
fir2_avx512 (float *restrict y0, float *restrict y1, const float *restrict x,
    const float *restrict c0, const float *restrict c1, int len0, int n)
{
  const int h = len0 / 2, far = len0 - 1;
  int m = 0, t;

  for (; m + 64 <= n; m += 64) {
    const float *xp = x + m;
    v16f p0 = load16 (xp), p1 = load16 (xp + 16);
    v16f p2 = load16 (xp + 32), p3 = load16 (xp + 48);
    /* branch 0's middle tap first (as fir() sums it), kept for the far
     * sample of branch 1's last pair */
    v16f m0 = load16 (xp - h), m1 = load16 (xp - h + 16);
    v16f m2 = load16 (xp - h + 32), m3 = load16 (xp - h + 48);
    v16f ca = (v16f) { 0 } + c0[h], cb;
    v16f a0 = ca * m0, a1 = ca * m1, a2 = ca * m2, a3 = ca * m3;
    v16f b0 = { 0 }, b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
    const float *p;

    ca = (v16f) { 0 } + c0[0];
    a0 += ca * (p0 + load16 (xp - far));
    a1 += ca * (p1 + load16 (xp - far + 16));
    a2 += ca * (p2 + load16 (xp - far + 32));
    a3 += ca * (p3 + load16 (xp - far + 48));

    for (t = 1; t < h; t++) {
      const float *q = xp - far + t;
      v16f n0, n1, n2, n3, r0, r1, r2, r3;
      p = xp - t;
      ca = (v16f) { 0 } + c0[t];
      cb = (v16f) { 0 } + c1[t - 1];
      n0 = load16 (p);
      n1 = load16 (p + 16);
      n2 = load16 (p + 32);
      n3 = load16 (p + 48);
      r0 = load16 (q);
      r1 = load16 (q + 16);
      r2 = load16 (q + 32);
      r3 = load16 (q + 48);
      a0 += ca * (n0 + r0);
      b0 += cb * (p0 + r0);
      a1 += ca * (n1 + r1);
      b1 += cb * (p1 + r1);
      a2 += ca * (n2 + r2);
      b2 += cb * (p2 + r2);
      a3 += ca * (n3 + r3);
      b3 += cb * (p3 + r3);
      p0 = n0;
      p1 = n1;
      p2 = n2;
      p3 = n3;
    }
    cb = (v16f) { 0 } + c1[h - 1];
    b0 += cb * (p0 + m0);
    b1 += cb * (p1 + m1);
    b2 += cb * (p2 + m2);
    b3 += cb * (p3 + m3);
    store16 (y0 + m, a0);
    store16 (y0 + m + 16, a1);
    store16 (y0 + m + 32, a2);
    store16 (y0 + m + 48, a3);
    store16 (y1 + m, b0);
    store16 (y1 + m + 16, b1);
    store16 (y1 + m + 32, b2);
    store16 (y1 + m + 48, b3);
  }
  /* 48 outputs (1 ms at 48 kHz) in one pass, six accumulators */
  if (m + 48 <= n) {
    const float *xp = x + m;
    v16f p0 = load16 (xp), p1 = load16 (xp + 16), p2 = load16 (xp + 32);
    v16f m0 = load16 (xp - h), m1 = load16 (xp - h + 16);
    v16f m2 = load16 (xp - h + 32);
    v16f ca = (v16f) { 0 } + c0[h], cb;
    v16f a0 = ca * m0, a1 = ca * m1, a2 = ca * m2;
    v16f b0 = { 0 }, b1 = { 0 }, b2 = { 0 };

    ca = (v16f) { 0 } + c0[0];
    a0 += ca * (p0 + load16 (xp - far));
    a1 += ca * (p1 + load16 (xp - far + 16));
    a2 += ca * (p2 + load16 (xp - far + 32));
    for (t = 1; t < h; t++) {
      const float *q = xp - far + t, *p = xp - t;
      v16f n0, n1, n2, r0, r1, r2;
      ca = (v16f) { 0 } + c0[t];
      cb = (v16f) { 0 } + c1[t - 1];
      n0 = load16 (p);
      n1 = load16 (p + 16);
      n2 = load16 (p + 32);
      r0 = load16 (q);
      r1 = load16 (q + 16);
      r2 = load16 (q + 32);
      a0 += ca * (n0 + r0);
      b0 += cb * (p0 + r0);
      a1 += ca * (n1 + r1);
      b1 += cb * (p1 + r1);
      a2 += ca * (n2 + r2);
      b2 += cb * (p2 + r2);
      p0 = n0;
      p1 = n1;
      p2 = n2;
    }
    cb = (v16f) { 0 } + c1[h - 1];
    b0 += cb * (p0 + m0);
    b1 += cb * (p1 + m1);
    b2 += cb * (p2 + m2);
    store16 (y0 + m, a0);
    store16 (y0 + m + 16, a1);
    store16 (y0 + m + 32, a2);
    store16 (y1 + m, b0);
    store16 (y1 + m + 16, b1);
    store16 (y1 + m + 32, b2);
    m += 48;
  }
  for (; m + 16 <= n; m += 16) {
    const float *xp = x + m;
    v16f p0 = load16 (xp), m0 = load16 (xp - h);
    v16f a0 = ((v16f) { 0 } + c0[h]) * m0, b0 = { 0 };
    a0 += ((v16f) { 0 } + c0[0]) * (p0 + load16 (xp - far));
    for (t = 1; t < h; t++) {
      v16f n0 = load16 (xp - t), r0 = load16 (xp - far + t);
      a0 += ((v16f) { 0 } + c0[t]) * (n0 + r0);
      b0 += ((v16f) { 0 } + c1[t - 1]) * (p0 + r0);
      p0 = n0;
    }
    b0 += ((v16f) { 0 } + c1[h - 1]) * (p0 + m0);
    store16 (y0 + m, a0);
    store16 (y1 + m, b0);
  }
  for (; m < n; m++) {
    const float *xp = x + m;
    float p0 = xp[0], a = c0[h] * xp[-h], b = 0.0f;
    a += c0[0] * (p0 + xp[-far]);
    for (t = 1; t < h; t++) {
      float n0 = xp[-t], r0 = xp[-far + t];
      a += c0[t] * (n0 + r0);
      b += c1[t - 1] * (p0 + r0);
      p0 = n0;
    }
    b += c1[h - 1] * (p0 + xp[-h]);
    y0[m] = a;
    y1[m] = b;
  }
}
#endif

/* The kernels for this CPU; MASTER_OVERSAMPLER_ISA=default|x86-64-v3|
 * x86-64-v4 caps the choice (tests compare the kernels with it). */
static void
choose_kernels (MasterOversampler * os)
{
  os->fir = fir_generic;
  os->fir2 = NULL;
#ifdef HAVE_FIR_X86
  {
    const char *cap = getenv ("MASTER_OVERSAMPLER_ISA");
    int level = 4;

    if (cap && strcmp (cap, "default") == 0)
      level = 1;
    else if (cap && strcmp (cap, "x86-64-v3") == 0)
      level = 3;
    __builtin_cpu_init ();
    if (level >= 4 && __builtin_cpu_supports ("x86-64-v4")) {
      os->fir = fir_avx512;
      os->fir2 = fir2_avx512;
    } else if (level >= 3 && __builtin_cpu_supports ("x86-64-v3")) {
      os->fir = fir_avx2;
    }
  }
#endif
}

static double
bessel_i0 (double x)
{
  double sum = 1.0, term = 1.0, q = x * x / 4.0;
  int k;

  for (k = 1; k < 200; k++) {
    term *= q / ((double) k * k);
    sum += term;
    if (term < sum * 1e-17)
      break;
  }
  return sum;
}

static double
kaiser_beta (double atten_db)
{
  if (atten_db > 50.0)
    return 0.1102 * (atten_db - 8.7);
  if (atten_db >= 21.0)
    return 0.5842 * pow (atten_db - 21.0, 0.4) + 0.07886 * (atten_db - 21.0);
  return 0.0;
}

/* Kaiser's length estimate for attenuation atten_db and transition width
 * dw in cycles per sample. */
static int
kaiser_length (double atten_db, double dw)
{
  return (int) ceil ((atten_db - 7.95) / (14.36 * dw)) + 1;
}

/* Windowed-sinc low-pass of length n (odd), cut-off fc in cycles/sample,
 * normalised to a DC gain of exactly 1. half_band forces the taps at even
 * distances from the centre to exactly zero (and the centre to 0.5). */
static void
design_lowpass (double *h, int n, double fc, double beta, int half_band)
{
  const double c = (n - 1) / 2.0;
  const double i0b = bessel_i0 (beta);
  double sum = 0.0;
  int i;

  for (i = 0; i < n; i++) {
    double t = i - c;
    double r = t / c;
    double s = (t == 0.0) ? 2.0 * fc : sin (2.0 * M_PI * fc * t) / (M_PI * t);
    double w = bessel_i0 (beta * sqrt (fmax (0.0, 1.0 - r * r))) / i0b;
    h[i] = s * w;
    if (half_band && t != 0.0 && ((long) fabs (t)) % 2 == 0)
      h[i] = 0.0;
  }
  /* exactly symmetric (linear phase; fir() relies on it) */
  for (i = 0; i < n / 2; i++)
    h[n - 1 - i] = h[i];
  if (half_band) {
    /* centre exactly 0.5 and the odd taps summing to exactly 0.5 */
    h[(n - 1) / 2] = 0.0;
    for (i = 0; i < n; i++)
      sum += h[i];
    for (i = 0; i < n; i++)
      h[i] *= 0.5 / sum;
    h[(n - 1) / 2] = 0.5;
  } else {
    for (i = 0; i < n; i++)
      sum += h[i];
    for (i = 0; i < n; i++)
      h[i] /= sum;
  }
}

/* Extracts phase b of the filter hz (length n) scaled by gain into a
 * trimmed branch, allocating its coefficients. */
static int
make_branch (Branch * br, const double *hz, int n, int b, double gain)
{
  int t, first = -1, last = -1, count = 0;

  for (t = 0; 2 * t + b < n; t++) {
    if (hz[2 * t + b] != 0.0) {
      if (first < 0)
        first = t;
      last = t;
    }
  }
  if (first < 0) {
    br->c = NULL;
    br->off = 0;
    br->len = 0;
    return 0;
  }
  br->off = first;
  br->len = last - first + 1;
  br->c = malloc (sizeof (float) * br->len);
  if (!br->c)
    return -1;
  for (t = first; t <= last; t++)
    br->c[count++] = (float) (gain * hz[2 * t + b]);
  /* fir() folds symmetric taps: a branch of a symmetric prototype is
   * symmetric, anything else is a design error */
  for (t = 0; t < br->len / 2; t++)
    if (br->c[t] != br->c[br->len - 1 - t])
      return -1;
  return 0;
}

static void
stage_free (Stage * s)
{
  int b;

  for (b = 0; b < 2; b++) {
    free (s->up[b].c);
    free (s->dn[b].c);
    free (s->ph[b]);
  }
  free (s->up_buf);
  free (s->dn_e);
  free (s->dn_o);
  memset (s, 0, sizeof (*s));
}

/* Builds a stage from the prototype h (length n); the decimator gets
 * `delay` extra leading zero taps (a pure delay at the high rate). */
static int
stage_init (Stage * s, const double *h, int n, int delay, int max_low)
{
  double *hz;
  int b, i;

  memset (s, 0, sizeof (*s));
  s->max_low = max_low;

  for (b = 0; b < 2; b++)
    if (make_branch (&s->up[b], h, n, b, 2.0) < 0)
      return -1;

  hz = calloc (n + delay, sizeof (double));
  if (!hz)
    return -1;
  for (i = 0; i < n; i++)
    hz[i + delay] = h[i];
  for (b = 0; b < 2; b++) {
    if (make_branch (&s->dn[b], hz, n + delay, b, 1.0) < 0) {
      free (hz);
      return -1;
    }
  }
  free (hz);

  s->up_hist = 0;
  for (b = 0; b < 2; b++)
    if (s->up[b].len > 0 && s->up[b].off + s->up[b].len - 1 > s->up_hist)
      s->up_hist = s->up[b].off + s->up[b].len - 1;
  s->dn_hist = 0;
  if (s->dn[0].len > 0)
    s->dn_hist = s->dn[0].off + s->dn[0].len - 1;
  if (s->dn[1].len > 0 && s->dn[1].off + s->dn[1].len > s->dn_hist)
    s->dn_hist = s->dn[1].off + s->dn[1].len;

  s->up_cap = s->up_hist + LINE_BLOCKS * max_low;
  s->dn_cap = s->dn_hist + LINE_BLOCKS * max_low;
  s->up_buf = calloc (s->up_cap, sizeof (float));
  s->dn_e = calloc (s->dn_cap, sizeof (float));
  s->dn_o = calloc (s->dn_cap, sizeof (float));
  s->ph[0] = calloc (max_low, sizeof (float));
  s->ph[1] = calloc (max_low, sizeof (float));
  if (!s->up_buf || !s->dn_e || !s->dn_o || !s->ph[0] || !s->ph[1])
    return -1;
  return 0;
}

/* Delay lines are linear buffers holding `hist` samples of history before
 * the new input, starting at *pos; the window slides along a buffer of
 * LINE_BLOCKS blocks and the history moves back to the front only when the
 * end is reached, so the copy happens once per LINE_BLOCKS blocks. b (may
 * be NULL) is a second line sharing the same position. */
static void
line_make_room (float *a, float *b, int *pos, int hist, int cap, int n)
{
  if (*pos + hist + n <= cap)
    return;
  memmove (a, a + *pos, sizeof (float) * hist);
  if (b)
    memmove (b, b + *pos, sizeof (float) * hist);
  *pos = 0;
}

/* Up-samples n low-rate samples into the even (ph0) and odd (ph1) phases
 * of the high-rate signal. */
static void
stage_up_phases (const MasterOversampler * os, Stage * s, float *ph0,
    float *ph1, const float *in, int n)
{
  const float *x;
  float *ph[2] = { ph0, ph1 };
  int b;

  line_make_room (s->up_buf, NULL, &s->up_pos, s->up_hist, s->up_cap, n);
  x = s->up_buf + s->up_pos + s->up_hist;
  memcpy (s->up_buf + s->up_pos + s->up_hist, in, sizeof (float) * n);
  if (os->fir2 && s->up[0].off == s->up[1].off && s->up[0].len % 2 == 1
      && s->up[0].len >= 3 && s->up[1].len == s->up[0].len - 1) {
    os->fir2 (ph0, ph1, x - s->up[0].off, s->up[0].c, s->up[1].c,
        s->up[0].len, n);
  } else {
    for (b = 0; b < 2; b++) {
      const Branch *br = &s->up[b];
      if (br->len > 0)
        os->fir (ph[b], x - br->off, br->c, br->len, n, 0);
      else
        memset (ph[b], 0, sizeof (float) * n);
    }
  }
  s->up_pos += n;
}

static void
stage_up (const MasterOversampler * os, Stage * s, float *out,
    const float *in, int n)
{
  int m;

  stage_up_phases (os, s, s->ph[0], s->ph[1], in, n);
  for (m = 0; m < n; m++) {
    out[2 * m] = s->ph[0][m];
    out[2 * m + 1] = s->ph[1][m];
  }
}

/* Where the next n even and odd high-rate samples go (after the history),
 * making room first. */
static void
stage_down_slots (Stage * s, int n, float **e, float **o)
{
  line_make_room (s->dn_e, s->dn_o, &s->dn_pos, s->dn_hist, s->dn_cap, n);
  *e = s->dn_e + s->dn_pos + s->dn_hist;
  *o = s->dn_o + s->dn_pos + s->dn_hist;
}

/* Down-samples the n even and n odd high-rate samples already in the
 * stage's slots (stage_down_slots()) to n samples. */
static void
stage_down_phases (const MasterOversampler * os, Stage * s, float *out, int n)
{
  float *e = s->dn_e + s->dn_pos + s->dn_hist;
  float *o = s->dn_o + s->dn_pos + s->dn_hist;
  int acc = 0;

  if (s->dn[0].len > 0) {
    os->fir (out, e - s->dn[0].off, s->dn[0].c, s->dn[0].len, n, 0);
    acc = 1;
  }
  if (s->dn[1].len > 0) {
    os->fir (out, o - 1 - s->dn[1].off, s->dn[1].c, s->dn[1].len, n, acc);
    acc = 1;
  }
  if (!acc)
    memset (out, 0, sizeof (float) * n);
  s->dn_pos += n;
}

/* in: 2n high-rate samples; out: n low-rate samples. */
static void
stage_down (const MasterOversampler * os, Stage * s, float *out,
    const float *in, int n)
{
  float *e, *o;
  int m;

  stage_down_slots (s, n, &e, &o);
  for (m = 0; m < n; m++) {
    e[m] = in[2 * m];
    o[m] = in[2 * m + 1];
  }
  stage_down_phases (os, s, out, n);
}

MasterOversampler *
master_oversampler_new (int factor, int max_frames)
{
  MasterOversampler *os;
  int s, n_stages, lengths[3];
  long top_delay = 0;
  int pad;

  switch (factor) {
    case 1:
      n_stages = 0;
      break;
    case 2:
      n_stages = 1;
      break;
    case 4:
      n_stages = 2;
      break;
    case 8:
      n_stages = 3;
      break;
    default:
      return NULL;
  }
  if (max_frames < 1 || max_frames > (1 << 20))
    return NULL;

  os = calloc (1, sizeof (*os));
  if (!os)
    return NULL;
  os->factor = factor;
  os->n_stages = n_stages;
  choose_kernels (os);
  os->max_frames = max_frames;

  /* Filter lengths: stage 1 odd (its round trip N-1 at 2fs is then a whole
   * number of base samples); half-bands 4k+3 (outer taps non-zero). */
  for (s = 0; s < n_stages; s++) {
    int n;
    if (s == 0) {
      n = kaiser_length (STAGE1_ATTEN_DB, (STAGE1_STOP - STAGE1_PASS) / 2.0);
      if (n % 2 == 0)
        n++;
    } else {
      /* at rate 2^(s+1) fs: pass 0..fs/2, stop from 2^s fs - fs/2 */
      double r = (double) (1 << (s + 1));
      double dw = ((1 << s) - 1.0) / r;
      n = kaiser_length (HALFBAND_ATTEN_DB, dw);
      while (n % 4 != 3)
        n++;
    }
    lengths[s] = n;
    /* round trip of stage s is n-1 samples at 2^(s+1) fs, i.e.
     * (n-1) * 2^(n_stages-1-s) samples at the top rate */
    top_delay += (long) (n - 1) << (n_stages - 1 - s);
  }
  /* extra pure delay at the top rate so the total is whole base samples */
  pad = (int) ((factor - top_delay % factor) % factor);
  os->latency = (int) ((top_delay + pad) / factor);

  for (s = 0; s < n_stages; s++) {
    int n = lengths[s];
    double *h = malloc (sizeof (double) * n);
    int r;
    if (!h)
      goto fail;
    if (s == 0)
      design_lowpass (h, n, (STAGE1_PASS + STAGE1_STOP) / 4.0,
          kaiser_beta (STAGE1_ATTEN_DB), 0);
    else
      design_lowpass (h, n, 0.25, kaiser_beta (HALFBAND_ATTEN_DB), 1);
    r = stage_init (&os->st[s], h, n, s == n_stages - 1 ? pad : 0,
        max_frames << s);
    free (h);
    if (r < 0)
      goto fail;
  }
  if (n_stages > 1) {
    os->work[0] = calloc ((size_t) max_frames * factor, sizeof (float));
    os->work[1] = calloc ((size_t) max_frames * factor, sizeof (float));
    if (!os->work[0] || !os->work[1])
      goto fail;
  }
  return os;

fail:
  master_oversampler_destroy (&os);
  return NULL;
}

void
master_oversampler_destroy (MasterOversampler ** pos)
{
  MasterOversampler *os;
  int s;

  if (!pos || !*pos)
    return;
  os = *pos;
  for (s = 0; s < 3; s++)
    stage_free (&os->st[s]);
  free (os->work[0]);
  free (os->work[1]);
  free (os);
  *pos = NULL;
}

int
master_oversampler_factor (const MasterOversampler * os)
{
  return os->factor;
}

int
master_oversampler_max_frames (const MasterOversampler * os)
{
  return os->max_frames;
}

int
master_oversampler_latency (const MasterOversampler * os)
{
  return os->latency;
}

void
master_oversampler_reset (MasterOversampler * os)
{
  int s;

  for (s = 0; s < os->n_stages; s++) {
    Stage *st = &os->st[s];
    memset (st->up_buf, 0, sizeof (float) * st->up_cap);
    memset (st->dn_e, 0, sizeof (float) * st->dn_cap);
    memset (st->dn_o, 0, sizeof (float) * st->dn_cap);
    st->up_pos = st->dn_pos = 0;
  }
}

void
master_oversampler_up (MasterOversampler * os, float *dst, const float *src,
    int n_frames)
{
  const float *in = src;
  int s, n = n_frames;

  if (n_frames > os->max_frames)
    n_frames = n = os->max_frames;
  if (os->n_stages == 0) {
    memcpy (dst, src, sizeof (float) * n_frames);
    return;
  }
  for (s = 0; s < os->n_stages; s++) {
    float *out = (s == os->n_stages - 1) ? dst : os->work[s & 1];
    stage_up (os, &os->st[s], out, in, n);
    in = out;
    n *= 2;
  }
}

void
master_oversampler_down (MasterOversampler * os, float *dst, const float *src,
    int n_frames)
{
  const float *in = src;
  int s, k = 0;

  if (n_frames > os->max_frames)
    n_frames = os->max_frames;
  if (os->n_stages == 0) {
    memcpy (dst, src, sizeof (float) * n_frames);
    return;
  }
  for (s = os->n_stages - 1; s >= 0; s--) {
    float *out = (s == 0) ? dst : os->work[k++ & 1];
    stage_down (os, &os->st[s], out, in, n_frames << s);
    in = out;
  }
}

void
master_oversampler_process (MasterOversampler * os, float *dst,
    const float *src, int n_frames, MasterOversamplerShape shape, void *ctx)
{
  const float *in = src;
  Stage *top;
  int s, n, k = 0;

  if (n_frames > os->max_frames)
    n_frames = os->max_frames;
  if (os->n_stages == 0) {
    if (dst != src)
      memcpy (dst, src, sizeof (float) * n_frames);
    shape (dst, n_frames, ctx);
    return;
  }
  /* up to half the top rate, interleaved */
  n = n_frames;
  for (s = 0; s < os->n_stages - 1; s++) {
    float *out = os->work[s & 1];
    stage_up (os, &os->st[s], out, in, n);
    in = out;
    n *= 2;
  }
  /* the last stage's phases go straight to its own decimator's phase
   * buffers: the shaper is memoryless, so it runs on them in place and no
   * interleaving is needed at the top rate */
  top = &os->st[os->n_stages - 1];
  {
    float *e, *o;
    stage_down_slots (top, n, &e, &o);
    stage_up_phases (os, top, e, o, in, n);
    shape (e, n, ctx);
    shape (o, n, ctx);
  }
  if (os->n_stages == 1) {
    stage_down_phases (os, top, dst, n);
    return;
  }
  stage_down_phases (os, top, os->work[k++ & 1], n);
  in = os->work[(k - 1) & 1];
  for (s = os->n_stages - 2; s >= 0; s--) {
    float *out = (s == 0) ? dst : os->work[k++ & 1];
    stage_down (os, &os->st[s], out, in, n_frames << s);
    in = out;
  }
}
