/* Plain C reference versions of the ORC kernels in master-orc.orc.
 *
 * Each master_ref_<op>_<fmt>() has exactly the signature and meaning of
 * master_orc_<op>_<fmt>(); tests/dsp/test_orc.c checks that the two agree.
 * They are also the fallback for formats ORC cannot express (f64 stereo
 * frames are 16 bytes, wider than an ORC variable): master_ms_*_f64.
 *
 * Counts: n = number of samples (floats/doubles); n_frames = stereo frames.
 * In-place use (d == s) is allowed for every kernel: each output element
 * depends only on the input element(s) at the same position. */
#ifndef MASTER_KERNELS_REF_H
#define MASTER_KERNELS_REF_H

void master_ref_gain_f32 (float *d, const float *s, float g, int n);
void master_ref_gain_f64 (double *d, const double *s, double g, int n);
void master_ref_gain_curve_f32 (float *d, const float *s, const float *g, int n);
void master_ref_gain_curve_f64 (double *d, const double *s, const double *g, int n);
void master_ref_gain_curve_stereo_f32 (float *d, const float *s, const float *g, int n_frames);
void master_ref_abs_max_f32 (float *acc, const float *s, int n);
void master_ref_abs_max_f64 (double *acc, const double *s, int n);
void master_ref_ms_encode_f32 (float *d, const float *s, int n_frames);
void master_ref_ms_decode_f32 (float *d, const float *s, int n_frames);
void master_ref_mix_f32 (float *d, const float *dry, const float *wet, float wet_amount, int n);
void master_ref_mix_f64 (double *d, const double *dry, const double *wet, double wet_amount, int n);

/* Stereo-frame kernels for element code. ORC's JIT treats a stereo f32
 * frame as one 8-byte element and faults when the pointer is only 4-byte
 * aligned (a subbuffer starting at an odd sample offset, e.g. after a 44-byte
 * WAV header); these wrappers use the ORC kernel when both pointers are
 * 8-byte aligned and the C reference otherwise. Call these, not the ORC
 * stereo kernels directly. */
void master_gain_curve_stereo_f32 (float *d, const float *s, const float *g, int n_frames);
void master_ms_encode_f32 (float *d, const float *s, int n_frames);
void master_ms_decode_f32 (float *d, const float *s, int n_frames);

/* Mid/side for interleaved f64 stereo (no ORC form). */
void master_ms_encode_f64 (double *d, const double *s, int n_frames);
void master_ms_decode_f64 (double *d, const double *s, int n_frames);

/* Peak of |s| over n samples using the ORC abs-max kernel in blocks;
 * non-finite samples are ignored. Returns 0 for n == 0. */
float master_peak_abs_f32 (const float *s, int n);
double master_peak_abs_f64 (const double *s, int n);

#endif
