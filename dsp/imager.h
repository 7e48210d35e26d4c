/* masterdsp: stereo imager (mid/side width, gains, bass mono, balance)
 *
 * Signal flow per frame (L, R interleaved, stereo only):
 *
 *   M = (L + R) / 2            S = (L - R) / 2
 *   S' = S + bm * (HP(S) - S)  HP = Linkwitz-Riley 4th-order high-pass at
 *                               bass-mono Hz, bm = bass-mono on/off ramp
 *   M'' = gm * M               S'' = gs * w * S'
 *   L' = bl * (M'' + S'')      R' = br * (M'' - S'')
 *
 * gm = 10^(mid_gain_db/20), gs = 10^(side_gain_db/20), w = width (0 = mono,
 * 1 = unchanged, 2 = double side), balance b: bl = min(1, 1 - b),
 * br = min(1, 1 + b) (the opposite channel is attenuated linearly; 0 = both
 * unity, +1 = left silent).
 *
 * Bass mono: the side signal is split by an LR4 crossover (two cascaded
 * 2nd-order Butterworth sections, bilinear with pre-warping). LR4 low + LR4
 * high is an allpass, so the split sums flat in magnitude; the low band of the
 * side is discarded and the high band kept. The mid path does not pass through
 * any filter: mid is untouched bit-exactly. Attenuation of side content one
 * octave below the frequency: 24.6 dB (|HP|^2 of Butterworth at f/fc = 0.5);
 * at the frequency itself -6.02 dB; one octave above -0.26 dB. Above the
 * frequency the side signal carries the LR4 allpass phase shift relative to
 * mid (the price of leaving mid untouched; a linear-phase split would add
 * latency).
 *
 * Every gain (gm, gs*w, bl, br), the bass-mono on/off mix and the bass-mono
 * frequency are smoothed: a change starts a linear ramp of `smoothing`
 * seconds (default 0.02) from the current value, so automation never clicks;
 * the ramp ends exactly on the target. When every target is neutral and all
 * ramps have ended the process is a copy (bit-exact null).
 *
 * Statistics of the output for meters are accumulated per call: sums of L^2,
 * R^2 and L*R (double), from which correlation (-1..1) and mid/side RMS levels
 * in dBFS are derived.
 *
 * No allocation in process; NaN/Inf input samples are replaced by 0 and the
 * filter state is reset for that block.
 */
#ifndef MASTER_IMAGER_H
#define MASTER_IMAGER_H

#include <stddef.h>
#include <stdint.h>
#include <math.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct MasterImager MasterImager;

typedef struct {
  double width;          /* 0..2, 1 = unchanged */
  double mid_gain_db;    /* dB */
  double side_gain_db;   /* dB */
  double bass_mono_hz;   /* Hz, 0 = off */
  double balance;        /* -1..1, 0 = centre */
} MasterImagerParams;

typedef struct {
  uint64_t n_frames;     /* frames accumulated */
  double sum_ll;         /* sum L^2 of the output */
  double sum_rr;         /* sum R^2 of the output */
  double sum_lr;         /* sum L*R of the output */
} MasterImagerStats;

#define MASTER_IMAGER_WIDTH_MAX 2.0
#define MASTER_IMAGER_BASS_MONO_MIN_HZ 10.0
#define MASTER_IMAGER_LEVEL_FLOOR_DB (-INFINITY)

/* neutral parameters: width 1, everything else 0 */
void master_imager_params_init (MasterImagerParams * p);
int master_imager_params_is_neutral (const MasterImagerParams * p);

/* Returns NULL on bad rate (< 1000 Hz) or allocation failure. */
MasterImager *master_imager_new (double rate);
void master_imager_free (MasterImager ** im);

/* Ramp length in seconds (default 0.02). */
void master_imager_set_smoothing (MasterImager * im, double seconds);

/* New targets; values are clamped to their ranges. Ramps start at the next
 * processed frame from the current value. */
void master_imager_set_params (MasterImager * im, const MasterImagerParams * p);

/* Clear filter state and end all ramps on their targets (flush, discont). */
void master_imager_reset (MasterImager * im);

/* True when the targets are neutral and no ramp is running: processing is
 * then a copy. */
int master_imager_is_neutral (const MasterImager * im);

/* Process n_frames stereo frames; dst may equal src. Returns the number of
 * non-finite input samples replaced by 0 (0 normally). */
size_t master_imager_process_f32 (MasterImager * im, float *dst,
    const float *src, size_t n_frames);
size_t master_imager_process_f64 (MasterImager * im, double *dst,
    const double *src, size_t n_frames);

/* Add statistics of n_frames stereo frames (used in passthrough, where
 * process is not called). Non-finite samples are skipped. */
void master_imager_analyse_f32 (MasterImager * im, const float *src,
    size_t n_frames);
void master_imager_analyse_f64 (MasterImager * im, const double *src,
    size_t n_frames);

/* Statistics since the last take; take also clears them. */
void master_imager_take_stats (MasterImager * im, MasterImagerStats * out);

/* Derived values. Correlation = sum(LR) / sqrt(sum(LL) sum(RR)), 0 when
 * either channel is silent. Levels are RMS in dBFS, floored at
 * MASTER_IMAGER_LEVEL_FLOOR_DB (-infinity: digital silence, as mastermeter). */
double master_imager_stats_correlation (const MasterImagerStats * s);
double master_imager_stats_mid_db (const MasterImagerStats * s);
double master_imager_stats_side_db (const MasterImagerStats * s);

/* Magnitude (linear) of the bass-mono side filter at freq for cutoff fc,
 * computed from the digital coefficients: used by tests and docs. lowpass
 * selects the complementary LR4 low-pass; sum gives |LP + HP|. */
double master_imager_bass_mono_response (double rate, double fc, double freq,
    int which /* 0 = high-pass, 1 = low-pass, 2 = sum */ );

#ifdef __cplusplus
}
#endif
#endif /* MASTER_IMAGER_H */
