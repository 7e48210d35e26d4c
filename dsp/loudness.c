/* gst-mastering: BS.1770 / EBU R128 loudness measurement (libebur128 wrapper)
 * See loudness.h for what this adds on top of libebur128. */
#include "loudness.h"

#include <ebur128.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ST(m) ((ebur128_state *) (m)->ebur)

static int
position_to_ebur (MasterLoudnessPosition pos)
{
  switch (pos) {
    case MASTER_LOUDNESS_POS_FRONT_LEFT:
      return EBUR128_LEFT;
    case MASTER_LOUDNESS_POS_FRONT_RIGHT:
      return EBUR128_RIGHT;
    case MASTER_LOUDNESS_POS_LFE:
      return EBUR128_UNUSED;
    case MASTER_LOUDNESS_POS_DUAL_MONO:
      return EBUR128_DUAL_MONO;
    case MASTER_LOUDNESS_POS_SURROUND_LEFT:
      return EBUR128_Mp110;
    case MASTER_LOUDNESS_POS_SURROUND_RIGHT:
      return EBUR128_Mm110;
    case MASTER_LOUDNESS_POS_SIDE_LEFT:
      return EBUR128_Mp090;
    case MASTER_LOUDNESS_POS_SIDE_RIGHT:
      return EBUR128_Mm090;
    case MASTER_LOUDNESS_POS_BACK_LEFT:
      return EBUR128_Mp135;
    case MASTER_LOUDNESS_POS_BACK_RIGHT:
      return EBUR128_Mm135;
    case MASTER_LOUDNESS_POS_BACK_CENTER:
      return EBUR128_Mp180;
    case MASTER_LOUDNESS_POS_MONO:
    case MASTER_LOUDNESS_POS_FRONT_CENTER:
    case MASTER_LOUDNESS_POS_OTHER:
    default:
      return EBUR128_CENTER;    /* weight 1.0 */
  }
}

static void
default_map (int *map, unsigned int channels)
{
  static const int map5[5] = { EBUR128_LEFT, EBUR128_RIGHT, EBUR128_CENTER,
    EBUR128_LEFT_SURROUND, EBUR128_RIGHT_SURROUND
  };
  static const int map6[6] = { EBUR128_LEFT, EBUR128_RIGHT, EBUR128_CENTER,
    EBUR128_UNUSED, EBUR128_LEFT_SURROUND, EBUR128_RIGHT_SURROUND
  };
  unsigned int c;

  for (c = 0; c < channels; c++) {
    if (channels == 2)
      map[c] = c == 0 ? EBUR128_LEFT : EBUR128_RIGHT;
    else if (channels == 5)
      map[c] = map5[c];
    else if (channels == 6)
      map[c] = map6[c];
    else
      map[c] = EBUR128_CENTER;
  }
}

/* (Re)create the libebur128 state from the stored configuration and clear
 * everything derived from it. */
static int
create_state (MasterLoudness * m)
{
  ebur128_state *st;
  int mode = EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I |
      EBUR128_MODE_SAMPLE_PEAK;
  unsigned int c;

  if (m->flags & MASTER_LOUDNESS_TRUE_PEAK)
    mode |= EBUR128_MODE_TRUE_PEAK;
  if (m->flags & MASTER_LOUDNESS_RANGE)
    mode |= EBUR128_MODE_LRA;

  if (m->ebur) {
    st = ST (m);
    ebur128_destroy (&st);
    m->ebur = NULL;
  }
  st = ebur128_init (m->channels, m->rate, mode);
  if (st == NULL)
    return -1;
  for (c = 0; c < m->channels; c++) {
    if (ebur128_set_channel (st, c, m->ebur_map[c]) != EBUR128_SUCCESS) {
      ebur128_destroy (&st);
      return -1;
    }
  }
  if (m->history_ms > 0)
    ebur128_set_max_history (st, m->history_ms);
  m->ebur = st;

  m->step_fill = 0;
  memset (m->step_energy, 0, sizeof (m->step_energy));
  m->step_pos = 0;
  m->momentary_max_energy = 0.0;
  m->short_term_max_energy = 0.0;
  memset (m->interval_sample_peak, 0, sizeof (m->interval_sample_peak));
  memset (m->interval_true_peak, 0, sizeof (m->interval_true_peak));
  m->n_nonfinite = 0;
  m->n_frames = 0;
  m->integrated_key = m->range_key = ~0ull;
  return 0;
}

int
master_loudness_init (MasterLoudness * m, unsigned int rate,
    unsigned int channels, const MasterLoudnessPosition * positions,
    unsigned int flags)
{
  unsigned int c;

  master_loudness_clear (m);
  if (channels < 1 || channels > MASTER_LOUDNESS_MAX_CHANNELS || rate < 100)
    return -1;

  m->rate = rate;
  m->channels = channels;
  m->flags = flags;
  if (positions) {
    for (c = 0; c < channels; c++) {
      /* libebur128 only accepts dual mono on a single channel */
      if (positions[c] == MASTER_LOUDNESS_POS_DUAL_MONO && channels != 1)
        return -1;
      m->ebur_map[c] = position_to_ebur (positions[c]);
    }
  } else {
    default_map (m->ebur_map, channels);
  }

  /* the same frame count libebur128 uses for ebur128_loudness_window(10) */
  m->step_frames = (size_t) rate * 10 / 1000;
  m->frames_per_block = (rate + 5) / 10;        /* as libebur128 rounds */
  m->ring_exact = (rate % 100) == 0;
  m->live_refresh_div = MASTER_LOUDNESS_LIVE_REFRESH_DIV;
  m->scratch = malloc (m->step_frames * channels * sizeof (double));
  if (m->scratch == NULL)
    return -1;

  if (create_state (m) < 0) {
    master_loudness_clear (m);
    return -1;
  }
  return 0;
}

void
master_loudness_clear (MasterLoudness * m)
{
  if (m->ebur) {
    ebur128_state *st = ST (m);
    ebur128_destroy (&st);
  }
  free (m->scratch);
  memset (m, 0, sizeof (*m));
}

void
master_loudness_set_history (MasterLoudness * m, unsigned long history_ms)
{
  if (history_ms == m->history_ms)
    return;
  m->history_ms = history_ms;
  if (m->ebur) {
    /* libebur128 has no way back to "unlimited" but a huge history */
    ebur128_set_max_history (ST (m), history_ms ? history_ms :
        (unsigned long) -1 / 2);
    m->integrated_key = m->range_key = ~0ull;
  }
}

int
master_loudness_reset (MasterLoudness * m)
{
  if (m->scratch == NULL)
    return -1;
  return create_state (m);
}

static inline double
energy_from_lufs (double lufs)
{
  if (!(lufs > -HUGE_VAL))
    return 0.0;
  return pow (10.0, (lufs + 0.691) / 10.0);
}

static inline double
lufs_from_energy (double energy)
{
  if (!(energy > 0.0))
    return -HUGE_VAL;
  return 10.0 * log10 (energy) - 0.691;
}

/* A 10 ms step is complete: record its energy and update the maxima. */
static void
finish_step (MasterLoudness * m)
{
  double lufs, sum_m = 0.0, sum_s = 0.0;
  unsigned int i, idx;

  if (ebur128_loudness_window (ST (m), 10, &lufs) != EBUR128_SUCCESS)
    lufs = -HUGE_VAL;
  m->step_energy[m->step_pos] = energy_from_lufs (lufs);
  m->step_pos = (m->step_pos + 1) % MASTER_LOUDNESS_S_STEPS;

  /* summing 300 doubles every 10 ms costs little next to the filtering and
   * avoids the drift of a running sum */
  idx = m->step_pos;
  for (i = 0; i < MASTER_LOUDNESS_S_STEPS; i++) {
    double e;
    idx = idx == 0 ? MASTER_LOUDNESS_S_STEPS - 1 : idx - 1;
    e = m->step_energy[idx];
    sum_s += e;
    if (i + 1 == MASTER_LOUDNESS_M_STEPS)
      sum_m = sum_s;
  }
  sum_m /= MASTER_LOUDNESS_M_STEPS;
  sum_s /= MASTER_LOUDNESS_S_STEPS;
  if (sum_m > m->momentary_max_energy)
    m->momentary_max_energy = sum_m;
  if (sum_s > m->short_term_max_energy)
    m->short_term_max_energy = sum_s;
}

static void
collect_peaks (MasterLoudness * m)
{
  unsigned int c;
  double v;

  for (c = 0; c < m->channels; c++) {
    if (ebur128_prev_sample_peak (ST (m), c, &v) == EBUR128_SUCCESS &&
        v > m->interval_sample_peak[c])
      m->interval_sample_peak[c] = v;
    if ((m->flags & MASTER_LOUDNESS_TRUE_PEAK) &&
        ebur128_prev_true_peak (ST (m), c, &v) == EBUR128_SUCCESS &&
        v > m->interval_true_peak[c])
      m->interval_true_peak[c] = v;
  }
}

/* Non-finite detection on the exponent bits: branch-free, vectorisable. */
static int
has_nonfinite_f32 (const float *s, size_t n)
{
  uint32_t bad = 0;
  size_t i;

  for (i = 0; i < n; i++) {
    uint32_t u;
    memcpy (&u, &s[i], sizeof (u));
    bad |= ((u & 0x7f800000u) == 0x7f800000u);
  }
  return bad != 0;
}

static int
has_nonfinite_f64 (const double *s, size_t n)
{
  uint64_t bad = 0;
  size_t i;

  for (i = 0; i < n; i++) {
    uint64_t u;
    memcpy (&u, &s[i], sizeof (u));
    bad |= ((u & 0x7ff0000000000000ull) == 0x7ff0000000000000ull);
  }
  return bad != 0;
}

#define DEFINE_ADD(sfx, type, ebur_add)                                       \
void                                                                          \
master_loudness_add_##sfx (MasterLoudness * m, const type * src,              \
    size_t n_frames)                                                          \
{                                                                             \
  const size_t ch = m->channels;                                              \
                                                                              \
  if (m->ebur == NULL)                                                        \
    return;                                                                   \
  while (n_frames > 0) {                                                      \
    size_t piece = m->step_frames - m->step_fill;                             \
    const type *in = src;                                                     \
                                                                              \
    if (piece > n_frames)                                                     \
      piece = n_frames;                                                       \
    if (has_nonfinite_##sfx (src, piece * ch)) {                              \
      type *tmp = (type *) m->scratch;                                        \
      size_t i;                                                               \
      for (i = 0; i < piece * ch; i++) {                                      \
        if (isfinite (src[i])) {                                              \
          tmp[i] = src[i];                                                    \
        } else {                                                              \
          tmp[i] = 0;                                                         \
          m->n_nonfinite++;                                                   \
        }                                                                     \
      }                                                                       \
      in = tmp;                                                               \
    }                                                                         \
    ebur_add (ST (m), in, piece);                                             \
    collect_peaks (m);                                                        \
    m->step_fill += piece;                                                    \
    m->n_frames += piece;                                                     \
    if (m->step_fill == m->step_frames) {                                     \
      finish_step (m);                                                        \
      m->step_fill = 0;                                                       \
    }                                                                         \
    src += piece * ch;                                                        \
    n_frames -= piece;                                                        \
  }                                                                           \
}

DEFINE_ADD (f32, float, ebur128_add_frames_float)
DEFINE_ADD (f64, double, ebur128_add_frames_double)

/* mean energy of the last @steps 10 ms steps of the ring */
static double
ring_mean (const MasterLoudness * m, unsigned int steps)
{
  double sum = 0.0;
  unsigned int i, idx = m->step_pos;

  for (i = 0; i < steps; i++) {
    idx = idx == 0 ? MASTER_LOUDNESS_S_STEPS - 1 : idx - 1;
    sum += m->step_energy[idx];
  }
  return sum / steps;
}

double
master_loudness_momentary (const MasterLoudness * m)
{
  double v;
  if (m->ebur == NULL)
    return -HUGE_VAL;
  if (m->ring_exact && m->step_fill == 0)
    return lufs_from_energy (ring_mean (m, MASTER_LOUDNESS_M_STEPS));
  if (ebur128_loudness_momentary (ST (m), &v))
    return -HUGE_VAL;
  return v;
}

double
master_loudness_short_term (const MasterLoudness * m)
{
  double v;
  if (m->ebur == NULL)
    return -HUGE_VAL;
  if (m->ring_exact && m->step_fill == 0)
    return lufs_from_energy (ring_mean (m, MASTER_LOUDNESS_S_STEPS));
  if (ebur128_loudness_shortterm (ST (m), &v))
    return -HUGE_VAL;
  return v;
}

double
master_loudness_integrated (MasterLoudness * m)
{
  unsigned long long key;
  double v;

  if (m->ebur == NULL)
    return -HUGE_VAL;
  key = m->n_frames / m->frames_per_block;
  if (key != m->integrated_key) {
    if (ebur128_loudness_global (ST (m), &v))
      v = -HUGE_VAL;
    m->integrated_cache = v;
    m->integrated_key = key;
  }
  return m->integrated_cache;
}

/* blocks libebur128 holds for integrated loudness (bounded by the history) */
static unsigned long long
held_blocks (const MasterLoudness * m, unsigned long long blocks)
{
  if (m->history_ms > 0 && blocks > m->history_ms / 100)
    return m->history_ms / 100;
  return blocks;
}

double
master_loudness_integrated_live (MasterLoudness * m)
{
  unsigned long long key;

  if (m->ebur == NULL)
    return -HUGE_VAL;
  key = m->n_frames / m->frames_per_block;
  if (m->integrated_key != ~0ull && key >= m->integrated_key &&
      key - m->integrated_key < held_blocks (m, key) /
      (m->live_refresh_div ? m->live_refresh_div : 1))
    return m->integrated_cache;
  return master_loudness_integrated (m);
}

double
master_loudness_range_live (MasterLoudness * m)
{
  unsigned long long key;

  if (m->ebur == NULL || !(m->flags & MASTER_LOUDNESS_RANGE))
    return NAN;
  key = m->n_frames / (10 * m->frames_per_block);
  /* one short-term block per second: a tenth of the gating blocks; the
   * same relative lag as integrated */
  if (m->range_key != ~0ull && key >= m->range_key &&
      key - m->range_key < held_blocks (m, key * 10) / 10 /
      (m->live_refresh_div ? m->live_refresh_div : 1))
    return m->range_cache;
  return master_loudness_range (m);
}

double
master_loudness_momentary_max (const MasterLoudness * m)
{
  return lufs_from_energy (m->momentary_max_energy);
}

double
master_loudness_short_term_max (const MasterLoudness * m)
{
  return lufs_from_energy (m->short_term_max_energy);
}

double
master_loudness_range (MasterLoudness * m)
{
  unsigned long long key;
  double v;

  if (m->ebur == NULL || !(m->flags & MASTER_LOUDNESS_RANGE))
    return NAN;
  /* short-term blocks are added on whole seconds */
  key = m->n_frames / (10 * m->frames_per_block);
  if (key != m->range_key) {
    if (ebur128_loudness_range (ST (m), &v))
      v = NAN;
    m->range_cache = v;
    m->range_key = key;
  }
  return m->range_cache;
}

double
master_loudness_sample_peak (const MasterLoudness * m, int channel)
{
  double v, max = 0.0;
  unsigned int c;

  if (m->ebur == NULL)
    return 0.0;
  for (c = 0; c < m->channels; c++) {
    if (channel >= 0 && (unsigned int) channel != c)
      continue;
    if (ebur128_sample_peak (ST (m), c, &v) == EBUR128_SUCCESS && v > max)
      max = v;
  }
  return max;
}

double
master_loudness_true_peak (const MasterLoudness * m, int channel)
{
  double v, max = 0.0;
  unsigned int c;

  if (m->ebur == NULL || !(m->flags & MASTER_LOUDNESS_TRUE_PEAK))
    return NAN;
  for (c = 0; c < m->channels; c++) {
    if (channel >= 0 && (unsigned int) channel != c)
      continue;
    if (ebur128_true_peak (ST (m), c, &v) == EBUR128_SUCCESS && v > max)
      max = v;
  }
  return max;
}

void
master_loudness_take_interval_peaks (MasterLoudness * m,
    double *sample_peak, double *true_peak)
{
  unsigned int c;

  for (c = 0; c < m->channels; c++) {
    if (sample_peak)
      sample_peak[c] = m->interval_sample_peak[c];
    if (true_peak) {
      /* like ebur128_true_peak(): never below the sample peak */
      double tp = m->interval_true_peak[c];
      if (!(m->flags & MASTER_LOUDNESS_TRUE_PEAK))
        tp = NAN;
      else if (m->interval_sample_peak[c] > tp)
        tp = m->interval_sample_peak[c];
      true_peak[c] = tp;
    }
    m->interval_sample_peak[c] = 0.0;
    m->interval_true_peak[c] = 0.0;
  }
}

double
master_loudness_lin_to_db (double lin)
{
  if (!(lin > 0.0))
    return isnan (lin) ? lin : -HUGE_VAL;
  return 20.0 * log10 (lin);
}
