/* mastersaturator against ffmpeg's asoftclip (tanh) on the QUALITY.md
 * aliasing case, both measured here the same way: a 5 kHz and a 9 kHz sine
 * at -6 dBFS, 48 kHz, driven +12 dB; aliased (non-harmonic) energy relative
 * to the output. ffmpeg runs as an external program (suite `launch`; exit
 * 77 = skipped when ffmpeg is not installed); mastersaturator runs in a
 * GstHarness with auto-gain off. */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <stdio.h>
#include "../common/master-test.h"
#include "check.h"
#include "spectrum.h"

#define RATE 48000
#define NA 9600                 /* 5 Hz bins */
#define SKIP RATE               /* analyse after 1 s */

static gboolean
ffmpeg_alias (double f0, int os, double *out_db)
{
  gchar *cmd = g_strdup_printf ("ffmpeg -v error -f lavfi -i "
      "'aevalsrc=0.5*sin(2*PI*%g*t):s=%d:d=1.5' -af "
      "'aformat=sample_fmts=flt,volume=12dB,asoftclip=type=tanh:oversample=%d' "
      "-f f32le -ac 1 - 2>/dev/null", f0, RATE, os);
  FILE *f = popen (cmd, "r");
  float *buf = g_new (float, SKIP + NA);
  double *x = g_new (double, NA);
  size_t got = 0;
  int i;

  g_free (cmd);
  if (f) {
    got = fread (buf, sizeof (float), SKIP + NA, f);
    while (fgetc (f) != EOF);
    pclose (f);
  }
  if (got < SKIP + NA) {
    g_free (buf);
    g_free (x);
    return FALSE;
  }
  for (i = 0; i < NA; i++)
    x[i] = buf[SKIP + i];
  *out_db = spectrum_alias_db (x, NA, RATE, f0);
  g_free (buf);
  g_free (x);
  return TRUE;
}

static double
ours_alias (double f0, guint os)
{
  const gsize n = SKIP + NA + 2048;
  GstHarness *h = gst_harness_new ("mastersaturator");
  gchar *caps = master_test_caps_string ("F32LE", RATE, 1);
  float *in = g_new (float, n);
  double *x = g_new (double, NA);
  gsize i, total = 0;
  GstBuffer *b;
  double r;

  for (i = 0; i < n; i++)
    in[i] = (float) (0.5 * sin (2 * M_PI * f0 * i / RATE));
  g_object_set (h->element, "drive", 12.0, "auto-gain", FALSE, "oversampling", os, NULL);
  gst_harness_set_src_caps_str (h, caps);
  gst_harness_push (h, master_test_buffer_f32 (in, n, 1, RATE, 0));
  gst_harness_push_event (h, gst_event_new_eos ());
  while ((b = gst_harness_try_pull (h)) != NULL) {
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_READ);
    for (i = 0; i < map.size / 4; i++)
      if (total + i >= SKIP && total + i < SKIP + NA)
        x[total + i - SKIP] = ((const float *) map.data)[i];
    total += map.size / 4;
    gst_buffer_unmap (b, &map);
    gst_buffer_unref (b);
  }
  r = spectrum_alias_db (x, NA, RATE, f0);
  g_free (caps);
  g_free (in);
  g_free (x);
  gst_harness_teardown (h);
  return r;
}

int
main (int argc, char **argv)
{
  static const double freqs[] = { 5000.0, 9000.0 };
  static const int ff_os[] = { 1, 4, 16 };
  static const guint our_os[] = { 1, 2, 4, 8 };
  gchar *ff = g_find_program_in_path ("ffmpeg");
  int k, i;

  if (!ff) {
    printf ("ffmpeg not installed: skipped\n");
    return 77;
  }
  g_free (ff);
  gst_init (&argc, &argv);
  master_test_register ();

  for (k = 0; k < 2; k++) {
    double f0 = freqs[k], ff16 = 0, ours4 = 0;
    char line[256];
    int len = snprintf (line, sizeof (line), "%4.0f Hz  ffmpeg asoftclip:", f0);
    for (i = 0; i < 3; i++) {
      double a = 0;
      gboolean ok = ffmpeg_alias (f0, ff_os[i], &a);
      CHECK (ok, "ffmpeg run failed (oversample=%d)", ff_os[i]);
      len += snprintf (line + len, sizeof (line) - len, " %2dx %6.1f dB", ff_os[i], a);
      if (ff_os[i] == 16)
        ff16 = a;
    }
    len += snprintf (line + len, sizeof (line) - len, " | mastersaturator:");
    for (i = 0; i < 4; i++) {
      double a = ours_alias (f0, our_os[i]);
      len += snprintf (line + len, sizeof (line) - len, " %ux %6.1f dB", our_os[i], a);
      if (our_os[i] == 4)
        ours4 = a;
    }
    NOTE ("%s", line);
    CHECK (ours4 < -90.0, "%.0f Hz: default 4x aliasing %.1f dB", f0, ours4);
    CHECK (ours4 <= ff16, "%.0f Hz: default 4x (%.1f dB) worse than ffmpeg 16x (%.1f dB)",
        f0, ours4, ff16);
  }
  return check_finish ();
}
