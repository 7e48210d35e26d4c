/* gst-mastering: multiband compressor core. See multiband.h. */
#include "multiband.h"
#include "simd.h"

#include "fastmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MB_BLOCK 256
#define MB_SMOOTH_S 0.010       /* solo weights and output gain, s */

struct MasterMultiband
{
  int channels;
  double rate;
  int n_bands;
  int latency;
  MasterCrossover *xo;
  MasterDynamics *dyn[MASTER_CROSSOVER_MAX_BANDS];
  double w_target[MASTER_CROSSOVER_MAX_BANDS], w_cur[MASTER_CROSSOVER_MAX_BANDS];
  double out_target, out_cur;   /* linear output gain */
  double a_smooth;
  double *work;                 /* MB_BLOCK interleaved frames */
  double *band[MASTER_CROSSOVER_MAX_BANDS];
};

MasterMultiband *
master_multiband_new (int channels, double rate, double max_lookahead_ms)
{
  MasterMultiband *m;
  int b;
  if (channels < 1 || channels > MASTER_CROSSOVER_MAX_CHANNELS ||
      !(rate >= 1000.0 && rate <= 1e6))
    return NULL;
  m = calloc (1, sizeof (*m));
  if (!m)
    return NULL;
  m->channels = channels;
  m->rate = rate;
  m->a_smooth = exp (-1.0 / (MB_SMOOTH_S * rate));
  m->xo = master_crossover_new (channels, rate);
  m->work = calloc ((size_t) MB_BLOCK * channels, sizeof (double));
  if (!m->xo || !m->work)
    goto fail;
  for (b = 0; b < MASTER_CROSSOVER_MAX_BANDS; b++) {
    m->dyn[b] = master_dynamics_new (channels, rate, max_lookahead_ms);
    m->band[b] = calloc ((size_t) MB_BLOCK * channels, sizeof (double));
    if (!m->dyn[b] || !m->band[b])
      goto fail;
  }
  m->n_bands = 1;
  m->out_target = m->out_cur = 1.0;
  for (b = 0; b < MASTER_CROSSOVER_MAX_BANDS; b++)
    m->w_target[b] = m->w_cur[b] = 1.0;
  return m;
fail:
  master_multiband_free (&m);
  return NULL;
}

void
master_multiband_free (MasterMultiband ** pm)
{
  MasterMultiband *m;
  int b;
  if (!pm || !*pm)
    return;
  m = *pm;
  master_crossover_free (&m->xo);
  for (b = 0; b < MASTER_CROSSOVER_MAX_BANDS; b++) {
    master_dynamics_free (&m->dyn[b]);
    free (m->band[b]);
  }
  free (m->work);
  free (m);
  *pm = NULL;
}

static void
apply_params (MasterMultiband * m, const MasterMultibandBand * bands,
    double mix, double output_gain_db, double *freqs)
{
  int b, any_solo = 0;
  for (b = 0; b < m->n_bands; b++)
    any_solo |= bands[b].solo != 0;
  for (b = 0; b < m->n_bands; b++) {
    MasterDynamicsParams p = bands[b].dyn;
    p.mix = bands[b].bypass ? 0.0 : mix;
    master_dynamics_set_params (m->dyn[b], &p);
    m->w_target[b] = (!any_solo || bands[b].solo) ? 1.0 : 0.0;
    if (b < m->n_bands - 1)
      freqs[b] = bands[b].crossover_hz;
  }
  m->out_target = pow (10.0, output_gain_db / 20.0);
}

int
master_multiband_configure (MasterMultiband * m, int n_bands, int slope_db,
    double lookahead_ms, const MasterMultibandBand * bands, double mix,
    double output_gain_db)
{
  double freqs[MASTER_CROSSOVER_MAX_BANDS];
  int b;
  if (n_bands < 1 || n_bands > MASTER_CROSSOVER_MAX_BANDS ||
      (slope_db != 24 && slope_db != 48))
    return -1;
  m->n_bands = n_bands;
  apply_params (m, bands, mix, output_gain_db, freqs);
  master_crossover_configure (m->xo, n_bands, slope_db, freqs);
  for (b = 0; b < MASTER_CROSSOVER_MAX_BANDS; b++)
    m->latency = master_dynamics_set_lookahead (m->dyn[b], lookahead_ms);
  master_multiband_reset (m);
  return m->latency;
}

void
master_multiband_set_params (MasterMultiband * m,
    const MasterMultibandBand * bands, double mix, double output_gain_db)
{
  double freqs[MASTER_CROSSOVER_MAX_BANDS];
  apply_params (m, bands, mix, output_gain_db, freqs);
  master_crossover_set_frequencies (m->xo, freqs);
}

int
master_multiband_get_latency (const MasterMultiband * m)
{
  return m->latency;
}

int
master_multiband_get_n_bands (const MasterMultiband * m)
{
  return m->n_bands;
}

void
master_multiband_reset (MasterMultiband * m)
{
  int b;
  master_crossover_reset (m->xo);
  for (b = 0; b < MASTER_CROSSOVER_MAX_BANDS; b++) {
    master_dynamics_reset (m->dyn[b]);
    m->w_cur[b] = m->w_target[b];
  }
  m->out_cur = m->out_target;
}


#pragma GCC diagnostic ignored "-Wpsabi"
typedef float MbV4f __attribute__ ((vector_size (16)));

/* x[i] = src[i], with samples that are not finite or absurd (|x| > 1e9)
 * replaced by 0; returns how many.  T is float or double. */
#define DEFINE_LOAD(SUF, T)                                                  \
MASTER_CLONES_V3 static int                                                         \
load_checked_##SUF (double *x, const T * src, int n)                         \
{                                                                            \
  MasterV4l bad4 = { 0, 0, 0, 0 };                                           \
  int i, bad;                                                                \
  for (i = 0; i + 4 <= n; i += 4) {                                          \
    MasterV4d v = load4_##SUF (src + i);                                     \
    MasterV4l ok = (MasterV4d) ((MasterV4l) v & 0x7FFFFFFFFFFFFFFFLL) <=     \
        1e9;                                                                 \
    bad4 -= ~ok;                /* not-ok lanes are -1 */                    \
    master_v4d_store (x + i, (MasterV4d) ((MasterV4l) v & ok));              \
  }                                                                          \
  bad = (int) (bad4[0] + bad4[1] + bad4[2] + bad4[3]);                       \
  for (; i < n; i++) {                                                       \
    x[i] = src[i];                                                           \
    if (!(fabs (x[i]) <= 1e9)) {                                             \
      x[i] = 0.0;                                                            \
      bad++;                                                                 \
    }                                                                        \
  }                                                                          \
  return bad;                                                                \
}

MASTER_V4_INLINE MasterV4d
load4_f32 (const float *p)
{
  MbV4f v;
  memcpy (&v, p, sizeof v);
  return __builtin_convertvector (v, MasterV4d);
}

MASTER_V4_INLINE MasterV4d
load4_f64 (const double *p)
{
  return master_v4d_load (p);
}

DEFINE_LOAD (f32, float)
DEFINE_LOAD (f64, double)

/* dst[i] = (float) x[i] */
MASTER_CLONES_V3 static void
store_f32 (float *dst, const double *x, int n)
{
  int i;
  for (i = 0; i + 4 <= n; i += 4) {
    MbV4f v = __builtin_convertvector (master_v4d_load (x + i), MbV4f);
    memcpy (dst + i, &v, sizeof v);
  }
  for (; i < n; i++)
    dst[i] = (float) x[i];
}

/* sum[i] += y[i] (separate arrays, so it vectorises) */
static void
add_band (double *restrict sum, const double *restrict y, int n)
{
  int i;
  for (i = 0; i < n; i++)
    sum[i] += y[i];
}

/* m->work (n frames) in place */
static void
process_block (MasterMultiband * m, int n)
{
  const int C = m->channels, nb = m->n_bands, len = n * C;
  const double a = m->a_smooth;
  int b, i, c;

  master_crossover_process (m->xo, m->band, m->work, n);
  /* the bands are finite: the crossover's input was sanitized */
  for (b = 0; b < nb; b++)
    master_dynamics_process_inplace_f64 (m->dyn[b], m->band[b], n);

  /* band sum; the first band with weight 1 initialises it (0 + y = y) */
  {
    int first = 1;
    for (b = 0; b < nb; b++) {
      double w = m->w_cur[b], wt = m->w_target[b];
      if (w == wt && w == 0.0)
        continue;
      if (w == wt && w == 1.0) {
        if (first)
          memcpy (m->work, m->band[b], sizeof (double) * len);
        else
          add_band (m->work, m->band[b], len);
        first = 0;
      }
    }
    if (first)
      memset (m->work, 0, sizeof (double) * len);
  }
  for (b = 0; b < nb; b++) {
    double w = m->w_cur[b], wt = m->w_target[b];
    const double *y = m->band[b];
    if (w == wt) {
      if (w != 1.0 && w != 0.0)
        for (i = 0; i < len; i++)
          m->work[i] += w * y[i];
    } else {
      for (i = 0; i < n; i++) {
        w = a * w + (1.0 - a) * wt;
        for (c = 0; c < C; c++)
          m->work[i * C + c] += w * y[i * C + c];
      }
      if (fabs (w - wt) < 1e-9)
        w = wt;
      m->w_cur[b] = w;
    }
  }
  if (m->out_cur == m->out_target) {
    if (m->out_cur != 1.0)
      for (i = 0; i < len; i++)
        m->work[i] *= m->out_cur;
  } else {
    double g = m->out_cur, gt = m->out_target;
    for (i = 0; i < n; i++) {
      g = a * g + (1.0 - a) * gt;
      for (c = 0; c < C; c++)
        m->work[i * C + c] *= g;
    }
    if (fabs (g - gt) <= 1e-9 * gt)
      g = gt;
    m->out_cur = g;
  }
}

int
master_multiband_process_f32 (MasterMultiband * m, float *dst,
    const float *src, int n_frames)
{
  const int C = m->channels;
  int done = 0, bad = 0;
  while (done < n_frames) {
    int n = n_frames - done;
    if (n > MB_BLOCK)
      n = MB_BLOCK;
    bad += load_checked_f32 (m->work, src + (size_t) done * C, n * C);
    process_block (m, n);
    store_f32 (dst + (size_t) done * C, m->work, n * C);
    done += n;
  }
  return bad;
}

int
master_multiband_process_f64 (MasterMultiband * m, double *dst,
    const double *src, int n_frames)
{
  const int C = m->channels;
  int done = 0, bad = 0;
  while (done < n_frames) {
    int n = n_frames - done;
    if (n > MB_BLOCK)
      n = MB_BLOCK;
    bad += load_checked_f64 (m->work, src + (size_t) done * C, n * C);
    process_block (m, n);
    memcpy (dst + (size_t) done * C, m->work, sizeof (double) * n * C);
    done += n;
  }
  return bad;
}

double
master_multiband_take_gain_reduction_db (MasterMultiband * m, int b)
{
  if (b < 0 || b >= MASTER_CROSSOVER_MAX_BANDS)
    return 0.0;
  return master_dynamics_take_gain_reduction_db (m->dyn[b]);
}
