/* True-peak detection by polyphase FIR oversampling; see truepeak.h. */
#include "truepeak.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Frames per inner chunk: the FIR accumulators of one chunk stay in L1. */
#define TP_CHUNK 256
/* Two stages, both Kaiser-windowed Nyquist sincs (the even outputs are the
 * input samples, exactly):
 *  1. 2x half-band, T1 taps on the odd phase. Its transition band is centred
 *     on fs/2 with a width of about (A - 8) / (14.36 T1) fs (A = 50 dB for
 *     beta 5): 256 taps make it flat to about 0.49 fs. A single 4x stage
 *     of 48 taps per phase (flat to 0.46 fs) was tried first: on full-band
 *     material the limiter then overshot a strict meter by 0.3 dB. (The
 *     BS.1770 annex filter has 12 taps per phase.)
 *  2. 2x -> 4x or 8x on the 2x stream, whose content is now under a quarter
 *     of its rate: a short filter (T2 = 8 taps per phase) is exact enough.
 * Cost per frame and channel: T1 + 2 (F/2 - 1) T2 multiply-adds (4x: 272,
 * 8x: 304), register-blocked and vectorised. Delay: T1/2 + T2/4 + 1 = 131
 * frames (the +1: a frame is scanned once its right neighbour is known). */
#define TP_T1 256
#define TP_T2 8
#define TP_KAISER_BETA 5.0
/* Highest frequency (fraction of fs) the init-time margin covers. */
#define TP_MARGIN_FMAX 0.49

struct MasterTruePeak
{
  int channels;
  int factor;                   /* 1, 4 or 8 */
  int f2;                       /* stage-2 factor: factor / 2 */
  double margin;                /* worst-case true peak / reading */
  float skip_below;             /* raw maxima under this need no refinement */
  /* time-reversed so that y[k] = sum_j coef[j] * buf[k + j] */
  float *coef1;                 /* stage 1, odd phase: TP_T1 */
  float *coef2;                 /* stage 2, phases 1..f2-1: TP_T2 each */
  /* per channel: TP_T1 - 1 samples of history followed by one chunk */
  float *buf1;
  /* per channel: TP_T2 - 1 samples of 2x history followed by 2 chunks */
  float *buf2;
  /* per channel, F + 2 values: the last oversampled point before the
   * pending frame, its F points, and its exact input sample */
  float *pend;
  /* scratch: stage-1 odd outputs (one chunk), stage-2 outputs per phase
   * (two chunks each) */
  float *odd;
  float *os;
  /* scratch for the scan: (chunk + 1) frames of points + 1, raw samples */
  float *pts;
  float *rawv;
};

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

/* Windowed-sinc phase of an interpolator by F with T taps per phase:
 * coefficients for the point p / F after the centre of the window, reversed
 * for the forward dot product and normalised to unity DC gain. */
static void
design_phase (float *dst, int F, int T, int p)
{
  const int N = F * T;
  const double half = N / 2.0, i0b = bessel_i0 (TP_KAISER_BETA);
  double h[TP_T1], sum = 0.0;
  for (int q = 0; q < T; q++) {
    double x = (q * F + p - half);      /* prototype index, centred */
    double t = x / F;
    double sinc = fabs (t) < 1e-12 ? 1.0 : sin (M_PI * t) / (M_PI * t);
    double r = x / half;
    double w = bessel_i0 (TP_KAISER_BETA * sqrt (fmax (0.0, 1.0 - r * r))) / i0b;
    h[q] = sinc * w;
    sum += h[q];
  }
  for (int q = 0; q < T; q++)
    dst[T - 1 - q] = (float) (h[q] / sum);
}

static inline float
parabola_peak (float a, float b, float c)
{
  /* b >= a, b >= c (b > 0): vertex of the parabola through (-1,a) (0,b)
   * (1,c). The correction is at most |a - c| / 8 <= (b - min(a, c)) / 8,
   * and a, c >= -b for a local maximum of |x|: at most b / 4. */
  float den = 2.0f * b - a - c;
  if (den <= 0.0f)
    return b;
  float d = a - c;
  return b + d * d / (8.0f * den);
}

/* y[k] = sum_j h[j] * b[k + j] for k in [0, n), n a multiple of FIR_BLOCK.
 * Written with GCC/Clang vector extensions: 4 x 8 accumulators stay in
 * registers across the taps (one broadcast and 4 loads per 32 MACs). On x86-64
 * an AVX2/FMA clone is picked at load time when the CPU has it. */
#define FIR_BLOCK 32
typedef float v8f __attribute__ ((vector_size (32)));
/* the helpers below are always inlined: no v8f crosses a call boundary */
#pragma GCC diagnostic ignored "-Wpsabi"

static inline __attribute__ ((always_inline)) v8f
load8 (const float *p)
{
  v8f v;
  memcpy (&v, p, sizeof v);
  return v;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
__attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#endif
static void
fir_phase (float *restrict y, const float *restrict h, const float *restrict b,
    int T, int n)
{
  for (int k = 0; k < n; k += FIR_BLOCK) {
    v8f a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
    const float *bk = b + k;
    for (int j = 0; j < T; j++) {
      const v8f hj = (v8f) { 0 } + h[j];
      a0 += hj * load8 (bk + j);
      a1 += hj * load8 (bk + j + 8);
      a2 += hj * load8 (bk + j + 16);
      a3 += hj * load8 (bk + j + 24);
    }
    memcpy (y + k, &a0, sizeof a0);
    memcpy (y + k + 8, &a1, sizeof a1);
    memcpy (y + k + 16, &a2, sizeof a2);
    memcpy (y + k + 24, &a3, sizeof a3);
  }
}

/* Readings of n frames: frame f's points are pts[1 + f F .. f F + F], with
 * its neighbours pts[f F] and pts[(f + 1) F + 1]; rawv[f] is its input
 * sample. F is a literal at each call, so the loops unroll. */
static inline __attribute__ ((always_inline)) void
scan_frames (const MasterTruePeak * tp, float *peaks, int stride, const float *pts,
    const float *rawv, int n, const int F)
{
  const float skip = tp->skip_below;
  for (int f = 0; f < n; f++) {
    const float *v = pts + (size_t) f * F;
    float best = fabsf (rawv[f]);
    for (int i = 1; i <= F; i++) {
      float a = fabsf (v[i]);
      best = a > best ? a : best;
    }
    /* the refinement adds at most a quarter of the point (parabola_peak) */
    if (best >= skip) {
      for (int i = 1; i <= F; i++) {
        float b = v[i];
        float sg = b < 0.0f ? -1.0f : 1.0f;
        float ab = b * sg, aa = v[i - 1] * sg, ac = v[i + 1] * sg;
        if (ab >= aa && ab >= ac) {
          float pk = parabola_peak (aa, ab, ac);
          best = pk > best ? pk : best;
        }
      }
    }
    peaks[(size_t) f * stride] = best;
  }
}

/* scan_frames for F = 4 on 4-float vectors: the same operations on the
 * same values (every reading bit-identical), without the branches. */
typedef float v4f __attribute__ ((vector_size (16)));
typedef int v4i __attribute__ ((vector_size (16)));

static inline v4f
vsel (v4i m, v4f a, v4f b)
{
  return (v4f) ((m & (v4i) a) | (~m & (v4i) b));
}

static void
scan_frames4 (const MasterTruePeak * tp, float *peaks, int stride,
    const float *pts, const float *rawv, int n)
{
  const float skip = tp->skip_below;
  const v4f one = { 1.0f, 1.0f, 1.0f, 1.0f }, zero = { 0 };
  for (int f = 0; f < n; f++) {
    const float *v = pts + (size_t) f * 4;
    v4f a, b, c;
    memcpy (&a, v, sizeof a);
    memcpy (&b, v + 1, sizeof b);
    memcpy (&c, v + 2, sizeof c);
    v4f ab0 = (v4f) ((v4i) b & 0x7fffffff);
    float best = fabsf (rawv[f]);
    for (int i = 0; i < 4; i++)
      best = ab0[i] > best ? ab0[i] : best;
    if (best >= skip) {
      v4f sg = vsel (b < zero, -one, one);
      v4f ab = b * sg, aa = a * sg, ac = c * sg;
      v4i lm = (ab >= aa) & (ab >= ac);
      v4f den = 2.0f * ab - aa - ac;
      v4f d = aa - ac;
      v4i pos = den > zero;
      /* lanes without a positive denominator divide by 1 (discarded) */
      v4f q = d * d / (8.0f * vsel (pos, den, one));
      v4f pk = vsel (pos, ab + q, ab);
      for (int i = 0; i < 4; i++)
        if (lm[i])
          best = pk[i] > best ? pk[i] : best;
    }
    peaks[(size_t) f * stride] = best;
  }
}

/* The points of n frames in time order (see process_channel_chunk), with
 * the stage-2 factor F2 a literal at each call so that the copies unroll. */
static inline __attribute__ ((always_inline)) void
gather_points (float *restrict pts, float *restrict rawv,
    const float *restrict z0, const float *restrict os,
    const float *restrict raw, int n, const int F2)
{
  const int F = 2 * F2;
  for (int k = 0; k < n; k++) {
    float *dst = pts + 1 + (size_t) (k + 1) * F;
    for (int h = 0; h < 2; h++) {
      dst[h * F2] = z0[2 * k + h];
      for (int p = 1; p < F2; p++)
        dst[h * F2 + p] = os[(size_t) p * 2 * TP_CHUNK + 2 * k + h];
    }
    rawv[k + 1] = raw[k];
  }
}

/* One chunk of one channel: buf1 holds T1-1 history + n new samples. */
static void
process_channel_chunk (MasterTruePeak * tp, int c, float *peaks, int n)
{
  const int F = tp->factor, F2 = tp->f2, C = tp->channels;
  const int T1 = TP_T1, T2 = TP_T2;
  float *buf1 = tp->buf1 + (size_t) c * (T1 - 1 + TP_CHUNK);
  float *buf2 = tp->buf2 + (size_t) c * (T2 - 1 + 2 * TP_CHUNK);
  float *odd = tp->odd, *os = tp->os;

  /* stage 1: the 2x stream z; even points are the input delayed T1/2 */
  const int nb = (n + FIR_BLOCK - 1) / FIR_BLOCK * FIR_BLOCK;
  fir_phase (odd, tp->coef1, buf1, T1, nb);
  const float *even = buf1 + T1 / 2 - 1;
  float *z = buf2 + T2 - 1;
  for (int k = 0; k < n; k++) {
    z[2 * k] = even[k];
    z[2 * k + 1] = odd[k];
  }
  /* stage 2: phases 1..F2-1 between the points of z */
  const int n2 = 2 * n;
  const int nb2 = (n2 + FIR_BLOCK - 1) / FIR_BLOCK * FIR_BLOCK;
  for (int p = 1; p < F2; p++)
    fir_phase (os + (size_t) p * 2 * TP_CHUNK, tp->coef2 + (size_t) (p - 1) * T2, buf2, T2,
        nb2);

  /* the F points of frame k: 2x samples 2k and 2k+1, each followed by its
   * F2-1 stage-2 points; phase 0 of stage 2 is z itself, delayed T2/2.
   * pts: the point before the pending frame, the pending frame's F points,
   * then this chunk's frames, contiguous; rawv: the exact input samples of
   * the same frames (total delay T1/2 + T2/4). */
  const float *z0 = buf2 + T2 / 2 - 1;
  const float *raw = buf1 + T1 / 2 - 1 - T2 / 4;
  float *pend = tp->pend + (size_t) c * (F + 2);
  float *pts = tp->pts, *rawv = tp->rawv;
  memcpy (pts, pend, (size_t) (F + 1) * sizeof (float));
  rawv[0] = pend[F + 1];
  if (F2 == 2)
    gather_points (pts, rawv, z0, os, raw, n, 2);
  else
    gather_points (pts, rawv, z0, os, raw, n, 4);
  if (F == 4)
    scan_frames4 (tp, peaks + c, C, pts, rawv, n);
  else
    scan_frames (tp, peaks + c, C, pts, rawv, n, 8);
  /* the last frame becomes the pending one */
  memcpy (pend, pts + (size_t) n * F, (size_t) (F + 1) * sizeof (float));
  pend[F + 1] = rawv[n];

  /* keep the histories */
  memmove (buf1, buf1 + n, (size_t) (T1 - 1) * sizeof (float));
  memmove (buf2, buf2 + n2, (size_t) (T2 - 1) * sizeof (float));
}

#define DEFINE_PROCESS(sfx, type)                                            \
void                                                                         \
master_truepeak_process_##sfx (MasterTruePeak * tp, float *peaks,            \
    const type * src, size_t n_frames)                                       \
{                                                                            \
  const int C = tp->channels, T = TP_T1;                                     \
  if (tp->factor == 1) {                                                     \
    for (size_t i = 0; i < n_frames * (size_t) C; i++)                       \
      peaks[i] = (float) fabs ((double) src[i]);                             \
    return;                                                                  \
  }                                                                          \
  while (n_frames > 0) {                                                     \
    int n = n_frames > TP_CHUNK ? TP_CHUNK : (int) n_frames;                 \
    for (int c = 0; c < C; c++) {                                            \
      float *buf = tp->buf1 + (size_t) c * (T - 1 + TP_CHUNK) + (T - 1);     \
      for (int k = 0; k < n; k++)                                            \
        buf[k] = (float) src[(size_t) k * C + c];                            \
      process_channel_chunk (tp, c, peaks, n);                               \
    }                                                                        \
    src += (size_t) n * C;                                                   \
    peaks += (size_t) n * C;                                                 \
    n_frames -= n;                                                           \
  }                                                                          \
}

DEFINE_PROCESS (f32, float)
DEFINE_PROCESS (f64, double)

/* Worst case over sinusoids DC..TP_MARGIN_FMAX fs and phases: for every
 * crest of |x(t)|, the larger of the readings of the frame holding the crest
 * and the next one, relative to the crest value 1. */
static MasterTruePeak *tp_create (int channels, int factor);

static double
measure_margin (int factor)
{
  MasterTruePeak *t = tp_create (1, factor);
  enum { LEN = 640 };
  float x[LEN], pk[LEN];
  double worst = 1.0;
  if (!t)
    return 1.0;
  const int D = master_truepeak_get_delay (t);
  for (double f = 0.02; f <= TP_MARGIN_FMAX + 1e-9; f += 0.01) {
    double w = 2.0 * M_PI * f;
    for (int ph = 0; ph < 8; ph++) {
      double phi = ph * M_PI / 8.0;
      master_truepeak_reset (t);
      for (int i = 0; i < LEN; i++)
        x[i] = (float) cos (w * i + phi);
      master_truepeak_process_f32 (t, pk, x, LEN);
      /* crests at w t + phi = k pi */
      for (int k = 0;; k++) {
        double tc = (k * M_PI - phi) / w;
        if (tc < 2 * D + 4)
          continue;
        if (tc > LEN - D - 4)
          break;
        int m = (int) floor (tc);
        double r = fmax (pk[m + D], pk[m + 1 + D]);
        if (r < worst)
          worst = r;
      }
    }
  }
  master_truepeak_free (t);
  return worst > 0 ? 1.0 / worst : 1.0;
}

static MasterTruePeak *
tp_create (int channels, int factor)
{
  if (channels < 1 || channels > 64 || (factor != 1 && factor != 4 && factor != 8))
    return NULL;
  MasterTruePeak *tp = calloc (1, sizeof (*tp));
  if (!tp)
    return NULL;
  tp->channels = channels;
  tp->factor = factor;
  tp->f2 = factor / 2;
  tp->margin = 1.0;
  if (factor > 1) {
    tp->coef1 = calloc (TP_T1, sizeof (float));
    tp->coef2 = calloc ((size_t) tp->f2 * TP_T2, sizeof (float));
    tp->buf1 = calloc ((size_t) channels * (TP_T1 - 1 + TP_CHUNK), sizeof (float));
    tp->buf2 = calloc ((size_t) channels * (TP_T2 - 1 + 2 * TP_CHUNK), sizeof (float));
    tp->pend = calloc ((size_t) channels * (factor + 2), sizeof (float));
    tp->odd = calloc (TP_CHUNK, sizeof (float));
    tp->os = calloc ((size_t) tp->f2 * 2 * TP_CHUNK, sizeof (float));
    tp->pts = calloc ((size_t) (TP_CHUNK + 1) * factor + 2, sizeof (float));
    tp->rawv = calloc (TP_CHUNK + 1, sizeof (float));
    if (!tp->coef1 || !tp->coef2 || !tp->buf1 || !tp->buf2 || !tp->pend || !tp->odd
        || !tp->os || !tp->pts || !tp->rawv) {
      master_truepeak_free (tp);
      return NULL;
    }
    design_phase (tp->coef1, 2, TP_T1, 1);
    for (int p = 1; p < tp->f2; p++)
      design_phase (tp->coef2 + (size_t) (p - 1) * TP_T2, tp->f2, TP_T2, p);
  }
  return tp;
}

MasterTruePeak *
master_truepeak_new (int channels, int factor)
{
  MasterTruePeak *tp = tp_create (channels, factor);
  /* a few ms of work: measured per instance, no shared state */
  if (tp && factor > 1)
    tp->margin = measure_margin (factor);
  return tp;
}

double
master_truepeak_get_margin (const MasterTruePeak * tp)
{
  return tp->margin;
}

void
master_truepeak_free (MasterTruePeak * tp)
{
  if (!tp)
    return;
  free (tp->coef1);
  free (tp->coef2);
  free (tp->buf1);
  free (tp->buf2);
  free (tp->pend);
  free (tp->odd);
  free (tp->os);
  free (tp->pts);
  free (tp->rawv);
  free (tp);
}

void
master_truepeak_reset (MasterTruePeak * tp)
{
  if (tp->factor == 1)
    return;
  const int C = tp->channels;
  memset (tp->buf1, 0, (size_t) C * (TP_T1 - 1 + TP_CHUNK) * sizeof (float));
  memset (tp->buf2, 0, (size_t) C * (TP_T2 - 1 + 2 * TP_CHUNK) * sizeof (float));
  memset (tp->pend, 0, (size_t) C * (tp->factor + 2) * sizeof (float));
}

void
master_truepeak_set_floor (MasterTruePeak * tp, float floor)
{
  /* raw max m refines to at most 1.25 m: under floor / 1.25, skip */
  tp->skip_below = floor > 0.0f ? floor / 1.25f : 0.0f;
}

int
master_truepeak_get_factor (const MasterTruePeak * tp)
{
  return tp->factor;
}

int
master_truepeak_get_channels (const MasterTruePeak * tp)
{
  return tp->channels;
}

int
master_truepeak_get_delay (const MasterTruePeak * tp)
{
  return tp->factor == 1 ? 0 : TP_T1 / 2 + TP_T2 / 4 + 1;
}
