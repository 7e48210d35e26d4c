/* True-peak detection by polyphase FIR oversampling; see truepeak.h. */
#include "truepeak.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Frames per inner chunk: the FIR accumulators of one chunk stay in L1. */
#define TP_CHUNK 256
/* Taps per phase of the interpolator. The prototype is a Nyquist filter
 * (cut-off exactly fs/2) so its transition band is centred on fs/2 and its
 * width only depends on the taps per phase: 48 taps per phase (4x: 192
 * taps, 8x: 384) with a Kaiser beta of 5 (about 50 dB of image rejection,
 * plenty for a peak reading) keep crest readings of sinusoids up to 0.46 fs
 * within 0.05 dB (4x) / 0.02 dB (8x); 32 taps per phase under-read 0.46 fs
 * by 0.45 dB. The BS.1770 annex uses 12 taps per phase. */
#ifndef TP_TAPS
#define TP_TAPS 48
#endif
#ifndef TP_KAISER_BETA
#define TP_KAISER_BETA 5.0
#endif
/* Highest frequency (fraction of fs) the init-time margin covers. */
#define TP_MARGIN_FMAX 0.46

struct MasterTruePeak
{
  int channels;
  int factor;                   /* 1, 4 or 8 */
  int taps;                     /* taps per phase */
  double margin;                /* worst-case true peak / reading */
  /* coef[(p - 1) * taps + j]: phase p (1..factor-1), time-reversed so
   * that y = sum_j coef[j] * buf[k + j] */
  float *coef;
  /* per channel: taps - 1 samples of history followed by one chunk */
  float *buf;
  /* per channel: last oversampled point of the previous frame (signed) */
  float *last;
  /* one chunk of oversampled points per phase, scratch */
  float *os;
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

static void
design_coefs (MasterTruePeak * tp)
{
  const int F = tp->factor, T = tp->taps, N = F * T;
  const double half = N / 2.0, i0b = bessel_i0 (TP_KAISER_BETA);

  for (int p = 1; p < F; p++) {
    double sum = 0.0;
    double h[TP_TAPS];
    for (int q = 0; q < T; q++) {
      /* prototype index i = q * F + p, centred at N / 2 */
      double x = (q * F + p - half);
      double t = x / F;
      double sinc = sin (M_PI * t) / (M_PI * t);
      double r = x / half;
      double w = bessel_i0 (TP_KAISER_BETA * sqrt (fmax (0.0, 1.0 - r * r))) / i0b;
      h[q] = sinc * w;
      sum += h[q];
    }
    /* unity DC gain per phase; reverse for the forward dot product */
    for (int q = 0; q < T; q++)
      tp->coef[(p - 1) * T + (T - 1 - q)] = (float) (h[q] / sum);
  }
}

static inline float
parabola_peak (float a, float b, float c)
{
  /* b >= a, b >= c (b > 0): vertex of the parabola through (-1,a) (0,b)
   * (1,c). The correction is at most |a - c| / 8. */
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

/* One chunk of one channel: buf holds taps-1 history + n new samples. */
static void
process_channel_chunk (MasterTruePeak * tp, int c, float *peaks, int n)
{
  const int F = tp->factor, T = tp->taps, C = tp->channels;
  float *buf = tp->buf + (size_t) c * (T - 1 + TP_CHUNK);
  float *os = tp->os;

  /* FIR over whole blocks of FIR_BLOCK frames: the buffers are padded for
   * it and the extra outputs are ignored */
  const int nb = (n + FIR_BLOCK - 1) / FIR_BLOCK * FIR_BLOCK;
  for (int p = 1; p < F; p++)
    fir_phase (os + (size_t) p * TP_CHUNK, tp->coef + (p - 1) * T, buf, T, nb);

  /* phase 0 is the input itself, delayed by T/2 */
  const float *ph0 = buf + T / 2 - 1;
  float prev = tp->last[c];
  for (int k = 0; k < n; k++) {
    float v[8 + 2];
    v[0] = prev;
    v[1] = ph0[k];
    for (int p = 1; p < F; p++)
      v[p + 1] = os[(size_t) p * TP_CHUNK + k];
    v[F + 1] = ph0[k + 1];
    float best = 0.0f;
    for (int i = 1; i <= F; i++) {
      float b = v[i];
      float s = b < 0.0f ? -1.0f : 1.0f;
      float ab = b * s, aa = v[i - 1] * s, ac = v[i + 1] * s;
      float pk = ab;
      if (ab >= aa && ab >= ac)
        pk = parabola_peak (aa, ab, ac);
      best = pk > best ? pk : best;
    }
    peaks[(size_t) k * C + c] = best;
    prev = v[F];
  }
  tp->last[c] = prev;

  /* keep the last T-1 samples as history */
  memmove (buf, buf + n, (size_t) (T - 1) * sizeof (float));
}

#define DEFINE_PROCESS(sfx, type)                                            \
void                                                                         \
master_truepeak_process_##sfx (MasterTruePeak * tp, float *peaks,            \
    const type * src, size_t n_frames)                                       \
{                                                                            \
  const int C = tp->channels, T = tp->taps;                                  \
  if (tp->factor == 1) {                                                     \
    for (size_t i = 0; i < n_frames * (size_t) C; i++)                       \
      peaks[i] = (float) fabs ((double) src[i]);                             \
    return;                                                                  \
  }                                                                          \
  while (n_frames > 0) {                                                     \
    int n = n_frames > TP_CHUNK ? TP_CHUNK : (int) n_frames;                 \
    for (int c = 0; c < C; c++) {                                            \
      float *buf = tp->buf + (size_t) c * (T - 1 + TP_CHUNK) + (T - 1);      \
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
  enum { LEN = 320 };
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
  tp->taps = factor == 1 ? 0 : TP_TAPS;
  tp->margin = 1.0;
  if (factor > 1) {
    const int T = tp->taps;
    tp->coef = calloc ((size_t) (factor - 1) * T, sizeof (float));
    tp->buf = calloc ((size_t) channels * (T - 1 + TP_CHUNK), sizeof (float));
    tp->last = calloc ((size_t) channels, sizeof (float));
    tp->os = calloc ((size_t) factor * TP_CHUNK, sizeof (float));
    if (!tp->coef || !tp->buf || !tp->last || !tp->os) {
      master_truepeak_free (tp);
      return NULL;
    }
    design_coefs (tp);
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
  free (tp->coef);
  free (tp->buf);
  free (tp->last);
  free (tp->os);
  free (tp);
}

void
master_truepeak_reset (MasterTruePeak * tp)
{
  if (tp->factor == 1)
    return;
  memset (tp->buf, 0,
      (size_t) tp->channels * (tp->taps - 1 + TP_CHUNK) * sizeof (float));
  memset (tp->last, 0, (size_t) tp->channels * sizeof (float));
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
  return tp->factor == 1 ? 0 : tp->taps / 2;
}
