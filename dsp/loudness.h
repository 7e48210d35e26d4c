/* gst-mastering: BS.1770 / EBU R128 loudness measurement (libebur128 wrapper)
 *
 * MasterLoudness measures momentary (400 ms), short-term (3 s) and integrated
 * loudness (LUFS), loudness range (LU, EBU Tech 3342), sample peak and true
 * peak (per channel, linear or dB) of interleaved float or double frames.
 *
 * All loudness work is done by libebur128 (non-histogram mode, so gating and
 * the LRA percentiles use exact block energies). This module adds:
 *  - a channel-position enum of our own, mapped to BS.1770 channel weights
 *    (front 1.0, surrounds at +-60..120 degrees 1.41 (+1.5 dB), LFE excluded);
 *  - maximum momentary and maximum short-term loudness sampled every 10 ms
 *    (EBU Tech 3341 case 13 needs better than 100 ms resolution): frames are
 *    fed to libebur128 in pieces ending on a 10 ms grid counted from the
 *    stream start, the energy of each 10 ms step is read back and kept in a
 *    ring, and the 400 ms / 3 s means are taken over 40 / 300 steps;
 *  - peaks since the last master_loudness_take_interval_peaks() call, for
 *    meters that report "peak in this interval";
 *  - NaN/Inf protection: libebur128's filter state would be poisoned for
 *    ever by one non-finite sample, so a block containing any is copied to a
 *    scratch buffer with the non-finite samples replaced by 0 and counted.
 *
 * No allocation happens in the add functions (the scratch buffer is sized at
 * init), except inside libebur128 itself (one small list node per 100 ms
 * gating block and per 1 s short-term block while measuring integrated
 * loudness / LRA).
 *
 * Silence: loudness of digital silence is -infinity (-HUGE_VAL), exactly as
 * libebur128 reports it; peaks of silence in dB are -infinity as well.
 */
#ifndef MASTER_LOUDNESS_H
#define MASTER_LOUDNESS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loudspeaker position of one channel, for BS.1770 weighting. */
typedef enum {
  MASTER_LOUDNESS_POS_OTHER = 0,        /* weight 1.0 (unknown/any front or top position) */
  MASTER_LOUDNESS_POS_MONO,             /* single channel, weight 1.0 */
  MASTER_LOUDNESS_POS_DUAL_MONO,        /* mono meant for two loudspeakers: counted twice (+3 dB) */
  MASTER_LOUDNESS_POS_FRONT_LEFT,       /* +30 deg, weight 1.0 */
  MASTER_LOUDNESS_POS_FRONT_RIGHT,      /* -30 deg, weight 1.0 */
  MASTER_LOUDNESS_POS_FRONT_CENTER,     /* 0 deg, weight 1.0 */
  MASTER_LOUDNESS_POS_LFE,              /* excluded from loudness (peaks still measured) */
  MASTER_LOUDNESS_POS_SURROUND_LEFT,    /* +110 deg (5.1 Ls), weight 1.41 */
  MASTER_LOUDNESS_POS_SURROUND_RIGHT,   /* -110 deg (5.1 Rs), weight 1.41 */
  MASTER_LOUDNESS_POS_SIDE_LEFT,        /* +90 deg (7.1 Lss), weight 1.41 */
  MASTER_LOUDNESS_POS_SIDE_RIGHT,       /* -90 deg (7.1 Rss), weight 1.41 */
  MASTER_LOUDNESS_POS_BACK_LEFT,        /* +135..150 deg (7.1 Lrs), weight 1.0 */
  MASTER_LOUDNESS_POS_BACK_RIGHT,       /* -135..150 deg (7.1 Rrs), weight 1.0 */
  MASTER_LOUDNESS_POS_BACK_CENTER,      /* 180 deg, weight 1.0 */
} MasterLoudnessPosition;

/* Measurement flags for master_loudness_init(). Momentary, short-term,
 * integrated loudness and sample peak are always measured. */
typedef enum {
  MASTER_LOUDNESS_TRUE_PEAK = 1 << 0,   /* true peak (libebur128: 4x at < 96 kHz, 2x < 192 kHz) */
  MASTER_LOUDNESS_RANGE = 1 << 1,       /* loudness range (LRA) */
} MasterLoudnessFlags;

#define MASTER_LOUDNESS_MAX_CHANNELS 64
/* 10 ms steps per momentary (400 ms) and short-term (3 s) window */
#define MASTER_LOUDNESS_M_STEPS 40
#define MASTER_LOUDNESS_S_STEPS 300
/* see master_loudness_integrated_live() */
#define MASTER_LOUDNESS_LIVE_REFRESH_DIV 3600

typedef struct {
  /* configuration */
  unsigned int rate;            /* Hz */
  unsigned int channels;
  unsigned int flags;           /* MasterLoudnessFlags */
  unsigned long history_ms;     /* 0 = unlimited */
  int ebur_map[MASTER_LOUDNESS_MAX_CHANNELS];     /* libebur128 channel per channel */

  void *ebur;                   /* ebur128_state *, NULL when not initialised */

  /* 10 ms grid: frames per step, and frames already fed in the current step */
  size_t step_frames;
  size_t step_fill;

  /* energy (mean square, weighted) of the last 300 10 ms steps, ring */
  double step_energy[MASTER_LOUDNESS_S_STEPS];
  unsigned int step_pos;        /* index of the next step to write */
  double momentary_max_energy;  /* max of the 40-step mean since reset */
  double short_term_max_energy; /* max of the 300-step mean since reset */

  /* peaks (linear, 1.0 = full scale) since the last take_interval_peaks() */
  double interval_sample_peak[MASTER_LOUDNESS_MAX_CHANNELS];
  double interval_true_peak[MASTER_LOUDNESS_MAX_CHANNELS];

  /* non-finite protection */
  void *scratch;                /* step_frames * channels doubles */
  unsigned long long n_nonfinite;       /* non-finite samples replaced by 0 since reset */

  unsigned long long n_frames;  /* frames measured since reset */

  /* the 10 ms ring equals libebur128's 400 ms / 3 s windows exactly when
   * the rate is a multiple of 100 Hz: then current M and S come from it at
   * step boundaries instead of rescanning 3 s of filtered audio */
  int ring_exact;
  unsigned long long frames_per_block;  /* libebur128's 100 ms */
  /* integrated / LRA change only when libebur128 adds a gating block
   * (every 100 ms) / a short-term block (every 1 s): cache them */
  unsigned long long integrated_key, range_key;
  double integrated_cache, range_cache;
  /* the _live readings are refreshed once blocks / live_refresh_div new
   * blocks have arrived (see master_loudness_integrated_live()) */
  unsigned int live_refresh_div;
} MasterLoudness;

/* Initialise for @rate Hz and @channels (1..MASTER_LOUDNESS_MAX_CHANNELS)
 * with channel @positions (array of @channels; NULL: 1 ch = mono, 2 = L R,
 * 5/6 = L R C (LFE) Ls Rs in libebur128/WAV order, else all weight 1.0).
 * @m must be zeroed or cleared before the first call.
 * Returns 0 on success, -1 on bad arguments or out of memory. */
int master_loudness_init (MasterLoudness * m, unsigned int rate,
    unsigned int channels, const MasterLoudnessPosition * positions,
    unsigned int flags);
/* Free everything; @m can be init()ed again. Safe on a zeroed/cleared struct. */
void master_loudness_clear (MasterLoudness * m);
/* Limit integrated loudness and LRA to the last @history_ms milliseconds
 * (0 = everything since reset, the default). libebur128 keeps every 100 ms
 * gating block, so an unlimited history grows by ~32 bytes per 100 ms and
 * integrated loudness costs O(blocks) to compute: bound it on endless
 * streams. Kept across reset. Blocks already dropped are not restored when
 * the history is raised again. */
void master_loudness_set_history (MasterLoudness * m, unsigned long history_ms);
/* Forget everything measured (same configuration). Returns 0 or -1 (no memory). */
int master_loudness_reset (MasterLoudness * m);

/* Measure @n_frames interleaved frames. Non-finite samples count as 0. */
void master_loudness_add_f32 (MasterLoudness * m, const float *src,
    size_t n_frames);
void master_loudness_add_f64 (MasterLoudness * m, const double *src,
    size_t n_frames);

/* Loudness in LUFS (-HUGE_VAL for silence / not enough data) */
double master_loudness_momentary (const MasterLoudness * m);
double master_loudness_short_term (const MasterLoudness * m);
double master_loudness_integrated (MasterLoudness * m);      /* cached per 100 ms block */
/* For frequent readings on long programmes: libebur128 computes integrated
 * loudness in O(blocks) (one block per 100 ms, unless a history bounds them)
 * and LRA in O(n log n) of its 1 s blocks. These return the cached value
 * until 1/3600 of the blocks held are new, so the reading lags by at most
 * 1/3600 of the programme (none up to 6 minutes for integrated and 1 hour
 * for LRA, 1 s per hour beyond), and the amortised cost per block stays
 * that of a 6-minute programme. Use the plain functions for final results. */
double master_loudness_integrated_live (MasterLoudness * m);
double master_loudness_range_live (MasterLoudness * m);
double master_loudness_momentary_max (const MasterLoudness * m);
double master_loudness_short_term_max (const MasterLoudness * m);
/* Loudness range in LU (0 when undefined); NAN when not enabled */
double master_loudness_range (MasterLoudness * m);   /* cached per 1 s block */

/* Programme peaks since reset, linear (1.0 = 0 dBFS). True peak includes the
 * sample peak (never below it); NAN when true peak is not enabled.
 * @channel < 0: maximum over all channels. */
double master_loudness_sample_peak (const MasterLoudness * m, int channel);
double master_loudness_true_peak (const MasterLoudness * m, int channel);
/* Copy the per-channel peaks since the previous call (or reset) into
 * @sample_peak / @true_peak (arrays of channels, either may be NULL) and
 * restart the interval. */
void master_loudness_take_interval_peaks (MasterLoudness * m,
    double *sample_peak, double *true_peak);

/* 20 log10(linear), -HUGE_VAL for 0 */
double master_loudness_lin_to_db (double lin);

#ifdef __cplusplus
}
#endif
#endif /* MASTER_LOUDNESS_H */
