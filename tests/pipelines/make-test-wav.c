/* make-test-wav: writes deterministic test material as a WAV file for the
 * pipeline/launch tests, and prints its integrated loudness measured by an
 * independent libebur128 instance (LUFS, one number on stdout).
 *
 *   make-test-wav KIND SECONDS OUT.wav [--rate R] [--channels C] [--pcm16]
 *
 * KIND: tone (1 kHz, -23 dBFS), music, dense, dynamic, speech, quiet, or
 * varied (music, silence, speech, a very quiet music passage, dense music,
 * silence, quiet material). Each kind is scaled to a typical loudness. Float WAV by default, 16-bit PCM with
 * --pcm16 (then the loudness is measured on the quantised samples). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"

static void
put16 (FILE * f, uint16_t v)
{
  fputc (v & 0xff, f);
  fputc (v >> 8, f);
}

static void
put32 (FILE * f, uint32_t v)
{
  put16 (f, v & 0xffff);
  put16 (f, v >> 16);
}

static int
write_wav (const char *path, const float *x, size_t n_frames, int ch,
    int rate, int pcm16)
{
  FILE *f = fopen (path, "wb");
  uint32_t bytes_per_sample = pcm16 ? 2 : 4;
  uint32_t data = (uint32_t) (n_frames * ch * bytes_per_sample);
  size_t i;

  if (!f)
    return -1;
  fwrite ("RIFF", 1, 4, f);
  put32 (f, 36 + data);
  fwrite ("WAVEfmt ", 1, 8, f);
  put32 (f, 16);
  put16 (f, pcm16 ? 1 : 3);     /* PCM / IEEE float */
  put16 (f, (uint16_t) ch);
  put32 (f, (uint32_t) rate);
  put32 (f, (uint32_t) rate * ch * bytes_per_sample);
  put16 (f, (uint16_t) (ch * bytes_per_sample));
  put16 (f, (uint16_t) (8 * bytes_per_sample));
  fwrite ("data", 1, 4, f);
  put32 (f, data);
  for (i = 0; i < n_frames * ch; i++) {
    if (pcm16) {
      long v = lrintf (x[i] * 32767.0f);
      v = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      put16 (f, (uint16_t) (int16_t) v);
    } else {
      uint32_t u;
      memcpy (&u, &x[i], 4);
      put32 (f, u);
    }
  }
  return fclose (f);
}

/* programme material brought to a realistic loudness (LUFS) */
static void
programme_at (float *x, size_t n, int ch, int rate, MeasureProgramme kind,
    unsigned int seed, double lufs)
{
  double now;

  gen_programme (x, n, ch, rate, kind, seed);
  now = measure_integrated (x, n, ch, rate);
  if (isfinite (now))
    gen_scale_db (x, n * ch, lufs - now);
}

static void
render (float *x, size_t n, int ch, int rate, const char *kind)
{
  if (!strcmp (kind, "tone"))
    gen_sine (x, n, ch, rate, 1000.0, pow (10.0, -23.0 / 20.0), 0.0);
  else if (!strcmp (kind, "music"))
    programme_at (x, n, ch, rate, PROGRAMME_MUSIC, 1, -14.0);
  else if (!strcmp (kind, "dense"))
    programme_at (x, n, ch, rate, PROGRAMME_DENSE, 2, -9.0);
  else if (!strcmp (kind, "dynamic"))
    programme_at (x, n, ch, rate, PROGRAMME_DYNAMIC, 3, -20.0);
  else if (!strcmp (kind, "speech"))
    programme_at (x, n, ch, rate, PROGRAMME_SPEECH, 4, -19.0);
  else if (!strcmp (kind, "quiet"))
    programme_at (x, n, ch, rate, PROGRAMME_QUIET, 5, -32.0);
  else {
    /* varied: sections in fractions of the length */
    static const struct
    {
      double len;
      int kind;                 /* -1 silence */
      double lufs;
    } part[] = {
      {0.20, PROGRAMME_MUSIC, -16}, {0.06, -1, 0},
      {0.18, PROGRAMME_SPEECH, -20}, {0.14, PROGRAMME_MUSIC, -38},
      {0.18, PROGRAMME_DENSE, -11}, {0.04, -1, 0},
      {0.20, PROGRAMME_QUIET, -30},
    };
    size_t pos = 0;
    unsigned int i;
    memset (x, 0, n * ch * sizeof (float));
    for (i = 0; i < sizeof (part) / sizeof (part[0]) && pos < n; i++) {
      size_t len = (size_t) (part[i].len * n);
      if (i == sizeof (part) / sizeof (part[0]) - 1 || pos + len > n)
        len = n - pos;
      if (part[i].kind >= 0) {
        programme_at (x + pos * ch, len, ch, rate,
            (MeasureProgramme) part[i].kind, 10 + i, part[i].lufs);
      }
      pos += len;
    }
  }
}

int
main (int argc, char **argv)
{
  int rate = 48000, ch = 2, pcm16 = 0, i;
  size_t n;
  float *x;

  if (argc < 4) {
    fprintf (stderr, "usage: make-test-wav KIND SECONDS OUT.wav [--rate R] "
        "[--channels C] [--pcm16]\n");
    return 2;
  }
  for (i = 4; i < argc; i++) {
    if (!strcmp (argv[i], "--rate") && i + 1 < argc)
      rate = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--channels") && i + 1 < argc)
      ch = atoi (argv[++i]);
    else if (!strcmp (argv[i], "--pcm16"))
      pcm16 = 1;
  }
  n = (size_t) (atof (argv[2]) * rate);
  x = calloc (n * ch + 1, sizeof (float));
  render (x, n, ch, rate, argv[1]);
  if (pcm16) {
    size_t k;
    for (k = 0; k < n * ch; k++) {
      long v = lrintf (x[k] * 32767.0f);
      v = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      x[k] = (float) v / 32767.0f;
    }
  }
  if (write_wav (argv[3], x, n, ch, rate, pcm16) != 0) {
    fprintf (stderr, "make-test-wav: cannot write %s\n", argv[3]);
    return 1;
  }
  printf ("%.4f\n", measure_integrated (x, n, ch, rate));
  free (x);
  return 0;
}
