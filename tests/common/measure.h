/* Independent measurement and signal generation for tests.
 *
 * Nothing here uses dsp/ or the elements: loudness comes from a fresh
 * libebur128 instance, true peak from a 16x (or other) windowed-sinc
 * interpolator written for the tests, tone levels from a windowed
 * single-bin DFT. All buffers are interleaved float frames. */
#ifndef MASTER_TEST_MEASURE_H
#define MASTER_TEST_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <math.h>

/* ---- loudness (libebur128, channels mapped L R C LFE Ls Rs for 6ch;
 *      for 5 channels L R C Ls Rs; others: L R then unused weights 1) ---- */
double measure_integrated (const float *x, size_t n_frames, int channels, int rate);   /* LUFS */
double measure_lra (const float *x, size_t n_frames, int channels, int rate);          /* LU */
double measure_max_short_term (const float *x, size_t n_frames, int channels, int rate); /* LUFS */
/* Short-term loudness (3 s window) ending at frame `end_frame`. */
double measure_short_term_at (const float *x, size_t end_frame, int channels, int rate);

/* ---- peaks ---- */
double measure_sample_peak_db (const float *x, size_t n_frames, int channels);   /* dBFS */
/* True peak by `oversample`-times windowed-sinc interpolation (Kaiser, 64
 * taps per phase), all channels; returns dBTP. oversample in 1..32. */
double measure_true_peak_db (const float *x, size_t n_frames, int channels, int oversample);

/* ---- tones ---- */
/* RMS of one channel (or all channels when channel < 0), in dBFS where a
 * full-scale sine reads -3.01 dB. */
double measure_rms_db (const float *x, size_t n_frames, int channels, int channel);
/* Amplitude (peak, linear) of the component at `freq` Hz in one channel,
 * by a Blackman-Harris windowed DFT bin over the whole buffer. */
double measure_tone_amplitude (const float *x, size_t n_frames, int channels,
    int channel, double freq, int rate);

/* ---- generators ---- */
/* Adds nothing: writes a sine on every channel. amp is the peak amplitude
 * (linear), phase in degrees. */
void gen_sine (float *x, size_t n_frames, int channels, int rate, double freq,
    double amp, double phase_deg);
/* 10 ms raised-cosine fade in and out in place (true-peak test signals). */
void gen_fade_edges (float *x, size_t n_frames, int channels, int rate, double seconds);

typedef enum {
  PROGRAMME_MUSIC,     /* drums-like transients, bass, chords: a band mix */
  PROGRAMME_DENSE,     /* compressed, dense modern mix: little crest */
  PROGRAMME_DYNAMIC,   /* sections 20 dB apart, quiet intro, loud chorus */
  PROGRAMME_SPEECH,    /* voiced syllables with pauses */
  PROGRAMME_QUIET,     /* sparse, soft, with silences */
} MeasureProgramme;

/* Deterministic programme-like material (same seed, same samples). Stereo
 * at 48 kHz measures about: music -18 LUFS, dense -14, dynamic -18 (LRA
 * ~20 LU), speech -20, quiet -30 (see programme_trim_db in measure.c);
 * scale with gen_scale_db(). Channels beyond 2 get decorrelated variants. */
void gen_programme (float *x, size_t n_frames, int channels, int rate,
    MeasureProgramme kind, uint32_t seed);
void gen_scale_db (float *x, size_t n_samples, double db);

/* Small deterministic PRNG (xorshift32), uniform in [-1, 1). */
float gen_noise (uint32_t *state);

static inline double measure_db (double lin) { return lin > 0 ? 20.0 * log10 (lin) : -1000.0; }

#endif
