/* Linear-phase polyphase FIR oversampler: 1x, 2x, 4x or 8x, one channel.
 *
 * Up-sampling and down-sampling are built from cascaded 2x stages:
 *
 *   stage 1 (fs <-> 2fs): a sharp Kaiser-windowed sinc low-pass that passes
 *     0 .. 0.417 fs (20 kHz at 48 kHz) flat within 1e-5 dB and rejects
 *     0.5 fs and above by >= 120 dB. It decides what folds back into the
 *     audio band when a non-linearity has run at the high rate: a harmonic
 *     at 25 kHz (the 5th of a 5 kHz tone) must be removed, not folded to
 *     23 kHz, so its stop band starts at exactly fs/2.
 *   stages 2 and 3 (2fs <-> 4fs, 4fs <-> 8fs): Kaiser half-band filters
 *     (every other tap zero, ~100 dB), which only have to keep the band
 *     0 .. fs/2 free of what lies above 2fs - fs/2 (resp. 4fs - fs/2).
 *
 * Latency: up-sampling followed by down-sampling delays the signal by
 * master_oversampler_latency() samples at the base rate, an integer (the
 * filter lengths and one pure delay at the top rate are chosen so that the
 * round trip of every factor is a whole number of base samples); factor 1
 * copies and has latency 0. The latency is the group delay of linear-phase
 * filters, so a dry signal delayed by the same count lines up with the wet
 * one sample-exactly (parallel mixing without comb filtering).
 *
 * Memory is allocated in master_oversampler_new() only; up()/down() handle
 * at most `max_frames` base-rate frames per call and never allocate.
 * Processing is float, single channel, contiguous; create one instance per
 * channel. Gain: DC gain is exactly 1 (to float rounding) in both
 * directions. */
#ifndef MASTER_OVERSAMPLER_H
#define MASTER_OVERSAMPLER_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct MasterOversampler MasterOversampler;

/* factor: 1, 2, 4 or 8; max_frames: largest base-rate block passed to
 * up()/down(). Returns NULL on a bad argument or when out of memory. */
MasterOversampler *master_oversampler_new (int factor, int max_frames);
/* Frees and sets *os to NULL. */
void master_oversampler_destroy (MasterOversampler ** os);

int master_oversampler_factor (const MasterOversampler * os);
int master_oversampler_max_frames (const MasterOversampler * os);
/* Round-trip (up then down) delay, in base-rate samples. */
int master_oversampler_latency (const MasterOversampler * os);
/* Clears the filter histories (as if preceded by silence). */
void master_oversampler_reset (MasterOversampler * os);

/* dst: n_frames * factor samples at the high rate; src: n_frames samples.
 * n_frames <= max_frames. dst and src must not overlap. */
void master_oversampler_up (MasterOversampler * os, float *dst,
    const float *src, int n_frames);
/* dst: n_frames base-rate samples; src: n_frames * factor samples. */
void master_oversampler_down (MasterOversampler * os, float *dst,
    const float *src, int n_frames);

/* A memoryless function applied to n high-rate samples in place. */
typedef void (*MasterOversamplerShape) (float *buf, int n, void *ctx);

/* up(), shape() at the high rate, then down(), in one call: equal to
 * up (hi, src); shape (hi, n_frames * factor); down (dst, hi), but the top
 * rate is never interleaved: shape() gets the samples in two or more
 * calls and in no particular order, so it must be memoryless (the same
 * function of each sample). dst may equal src. */
void master_oversampler_process (MasterOversampler * os, float *dst,
    const float *src, int n_frames, MasterOversamplerShape shape, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
