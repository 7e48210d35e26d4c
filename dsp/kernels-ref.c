/* Plain C references for the ORC kernels; see kernels-ref.h. */
#include "kernels-ref.h"
#include "master-orc.h"

#include <math.h>
#include <stdint.h>

void
master_ref_gain_f32 (float *d, const float *s, float g, int n)
{
  for (int i = 0; i < n; i++)
    d[i] = s[i] * g;
}

void
master_ref_gain_f64 (double *d, const double *s, double g, int n)
{
  for (int i = 0; i < n; i++)
    d[i] = s[i] * g;
}

void
master_ref_gain_curve_f32 (float *d, const float *s, const float *g, int n)
{
  for (int i = 0; i < n; i++)
    d[i] = s[i] * g[i];
}

void
master_ref_gain_curve_f64 (double *d, const double *s, const double *g, int n)
{
  for (int i = 0; i < n; i++)
    d[i] = s[i] * g[i];
}

void
master_ref_gain_curve_stereo_f32 (float *d, const float *s, const float *g,
    int n_frames)
{
  for (int i = 0; i < n_frames; i++) {
    d[2 * i] = s[2 * i] * g[i];
    d[2 * i + 1] = s[2 * i + 1] * g[i];
  }
}

void
master_ref_abs_max_f32 (float *acc, const float *s, int n)
{
  for (int i = 0; i < n; i++) {
    float a = fabsf (s[i]);
    acc[i] = a > acc[i] ? a : acc[i];
  }
}

void
master_ref_abs_max_f64 (double *acc, const double *s, int n)
{
  for (int i = 0; i < n; i++) {
    double a = fabs (s[i]);
    acc[i] = a > acc[i] ? a : acc[i];
  }
}

void
master_ref_ms_encode_f32 (float *d, const float *s, int n_frames)
{
  for (int i = 0; i < n_frames; i++) {
    float l = s[2 * i], r = s[2 * i + 1];
    d[2 * i] = (l + r) * 0.5f;
    d[2 * i + 1] = (l - r) * 0.5f;
  }
}

void
master_ref_ms_decode_f32 (float *d, const float *s, int n_frames)
{
  for (int i = 0; i < n_frames; i++) {
    float m = s[2 * i], sd = s[2 * i + 1];
    d[2 * i] = m + sd;
    d[2 * i + 1] = m - sd;
  }
}

void
master_ref_mix_f32 (float *d, const float *dry, const float *wet,
    float wet_amount, int n)
{
  for (int i = 0; i < n; i++)
    d[i] = dry[i] + (wet[i] - dry[i]) * wet_amount;
}

void
master_ref_mix_f64 (double *d, const double *dry, const double *wet,
    double wet_amount, int n)
{
  for (int i = 0; i < n; i++)
    d[i] = dry[i] + (wet[i] - dry[i]) * wet_amount;
}

static int
aligned8 (const void *a, const void *b)
{
  return (((uintptr_t) a | (uintptr_t) b) & 7u) == 0;
}

void
master_gain_curve_stereo_f32 (float *d, const float *s, const float *g, int n_frames)
{
  if (aligned8 (d, s))
    master_orc_gain_curve_stereo_f32 (d, s, g, n_frames);
  else
    master_ref_gain_curve_stereo_f32 (d, s, g, n_frames);
}

void
master_ms_encode_f32 (float *d, const float *s, int n_frames)
{
  if (aligned8 (d, s))
    master_orc_ms_encode_f32 (d, s, n_frames);
  else
    master_ref_ms_encode_f32 (d, s, n_frames);
}

void
master_ms_decode_f32 (float *d, const float *s, int n_frames)
{
  if (aligned8 (d, s))
    master_orc_ms_decode_f32 (d, s, n_frames);
  else
    master_ref_ms_decode_f32 (d, s, n_frames);
}

void
master_ms_encode_f64 (double *d, const double *s, int n_frames)
{
  for (int i = 0; i < n_frames; i++) {
    double l = s[2 * i], r = s[2 * i + 1];
    d[2 * i] = (l + r) * 0.5;
    d[2 * i + 1] = (l - r) * 0.5;
  }
}

void
master_ms_decode_f64 (double *d, const double *s, int n_frames)
{
  for (int i = 0; i < n_frames; i++) {
    double m = s[2 * i], sd = s[2 * i + 1];
    d[2 * i] = m + sd;
    d[2 * i + 1] = m - sd;
  }
}

/* Block size of the per-position accumulator used by the peak scans. */
#define PEAK_LANES 64

float
master_peak_abs_f32 (const float *s, int n)
{
  float acc[PEAK_LANES] = { 0 };
  int i = 0;
  for (; i + PEAK_LANES <= n; i += PEAK_LANES)
    master_orc_abs_max_f32 (acc, s + i, PEAK_LANES);
  if (i < n)
    master_orc_abs_max_f32 (acc, s + i, n - i);
  float peak = 0.0f;
  int all_finite = 1;
  for (int k = 0; k < PEAK_LANES; k++) {
    if (!isfinite (acc[k]))
      all_finite = 0;
    else if (acc[k] > peak)
      peak = acc[k];
  }
  if (!all_finite) {
    peak = 0.0f;
    for (int j = 0; j < n; j++)
      if (isfinite (s[j]) && fabsf (s[j]) > peak)
        peak = fabsf (s[j]);
  }
  return peak;
}

double
master_peak_abs_f64 (const double *s, int n)
{
  double acc[PEAK_LANES] = { 0 };
  int i = 0;
  for (; i + PEAK_LANES <= n; i += PEAK_LANES)
    master_orc_abs_max_f64 (acc, s + i, PEAK_LANES);
  if (i < n)
    master_orc_abs_max_f64 (acc, s + i, n - i);
  double peak = 0.0;
  int all_finite = 1;
  for (int k = 0; k < PEAK_LANES; k++) {
    if (!isfinite (acc[k]))
      all_finite = 0;
    else if (acc[k] > peak)
      peak = acc[k];
  }
  if (!all_finite) {
    peak = 0.0;
    for (int j = 0; j < n; j++)
      if (isfinite (s[j]) && fabs (s[j]) > peak)
        peak = fabs (s[j]);
  }
  return peak;
}
