/* gst-mastering: dynamics (compressor) core.
 *
 * Signal flow per frame (interleaved, 1..8 channels):
 *
 *   input -> [mid/side encode] -> sidechain: [HPF] -> level detector (peak or
 *   RMS, dBFS) -> stereo link -> gain computer (threshold/ratio/knee, dB) ->
 *   attack/release smoothing of the gain reduction (dB) -> gain
 *   audio:  input -> lookahead delay -> * (1 + mix * (gain * makeup - 1))
 *   -> [mid/side decode] -> output
 *
 * Levels: the peak detector uses the sample magnitude; the RMS detector uses a
 * mean square over a 20 ms one-pole window, read +3.01 dB so that a sine reads
 * the same level (its peak, dBFS) in both modes (AES17 convention).
 *
 * Time constants (QUALITY.md "Dynamics"): attack and release are one-pole time
 * constants: after a level step the gain reduction (in dB) has covered 63.2 %
 * (1 - 1/e) of its way after `attack` ms (gain reduction growing) or after
 * `release` ms (gain reduction shrinking).  The release stage is a peak
 * follower (instant rise, one-pole fall) followed by the attack one-pole
 * (the "smooth decoupled" detector of Giannoulis, Massberg and Reiss, JAES
 * 2012); the release follower's own time constant is solved at configure time
 * so that the cascade meets the 63 % definition exactly from steady state.
 *
 * Speed: levels go to dB and gain reductions back to gains through
 * fastmath.h (error < 1e-8 dB, 1e-10 relative), in 4-lane loops over blocks
 * of 128 frames; only the attack/release recursion is serial (stepped two
 * frames at a time).  tests/dsp/test_dynamics.c holds the processor within
 * 1e-6 dB of a plain libm implementation of this model.
 *
 * Pure C, no allocation in process, NaN/Inf-safe (non-finite or absurd input
 * samples, |x| > 1e9, are replaced by 0 and reported).
 */
#ifndef MASTER_DYNAMICS_H
#define MASTER_DYNAMICS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  MASTER_DYNAMICS_DETECTOR_PEAK = 0,
  MASTER_DYNAMICS_DETECTOR_RMS = 1
} MasterDynamicsDetector;

typedef enum {
  MASTER_DYNAMICS_MODE_STEREO = 0,      /* channels as they are (any count) */
  MASTER_DYNAMICS_MODE_MID_SIDE = 1     /* 2 channels only: M=(L+R)/2, S=(L-R)/2 */
} MasterDynamicsMode;

typedef struct {
  double threshold_db;          /* dBFS, -80..0 */
  double ratio;                 /* >= 1 (1 = no compression) */
  double knee_db;               /* full knee width, dB, >= 0 (0 = hard) */
  double attack_ms;             /* one-pole time constant, ms */
  double release_ms;            /* one-pole time constant, ms */
  int auto_release;             /* program-dependent release */
  MasterDynamicsDetector detector;
  double link;                  /* 0 = independent channels, 1 = fully linked */
  MasterDynamicsMode mode;
  double sidechain_hpf_hz;      /* 12 dB/oct Butterworth, 0 = off */
  double makeup_db;             /* dB */
  int auto_makeup;              /* adds -gain_computer(0 dBFS)/2 */
  double mix;                   /* 0 = dry, 1 = fully compressed */
} MasterDynamicsParams;

typedef struct MasterDynamics MasterDynamics;

/* Defaults: threshold -18 dB, ratio 2, knee 6 dB, attack 10 ms, release
 * 100 ms, peak detector, link 1, stereo mode, no HPF, no makeup, mix 1. */
void master_dynamics_params_init (MasterDynamicsParams * p);

/* Static curve: output gain in dB (<= 0) the gain computer gives for a
 * steady detector level `level_db` (Giannoulis et al. soft knee). */
double master_dynamics_gain_computer_db (const MasterDynamicsParams * p,
    double level_db);

/* Total makeup in dB the params ask for (makeup + automatic makeup). */
double master_dynamics_makeup_total_db (const MasterDynamicsParams * p);

/* Returns NULL on bad arguments. max_lookahead_ms bounds
 * master_dynamics_set_lookahead(). */
MasterDynamics *master_dynamics_new (int channels, double rate,
    double max_lookahead_ms);
void master_dynamics_free (MasterDynamics ** d);

/* May be called between any two process calls: level/gain changes go through
 * the attack/release smoother, makeup and mix are smoothed (10 ms). */
void master_dynamics_set_params (MasterDynamics * d,
    const MasterDynamicsParams * p);

/* Sets the lookahead (audio delay), clears the delay line; returns the
 * latency in frames (constant while the value is unchanged). */
int master_dynamics_set_lookahead (MasterDynamics * d, double ms);
int master_dynamics_get_latency (const MasterDynamics * d);

/* Clears all state (detector, smoother, delay line, filters); parameter
 * smoothers jump to their targets. */
void master_dynamics_reset (MasterDynamics * d);

/* dst may equal src.  Return the number of non-finite/absurd input samples
 * replaced by 0 in this call (0 normally). */
int master_dynamics_process_f32 (MasterDynamics * d, float *dst,
    const float *src, int n_frames);
int master_dynamics_process_f64 (MasterDynamics * d, double *dst,
    const double *src, int n_frames);

/* Vector loops (AVX2/FMA, when the CPU has them) or plain C: 1 = vector
 * loops where available (the default), 0 = plain C.  Process-wide; returns
 * the previous setting.  For tests, which check both. */
int master_dynamics_use_simd (int enable);

/* In place, for callers whose samples are already known finite and sane
 * (the multiband's crossover outputs): process_f64 without the input
 * check. */
void master_dynamics_process_inplace_f64 (MasterDynamics * d, double *buf,
    int n_frames);

/* Largest gain reduction in dB (>= 0) over all channels since the previous
 * call (or reset), then restarts the maximum. */
double master_dynamics_take_gain_reduction_db (MasterDynamics * d);

/* Current gain reduction in dB (>= 0), maximum over channels. */
double master_dynamics_get_gain_reduction_db (const MasterDynamics * d);

/* 1 when the processor currently changes nothing but the lookahead delay:
 * no gain reduction left (< 1e-6 dB) and makeup settled at 0 dB. */
int master_dynamics_is_transparent (const MasterDynamics * d);

#ifdef __cplusplus
}
#endif
#endif /* MASTER_DYNAMICS_H */
