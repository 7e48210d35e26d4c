/* masterlimiter in file use through gst-launch-1.0 (suite 'launch'):
 *   filesrc ! wavparse ! audioconvert ! masterlimiter ! audioconvert ! wavenc ! filesink
 * The output file has exactly the input's length and zero lag: under the
 * ceiling it is bit-identical to the input; driven +12 dB it holds -1 dBTP
 * (16x meter) with the same length and its peaks where the input's are. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "measure.h"
#include "strict-truepeak.h"

static void
put_u32 (FILE * f, guint32 v)
{
  guint8 b[4] = { v, v >> 8, v >> 16, v >> 24 };
  fwrite (b, 1, 4, f);
}

static void
put_u16 (FILE * f, guint16 v)
{
  guint8 b[2] = { v, v >> 8 };
  fwrite (b, 1, 2, f);
}

static void
write_wav_f32 (const char *path, const float *x, size_t n, int C, int rate)
{
  FILE *f = fopen (path, "wb");
  guint32 bytes = n * C * 4;
  fwrite ("RIFF", 1, 4, f);
  put_u32 (f, 36 + bytes);
  fwrite ("WAVEfmt ", 1, 8, f);
  put_u32 (f, 16);
  put_u16 (f, 3);               /* IEEE float */
  put_u16 (f, C);
  put_u32 (f, rate);
  put_u32 (f, rate * C * 4);
  put_u16 (f, C * 4);
  put_u16 (f, 32);
  fwrite ("data", 1, 4, f);
  put_u32 (f, bytes);
  fwrite (x, 4, n * C, f);      /* little-endian host */
  fclose (f);
}

/* Returns the float samples of the data chunk (F32 WAV), n_samples set. */
static float *
read_wav_f32 (const char *path, size_t *n_samples)
{
  gchar *buf;
  gsize len;
  *n_samples = 0;
  if (!g_file_get_contents (path, &buf, &len, NULL))
    return NULL;
  size_t pos = 12;
  while (pos + 8 <= len) {
    guint32 sz = (guint8) buf[pos + 4] | (guint8) buf[pos + 5] << 8 |
        (guint8) buf[pos + 6] << 16 | (guint32) (guint8) buf[pos + 7] << 24;
    if (memcmp (buf + pos, "data", 4) == 0) {
      if (pos + 8 + sz > len)
        sz = len - pos - 8;
      float *x = g_malloc (sz + 4);
      memcpy (x, buf + pos + 8, sz);
      *n_samples = sz / 4;
      g_free (buf);
      return x;
    }
    pos += 8 + sz + (sz & 1);
  }
  g_free (buf);
  return NULL;
}

static gboolean
launch (const char *in, const char *out, const char *props)
{
  gchar *cmd = g_strdup_printf ("gst-launch-1.0 -q filesrc location=%s ! wavparse ! "
      "audioconvert ! audio/x-raw,format=F32LE ! masterlimiter %s ! audioconvert ! "
      "audio/x-raw,format=F32LE ! wavenc ! filesink location=%s", in, props, out);
  gint status = -1;
  gchar *err = NULL;
  gboolean ok = g_spawn_command_line_sync (cmd, NULL, &err, &status, NULL);
  if (!ok || status != 0)
    fprintf (stderr, "%s failed: %s\n", cmd, err ? err : "");
  g_free (cmd);
  g_free (err);
  return ok && status == 0;
}

int
main (void)
{
  const int rate = 48000, C = 2;
  const size_t n = (size_t) (rate * 3.3) + 17;  /* not a multiple of any buffer size */
  gchar *dir = g_dir_make_tmp ("masterlimiter-XXXXXX", NULL);
  gchar *in = g_build_filename (dir, "in.wav", NULL);
  gchar *out = g_build_filename (dir, "out.wav", NULL);
  float *x = g_new0 (float, n * C);

  gen_programme (x, n, C, rate, PROGRAMME_MUSIC, 42);
  double tp_in = measure_true_peak_db (x, n, C, 16);
  gen_scale_db (x, n * C, -6.0 - tp_in);        /* 5 dB under the ceiling */
  write_wav_f32 (in, x, n, C, rate);

  /* 1. under the ceiling: identical, same length, zero lag */
  CHECK (launch (in, out, ""), "pipeline failed");
  size_t ny = 0;
  float *y = read_wav_f32 (out, &ny);
  CHECK (y != NULL, "no output file");
  if (y) {
    size_t diff = 0;
    for (size_t i = 0; i < MIN (ny, n * C); i++)
      diff += y[i] != x[i];
    NOTE ("file, under the ceiling: %zu frames in, %zu frames out, %zu samples differ",
        n, ny / C, diff);
    CHECK (ny == n * C, "length %zu != %zu", ny / C, n);
    CHECK (diff == 0, "%zu samples differ", diff);
    g_free (y);
  }

  /* 2. driven +12 dB: same length, ceiling held, peaks not displaced */
  gen_scale_db (x, n * C, 6.0);     /* input true peak now 0 dBTP; +12 dB in the limiter */
  write_wav_f32 (in, x, n, C, rate);
  CHECK (launch (in, out, "input-gain=12 ceiling=-1"), "pipeline failed");
  y = read_wav_f32 (out, &ny);
  CHECK (y != NULL, "no output file");
  if (y) {
    double sp = measure_sample_peak_db (y, ny / C, C);
    double tp = strict_true_peak_db (y, ny / C, C);
    /* lag: cross-correlation peak of input and output around 0 */
    int best_lag = 0;
    double best = -1;
    for (int lag = -400; lag <= 400; lag++) {
      double acc = 0;
      for (size_t k = 1000; k + 1000 < n; k += 3) {
        long j = (long) k + lag;
        acc += (double) x[k * C] * y[j * C];
      }
      if (acc > best) {
        best = acc;
        best_lag = lag;
      }
    }
    NOTE ("file, +12 dB into -1 dBTP: %zu frames out of %zu, sample peak %+.4f dBFS, "
        "strict 16x true peak %+.4f dBTP, lag %d frames", ny / C, n, sp, tp, best_lag);
    CHECK (ny == n * C, "length %zu != %zu", ny / C, n);
    CHECK (sp <= -1.0 + 1e-6, "sample peak %.4f", sp);
    CHECK (tp <= -1.0 + 0.05, "true peak %.4f", tp);
    CHECK (best_lag == 0, "lag %d", best_lag);
    g_free (y);
  }

  g_unlink (in);
  g_unlink (out);
  g_rmdir (dir);
  g_free (in);
  g_free (out);
  g_free (dir);
  g_free (x);
  return check_finish ();
}
