/* Lookahead true-peak limiter.
 *
 * Signal path, per frame (all channels interleaved):
 *
 *   input gain (smoothed) -> true-peak detector (truepeak.h, 1x/4x/8x)
 *   -> required gain r = min(1, target / linked peak)
 *   -> sliding minimum of r over W = L + 2P frames (van Herk / Gil-Werman
 *      per chunk: O(1) per frame, no data-dependent branches)
 *   -> release (one-pole, only upwards; auto mode adapts the time constant)
 *   -> moving average (box) over L frames
 *   -> applied to the input delayed by D = delay(detector) + L - 1 + P.
 *
 * Why it never overshoots: every value entering the box average at the
 * frames around a peak is <= the peak's r (the minimum window covers them),
 * so the average is <= r on 2P+1 output frames centred on the peak: the gain
 * ramps down linearly over the L lookahead frames, sits on a small plateau
 * across the peak (so the band-limited reconstruction between output samples
 * sees a constant gain there), then releases.
 *
 * Final safety (the ceiling guarantee on pathological input):
 *  1. the detector is flat to about 0.49 fs (two stages, 256-tap half-band
 *     first), and its worst-case inter-sample under-read, measured at init
 *     for its oversampling factor (master_truepeak_get_margin(): 0.068 dB at
 *     4x, 0.025 dB at 8x, for sinusoids up to 0.49 fs), is taken off the
 *     target: target = ceiling / margin;
 *  2. the detector's phase 0 is the input sample itself, so every output
 *     sample is <= ceiling by construction; a last clamp to +-ceiling (the
 *     ceiling that was in force when that sample was detected) only removes
 *     floating-point rounding (it never engages by more than 1e-6 relative);
 *  3. what remains: energy within about 0.01 fs of Nyquist is under-read
 *     (a tone at fs/2 itself has no defined inter-sample peak); white noise
 *     20 dB over the ceiling comes out +0.10 dB (4x) / +0.14 dB (8x) over it
 *     by a strict 16x meter, programme material within +0.04 dB;
 *  4. non-finite input samples are replaced by 0 before anything else sees
 *     them (counted and returned), so no state can be poisoned; finite
 *     samples beyond +-1e6 (+120 dBFS, after the input gain) are clipped
 *     there so every gain stays representable with full precision.
 *
 * Time constants: release is a one-pole on the linear gain (63 % of a step
 * after `release_ms`). Auto release blends between release/4 (recovery from
 * short dips deeper than the programme's 1 s average gain) and 2 x release
 * (recovery of sustained reduction), by the depth of the dip (fully fast at
 * 3 dB below the average). Ceiling and input gain move with a 10 ms one-pole
 * (no zipper noise when automated).
 *
 * No allocation after master_limiter_new(). */
#ifndef MASTER_LIMITER_H
#define MASTER_LIMITER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct MasterLimiter MasterLimiter;

typedef struct
{
  double ceiling_db;            /* dBTP (dBFS for sample-peak mode) */
  double input_gain_db;         /* dB */
  double release_ms;            /* ms, one-pole time constant */
  int auto_release;             /* bool */
  double link;                  /* 0 = channels independent .. 1 = linked */
} MasterLimiterParams;

void master_limiter_params_init (MasterLimiterParams * p);

/* oversampling: 1 (sample peak), 4 or 8. lookahead_ms >= 0 (at least one
 * frame is used). NULL on bad arguments. */
MasterLimiter *master_limiter_new (int channels, int rate, double lookahead_ms,
    int oversampling);
void master_limiter_free (MasterLimiter * lim);
/* Back to silence; the next set_params takes effect without smoothing. */
void master_limiter_reset (MasterLimiter * lim);

/* Total delay in frames: output frame n carries input frame n - latency. */
int master_limiter_get_latency (const MasterLimiter * lim);
/* Linear factor taken off the ceiling for the detector's error bound. */
double master_limiter_get_margin (const MasterLimiter * lim);

/* Ceiling and input gain are smoothed toward the new values (unless this is
 * the first call after new/reset); the others apply at once. */
void master_limiter_set_params (MasterLimiter * lim, const MasterLimiterParams * p);

/* dst may be NULL (output discarded, state advanced); src may be NULL
 * (silence is fed: used to drain the tail). dst may equal src.
 * Returns the number of non-finite input samples replaced by 0. */
size_t master_limiter_process_f32 (MasterLimiter * lim, float *dst,
    const float *src, size_t n_frames);
size_t master_limiter_process_f64 (MasterLimiter * lim, double *dst,
    const double *src, size_t n_frames);

/* Smallest gain (linear, <= 1) applied to any channel since the last call;
 * resets the tracker to 1. */
double master_limiter_take_min_gain (MasterLimiter * lim);

#ifdef __cplusplus
}
#endif
#endif
