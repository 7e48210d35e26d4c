/* A strict true-peak reference for limiter tests and benchmarks: 16x
 * interpolation by a 256-tap Kaiser-windowed sinc (beta 12: flat to about
 * 0.485 fs, images 120 dB down), in double precision, evaluated only around samples within 6 dB
 * of the sample peak (where any true peak near the maximum must lie: an
 * inter-sample peak exceeds its neighbouring samples by far less than
 * 6 dB on programme material). measure_true_peak_db() (64 taps, transition
 * band centred on fs/2) under- and over-reads content close to Nyquist by
 * up to a few tenths of a dB; this one does not. */
#ifndef MASTER_TEST_STRICT_TRUEPEAK_H
#define MASTER_TEST_STRICT_TRUEPEAK_H

#include <stddef.h>

/* dBTP of interleaved float frames, all channels. */
double strict_true_peak_db (const float *x, size_t n_frames, int channels);

#endif
