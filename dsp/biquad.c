/* gst-mastering: cascaded biquad filtering of interleaved frames.
 * See biquad.h for structure, ramps and bad-sample handling. */
#include "biquad.h"
#include "nonfinite.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_COEF 5

/* state values below this magnitude are flushed to zero (-600 dB) */
#define TINY 1e-30

static inline double *
coef_at (double *arr, const MasterBiquad * bq, int section, int k)
{
  return arr + ((size_t) section * N_COEF + k) * bq->n_channels;
}

int
master_biquad_init (MasterBiquad * bq, int n_sections, int n_channels)
{
  size_t nc, ns;
  int s;

  memset (bq, 0, sizeof (*bq));
  if (n_sections < 0 || n_channels < 1
      || n_channels > MASTER_BIQUAD_MAX_CHANNELS)
    return -1;
  bq->n_sections = n_sections;
  bq->n_channels = n_channels;
  nc = (size_t) (n_sections > 0 ? n_sections : 1) * N_COEF * n_channels;
  ns = (size_t) (n_sections > 0 ? n_sections : 1) * 2 * n_channels;
  bq->coef = calloc (nc, sizeof (double));
  bq->target = calloc (nc, sizeof (double));
  bq->delta = calloc (nc, sizeof (double));
  bq->state = calloc (ns, sizeof (double));
  if (!bq->coef || !bq->target || !bq->delta || !bq->state) {
    master_biquad_clear (bq);
    return -1;
  }
  for (s = 0; s < n_sections; s++) {
    MasterBiquadCoeffs id;
    master_biquad_coeffs_identity (&id);
    master_biquad_set (bq, s, -1, &id);
  }
  return 0;
}

void
master_biquad_clear (MasterBiquad * bq)
{
  free (bq->coef);
  free (bq->target);
  free (bq->delta);
  free (bq->state);
  memset (bq, 0, sizeof (*bq));
}

void
master_biquad_reset (MasterBiquad * bq)
{
  if (bq->state)
    memset (bq->state, 0, sizeof (double) * (size_t) (bq->n_sections > 0 ?
            bq->n_sections : 1) * 2 * bq->n_channels);
}

static void
store (double *arr, MasterBiquad * bq, int section, int channel,
    const MasterBiquadCoeffs * c)
{
  const double v[N_COEF] = { c->b0, c->b1, c->b2, c->a1, c->a2 };
  int k, ch;

  if (section < 0 || section >= bq->n_sections)
    return;
  for (k = 0; k < N_COEF; k++) {
    double *p = coef_at (arr, bq, section, k);
    if (channel < 0) {
      for (ch = 0; ch < bq->n_channels; ch++)
        p[ch] = v[k];
    } else if (channel < bq->n_channels) {
      p[channel] = v[k];
    }
  }
}

void
master_biquad_set (MasterBiquad * bq, int section, int channel,
    const MasterBiquadCoeffs * c)
{
  store (bq->target, bq, section, channel, c);
  /* finish any running ramp first so that other sections land exactly */
  master_biquad_jump (bq);
}

void
master_biquad_set_target (MasterBiquad * bq, int section, int channel,
    const MasterBiquadCoeffs * c)
{
  store (bq->target, bq, section, channel, c);
}

void
master_biquad_jump (MasterBiquad * bq)
{
  size_t n = (size_t) bq->n_sections * N_COEF * bq->n_channels;
  if (n)
    memcpy (bq->coef, bq->target, n * sizeof (double));
  bq->ramp_left = 0;
}

void
master_biquad_ramp (MasterBiquad * bq, int n_frames)
{
  size_t i, n = (size_t) bq->n_sections * N_COEF * bq->n_channels;
  int moving = 0;

  if (n_frames <= 0) {
    master_biquad_jump (bq);
    return;
  }
  for (i = 0; i < n; i++) {
    bq->delta[i] = (bq->target[i] - bq->coef[i]) / n_frames;
    moving |= bq->delta[i] != 0.0;
  }
  bq->ramp_left = moving ? n_frames : 0;
  if (!moving)
    master_biquad_jump (bq);
}

int
master_biquad_copy_state (MasterBiquad * bq, const MasterBiquad * src)
{
  if (bq->n_sections != src->n_sections || bq->n_channels != src->n_channels)
    return -1;
  if (bq->n_sections > 0)
    memcpy (bq->state, src->state,
        sizeof (double) * (size_t) bq->n_sections * 2 * bq->n_channels);
  return 0;
}

/* One frame through the cascade.  C is a compile-time constant in the
 * specialised callers, so x[] lives in registers and the channel loops
 * vectorise. */
#define FRAME_BODY(C)                                                        \
  for (s = 0; s < S; s++) {                                                  \
    const double *k = coef + (size_t) s * N_COEF * (C);                      \
    double *z = st + (size_t) s * 2 * (C);                                   \
    for (c = 0; c < (C); c++) {                                              \
      double y = k[c] * x[c] + z[c];                                         \
      z[c] = k[(C) + c] * x[c] - k[3 * (C) + c] * y + z[(C) + c];            \
      z[(C) + c] = k[2 * (C) + c] * x[c] - k[4 * (C) + c] * y;               \
      x[c] = y;                                                              \
    }                                                                        \
  }

#define DEFINE_RUN(T, SUF, C)                                                \
static void                                                                  \
run_##SUF##_##C (double *restrict coef, double *restrict st, int S,          \
    T *dst, const T *src, int n)                                             \
{                                                                            \
  int i, s, c;                                                               \
  for (i = 0; i < n; i++) {                                                  \
    double x[C];                                                             \
    for (c = 0; c < (C); c++)                                                \
      x[c] = src[(size_t) i * (C) + c];                                      \
    FRAME_BODY (C)                                                           \
    for (c = 0; c < (C); c++)                                                \
      dst[(size_t) i * (C) + c] = (T) x[c];                                  \
  }                                                                          \
}                                                                            \
static void                                                                  \
ramp_##SUF##_##C (double *restrict coef, const double *restrict delta,       \
    double *restrict st, int S, T *dst, const T *src, int n)                 \
{                                                                            \
  int i, s, c, j;                                                            \
  const int nk = S * N_COEF * (C);                                           \
  for (i = 0; i < n; i++) {                                                  \
    double x[C];                                                             \
    for (j = 0; j < nk; j++)                                                 \
      coef[j] += delta[j];                                                   \
    for (c = 0; c < (C); c++)                                                \
      x[c] = src[(size_t) i * (C) + c];                                      \
    FRAME_BODY (C)                                                           \
    for (c = 0; c < (C); c++)                                                \
      dst[(size_t) i * (C) + c] = (T) x[c];                                  \
  }                                                                          \
}

#define DEFINE_ALL(T, SUF) \
  DEFINE_RUN (T, SUF, 1) DEFINE_RUN (T, SUF, 2) DEFINE_RUN (T, SUF, 3) \
  DEFINE_RUN (T, SUF, 4) DEFINE_RUN (T, SUF, 5) DEFINE_RUN (T, SUF, 6) \
  DEFINE_RUN (T, SUF, 7) DEFINE_RUN (T, SUF, 8)

DEFINE_ALL (float, f32)
DEFINE_ALL (double, f64)

typedef void (*RunF32) (double *, double *, int, float *, const float *, int);
typedef void (*RunF64) (double *, double *, int, double *, const double *, int);
typedef void (*RampF32) (double *, const double *, double *, int, float *,
    const float *, int);
typedef void (*RampF64) (double *, const double *, double *, int, double *,
    const double *, int);

static const RunF32 run_f32[MASTER_BIQUAD_MAX_CHANNELS + 1] = { NULL,
  run_f32_1, run_f32_2, run_f32_3, run_f32_4, run_f32_5, run_f32_6, run_f32_7,
  run_f32_8
};
static const RunF64 run_f64[MASTER_BIQUAD_MAX_CHANNELS + 1] = { NULL,
  run_f64_1, run_f64_2, run_f64_3, run_f64_4, run_f64_5, run_f64_6, run_f64_7,
  run_f64_8
};
static const RampF32 ramp_f32[MASTER_BIQUAD_MAX_CHANNELS + 1] = { NULL,
  ramp_f32_1, ramp_f32_2, ramp_f32_3, ramp_f32_4, ramp_f32_5, ramp_f32_6,
  ramp_f32_7, ramp_f32_8
};
static const RampF64 ramp_f64[MASTER_BIQUAD_MAX_CHANNELS + 1] = { NULL,
  ramp_f64_1, ramp_f64_2, ramp_f64_3, ramp_f64_4, ramp_f64_5, ramp_f64_6,
  ramp_f64_7, ramp_f64_8
};

/* After a chunk: returns 1 (and resets) if the state went non-finite;
 * flushes tiny values to zero. */
static int
check_state (MasterBiquad * bq)
{
  size_t i, n = (size_t) bq->n_sections * 2 * bq->n_channels;
  double *st = bq->state;

  /* per chunk, so per buffer at 1 ms buffers: one pass, no serial chain of
   * additions (master_nonfinite_any_f64), and the flush as an unconditional
   * store that vectorises */
  if (master_nonfinite_any_f64 (st, n)) {
    master_biquad_reset (bq);
    return 1;
  }
  for (i = 0; i < n; i++)
    st[i] = fabs (st[i]) < TINY ? 0.0 : st[i];
  return 0;
}

#define DEFINE_PROCESS(T, SUF)                                               \
int                                                                          \
master_biquad_process_##SUF (MasterBiquad * bq, T * dst, const T * src,      \
    int n_frames)                                                            \
{                                                                            \
  const int C = bq->n_channels;                                              \
  int done = 0, resets = 0;                                                  \
                                                                             \
  if (bq->n_sections == 0) {                                                 \
    if (dst != src)                                                          \
      memmove (dst, src, sizeof (T) * (size_t) n_frames * C);                \
    return 0;                                                                \
  }                                                                          \
  while (done < n_frames) {                                                  \
    int n = n_frames - done;                                                 \
    T *d = dst + (size_t) done * C;                                          \
    const T *sp = src + (size_t) done * C;                                   \
    if (n > MASTER_BIQUAD_CHUNK)                                             \
      n = MASTER_BIQUAD_CHUNK;                                               \
    if (bq->ramp_left > 0) {                                                 \
      if (n > bq->ramp_left)                                                 \
        n = bq->ramp_left;                                                   \
      ramp_##SUF[C] (bq->coef, bq->delta, bq->state, bq->n_sections, d, sp,  \
          n);                                                                \
      bq->ramp_left -= n;                                                    \
      if (bq->ramp_left == 0)                                                \
        master_biquad_jump (bq);                                             \
    } else {                                                                 \
      run_##SUF[C] (bq->coef, bq->state, bq->n_sections, d, sp, n);          \
    }                                                                        \
    if (check_state (bq)) {                                                  \
      size_t i;                                                              \
      resets++;                                                              \
      for (i = 0; i < (size_t) n * C; i++)                                   \
        if (!isfinite (d[i]))                                                \
          d[i] = 0;                                                          \
    }                                                                        \
    done += n;                                                               \
  }                                                                          \
  return resets;                                                             \
}

DEFINE_PROCESS (float, f32)
DEFINE_PROCESS (double, f64)

void
master_biquad_coeffs_identity (MasterBiquadCoeffs * c)
{
  c->b0 = 1.0;
  c->b1 = c->b2 = c->a1 = c->a2 = 0.0;
}

int
master_biquad_coeffs_is_identity (const MasterBiquadCoeffs * c)
{
  return c->b0 == 1.0 && c->b1 == 0.0 && c->b2 == 0.0 && c->a1 == 0.0
      && c->a2 == 0.0;
}

int
master_biquad_coeffs_is_stable (const MasterBiquadCoeffs * c)
{
  /* stability triangle: |a2| < 1, |a1| < 1 + a2 */
  return isfinite (c->a1) && isfinite (c->a2) && fabs (c->a2) < 1.0
      && fabs (c->a1) < 1.0 + c->a2;
}

double
master_biquad_coeffs_response_db (const MasterBiquadCoeffs * c, int n,
    double freq, double rate)
{
  /* |b0 + b1 z^-1 + b2 z^-2|^2 at z = e^jw in Vicanek's form (phi =
   * sin^2(w/2)): (b0+b1+b2)^2 (1-phi) + (b0-b1+b2)^2 phi - 16 b0 b2 phi
   * (1-phi).  Unlike the cosine series it keeps its precision at low
   * frequencies, where the terms of the series cancel. */
  double s = sin (M_PI * freq / rate), phi = s * s, db = 0.0;
  int i;

  for (i = 0; i < n; i++) {
    const MasterBiquadCoeffs *k = &c[i];
    double bp = k->b0 + k->b1 + k->b2, bm = k->b0 - k->b1 + k->b2;
    double ap = 1.0 + k->a1 + k->a2, am = 1.0 - k->a1 + k->a2;
    double num = bp * bp * (1.0 - phi) + bm * bm * phi
        - 16.0 * k->b0 * k->b2 * phi * (1.0 - phi);
    double den = ap * ap * (1.0 - phi) + am * am * phi
        - 16.0 * k->a2 * phi * (1.0 - phi);
    db += 10.0 * log10 (fmax (num, 1e-300) / fmax (den, 1e-300));
  }
  return db;
}
