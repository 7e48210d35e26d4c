/* Independent measurement and signal generation for tests; see measure.h. */
#include "measure.h"

#include <ebur128.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ loudness */

static ebur128_state *
meter_new (int channels, int rate, int mode)
{
  ebur128_state *st = ebur128_init ((unsigned) channels, (unsigned long) rate, mode);
  if (!st)
    abort ();
  if (channels == 6) {
    static const int map[6] = { EBUR128_LEFT, EBUR128_RIGHT, EBUR128_CENTER,
      EBUR128_UNUSED, EBUR128_LEFT_SURROUND, EBUR128_RIGHT_SURROUND };
    for (int c = 0; c < 6; c++)
      ebur128_set_channel (st, (unsigned) c, map[c]);
  } else if (channels == 5) {
    static const int map[5] = { EBUR128_LEFT, EBUR128_RIGHT, EBUR128_CENTER,
      EBUR128_LEFT_SURROUND, EBUR128_RIGHT_SURROUND };
    for (int c = 0; c < 5; c++)
      ebur128_set_channel (st, (unsigned) c, map[c]);
  }
  return st;
}

double
measure_integrated (const float *x, size_t n_frames, int channels, int rate)
{
  ebur128_state *st = meter_new (channels, rate, EBUR128_MODE_I);
  double v = -HUGE_VAL;
  ebur128_add_frames_float (st, x, n_frames);
  ebur128_loudness_global (st, &v);
  ebur128_destroy (&st);
  return v;
}

double
measure_lra (const float *x, size_t n_frames, int channels, int rate)
{
  ebur128_state *st = meter_new (channels, rate, EBUR128_MODE_LRA);
  double v = 0;
  ebur128_add_frames_float (st, x, n_frames);
  ebur128_loudness_range (st, &v);
  ebur128_destroy (&st);
  return v;
}

double
measure_max_short_term (const float *x, size_t n_frames, int channels, int rate)
{
  ebur128_state *st = meter_new (channels, rate, EBUR128_MODE_S);
  size_t hop = (size_t) rate / 100;     /* 10 ms resolution */
  double best = -HUGE_VAL;
  for (size_t i = 0; i + hop <= n_frames; i += hop) {
    double v;
    ebur128_add_frames_float (st, x + i * (size_t) channels, hop);
    if (i + hop >= (size_t) rate * 3 && ebur128_loudness_shortterm (st, &v) == EBUR128_SUCCESS
        && v > best)
      best = v;
  }
  ebur128_destroy (&st);
  return best;
}

double
measure_short_term_at (const float *x, size_t end_frame, int channels, int rate)
{
  size_t win = (size_t) rate * 3;
  size_t start = end_frame > win ? end_frame - win : 0;
  ebur128_state *st = meter_new (channels, rate, EBUR128_MODE_S);
  double v = -HUGE_VAL;
  ebur128_add_frames_float (st, x + start * (size_t) channels, end_frame - start);
  ebur128_loudness_shortterm (st, &v);
  ebur128_destroy (&st);
  return v;
}

/* --------------------------------------------------------------- peaks */

double
measure_sample_peak_db (const float *x, size_t n_frames, int channels)
{
  double p = 0;
  for (size_t i = 0; i < n_frames * (size_t) channels; i++)
    if (fabs (x[i]) > p)
      p = fabs (x[i]);
  return measure_db (p);
}

static double
bessel_i0 (double x)
{
  double sum = 1, term = 1;
  for (int k = 1; k < 50; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < 1e-20 * sum)
      break;
  }
  return sum;
}

#define TP_HALF_TAPS 32         /* taps each side of the interpolated point */

double
measure_true_peak_db (const float *x, size_t n_frames, int channels, int oversample)
{
  if (oversample < 1)
    oversample = 1;
  if (oversample > 32)
    oversample = 32;
  const int taps = 2 * TP_HALF_TAPS;
  const double beta = 9.0;
  double *h = malloc (sizeof (double) * (size_t) (oversample * taps));
  /* phase p interpolates at t = p / oversample between samples n and n+1,
   * using samples n - TP_HALF_TAPS + 1 .. n + TP_HALF_TAPS. */
  for (int p = 0; p < oversample; p++) {
    double frac = (double) p / oversample, sum = 0;
    for (int k = 0; k < taps; k++) {
      double t = (double) (k - (TP_HALF_TAPS - 1)) - frac;    /* sample offset */
      double sinc = fabs (t) < 1e-12 ? 1.0 : sin (M_PI * t) / (M_PI * t);
      double r = t / (TP_HALF_TAPS + 0.5);
      double w = fabs (r) >= 1 ? 0 : bessel_i0 (beta * sqrt (1 - r * r)) / bessel_i0 (beta);
      h[p * taps + k] = sinc * w;
      sum += sinc * w;
    }
    for (int k = 0; k < taps; k++)
      h[p * taps + k] /= sum;
  }
  double peak = 0;
  float *ch = malloc (sizeof (float) * (n_frames + (size_t) taps));
  for (int c = 0; c < channels; c++) {
    /* zero-padded copy of one channel: ch[TP_HALF_TAPS + i] = x[i] */
    memset (ch, 0, sizeof (float) * (n_frames + (size_t) taps));
    for (size_t i = 0; i < n_frames; i++) {
      ch[TP_HALF_TAPS + i] = x[i * (size_t) channels + (size_t) c];
      if (fabs (ch[TP_HALF_TAPS + i]) > peak)
        peak = fabs (ch[TP_HALF_TAPS + i]);
    }
    /* between samples i and i + 1 at fraction p / oversample: the taps
     * cover samples i - HT + 1 .. i + HT, padded index i + 1 .. i + 2 HT */
    for (size_t i = 0; i < n_frames; i++) {
      const float *w = ch + i + 1;
      for (int p = 1; p < oversample; p++) {
        const double *hp = h + p * taps;
        double acc = 0;
        for (int k = 0; k < taps; k++)
          acc += hp[k] * w[k];
        if (fabs (acc) > peak)
          peak = fabs (acc);
      }
    }
  }
  free (ch);
  free (h);
  return measure_db (peak);
}

/* --------------------------------------------------------------- tones */

double
measure_rms_db (const float *x, size_t n_frames, int channels, int channel)
{
  double acc = 0;
  size_t count = 0;
  for (size_t i = 0; i < n_frames; i++)
    for (int c = 0; c < channels; c++)
      if (channel < 0 || c == channel) {
        double v = x[i * (size_t) channels + (size_t) c];
        acc += v * v;
        count++;
      }
  if (!count || acc <= 0)
    return -1000.0;
  return 10.0 * log10 (acc / (double) count);
}

double
measure_tone_amplitude (const float *x, size_t n_frames, int channels,
    int channel, double freq, int rate)
{
  /* 4-term Blackman-Harris window; coherent gain a0 = 0.35875 */
  const double a0 = 0.35875, a1 = 0.48829, a2 = 0.14128, a3 = 0.01168;
  double re = 0, im = 0, wsum = 0;
  double w0 = 2 * M_PI * freq / rate;
  for (size_t i = 0; i < n_frames; i++) {
    double t = 2 * M_PI * (double) i / (double) (n_frames - 1);
    double w = a0 - a1 * cos (t) + a2 * cos (2 * t) - a3 * cos (3 * t);
    double v = x[i * (size_t) channels + (size_t) channel] * w;
    re += v * cos (w0 * (double) i);
    im -= v * sin (w0 * (double) i);
    wsum += w;
  }
  return 2.0 * sqrt (re * re + im * im) / wsum;
}

/* ---------------------------------------------------------- generators */

void
gen_sine (float *x, size_t n_frames, int channels, int rate, double freq,
    double amp, double phase_deg)
{
  double ph = phase_deg * M_PI / 180.0;
  for (size_t i = 0; i < n_frames; i++) {
    float v = (float) (amp * sin (2 * M_PI * freq * (double) i / rate + ph));
    for (int c = 0; c < channels; c++)
      x[i * (size_t) channels + (size_t) c] = v;
  }
}

void
gen_fade_edges (float *x, size_t n_frames, int channels, int rate, double seconds)
{
  size_t n = (size_t) (seconds * rate);
  if (2 * n > n_frames)
    n = n_frames / 2;
  for (size_t i = 0; i < n; i++) {
    float g = (float) (0.5 - 0.5 * cos (M_PI * (double) i / (double) n));
    for (int c = 0; c < channels; c++) {
      x[i * (size_t) channels + (size_t) c] *= g;
      x[(n_frames - 1 - i) * (size_t) channels + (size_t) c] *= g;
    }
  }
}

float
gen_noise (uint32_t *state)
{
  uint32_t s = *state ? *state : 0x9e3779b9u;
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  *state = s;
  return (float) ((double) s / 2147483648.0 - 1.0);
}

void
gen_scale_db (float *x, size_t n_samples, double db)
{
  float g = (float) pow (10.0, db / 20.0);
  for (size_t i = 0; i < n_samples; i++)
    x[i] *= g;
}

/* One-pole filters used to colour noise in the generators. */
typedef struct { double a, z; } OnePole;
static double lp (OnePole * f, double v) { f->z += f->a * (v - f->z); return f->z; }
static OnePole lp_new (double fc, int rate) { OnePole f = { 1.0 - exp (-2 * M_PI * fc / rate), 0 }; return f; }

/* Renders one channel of programme material for variant `var` (channel
 * index decorrelates panning and noise). */
static void
render_channel (float *out, size_t n, int rate, MeasureProgramme kind,
    uint32_t seed, int var)
{
  uint32_t rng = seed * 2654435761u + (uint32_t) var * 97u + 1u;
  double bpm = kind == PROGRAMME_DENSE ? 128 : 100;
  size_t beat = (size_t) (rate * 60.0 / bpm);
  OnePole hat_lp = lp_new (7000, rate), snare_lp = lp_new (4000, rate);
  OnePole bass_lp = lp_new (300, rate), pad_lp = lp_new (2500, rate);
  OnePole speech_f1 = lp_new (900, rate), speech_f2 = lp_new (2500, rate);
  double pan = (var % 2) ? 0.8 : 1.0;
  double pan2 = (var % 2) ? 1.0 : 0.7;
  static const double roots[4] = { 55.0, 43.65, 49.0, 41.2 };       /* A F G E */
  double bass_phase = 0, pad_ph[3] = { 0, 0, 0 };

  for (size_t i = 0; i < n; i++) {
    double t = (double) i / rate, v = 0;
    size_t pos = i % beat, bar = i / (beat * 4);
    double root = roots[bar % 4];

    if (kind == PROGRAMME_SPEECH) {
      /* syllables of ~200 ms at ~4 Hz, phrases with 0.6 s pauses */
      double phrase = fmod (t, 3.0);
      double syl = fmod (t, 0.25) / 0.25;
      double env = phrase < 2.4 ? sin (M_PI * syl) : 0;
      double f0 = 110 + 25 * sin (2 * M_PI * 0.7 * t);
      double pulse = fmod (t * f0, 1.0) < 0.08 ? 1.0 : 0.0;
      double breath = 0.05 * gen_noise (&rng);
      double voiced = lp (&speech_f1, pulse - 0.08) * 3 + lp (&speech_f2, pulse - 0.08) * 1.5;
      v = env * env * (voiced + breath) * 0.9;
      out[i] = (float) (v * (var % 2 ? 0.95 : 1.0));
      continue;
    }

    /* kick: pitch-dropping sine on every beat */
    double kt = (double) pos / rate;
    double kick = sin (2 * M_PI * (50 + 90 * exp (-kt * 30)) * kt) * exp (-kt * 7);
    /* snare on beats 2 and 4 */
    double snare = 0;
    if ((i / beat) % 2 == 1)
      snare = lp (&snare_lp, gen_noise (&rng)) * 2.2 * exp (-kt * 18)
          + 0.3 * sin (2 * M_PI * 190 * kt) * exp (-kt * 25);
    /* hats on eighths */
    size_t hpos = i % (beat / 2);
    double hn = gen_noise (&rng);
    double hat = (hn - lp (&hat_lp, hn)) * exp (-(double) hpos / rate * 60) * 0.5;
    /* bass: filtered saw on the root */
    bass_phase += root / rate;
    double saw = 2 * fmod (bass_phase, 1.0) - 1;
    double bass = lp (&bass_lp, saw) * (0.6 + 0.4 * exp (-kt * 4));
    /* pad: three partials of a triad */
    double pad = 0;
    static const double ratios[3] = { 4.0, 5.0, 6.0 };
    for (int k = 0; k < 3; k++) {
      pad_ph[k] += root * ratios[k] * (1 + 0.002 * var) / rate;
      pad += sin (2 * M_PI * pad_ph[k]);
    }
    pad = lp (&pad_lp, pad) * 0.12;

    v = 0.55 * kick * pan2 + 0.35 * snare * pan + 0.25 * hat * pan2 + 0.35 * bass + pad * pan;

    switch (kind) {
      case PROGRAMME_DENSE:
        v += 0.12 * gen_noise (&rng);
        v = tanh (2.2 * v) * 0.55;      /* squashed: low crest factor */
        break;
      case PROGRAMME_DYNAMIC:{
        /* 8 s quiet verse (-20 dB), 8 s loud chorus, repeating */
        double sect = fmod (t, 16.0);
        v *= sect < 8.0 ? 0.1 : 1.0;
        break;
      }
      case PROGRAMME_QUIET:{
        /* soft, with 2 s of silence every 10 s */
        double sect = fmod (t, 10.0);
        v *= sect < 8.0 ? 0.18 : 0.0;
        break;
      }
      default:
        break;
    }
    out[i] = (float) v;
  }
}

/* Fixed calibration per kind (dB), so that stereo material at 48 kHz lands
 * near: music -18 LUFS (peak about -2.5 dBFS), dense -14 LUFS, dynamic
 * -18 LUFS integrated (LRA about 20 LU), speech -20 LUFS, quiet -30 LUFS.
 * Constant gains keep the material deterministic and independent of the
 * measurement code. */
static const double programme_trim_db[] = {
  [PROGRAMME_MUSIC] = -5.3,
  [PROGRAMME_DENSE] = -2.7,
  [PROGRAMME_DYNAMIC] = -5.2,
  [PROGRAMME_SPEECH] = -14.5,
  [PROGRAMME_QUIET] = -2.2,
};

void
gen_programme (float *x, size_t n_frames, int channels, int rate,
    MeasureProgramme kind, uint32_t seed)
{
  float *tmp = malloc (sizeof (float) * (n_frames ? n_frames : 1));
  float trim = (float) pow (10.0, programme_trim_db[kind] / 20.0);
  for (int c = 0; c < channels; c++) {
    render_channel (tmp, n_frames, rate, kind, seed, c);
    for (size_t i = 0; i < n_frames; i++)
      x[i * (size_t) channels + (size_t) c] = tmp[i] * trim;
  }
  free (tmp);
}
