/* Saturator: oversampled waveshaping with four models, dry/wet mix, auto gain.
 *
 * Signal flow per channel (all parameters smoothed, see below):
 *
 *   wet = shape (drive * x [+ bias]) at factor * fs, back to fs
 *   out = output_gain * (dry + (auto_gain * wet - dry) * mix)
 *
 * where dry is x delayed by the oversampler latency, so wet and dry stay
 * sample-aligned (linear-phase filters, integer latency) and mix never
 * comb-filters. Models (the shaper, curves in saturator.c):
 *
 *   SOFT_CLIP  tanh(u): odd-symmetric, odd harmonics only.
 *   TUBE       (tanh(u + b) - tanh(b)) / (1 - tanh(b)^2): the bias b moves the
 *              operating point, which makes the curve asymmetric and adds even
 *              harmonics (2nd above 3rd at moderate drive); unity small-signal
 *              gain; the signal-dependent DC is removed after the shaper with
 *              a 5 Hz DC blocker.
 *   TAPE       tanh on a pre-emphasised signal (+3 dB first-order shelf
 *              between 2.1 and 3 kHz, exactly undone after the shaper), so
 *              peaks and highs compress softly; then a gentle high-frequency
 *              loss (first-order low-pass at 18 kHz: -0.4 dB at 10 kHz,
 *              -1.8 dB at 16 kHz at 48 kHz) and a subtle low-frequency head
 *              bump (+1.5 dB bell at 70 Hz, Q 0.9).
 *   HARD_CLIP  clip to +-1 with a smoothed knee: the integral of a smoothed
 *              box, (logcosh(k(u+1)) - logcosh(k(u-1))) / 2k with k = 3; linear
 *              below about -6 dBFS, odd harmonics only.
 *
 * Bias is used by the TUBE model only. Auto gain scales the wet signal by
 * rms(in) / rms(shape(in)) for a reference sine at -12 dBFS peak, which keeps
 * the loudness of typical programme about equal as drive changes.
 *
 * Neutral: mix = 0 and output gain 0 dB give out == dry bit-exactly (after the
 * latency), whatever the other settings. The wet path is never neutral
 * (tanh bends even at drive 0 dB).
 *
 * Anti-aliasing: polyphase oversampling (oversampler.h). At factor 4 (the
 * default) a 5 kHz or 9 kHz sine at -6 dBFS driven +12 dB at 48 kHz leaves
 * aliased energy below -90 dB relative to the output for SOFT_CLIP, TUBE and
 * TAPE; HARD_CLIP (sharper knee, slower harmonic decay) needs factor 8 for
 * that at 9 kHz. tests/dsp/test_saturator.c prints the figures of every
 * model and factor.
 *
 * The wet path runs in float (its noise floor is ~-140 dB); the dry path and
 * the mix keep the input precision (double for the f64 entry point). With
 * oversampling the wet path is band-limited to the oversampler's pass band
 * (round trip: flat to 0.417 fs, -12 dB at 0.458 fs).
 *
 * Smoothing: drive, output gain and auto-gain move in dB, bias and mix
 * linearly, along a smoothstep curve (no value or slope step) over 20 ms
 * after a change. A model change while
 * running fades the wet signal out (10 ms), switches, keeps the wet muted
 * for latency + 64 frames while the switch passes the filters, and fades it
 * back in (10 ms): no click; the dry share (1 - mix) stays throughout.
 *
 * Bad input: NaN/Inf samples are replaced by 0 before any state sees them
 * (the process functions return how many were replaced), and the wet input
 * is clamped to +-1e6, so state and output always stay finite. */
#ifndef MASTER_SATURATOR_H
#define MASTER_SATURATOR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  MASTER_SATURATOR_SOFT_CLIP = 0,
  MASTER_SATURATOR_TUBE = 1,
  MASTER_SATURATOR_TAPE = 2,
  MASTER_SATURATOR_HARD_CLIP = 3,
} MasterSaturatorModel;

#define MASTER_SATURATOR_DRIVE_MIN_DB (-24.0)
#define MASTER_SATURATOR_DRIVE_MAX_DB 48.0
#define MASTER_SATURATOR_GAIN_MIN_DB (-48.0)
#define MASTER_SATURATOR_GAIN_MAX_DB 24.0
#define MASTER_SATURATOR_BIAS_MIN (-1.0)
#define MASTER_SATURATOR_BIAS_MAX 1.0
/* Reference level of the auto-gain sine, dBFS peak. */
#define MASTER_SATURATOR_AUTO_GAIN_REF_DB (-12.0)
/* Ramp time of parameter changes, seconds. */
#define MASTER_SATURATOR_SMOOTH_S 0.020

typedef struct {
  MasterSaturatorModel model;
  double drive_db;              /* gain into the shaper, dB */
  double bias;                  /* TUBE operating point, -1 .. 1 */
  double mix;                   /* 0 = dry only, 1 = wet only */
  double output_gain_db;        /* dB, applied after the mix */
  int auto_gain;                /* non-zero: compensate the level change of drive */
} MasterSaturatorParams;

typedef struct MasterSaturator MasterSaturator;

/* Default parameters: SOFT_CLIP, drive 0 dB, bias 0.2, mix 1, output 0 dB,
 * auto gain on. */
void master_saturator_params_init (MasterSaturatorParams * p);

/* rate in Hz (8000..384000), channels 1..64, oversampling 1, 2, 4 or 8.
 * Returns NULL on a bad argument or out of memory. */
MasterSaturator *master_saturator_new (int rate, int channels,
    int oversampling, const MasterSaturatorParams * p);
void master_saturator_destroy (MasterSaturator ** s);

/* New targets; changes ramp over MASTER_SATURATOR_SMOOTH_S (a model change
 * dips the wet signal for about 25 ms, see above). */
void master_saturator_set_params (MasterSaturator * s,
    const MasterSaturatorParams * p);
/* Clears all signal state (filters, delay lines) and jumps every smoothed
 * parameter to its target. */
void master_saturator_reset (MasterSaturator * s);
/* Output delay relative to input, in samples (0 at oversampling 1). */
int master_saturator_latency (const MasterSaturator * s);
int master_saturator_oversampling (const MasterSaturator * s);
/* Non-zero while any smoothed parameter is still moving. */
int master_saturator_is_ramping (const MasterSaturator * s);
/* Non-zero when the target is neutral (mix 0, output gain 0 dB) and
 * nothing moves: the output is the input delayed by the latency,
 * bit-exactly, until the parameters change (a caller may then bypass the
 * saturator, see gstmastersaturator.c). */
int master_saturator_is_neutral (const MasterSaturator * s);

/* Interleaved frames, dst may equal src. Output is the input of `latency`
 * frames earlier, processed. Returns the number of non-finite input
 * samples that were replaced by 0. */
int master_saturator_process_f32 (MasterSaturator * s, float *dst,
    const float *src, int n_frames);
int master_saturator_process_f64 (MasterSaturator * s, double *dst,
    const double *src, int n_frames);

/* The static curve of a model (no drive, no filters, no DC blocker), for
 * tests and plots. */
double master_saturator_curve (MasterSaturatorModel model, double bias,
    double x);

#ifdef __cplusplus
}
#endif
#endif
