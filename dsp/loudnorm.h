/* Loudness normalisation gain: static (one gain from a measured integrated
 * loudness) and live (an AGC that rides the gain slowly toward a target).
 *
 * Static mode: gain = target - measured, clamped to [-max_cut, +max_gain] dB.
 * Exact by construction; a change of target/measured while running moves the
 * gain in a linear ramp of ramp_s seconds (no zipper noise, no click).
 *
 * Live mode (feed-forward, measures the input, so it cannot oscillate):
 *  - every hop (100 ms) the BS.1770 momentary loudness of the input (400 ms
 *    block, K-weighted, channel-weighted; dsp/loudness) is taken;
 *  - a block is *gated* (ignored) when it is below gate_lufs (silence) or more
 *    than relative_gate_lu below the current programme estimate (pauses,
 *    fade-outs, the quiet tail of a track). A block that passes only the
 *    absolute gate is still accepted once such blocks have lasted longer than
 *    3 s, so a programme that really got much quieter is followed;
 *  - the gated short-term energy (mean energy of the accepted blocks among the
 *    last 3 s) feeds a slow one-pole integrator in dB with time constant
 *    response_s: the programme loudness estimate L;
 *  - the gain goal is target - L (clamped); the applied gain moves toward it
 *    at no more than max_rate_db_s dB/s, as a per-sample linear ramp.
 *  When fewer than a third of the last 3 s are accepted (silence, a track
 *  boundary, a GAP) nothing is updated: the gain holds. Silence never dilutes
 *  the estimate, so a quiet gap between tracks does not pump the gain.
 *
 * Units: LUFS for loudness, dB/LU for gains, seconds for times. */
#ifndef MASTER_LOUDNORM_H
#define MASTER_LOUDNORM_H

#include <stdbool.h>

typedef enum {
  MASTER_LOUDNORM_MODE_STATIC = 0,
  MASTER_LOUDNORM_MODE_LIVE = 1,
} MasterLoudnormMode;

/* BS.1770 channel weighting for the live measurement. */
typedef enum {
  MASTER_LOUDNORM_CHANNEL_UNUSED = 0,   /* excluded (LFE) */
  MASTER_LOUDNORM_CHANNEL_NORMAL = 1,   /* L, R, C: weight 1.0 */
  MASTER_LOUDNORM_CHANNEL_SURROUND = 2, /* Ls, Rs: weight 1.41 (+1.5 dB) */
} MasterLoudnormChannel;

typedef struct {
  MasterLoudnormMode mode;
  double target_lufs;       /* LUFS: loudness to reach */
  double measured_lufs;     /* LUFS: static mode, integrated loudness of the
                             * input from an analysis pass */
  double max_gain_db;       /* dB >= 0: largest boost applied (both modes) */
  double max_cut_db;        /* dB >= 0: largest attenuation applied */
  double max_rate_db_s;     /* dB/s > 0: live mode, fastest gain movement */
  double gate_lufs;         /* LUFS: live, momentary below this is silence */
  double relative_gate_lu;  /* LU > 0: live, blocks this far below the
                             * estimate are ignored */
  double response_s;        /* s: live, time constant of the estimate */
  double ramp_s;            /* s: static, duration of a gain change */
} MasterLoudnormParams;

/* Result flags of the process functions. */
#define MASTER_LOUDNORM_NONFINITE_INPUT 1

typedef struct _MasterLoudnorm MasterLoudnorm;

/* Defaults: static mode, target -14 LUFS, measured -14 (0 dB), max gain
 * 30 dB, max cut 60 dB, max rate 3 dB/s, gate -50 LUFS, relative gate 20 LU,
 * response 2.5 s, ramp 0.05 s. */
void master_loudnorm_params_init (MasterLoudnormParams * p);

/* Gain in dB static mode applies for these parameters (clamped). */
double master_loudnorm_static_gain_db (const MasterLoudnormParams * p);

/* channels 1..64, rate 8000..384000 Hz. Returns NULL on bad arguments or
 * allocation failure. All channels start NORMAL. */
MasterLoudnorm *master_loudnorm_new (int channels, int rate);
void master_loudnorm_free (MasterLoudnorm * s);

/* Returns 0 on success, -1 on a bad channel index. Call before processing. */
int master_loudnorm_set_channel (MasterLoudnorm * s, int channel,
    MasterLoudnormChannel type);

/* Takes effect smoothly while running; no allocation. */
void master_loudnorm_set_params (MasterLoudnorm * s,
    const MasterLoudnormParams * p);

/* Forget the measurement and ramp state (stream start, flush). The next
 * buffer starts at the static gain (static mode) or 0 dB (live mode). */
void master_loudnorm_reset (MasterLoudnorm * s);

/* Apply the gain to n_frames interleaved frames; dst == src is allowed.
 * Live mode measures src. Non-finite input samples are measured as 0 and
 * output as 0; the return value then has MASTER_LOUDNORM_NONFINITE_INPUT. */
int master_loudnorm_process_f32 (MasterLoudnorm * s, float *dst,
    const float *src, int n_frames);
int master_loudnorm_process_f64 (MasterLoudnorm * s, double *dst,
    const double *src, int n_frames);

/* n_frames of a GAP (known silence, not produced): time passes, nothing is
 * measured, the gain and the estimate hold. */
void master_loudnorm_hold (MasterLoudnorm * s, int n_frames);

/* Gain being applied now, dB. */
double master_loudnorm_get_gain_db (const MasterLoudnorm * s);
/* Live: programme loudness estimate (LUFS, -HUGE_VAL before the first
 * estimate); static: measured_lufs. */
double master_loudnorm_get_loudness (const MasterLoudnorm * s);
/* Live: momentary loudness of the input at the last hop (LUFS). */
double master_loudnorm_get_momentary (const MasterLoudnorm * s);
/* Live: true while the gate holds the gain (silence, gap, boundary). */
bool master_loudnorm_is_holding (const MasterLoudnorm * s);

#endif
