/* gst-mastering: BS.1770 / EBU R128 loudness measurement
 *
 * MasterLoudness measures momentary (400 ms), short-term (3 s) and integrated
 * loudness (LUFS), loudness range (LU, EBU Tech 3342), sample peak and true
 * peak (per channel, linear or dB) of interleaved float or double frames.
 *
 * Our own implementation of ITU-R BS.1770-4 / EBU Tech 3341-3342, built to
 * give libebur128's figures (tests compare against an independent
 * libebur128 instance) at a fraction of its cost and in constant memory:
 *  - K-weighting designed at any rate as libebur128 does (kweight.h), two
 *    biquads in double, direct form I, channel pairs processed together;
 *  - the weighted energy of every frame of the last 3 s is kept in a ring,
 *    summed per 10 ms step: momentary / short-term loudness are exact
 *    libebur128 windows (4 / 30 times "100 ms" = (rate + 5) / 10 frames) at
 *    any instant, maximum momentary and maximum short-term are sampled every
 *    10 ms (EBU Tech 3341 case 13 needs better than 100 ms resolution);
 *  - gating blocks (400 ms every 100 ms) and short-term blocks for LRA (3 s
 *    every 1 s) exactly when libebur128 makes them, absolute gate -70 LUFS;
 *  - integrated loudness and LRA from fine histograms (0.01 dB bins over
 *    -70..+30 LUFS, beyond +30 counted in the top bin) holding per bin the
 *    exact energy sum, the count and the smallest and largest energy: the
 *    relative gates and the LRA percentiles are resolved exactly unless
 *    several blocks fall in the one 0.01 dB bin a gate or percentile cuts,
 *    so readings agree with libebur128 to well under 0.001 LU (integrated)
 *    and 0.01 LU (LRA); memory does not grow with stream length (320 kB
 *    per histogram, the LRA one only with MASTER_LOUDNESS_RANGE, plus 3 s
 *    of per-frame energies: 1.2 MB at 48 kHz);
 *  - true peak (flag): libebur128's interpolator (49-tap Hann-windowed sinc,
 *    4x below 96 kHz, 2x below 192 kHz, none above), evaluated in double
 *    with AVX2/FMA where available;
 *  - a channel-position enum of our own, mapped to BS.1770 channel weights
 *    (front 1.0, surrounds at +-60..120 degrees 1.41 (+1.5 dB), LFE excluded);
 *  - peaks since the last master_loudness_take_interval_peaks() call, for
 *    meters that report "peak in this interval";
 *  - NaN/Inf protection: a piece containing any non-finite sample is copied
 *    to a scratch buffer with them replaced by 0 (and counted), so the filter
 *    state is never poisoned; filter state is flushed from denormals.
 *
 * No allocation happens in the add functions (everything is sized at init,
 * the history ring at master_loudness_set_history()).
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
  MASTER_LOUDNESS_TRUE_PEAK = 1 << 0,   /* true peak (4x at < 96 kHz, 2x < 192 kHz, as libebur128) */
  MASTER_LOUDNESS_RANGE = 1 << 1,       /* loudness range (LRA) */
  /* only momentary and short-term loudness (gain riders): no peaks, no
   * maxima, no integrated loudness (-HUGE_VAL / 0 / NAN readings) */
  MASTER_LOUDNESS_MOMENTARY_ONLY = 1 << 2,
} MasterLoudnessFlags;

#define MASTER_LOUDNESS_MAX_CHANNELS 64
/* 10 ms steps per momentary (400 ms) and short-term (3 s) window */
#define MASTER_LOUDNESS_M_STEPS 40
#define MASTER_LOUDNESS_S_STEPS 300
/* see master_loudness_integrated_live() */
#define MASTER_LOUDNESS_LIVE_REFRESH_DIV 3600

/* one 0.01 dB bin of a block-energy histogram */
typedef struct {
  double sum;                   /* energies of the blocks in the bin */
  double lo, hi;                /* smallest / largest energy put in since the
                                 * bin was last empty (bounds) */
  unsigned int count;
  unsigned int stale;           /* a block was removed: lo/hi only bounds */
} MasterLoudnessBin;

#define MASTER_LOUDNESS_HIST_BINS 10000         /* -70 .. +30 LUFS */
#define MASTER_LOUDNESS_HIST_GROUP 100          /* bins per 1 dB group */
#define MASTER_LOUDNESS_HIST_GROUPS \
  (MASTER_LOUDNESS_HIST_BINS / MASTER_LOUDNESS_HIST_GROUP)

typedef struct {
  MasterLoudnessBin *bin;       /* MASTER_LOUDNESS_HIST_BINS */
  double group_sum[MASTER_LOUDNESS_HIST_GROUPS];
  unsigned long long group_count[MASTER_LOUDNESS_HIST_GROUPS];
  /* history: ring of the energies of the blocks held (NULL: unlimited) */
  double *ring;
  size_t ring_cap, ring_head, ring_len;
  unsigned long long generation;        /* changes with every block */
} MasterLoudnessHist;

typedef struct {
  /* configuration */
  unsigned int rate;            /* Hz */
  unsigned int channels;
  unsigned int flags;           /* MasterLoudnessFlags */
  unsigned long history_ms;     /* 0 = unlimited */
  double weight[MASTER_LOUDNESS_MAX_CHANNELS];  /* BS.1770 channel weights */
  int ready;                    /* initialised */

  /* K-weighting: coefficients and per-channel state (direct form I:
   * x[n-1], x[n-2], shelf out u[n-1], u[n-2], high pass out z[n-1], z[n-2]) */
  double kw[7];
  double kstate[MASTER_LOUDNESS_MAX_CHANNELS][6];

  /* frames per 10 ms step, per libebur128 "100 ms", windows in frames */
  size_t step_frames;
  size_t frames_per_block;      /* (rate + 5) / 10, as libebur128 rounds */
  size_t m_frames, s_frames;    /* 4 and 30 blocks */
  unsigned long long n_frames;  /* frames measured since reset */
  size_t step_fill;             /* frames into the current step */
  size_t block_fill;            /* frames into the current 100 ms block */
  double step_acc;              /* energy of the current step so far */

  /* weighted energy of every frame of the last s_frames + step_frames */
  double *frame_energy;
  size_t frame_ring;
  /* energy of the last steps (index: step number % step_ring) */
  double *step_energy;
  size_t step_ring;
  int grid_exact;               /* windows are whole steps (rate % 100 == 0) */
  double m_run, s_run;          /* running 400 ms / 3 s step sums (grid_exact) */

  double momentary_max_energy;  /* max of the 400 ms mean since reset */
  double short_term_max_energy; /* max of the 3 s mean since reset */

  /* integrated (gating blocks) and LRA (short-term blocks) */
  MasterLoudnessHist gate, st;

  /* peaks (linear, 1.0 = full scale): programme and since the last
   * take_interval_peaks() */
  double sample_peak[MASTER_LOUDNESS_MAX_CHANNELS];
  double true_peak[MASTER_LOUDNESS_MAX_CHANNELS];
  double interval_sample_peak[MASTER_LOUDNESS_MAX_CHANNELS];
  double interval_true_peak[MASTER_LOUDNESS_MAX_CHANNELS];

  /* true peak interpolator: per channel a linear buffer of history + block */
  unsigned int tp_factor;       /* 4, 2, or 0 (no interpolation) */
  unsigned int tp_taps;         /* taps per phase */
  unsigned int tp_phases;       /* phases computed (the unit one is skipped) */
  double tp_coef[4][32];        /* [phase][tap], tap t reads x[n - t] */
  double *tp_buf;               /* channels * (32 + block) */

  /* non-finite protection */
  void *scratch;                /* step_frames * channels doubles */
  double *zbuf;                 /* step_frames * 2: K-weighted stereo pairs */
  unsigned long long n_nonfinite;       /* non-finite samples replaced by 0 since reset */

  /* integrated / LRA readings are cached until a block changes them; the
   * _live readings are refreshed once blocks / live_refresh_div new blocks
   * have arrived (see master_loudness_integrated_live()) */
  unsigned long long integrated_key, range_key;
  unsigned long long integrated_gen, range_gen;
  double integrated_cache, range_cache;
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
 * (0 = everything since reset, the default), as libebur128's
 * ebur128_set_max_history(): integrated over the last history_ms / 100
 * gating blocks above -70 LUFS, LRA over the last history_ms / 3000
 * short-term blocks (history at least 3000 ms with LRA, 400 ms without).
 * Allocates a ring of history_ms / 100 doubles; memory stays constant with
 * or without a history. Kept across reset. Blocks already dropped are not
 * restored when the history is raised again; setting a history on a
 * measurement running without one restarts integrated and LRA from there
 * (the order of the blocks measured so far is not kept). */
void master_loudness_set_history (MasterLoudness * m, unsigned long history_ms);
/* Forget everything measured (same configuration). Returns 0 or -1 (no memory). */
int master_loudness_reset (MasterLoudness * m);

/* Change the position (weight) of one channel without resetting. */
int master_loudness_set_position (MasterLoudness * m, unsigned int channel,
    MasterLoudnessPosition position);

/* Measure @n_frames interleaved frames. Non-finite samples count as 0. */
void master_loudness_add_f32 (MasterLoudness * m, const float *src,
    size_t n_frames);
void master_loudness_add_f64 (MasterLoudness * m, const double *src,
    size_t n_frames);
/* The same for input the caller has already made finite (no NaN/Inf scan). */
void master_loudness_add_finite_f32 (MasterLoudness * m, const float *src,
    size_t n_frames);
void master_loudness_add_finite_f64 (MasterLoudness * m, const double *src,
    size_t n_frames);

/* Loudness in LUFS (-HUGE_VAL for silence / not enough data) */
double master_loudness_momentary (const MasterLoudness * m);
double master_loudness_short_term (const MasterLoudness * m);
double master_loudness_integrated (MasterLoudness * m);      /* cached per 100 ms block */
/* For frequent readings on long programmes (kept from the libebur128 days,
 * when integrated cost O(blocks); both readings now cost O(1)): return the cached value
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
