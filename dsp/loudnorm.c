/* Loudness normalisation gain, static and live (AGC). See loudnorm.h. */
#include "loudnorm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loudness.h"
#include "nonfinite.h"
#include "master-orc.h"

/* Frames handled per inner step: bounds the gain-curve and scratch buffers. */
#define CHUNK_FRAMES 1024
/* Live analysis: one decision every 100 ms over the last 3 s (30 hops). */
#define HOPS_PER_SECOND 10
#define RING_HOPS 30
/* Fewer accepted blocks than this among the last RING_HOPS: hold. */
#define MIN_ACCEPTED_HOPS 10
/* Blocks rejected only by the relative gate for longer than this (hops) are
 * accepted again: the programme really became quieter. */
#define RELATIVE_GATE_TIMEOUT_HOPS 30

struct _MasterLoudnorm
{
  int channels;
  int rate;
  int hop_frames;               /* frames per 100 ms hop */
  MasterLoudnormParams p;
  MasterLoudness meter;         /* live: momentary loudness of the input */
  MasterLoudnormChannel channel_type[64];

  /* gain ramp (linear gain, applied per sample) */
  double gain_db;               /* gain reached at the end of the ramp, dB */
  double g;                     /* linear gain of the next sample */
  double g_step;                /* per-frame increment while ramping */
  double g_end;                 /* linear gain at the end of the ramp */
  long ramp_left;               /* frames left in the ramp, 0 = steady */
  bool started;                 /* audio processed since reset */

  /* live measurement */
  int hop_pos;                  /* frames into the current hop */
  double ring_energy[RING_HOPS];        /* momentary energy, 0 when gated */
  int ring_pos;
  int relative_gated_hops;      /* consecutive blocks only the relative gate
                                 * rejected */
  double estimate;              /* programme loudness estimate, LUFS */
  double momentary;             /* last momentary loudness, LUFS */
  bool holding;

  float *curve_f32;             /* CHUNK_FRAMES * channels */
  double *curve_f64;
  float *scratch_f32;           /* sanitised input when non-finite seen */
  double *scratch_f64;
};

static double
db_to_lin (double db)
{
  return pow (10.0, db / 20.0);
}

void
master_loudnorm_params_init (MasterLoudnormParams * p)
{
  p->mode = MASTER_LOUDNORM_MODE_STATIC;
  p->target_lufs = -14.0;
  p->measured_lufs = -14.0;
  p->max_gain_db = 30.0;
  p->max_cut_db = 60.0;
  p->max_rate_db_s = 3.0;
  p->gate_lufs = -50.0;
  p->relative_gate_lu = 20.0;
  p->response_s = 2.5;
  p->ramp_s = 0.05;
}

static double
clamp_gain (const MasterLoudnormParams * p, double db)
{
  if (!(db <= p->max_gain_db))  /* also catches NaN */
    db = isnan (db) ? 0.0 : p->max_gain_db;
  if (db < -p->max_cut_db)
    db = -p->max_cut_db;
  return db;
}

double
master_loudnorm_static_gain_db (const MasterLoudnormParams * p)
{
  return clamp_gain (p, p->target_lufs - p->measured_lufs);
}

static MasterLoudnessPosition
channel_position (MasterLoudnormChannel type)
{
  switch (type) {
    case MASTER_LOUDNORM_CHANNEL_UNUSED:
      return MASTER_LOUDNESS_POS_LFE;   /* weight 0 */
    case MASTER_LOUDNORM_CHANNEL_SURROUND:
      return MASTER_LOUDNESS_POS_SURROUND_LEFT; /* weight 1.41 */
    default:
      return MASTER_LOUDNESS_POS_OTHER; /* weight 1 */
  }
}

static int
meter_open (MasterLoudnorm * s)
{
  MasterLoudnessPosition pos[64];
  for (int c = 0; c < s->channels; c++)
    pos[c] = channel_position (s->channel_type[c]);
  return master_loudness_init (&s->meter, (unsigned) s->rate,
      (unsigned) s->channels, pos, MASTER_LOUDNESS_MOMENTARY_ONLY);
}

MasterLoudnorm *
master_loudnorm_new (int channels, int rate)
{
  if (channels < 1 || channels > 64 || rate < 8000 || rate > 384000)
    return NULL;
  MasterLoudnorm *s = calloc (1, sizeof *s);
  if (!s)
    return NULL;
  s->channels = channels;
  s->rate = rate;
  s->hop_frames = rate / HOPS_PER_SECOND;
  for (int c = 0; c < channels; c++)
    s->channel_type[c] = MASTER_LOUDNORM_CHANNEL_NORMAL;
  size_t n = (size_t) CHUNK_FRAMES * (size_t) channels;
  s->curve_f32 = malloc (n * sizeof (float));
  s->curve_f64 = malloc (n * sizeof (double));
  s->scratch_f32 = malloc (n * sizeof (float));
  s->scratch_f64 = malloc (n * sizeof (double));
  if (!s->curve_f32 || !s->curve_f64 || !s->scratch_f32 || !s->scratch_f64
      || meter_open (s) < 0) {
    master_loudnorm_free (s);
    return NULL;
  }
  master_loudnorm_params_init (&s->p);
  master_loudnorm_reset (s);
  return s;
}

void
master_loudnorm_free (MasterLoudnorm * s)
{
  if (!s)
    return;
  master_loudness_clear (&s->meter);
  free (s->curve_f32);
  free (s->curve_f64);
  free (s->scratch_f32);
  free (s->scratch_f64);
  free (s);
}

int
master_loudnorm_set_channel (MasterLoudnorm * s, int channel,
    MasterLoudnormChannel type)
{
  if (channel < 0 || channel >= s->channels)
    return -1;
  s->channel_type[channel] = type;
  master_loudness_set_position (&s->meter, (unsigned) channel,
      channel_position (type));
  return 0;
}

static void
start_ramp (MasterLoudnorm * s, double goal_db, long frames)
{
  s->gain_db = goal_db;
  s->g_end = db_to_lin (goal_db);
  if (frames < 1)
    frames = 1;
  s->g_step = (s->g_end - s->g) / (double) frames;
  s->ramp_left = frames;
}

void
master_loudnorm_set_params (MasterLoudnorm * s, const MasterLoudnormParams * p)
{
  s->p = *p;
  if (s->p.max_rate_db_s <= 0.0 || isnan (s->p.max_rate_db_s))
    s->p.max_rate_db_s = 0.01;
  if (s->p.response_s <= 0.0 || isnan (s->p.response_s))
    s->p.response_s = 0.1;

  if (p->mode != MASTER_LOUDNORM_MODE_STATIC)
    return;                     /* live: the next hop uses the new values */

  double goal = master_loudnorm_static_gain_db (p);
  if (!s->started) {
    s->gain_db = goal;
    s->g = s->g_end = db_to_lin (goal);
    s->ramp_left = 0;
  } else if (goal != s->gain_db) {
    start_ramp (s, goal, lround (p->ramp_s * s->rate));
  }
}

void
master_loudnorm_reset (MasterLoudnorm * s)
{
  master_loudness_reset (&s->meter);
  s->started = false;
  s->hop_pos = 0;
  memset (s->ring_energy, 0, sizeof s->ring_energy);
  s->ring_pos = 0;
  s->relative_gated_hops = 0;
  s->estimate = -HUGE_VAL;
  s->momentary = -HUGE_VAL;
  s->holding = true;
  double g0 = s->p.mode == MASTER_LOUDNORM_MODE_STATIC ?
      master_loudnorm_static_gain_db (&s->p) : 0.0;
  s->gain_db = g0;
  s->g = s->g_end = db_to_lin (g0);
  s->g_step = 0.0;
  s->ramp_left = 0;
}

/* End of a 100 ms hop in live mode: gate, update the estimate, move the gain. */
static void
live_hop (MasterLoudnorm * s)
{
  double m = master_loudness_momentary (&s->meter);
  s->momentary = m;

  bool above_abs = m > s->p.gate_lufs;
  bool above_rel = !isfinite (s->estimate)
      || m > s->estimate - s->p.relative_gate_lu;
  bool accept = above_abs && above_rel;
  if (above_abs && !above_rel) {
    if (++s->relative_gated_hops > RELATIVE_GATE_TIMEOUT_HOPS)
      accept = true;
  } else if (above_abs) {
    s->relative_gated_hops = 0;
  }

  s->ring_energy[s->ring_pos] = accept ? pow (10.0, m / 10.0) : 0.0;
  s->ring_pos = (s->ring_pos + 1) % RING_HOPS;

  double sum = 0.0;
  int count = 0;
  for (int i = 0; i < RING_HOPS; i++) {
    if (s->ring_energy[i] > 0.0) {
      sum += s->ring_energy[i];
      count++;
    }
  }
  /* Hold unless the current block is accepted and enough of the last 3 s is
   * programme: silence, gaps and the first second of a new track after
   * silence never move the gain. */
  if (!accept || count < MIN_ACCEPTED_HOPS) {
    s->holding = true;
    return;
  }
  s->holding = false;

  double short_term = 10.0 * log10 (sum / count);
  double hop_s = (double) s->hop_frames / s->rate;
  if (!isfinite (s->estimate))
    s->estimate = short_term;
  else
    s->estimate += (short_term - s->estimate)
        * (1.0 - exp (-hop_s / s->p.response_s));

  double goal = clamp_gain (&s->p, s->p.target_lufs - s->estimate);
  double max_step = s->p.max_rate_db_s * hop_s;
  double delta = goal - s->gain_db;
  if (delta > max_step)
    delta = max_step;
  else if (delta < -max_step)
    delta = -max_step;
  if (delta != 0.0)
    start_ramp (s, s->gain_db + delta, s->hop_frames);
}

/* One routine per sample type, generated from one body. */
#define DEFINE_PROCESS(sfx, T)                                                \
int                                                                           \
master_loudnorm_process_##sfx (MasterLoudnorm * s, T * dst, const T * src,    \
    int n_frames)                                                             \
{                                                                             \
  int flags = 0;                                                              \
  const int ch = s->channels;                                                 \
  const bool live = s->p.mode == MASTER_LOUDNORM_MODE_LIVE;                   \
  s->started = true;                                                          \
  while (n_frames > 0) {                                                      \
    long n = n_frames < CHUNK_FRAMES ? n_frames : CHUNK_FRAMES;               \
    if (live && n > s->hop_frames - s->hop_pos)                               \
      n = s->hop_frames - s->hop_pos;                                         \
    if (s->ramp_left > 0 && n > s->ramp_left)                                 \
      n = s->ramp_left;                                                       \
    const int ns = (int) n * ch;                                              \
    /* Non-finite input: measure and output it as 0. */                      \
    const T *in = src;                                                        \
    if (master_nonfinite_any_##sfx (src, (size_t) ns)) {                      \
      master_nonfinite_zero_##sfx (s->scratch_##sfx, src, (size_t) ns);       \
      in = s->scratch_##sfx;                                                  \
      flags |= MASTER_LOUDNORM_NONFINITE_INPUT;                               \
    }                                                                         \
    if (live)                                                                 \
      master_loudness_add_finite_##sfx (&s->meter, in, (size_t) n);           \
    if (s->ramp_left > 0) {                                                   \
      T *curve = s->curve_##sfx;                                              \
      /* g0 + k step, not a running sum: no serial chain of additions */    \
      const double g0 = s->g, gs = s->g_step;                                 \
      double g = g0 + (double) n * gs;                                        \
      if (ch == 1 || (ch == 2 && sizeof (T) == sizeof (float))) {             \
        for (long i = 0; i < n; i++)                                          \
          curve[i] = (T) (g0 + (double) (i + 1) * gs);                        \
      } else {                                                                \
        for (long i = 0; i < n; i++) {                                        \
          const T gi = (T) (g0 + (double) (i + 1) * gs);                      \
          for (int c = 0; c < ch; c++)                                        \
            curve[i * ch + c] = gi;                                           \
        }                                                                     \
      }                                                                       \
      s->ramp_left -= n;                                                      \
      s->g = s->ramp_left > 0 ? g : s->g_end;                                 \
      if (ch == 2 && sizeof (T) == sizeof (float))                            \
        master_orc_gain_curve_stereo_f32 ((float *) dst, (const float *) in,  \
            (const float *) curve, (int) n);                                  \
      else                                                                    \
        master_orc_gain_curve_##sfx (dst, in, curve, ns);                     \
    } else if (s->g != 1.0) {                                                 \
      master_orc_gain_##sfx (dst, in, (T) s->g, ns);                          \
    } else if (dst != in) {                                                   \
      memmove (dst, in, (size_t) ns * sizeof (T));                            \
    }                                                                         \
    src += ns;                                                                \
    dst += ns;                                                                \
    n_frames -= (int) n;                                                      \
    if (live) {                                                               \
      s->hop_pos += (int) n;                                                  \
      if (s->hop_pos >= s->hop_frames) {                                      \
        s->hop_pos = 0;                                                       \
        live_hop (s);                                                         \
      }                                                                       \
    }                                                                         \
  }                                                                           \
  return flags;                                                               \
}

DEFINE_PROCESS (f32, float)
DEFINE_PROCESS (f64, double)

void
master_loudnorm_hold (MasterLoudnorm * s, int n_frames)
{
  /* A gap is not programme: nothing to measure, the gain stays where it is
   * (a running ramp resumes with the next real buffer). Time has passed,
   * so later gain changes ramp instead of jumping. */
  (void) n_frames;
  s->started = true;
}

double
master_loudnorm_get_gain_db (const MasterLoudnorm * s)
{
  return s->g > 0.0 ? 20.0 * log10 (s->g) : -HUGE_VAL;
}

double
master_loudnorm_get_loudness (const MasterLoudnorm * s)
{
  return s->p.mode == MASTER_LOUDNORM_MODE_LIVE ? s->estimate :
      s->p.measured_lufs;
}

double
master_loudnorm_get_momentary (const MasterLoudnorm * s)
{
  return s->momentary;
}

bool
master_loudnorm_is_holding (const MasterLoudnorm * s)
{
  return s->p.mode == MASTER_LOUDNORM_MODE_LIVE && s->holding;
}
