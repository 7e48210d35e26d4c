/* True-peak detection by polyphase FIR oversampling; see truepeak.h. */
#include "truepeak.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Frames per inner chunk: the planes of one chunk stay in L1. */
#define TP_CHUNK 256
/* Two stages, both Kaiser-windowed Nyquist sincs (the even outputs are the
 * input samples, exactly):
 *  1. 2x half-band, T1 taps on the odd phase. Its transition band is centred
 *     on fs/2 with a width of about (A - 8) / (14.36 T1) fs (A = 50 dB for
 *     beta 5): 256 taps make it flat to about 0.49 fs. A single 4x stage
 *     of 48 taps per phase (flat to 0.46 fs) was tried first: on full-band
 *     material the limiter then overshot a strict meter by 0.3 dB. (The
 *     BS.1770 annex filter has 12 taps per phase.) The odd phase is
 *     symmetric: it is computed folded, T1/2 multiply-adds of pair sums.
 *  2. 2x -> 4x or 8x on the 2x stream, whose content is now under a quarter
 *     of its rate: a short filter (T2 = 8 taps per phase) is exact enough.
 * Everything runs on planes (one array per point phase, indexed by frame),
 * vectorised over consecutive frames: no interleaving of the 2x stream.
 * Cost per frame and channel: T1/2 pair sums + multiply-adds, then
 * 2 (F/2 - 1) T2 multiply-adds (4x: 128 + 16, 8x: 128 + 48). Delay:
 * T1/2 + T2/4 + 1 = 131 frames (the +1: a frame is scanned once its right
 * neighbour is known). */
#define TP_T1 256
#define TP_T2 8
#define TP_KAISER_BETA 5.0
/* Highest frequency (fraction of fs) the init-time margin covers. */
#define TP_MARGIN_FMAX 0.49
/* Odd-plane history kept across chunks (stage 2 reads 5 back). */
#define TP_OH 8
/* Chunk lengths are rounded up to a whole vector (at most 16 floats): the
 * extra lanes read stale samples past the chunk and are discarded. TP_PAD
 * floats after every plane's room cover them. */
#define TP_PAD 64
/* The input and odd planes are not moved back after every call: each
 * channel's plane has room for TP_SPAN frames after its history, calls
 * write on from where the last one stopped, and only when a chunk no longer
 * fits are the histories (T1 - 1 and TP_OH floats) moved to the front. At
 * 1 ms buffers that is one move per 85 calls instead of one per call. */
#define TP_SPAN 4096
#define TP_STRIDE1 (TP_T1 - 1 + TP_SPAN + TP_PAD)
#define TP_STRIDEO (TP_OH + TP_SPAN + TP_PAD)

/* Where the planes sit, for the reading of chunk frame k (input frame K,
 * describing the interval starting at X[K - 131]), b1 = buf1 + pos and
 * ob = obuf + pos at a channel's plane:
 *  - input plane: b1[T1 - 1 + k] = X[K]; X[K - 131 + a] = b1[TP_X0 + k + a]
 *  - odd plane: ob[TP_OH + k] = the 2x point half a frame after X[K - 128];
 *    the one after X[K - 131 + a] is ob[TP_O0 + k + a] */
#define TP_X0 (TP_T1 - 1 - (TP_T1 / 2 + TP_T2 / 4 + 1))
#define TP_O0 (TP_OH - (TP_T2 / 4 + 1))

struct MasterTruePeak
{
  int channels;
  int factor;                   /* 1, 4 or 8 */
  int f2;                       /* stage-2 factor: factor / 2 */
  double margin;                /* worst-case true peak / reading */
  float skip_below;             /* raw maxima under this need no refinement */
  float *coef1;                 /* stage 1, folded: TP_T1 / 2 */
  /* stage 2, phases 1..f2-1: TP_T2 each, time-reversed so that the point
   * p / f2 after z[m] is sum_j coef[j] z[m - T2/2 + 1 + j] */
  float *coef2;
  /* per channel (TP_STRIDE1 floats): from pos, TP_T1 - 1 samples of history
   * followed by the chunk */
  float *buf1;
  /* per channel (TP_STRIDEO floats): from pos, TP_OH odd 2x points of
   * history followed by the chunk */
  float *obuf;
  int pos;                      /* frames written since the last move back */
  /* per channel: the last point of the last frame scanned */
  float *last;
  /* scratch: the stage-2 planes, 2 (f2 - 1) of 1 + TP_CHUNK + pad floats
   * (slot 0: the previous frame's value) */
  float *planes;
  float *readings;              /* scratch: TP_CHUNK readings */
  /* the body for this CPU (truepeak-kernel.h) */
  void (*chunk) (struct MasterTruePeak * tp, int c, float *out, int n);
};

#define TP_PLANE (1 + TP_CHUNK + 16)

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

/* The bodies use generic vectors (GCC/Clang extensions) of one register */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef void (*TpChunkFunc) (MasterTruePeak * tp, int c, float *out, int n);

/* One body per instruction set on x86-64 with GCC, picked at init by the
 * CPU (MASTER_TRUEPEAK_ISA=generic|avx2|avx512 in the environment forces a
 * supported one: the tests compare every body with a scalar reference). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define TP_X86_BODIES 1
#pragma GCC push_options
#pragma GCC target ("arch=x86-64-v4")
#define TP_KFN(name) name##_avx512
#define TP_KVL 16
#include "truepeak-kernel.h"
#undef TP_KFN
#undef TP_KVL
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target ("arch=x86-64-v3")
#define TP_KFN(name) name##_avx2
#define TP_KVL 8
#include "truepeak-kernel.h"
#undef TP_KFN
#undef TP_KVL
#pragma GCC pop_options
#endif
#define TP_KFN(name) name##_generic
#define TP_KVL 4
#include "truepeak-kernel.h"
#undef TP_KFN
#undef TP_KVL

static TpChunkFunc
pick_chunk_func (void)
{
#ifdef TP_X86_BODIES
  const char *want = getenv ("MASTER_TRUEPEAK_ISA");
  const int v4 = __builtin_cpu_supports ("x86-64-v4");
  const int v3 = __builtin_cpu_supports ("x86-64-v3");
  if (want && strcmp (want, "generic") == 0)
    return process_channel_chunk_generic;
  if (want && strcmp (want, "avx2") == 0 && v3)
    return process_channel_chunk_avx2;
  if (v4)
    return process_channel_chunk_avx512;
  if (v3)
    return process_channel_chunk_avx2;
#endif
  return process_channel_chunk_generic;
}

/* The histories back to the front of their planes (see TP_SPAN). */
static void
move_back (MasterTruePeak * tp)
{
  for (int c = 0; c < tp->channels; c++) {
    float *b1 = tp->buf1 + (size_t) c * TP_STRIDE1;
    float *ob = tp->obuf + (size_t) c * TP_STRIDEO;
    memmove (b1, b1 + tp->pos, (size_t) (TP_T1 - 1) * sizeof (float));
    memmove (ob, ob + tp->pos, (size_t) TP_OH * sizeof (float));
  }
  tp->pos = 0;
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
    if (tp->pos + n > TP_SPAN)                                               \
      move_back (tp);                                                        \
    for (int c = 0; c < C; c++) {                                            \
      float *buf = tp->buf1 + (size_t) c * TP_STRIDE1 + tp->pos + (T - 1);   \
      const type *s = src + c;                                               \
      for (int k = 0; k < n; k++)                                            \
        buf[k] = (float) s[(size_t) k * C];                                  \
      tp->chunk (tp, c, tp->readings, n);                        \
      float *pk = peaks + c;                                                 \
      for (int k = 0; k < n; k++)                                            \
        pk[(size_t) k * C] = tp->readings[k];                                \
    }                                                                        \
    tp->pos += n;                                                            \
    src += (size_t) n * C;                                                   \
    peaks += (size_t) n * C;                                                 \
    n_frames -= n;                                                           \
  }                                                                          \
}

DEFINE_PROCESS (f32, float)
DEFINE_PROCESS (f64, double)

/* Worst case over sinusoids DC..TP_MARGIN_FMAX fs and phases: for every
 * crest of |x(t)|, the larger of the readings of the frame holding the crest
 * and the next one, relative to the crest value 1. The under-read grows
 * steeply over the top 0.02 fs (the half-band's edge) and depends there on
 * where the crest falls between samples: that band is sampled at 16
 * frequencies and 32 phases, the rest every 0.01 fs at 8 phases. A
 * continuous scan (every crest position, 0.0001 fs steps) finds at most
 * 0.0004 dB more than these points; TP_MARGIN_PAD covers it
 * (tests/dsp/test_truepeak.c checks the bound off the grid). */
#define TP_MARGIN_PAD 1.000115          /* 0.001 dB */
static MasterTruePeak *tp_create (int channels, int factor);

static double
crest_worst (MasterTruePeak * t, double f, int phases, double worst)
{
  enum { LEN = 640 };
  float x[LEN], pk[LEN];
  const int D = master_truepeak_get_delay (t);
  const double w = 2.0 * M_PI * f;
  const double cw = cos (w), sw = sin (w);
  for (int ph = 0; ph < phases; ph++) {
    double phi = ph * M_PI / phases;
    master_truepeak_reset (t);
    /* cos (w i + phi) by rotation (exact to ~1e-13 over LEN steps, far
     * under the float rounding of x): init time, not libm */
    double re = cos (phi), im = sin (phi);
    for (int i = 0; i < LEN; i++) {
      x[i] = (float) re;
      const double nr = re * cw - im * sw;
      im = re * sw + im * cw;
      re = nr;
    }
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
  return worst;
}

static double
measure_margin (int factor)
{
  MasterTruePeak *t = tp_create (1, factor);
  double worst = 1.0;
  if (!t)
    return 1.0;
  const double top = TP_MARGIN_FMAX - 0.02;
  for (double f = 0.02; f < top - 1e-9; f += 0.01)
    worst = crest_worst (t, f, 8, worst);
  for (int i = 0; i < 16; i++)
    worst = crest_worst (t, top + 0.02 * i / 15.0, 32, worst);
  master_truepeak_free (t);
  return worst > 0 ? TP_MARGIN_PAD / worst : 1.0;
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
  tp->chunk = pick_chunk_func ();
  if (factor > 1) {
    tp->coef1 = calloc (TP_T1, sizeof (float));
    tp->coef2 = calloc ((size_t) tp->f2 * TP_T2, sizeof (float));
    tp->buf1 = calloc ((size_t) channels * TP_STRIDE1, sizeof (float));
    tp->obuf = calloc ((size_t) channels * TP_STRIDEO, sizeof (float));
    tp->last = calloc ((size_t) channels, sizeof (float));
    tp->planes = calloc ((size_t) 2 * (tp->f2 - 1) * TP_PLANE, sizeof (float));
    tp->readings = calloc (TP_CHUNK, sizeof (float));
    if (!tp->coef1 || !tp->coef2 || !tp->buf1 || !tp->obuf || !tp->last || !tp->planes
        || !tp->readings) {
      master_truepeak_free (tp);
      return NULL;
    }
    /* the odd phase is symmetric: keep its first half, folded */
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
  free (tp->obuf);
  free (tp->last);
  free (tp->planes);
  free (tp->readings);
  free (tp);
}

void
master_truepeak_reset (MasterTruePeak * tp)
{
  if (tp->factor == 1)
    return;
  const int C = tp->channels;
  memset (tp->buf1, 0, (size_t) C * TP_STRIDE1 * sizeof (float));
  memset (tp->obuf, 0, (size_t) C * TP_STRIDEO * sizeof (float));
  tp->pos = 0;
  memset (tp->last, 0, (size_t) C * sizeof (float));
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
