/* gst-mastering: cascaded biquad filtering of interleaved frames.
 *
 * A MasterBiquad runs a cascade of second-order sections over interleaved
 * frames of n_channels channels.  Every section holds its own coefficients
 * per channel, so a section can act on some channels only (the others get
 * the identity section, which is an exact copy: y = 1.0 * x + 0.0).
 *
 * Structure: transposed direct form II, coefficients and state in double.
 * Loop order: frame (outer), section, channel (inner, contiguous), written so
 * that the compiler vectorises over channels and the out-of-order core
 * overlaps the recursions of consecutive sections.
 *
 * Coefficient changes: master_biquad_set_target() stores new coefficients,
 * master_biquad_ramp() interpolates every coefficient linearly, sample by
 * sample, from the current to the target values over n frames.  Linear
 * interpolation of (a1, a2) between two stable sections stays inside the
 * (convex) stability triangle, so every intermediate section is stable.
 *
 * Bad samples: the cascade is processed in chunks of MASTER_BIQUAD_CHUNK
 * frames; after each chunk the state is checked.  Non-finite state (from
 * NaN/Inf input or overflow) is reset to zero and the non-finite output
 * samples of that chunk are replaced by 0, so the output stays finite and the
 * filter recovers at the next chunk.  Tiny state values (< 1e-30, -600 dB)
 * are flushed to zero so that decaying tails never reach denormals.
 *
 * Plain C, no GLib; process functions never allocate.
 */
#ifndef MASTER_BIQUAD_H
#define MASTER_BIQUAD_H

#ifdef __cplusplus
extern "C" {
#endif

#define MASTER_BIQUAD_MAX_CHANNELS 8
#define MASTER_BIQUAD_CHUNK 256

/* One second-order section, a0 normalised to 1:
 *   H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2) */
typedef struct {
  double b0, b1, b2, a1, a2;
} MasterBiquadCoeffs;

typedef struct {
  int n_sections;
  int n_channels;
  /* coefficient arrays, layout [section][k = b0,b1,b2,a1,a2][channel] */
  double *coef;                 /* in use now */
  double *target;               /* where a ramp ends */
  double *delta;                /* per-frame increment during a ramp */
  int ramp_left;                /* frames left in the current ramp */
  /* state, layout [section][s1,s2][channel] (transposed DF-II) */
  double *state;
} MasterBiquad;

/* Allocates for n_sections (>= 0) x n_channels (1..8); every section starts
 * as identity, state zero.  Returns 0 on success, -1 on bad arguments or
 * allocation failure (bq is then cleared). */
int master_biquad_init (MasterBiquad * bq, int n_sections, int n_channels);
/* Frees the arrays; safe on a zeroed or already cleared struct. */
void master_biquad_clear (MasterBiquad * bq);
/* Zeroes the filter state (flush / discontinuity). */
void master_biquad_reset (MasterBiquad * bq);

/* Sets the coefficients of one section for one channel (channel < 0: all
 * channels) immediately: current and target, cancelling any ramp. */
void master_biquad_set (MasterBiquad * bq, int section, int channel,
    const MasterBiquadCoeffs * c);
/* Sets the target coefficients only; takes effect with master_biquad_ramp()
 * (or master_biquad_jump()). */
void master_biquad_set_target (MasterBiquad * bq, int section, int channel,
    const MasterBiquadCoeffs * c);
/* Starts a linear ramp from the current coefficients to the targets over
 * n_frames frames (n_frames <= 0: jump now). */
void master_biquad_ramp (MasterBiquad * bq, int n_frames);
/* Current coefficients := targets. */
void master_biquad_jump (MasterBiquad * bq);
/* Copies the state of src into bq (same shape required); returns 0 if done. */
int master_biquad_copy_state (MasterBiquad * bq, const MasterBiquad * src);

/* Filters n_frames interleaved frames; dst may equal src.  Returns the number
 * of chunks in which non-finite state was detected and reset (0 normally). */
int master_biquad_process_f32 (MasterBiquad * bq, float *dst, const float *src,
    int n_frames);
int master_biquad_process_f64 (MasterBiquad * bq, double *dst,
    const double *src, int n_frames);

/* Section helpers. */
void master_biquad_coeffs_identity (MasterBiquadCoeffs * c);
int master_biquad_coeffs_is_identity (const MasterBiquadCoeffs * c);
/* TRUE (1) when the poles are strictly inside the unit circle. */
int master_biquad_coeffs_is_stable (const MasterBiquadCoeffs * c);
/* Magnitude in dB of a cascade of n sections at freq Hz for sample rate. */
double master_biquad_coeffs_response_db (const MasterBiquadCoeffs * c, int n,
    double freq, double rate);

#ifdef __cplusplus
}
#endif
#endif /* MASTER_BIQUAD_H */
