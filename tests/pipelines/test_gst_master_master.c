/* gst-master master end to end (suite `launch`: runs the built binary).
 *
 * Generated programme (quiet, dynamic, dense, with silences) mastered to
 * -23, -16, -14 and -9 LUFS: the written file measured by an independent
 * libebur128 instance is within 0.1 LU of target, its 16x true peak at most
 * ceiling + 0.05 dB, and it has as many frames as the input. When the
 * gain alone keeps the ceiling, the output is the input times the gain. Album mode
 * keeps relative loudness within 0.1 LU. 16-bit output (dither) still meets
 * the ceiling. Bad input (missing, undecodable, unwritable folder, OUT == IN,
 * existing OUT): one clear line, non-zero exit, input untouched, no stray
 * temporary file. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "measure.h"

#define RATE 48000

static gchar *gst_master;
static gchar *tmpdir;

/* ---- WAV I/O (PCM 16/24, float 32) ---- */

static gboolean
write_wav_f32 (const gchar * path, const float *x, gsize frames, gint ch)
{
  guint32 data = (guint32) (frames * ch * 4);
  guint8 h[44];
  memcpy (h, "RIFF", 4);
  guint32 v = 36 + data;
  memcpy (h + 4, &v, 4);
  memcpy (h + 8, "WAVEfmt ", 8);
  v = 16;
  memcpy (h + 16, &v, 4);
  guint16 s = 3;
  memcpy (h + 20, &s, 2);
  s = (guint16) ch;
  memcpy (h + 22, &s, 2);
  v = RATE;
  memcpy (h + 24, &v, 4);
  v = RATE * ch * 4;
  memcpy (h + 28, &v, 4);
  s = (guint16) (ch * 4);
  memcpy (h + 32, &s, 2);
  s = 32;
  memcpy (h + 34, &s, 2);
  memcpy (h + 36, "data", 4);
  memcpy (h + 40, &data, 4);
  FILE *f = fopen (path, "wb");
  if (!f)
    return FALSE;
  gboolean ok = fwrite (h, 1, 44, f) == 44
      && fwrite (x, 4, frames * ch, f) == frames * ch;
  return fclose (f) == 0 && ok;
}

/* Reads a WAV (format 1: 16/24 bit, format 3: 32 bit float, or
 * WAVE_FORMAT_EXTENSIBLE of those) into floats. */
static float *
read_wav (const gchar * path, gsize * frames, gint * channels, gint * bits)
{
  gchar *buf = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &buf, &len, NULL) || len < 44)
    return NULL;
  const guint8 *p = (const guint8 *) buf + 12, *end = (guint8 *) buf + len;
  gint fmt = 0, ch = 0, bps = 0;
  float *out = NULL;
  while (p + 8 <= end) {
    guint32 sz;
    memcpy (&sz, p + 4, 4);
    if (!memcmp (p, "fmt ", 4)) {
      fmt = p[8] | p[9] << 8;
      ch = p[10] | p[11] << 8;
      bps = p[22] | p[23] << 8;
      if (fmt == 0xfffe)
        fmt = p[32] | p[33] << 8;
    } else if (!memcmp (p, "data", 4)) {
      if (p + 8 + sz > end)
        sz = (guint32) (end - p - 8);
      gsize n = sz / (bps / 8) / ch;
      out = g_new (float, n * ch);
      const guint8 *d = p + 8;
      for (gsize i = 0; i < n * ch; i++) {
        if (fmt == 3 && bps == 32) {
          memcpy (&out[i], d + 4 * i, 4);
        } else if (bps == 16) {
          gint16 v;
          memcpy (&v, d + 2 * i, 2);
          out[i] = v / 32768.0f;
        } else if (bps == 24) {
          gint32 v = (gint32) ((guint32) d[3 * i] << 8 |
              (guint32) d[3 * i + 1] << 16 | (guint32) d[3 * i + 2] << 24);
          out[i] = (float) (v / 2147483648.0);
        }
      }
      *frames = n;
      *channels = ch;
      *bits = bps;
      break;
    }
    p += 8 + sz + (sz & 1);
  }
  g_free (buf);
  return out;
}

/* ---- running gst-master ---- */

typedef struct
{
  gint status;                  /* exit status, or -1 */
  gchar *out, *err;
} Run;

static Run
run (const gchar * args)
{
  Run r = { -1, NULL, NULL };
  /* timeout: a hang is a failure with a name, not the suite's timeout */
  gchar *cmd = g_strdup_printf ("timeout 300 %s %s", gst_master, args);
  gint wait = 0;
  GError *e = NULL;
  if (!g_spawn_command_line_sync (cmd, &r.out, &r.err, &wait, &e)) {
    fprintf (stderr, "cannot run %s: %s\n", cmd, e->message);
    g_clear_error (&e);
  } else if (WIFEXITED (wait)) {
    r.status = WEXITSTATUS (wait);
  }
  g_free (cmd);
  return r;
}

static void
run_clear (Run * r)
{
  g_free (r->out);
  g_free (r->err);
}

static guint
count_lines (const gchar * s)
{
  guint n = 0;
  gchar **l = g_strsplit (s ? s : "", "\n", -1);
  for (gchar ** p = l; *p; p++)
    if (**p)
      n++;
  g_strfreev (l);
  return n;
}

static guint
count_temp_files (const gchar * dir)
{
  guint n = 0;
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".part"))
      n++;
  if (d)
    g_dir_close (d);
  return n;
}

static gchar *
file_checksum (const gchar * path)
{
  gchar *buf = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &buf, &len, NULL))
    return g_strdup ("missing");
  gchar *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      (const guchar *) buf, len);
  g_free (buf);
  return sum;
}

/* ---- material ---- */

/* 24 s: programme of one kind at a natural level, with 2 s of silence in
 * the middle and a quiet passage. */
static float *
make_programme (MeasureProgramme kind, guint32 seed, gsize * frames,
    double level)
{
  const gint ch = 2;
  gsize n = 24 * RATE;
  float *x = g_new0 (float, n * ch);
  gen_programme (x, 11 * RATE, ch, RATE, kind, seed);
  gen_programme (x + 13 * RATE * ch, 11 * RATE, ch, RATE, kind, seed + 1);
  /* a quiet passage: the last 4 s 12 dB down */
  gen_scale_db (x + 20 * RATE * ch, 4 * RATE * ch, -12.0);
  double l = measure_integrated (x, n, ch, RATE);
  gen_scale_db (x, n * ch, level - l);
  *frames = n;
  return x;
}

static const struct
{
  const char *name;
  MeasureProgramme kind;
  double level;                 /* input LUFS */
} materials[] = {
  {"quiet", PROGRAMME_QUIET, -31.0},
  {"dynamic", PROGRAMME_DYNAMIC, -20.0},
  {"dense", PROGRAMME_DENSE, -11.0},
  {"music", PROGRAMME_MUSIC, -24.0},
};

/* Masters `in` to target/ceiling in `format`; checks the written file. */
static void
check_master (const gchar * label, const gchar * in, const float *x,
    gsize frames, double target, double ceiling, const gchar * format,
    double *out_lufs)
{
  gchar *out = g_strdup_printf ("%s/%s-out.wav", tmpdir, label);
  gchar *args = g_strdup_printf ("master -q --force --target %.1f "
      "--ceiling %.1f --format %s '%s' '%s'", target, ceiling, format, in, out);
  gint64 t0 = g_get_monotonic_time ();
  Run r = run (args);
  double secs = (g_get_monotonic_time () - t0) / 1e6;
  CHECK (r.status == 0, "%s: exit %d: %s", label, r.status, r.err);
  gsize n = 0;
  gint ch = 0, bits = 0;
  float *y = read_wav (out, &n, &ch, &bits);
  CHECK (y != NULL, "%s: no output", label);
  if (y) {
    double i_in = measure_integrated (x, frames, 2, RATE);
    double tp_in = measure_true_peak_db (x, frames, 2, 16);
    double i = measure_integrated (y, n, ch, RATE);
    double tp = measure_true_peak_db (y, n, ch, 16);
    NOTE ("%-16s in %6.2f LUFS %+6.2f dBTP -> target %5.1f: out %7.3f LUFS "
        "(%+.3f LU), true peak 16x %+6.3f dBTP (ceiling %.1f), %d-bit, "
        "frames %zu/%zu, %.2f s", label, i_in, tp_in, target, i, i - target,
        tp, ceiling, bits, n, frames, secs);
    CHECK (fabs (i - target) <= 0.1, "%s: integrated %.3f", label, i);
    CHECK (tp <= ceiling + 0.05, "%s: true peak %.3f", label, tp);
    CHECK (n == frames, "%s: %zu frames out, %zu in", label, n, frames);
    if (out_lufs)
      *out_lufs = i;
  }
  g_free (y);
  CHECK (count_temp_files (tmpdir) == 0, "%s: temp file left", label);
  run_clear (&r);
  g_free (args);
  g_free (out);
}

static void
test_targets (void)
{
  const double targets[] = { -23.0, -16.0, -14.0, -9.0 };
  const gchar *only = g_getenv ("TEST_MATERIAL");
  for (guint m = 0; m < G_N_ELEMENTS (materials); m++) {
    if (only && strcmp (only, materials[m].name))
      continue;
    gsize frames;
    float *x = make_programme (materials[m].kind, 100 + m, &frames,
        materials[m].level);
    gchar *in = g_strdup_printf ("%s/%s.wav", tmpdir, materials[m].name);
    CHECK (write_wav_f32 (in, x, frames, 2), "write %s", in);
    for (guint t = 0; t < G_N_ELEMENTS (targets); t++) {
      gchar *label = g_strdup_printf ("%s%.0f", materials[m].name,
          targets[t]);
      check_master (label, in, x, frames, targets[t], -1.0, "wav32f", NULL);
      g_free (label);
    }
    g_free (in);
    g_free (x);
  }
}

/* A JSON number field of the report, NAN when absent. */
static double
json_field (const gchar * json, const gchar * key)
{
  gchar *k = g_strdup_printf ("\"%s\": ", key);
  const gchar *p = json ? strstr (json, k) : NULL;
  double v = p ? g_ascii_strtod (p + strlen (k), NULL) : NAN;
  g_free (k);
  return v;
}

/* The gain alone keeps the ceiling (a quieter target): masterchain renders
 * without limiting, so the written float file is the input times the gain,
 * sample by sample (float rounding only), in one render pass. */
static void
test_gain_only (void)
{
  gsize frames;
  float *x = make_programme (PROGRAMME_MUSIC, 11, &frames, -16.0);
  gchar *in = g_strdup_printf ("%s/gainonly.wav", tmpdir);
  gchar *out = g_strdup_printf ("%s/gainonly-out.wav", tmpdir);
  write_wav_f32 (in, x, frames, 2);
  gchar *args = g_strdup_printf ("master --json --force --target -23 "
      "--format wav32f '%s' '%s'", in, out);
  Run r = run (args);
  CHECK (r.status == 0, "gain only: exit %d: %s", r.status, r.err);
  double g = json_field (r.out, "gain_db");
  double passes = json_field (r.out, "passes");
  gsize n = 0;
  gint ch = 0, bits = 0;
  float *y = read_wav (out, &n, &ch, &bits);
  CHECK (y != NULL && n == frames && ch == 2, "gain only: output");
  if (y && n == frames && isfinite (g)) {
    const double gl = pow (10.0, g / 20.0);
    double worst = 0.0;
    for (gsize i = 0; i < n * 2; i++) {
      double e = fabs (y[i] - x[i] * gl) / (fabs (x[i] * gl) + 1e-30);
      if (x[i] != 0.0f && e > worst)
        worst = e;
      if (x[i] == 0.0f && y[i] != 0.0f)
        worst = HUGE_VAL;
    }
    NOTE ("gain only: gain %+.3f dB, %.0f passes, largest relative "
        "difference from input x gain %.2e", g, passes, worst);
    CHECK (worst <= 1e-6, "gain only: output differs from input x gain by "
        "%.2e (relative)", worst);
    CHECK (passes == 2, "gain only: %.0f passes (1 analysis + 1 render "
        "expected)", passes);
  }
  g_free (y);
  run_clear (&r);
  g_free (args);
  g_free (in);
  g_free (out);
  g_free (x);
}

/* 16-bit (TPDF-HF dither + noise shaping) and 24-bit output. */
static void
test_formats (void)
{
  gsize frames;
  float *x = make_programme (PROGRAMME_DYNAMIC, 7, &frames, -18.0);
  gchar *in = g_strdup_printf ("%s/fmt.wav", tmpdir);
  write_wav_f32 (in, x, frames, 2);
  check_master ("wav16-9", in, x, frames, -9.0, -1.0, "wav16", NULL);
  check_master ("wav24-atsc", in, x, frames, -24.0, -2.0, "wav24", NULL);
  /* encoders: a file appears, exit 0 */
  const char *fmts[] = { "flac", "ogg", "opus", "mp3" };
  for (guint i = 0; i < G_N_ELEMENTS (fmts); i++) {
    gchar *out = g_strdup_printf ("%s/enc.%s", tmpdir, fmts[i]);
    gchar *args = g_strdup_printf ("master -q --force '%s' '%s'", in, out);
    Run r = run (args);
    GStatBuf st;
    gboolean exists = g_stat (out, &st) == 0 && st.st_size > 1000;
    NOTE ("format %s: exit %d, %s", fmts[i], r.status, exists ?
        "file written" : "no file");
    CHECK (r.status == 0 && exists, "%s: exit %d %s", fmts[i], r.status,
        r.err);
    run_clear (&r);
    g_free (args);
    g_free (out);
  }
  g_free (in);
  g_free (x);
}

/* Album: one gain for all; relative loudness kept; album on target. */
static void
test_album (void)
{
  const double levels[] = { -18.0, -24.0, -29.0 };
  gchar *dir = g_strdup_printf ("%s/album", tmpdir);
  g_mkdir (dir, 0755);
  GString *args = g_string_new ("master -q --force --album --target -20 "
      "--jobs 2 --format wav32f");
  float *x[3];
  gsize frames[3];
  double in_l[3];
  for (int i = 0; i < 3; i++) {
    x[i] = make_programme (i == 1 ? PROGRAMME_SPEECH : PROGRAMME_MUSIC,
        40 + i, &frames[i], levels[i]);
    in_l[i] = measure_integrated (x[i], frames[i], 2, RATE);
    gchar *in = g_strdup_printf ("%s/track%d.wav", tmpdir, i);
    write_wav_f32 (in, x[i], frames[i], 2);
    g_string_append_printf (args, " '%s'", in);
    g_free (in);
  }
  g_string_append_printf (args, " '%s'", dir);
  Run r = run (args->str);
  CHECK (r.status == 0, "album: exit %d: %s", r.status, r.err);
  double out_l[3];
  gsize total = 0;
  for (int i = 0; i < 3; i++)
    total += frames[i];
  float *all = g_new (float, total * 2);
  gsize pos = 0;
  for (int i = 0; i < 3; i++) {
    gchar *out = g_strdup_printf ("%s/track%d.wav", dir, i);
    gsize n = 0;
    gint ch, bits;
    float *y = read_wav (out, &n, &ch, &bits);
    CHECK (y && n == frames[i], "album: track %d missing/short", i);
    out_l[i] = y ? measure_integrated (y, n, 2, RATE) : -HUGE_VAL;
    double tp = y ? measure_true_peak_db (y, n, 2, 16) : 0;
    if (y) {
      memcpy (all + pos * 2, y, n * 2 * sizeof (float));
      pos += n;
    }
    NOTE ("album track %d: in %.2f LUFS -> out %.3f LUFS (change %+.3f dB), "
        "true peak %+.3f dBTP", i, in_l[i], out_l[i], out_l[i] - in_l[i], tp);
    CHECK (tp <= -1.0 + 0.05, "album: track %d true peak %.3f", i, tp);
    g_free (y);
    g_free (out);
  }
  for (int i = 1; i < 3; i++) {
    double rel_in = in_l[i] - in_l[0], rel_out = out_l[i] - out_l[0];
    NOTE ("album: track %d relative to track 0: in %+.3f LU, out %+.3f LU "
        "(diff %+.3f)", i, rel_in, rel_out, rel_out - rel_in);
    CHECK (fabs (rel_out - rel_in) <= 0.1, "album relative loudness moved "
        "%.3f", rel_out - rel_in);
  }
  double album = measure_integrated (all, pos, 2, RATE);
  NOTE ("album: all tracks together %.3f LUFS (target -20)", album);
  CHECK (fabs (album + 20.0) <= 0.1, "album loudness %.3f", album);
  g_free (all);
  for (int i = 0; i < 3; i++)
    g_free (x[i]);
  run_clear (&r);
  g_string_free (args, TRUE);
  g_free (dir);
}

/* Several files at once, each on its own target (--jobs 2). */
static void
test_jobs (void)
{
  gchar *dir = g_strdup_printf ("%s/jobs", tmpdir);
  g_mkdir (dir, 0755);
  GString *args = g_string_new ("master -q --json --target -16 --jobs 2");
  for (int i = 0; i < 3; i++) {
    gsize frames;
    float *x = make_programme (PROGRAMME_MUSIC, 60 + i, &frames,
        -30.0 + 6 * i);
    gchar *in = g_strdup_printf ("%s/job%d.wav", tmpdir, i);
    write_wav_f32 (in, x, frames, 2);
    g_string_append_printf (args, " '%s'", in);
    g_free (in);
    g_free (x);
  }
  g_string_append_printf (args, " --format wav32f '%s'", dir);
  Run r = run (args->str);
  CHECK (r.status == 0, "jobs: exit %d: %s", r.status, r.err);
  CHECK (r.out && strstr (r.out, "\"ok\": true") && strstr (r.out, "\"after\""),
      "jobs: JSON report missing: %s", r.out);
  for (int i = 0; i < 3; i++) {
    gchar *out = g_strdup_printf ("%s/job%d.wav", dir, i);
    gsize n = 0;
    gint ch, bits;
    float *y = read_wav (out, &n, &ch, &bits);
    double l = y ? measure_integrated (y, n, 2, RATE) : -HUGE_VAL;
    NOTE ("jobs: file %d -> %.3f LUFS (target -16)", i, l);
    CHECK (fabs (l + 16.0) <= 0.1, "jobs: file %d at %.3f", i, l);
    g_free (y);
    g_free (out);
  }
  run_clear (&r);
  g_string_free (args, TRUE);
  g_free (dir);
}

/* Bad input: one line on stderr, non-zero exit, input untouched, no temp. */
static void
expect_failure (const gchar * label, const gchar * args, const gchar * input,
    const gchar * must_not_exist)
{
  gchar *before = input ? file_checksum (input) : NULL;
  Run r = run (args);
  gchar *after = input ? file_checksum (input) : NULL;
  gchar *line = g_strstrip (g_strdup (r.err ? r.err : ""));
  NOTE ("%-18s exit %d: %s", label, r.status, line);
  CHECK (r.status != 0 && r.status != -1, "%s: exit %d", label, r.status);
  CHECK (count_lines (r.err) == 1, "%s: %u stderr lines: %s", label,
      count_lines (r.err), r.err);
  CHECK (!input || !strcmp (before, after), "%s: input changed", label);
  CHECK (count_temp_files (tmpdir) == 0, "%s: temp file left", label);
  CHECK (!must_not_exist || !g_file_test (must_not_exist, G_FILE_TEST_EXISTS),
      "%s: %s was written", label, must_not_exist);
  g_free (line);
  g_free (before);
  g_free (after);
  run_clear (&r);
}

static void
test_bad_input (void)
{
  gsize frames;
  float *x = make_programme (PROGRAMME_MUSIC, 77, &frames, -20.0);
  gchar *in = g_strdup_printf ("%s/good.wav", tmpdir);
  write_wav_f32 (in, x, frames, 2);
  gchar *out = g_strdup_printf ("%s/bad-out.wav", tmpdir);
  gchar *a;

  a = g_strdup_printf ("master '%s/missing.wav' '%s'", tmpdir, out);
  expect_failure ("missing file", a, NULL, out);
  g_free (a);

  gchar *junk = g_strdup_printf ("%s/junk.wav", tmpdir);
  g_file_set_contents (junk, "this is not audio at all\n", -1, NULL);
  a = g_strdup_printf ("master '%s' '%s'", junk, out);
  expect_failure ("undecodable file", a, junk, out);
  g_free (a);

  /* a file of another kind: decodebin used to expose its text pad, which
   * linked nowhere, and the run never ended */
  gchar *subs = g_strdup_printf ("%s/subtitles.vtt", tmpdir);
  g_file_set_contents (subs, "WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n", -1,
      NULL);
  a = g_strdup_printf ("master '%s' '%s'", subs, out);
  expect_failure ("subtitles, no audio", a, subs, out);
  g_free (a);
  g_unlink (subs);
  g_free (subs);

  a = g_strdup_printf ("master '%s' '%s/no-such-dir/out.wav'", in, tmpdir);
  expect_failure ("missing folder", a, in, NULL);
  g_free (a);

  a = g_strdup_printf ("master '%s' '%s/out.wav'", in, in);
  expect_failure ("folder is a file", a, in, NULL);
  g_free (a);

  if (geteuid () != 0) {
    gchar *ro = g_strdup_printf ("%s/readonly", tmpdir);
    g_mkdir (ro, 0555);
    a = g_strdup_printf ("master '%s' '%s/out.wav'", in, ro);
    expect_failure ("read-only folder", a, in, NULL);
    g_free (a);
    g_free (ro);
  }

  a = g_strdup_printf ("master --force '%s' '%s'", in, in);
  expect_failure ("OUT == IN", a, in, NULL);
  g_free (a);

  gchar *slink = g_strdup_printf ("%s/link.wav", tmpdir);
  CHECK (symlink (in, slink) == 0, "symlink");
  a = g_strdup_printf ("master --force '%s' '%s'", in, slink);
  expect_failure ("OUT -> IN symlink", a, in, NULL);
  g_free (a);
  gchar *hard = g_strdup_printf ("%s/hard.wav", tmpdir);
  CHECK (link (in, hard) == 0, "hard link");
  a = g_strdup_printf ("master --force '%s' '%s'", in, hard);
  expect_failure ("OUT hard link IN", a, in, NULL);
  g_free (a);

  gchar *exists = g_strdup_printf ("%s/exists.wav", tmpdir);
  g_file_set_contents (exists, "keep me", -1, NULL);
  a = g_strdup_printf ("master '%s' '%s'", in, exists);
  expect_failure ("existing OUT", a, in, NULL);
  gchar *content = NULL;
  g_file_get_contents (exists, &content, NULL, NULL);
  CHECK (content && !strcmp (content, "keep me"), "existing OUT changed");
  g_free (content);
  g_free (a);

  /* SIGINT during a run: non-zero, no output, no temp file */
  {
    gchar *long_in = g_strdup_printf ("%s/long.wav", tmpdir);
    gsize n = 120 * RATE;
    float *y = g_new (float, n * 2);
    for (gsize k = 0; k < n; k += frames)
      memcpy (y + k * 2, x, MIN (frames, n - k) * 2 * sizeof (float));
    write_wav_f32 (long_in, y, n, 2);
    g_free (y);
    gchar *long_out = g_strdup_printf ("%s/long-out.wav", tmpdir);
    gchar *argv[] = { gst_master, "master", "-q", long_in, long_out, NULL };
    GPid pid;
    CHECK (g_spawn_async (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, &pid, NULL), "spawn");
    /* interrupt it while it writes its output (its temp file exists): a
     * fixed delay raced the run, which can finish 120 s of audio in well
     * under a second */
    int wst = 0, ended = 0;
    guint temps_during = 0;
    for (int t = 0; t < 4000 && !temps_during && !ended; t++) {
      g_usleep (2 * 1000);
      temps_during = count_temp_files (tmpdir);
      ended = waitpid (pid, &wst, WNOHANG) == pid;
    }
    if (!ended) {
      kill (pid, SIGINT);
      waitpid (pid, &wst, 0);
    }
    CHECK (!ended, "SIGINT: the run ended before it wrote a temp file");
    NOTE ("SIGINT: temp files while running %u, exit %d, output %s, temp "
        "files after %u", temps_during, WIFEXITED (wst) ? WEXITSTATUS (wst) :
        -1, g_file_test (long_out, G_FILE_TEST_EXISTS) ? "exists" : "absent",
        count_temp_files (tmpdir));
    CHECK (WIFEXITED (wst) && WEXITSTATUS (wst) != 0, "SIGINT: exit");
    CHECK (!g_file_test (long_out, G_FILE_TEST_EXISTS), "SIGINT: output");
    CHECK (count_temp_files (tmpdir) == 0, "SIGINT: temp file left");
    g_unlink (long_in);
    g_free (long_in);
    g_free (long_out);
  }

  g_free (exists);
  g_free (slink);
  g_free (hard);
  g_free (junk);
  g_free (out);
  g_free (in);
  g_free (x);
}

static void
test_demo (void)
{
  Run r = run ("demo");
  NOTE ("demo: exit %d", r.status);
  if (r.out)
    printf ("%s", r.out);
  CHECK (r.status == 0, "demo failed: %s", r.err);
  CHECK (r.out && strstr (r.out, "after") && strstr (r.out, "-14.0"),
      "demo report missing");
  /* the demo output path is printed last */
  const gchar *p = r.out ? strstr (r.out, "mastered file: ") : NULL;
  if (p) {
    gchar *path = g_strstrip (g_strdup (p + strlen ("mastered file: ")));
    gsize n = 0;
    gint ch, bits;
    float *y = read_wav (path, &n, &ch, &bits);
    double l = y ? measure_integrated (y, n, ch, RATE) : -HUGE_VAL;
    double tp = y ? measure_true_peak_db (y, n, ch, 16) : 0;
    NOTE ("demo output: %.3f LUFS, %.3f dBTP (16x)", l, tp);
    CHECK (fabs (l + 14.0) <= 0.1 && tp <= -0.95, "demo output off");
    g_free (y);
    gchar *dir = g_path_get_dirname (path);
    gchar *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (g_str_has_prefix (dir, g_get_tmp_dir ()))
      CHECK (system (cmd) == 0, "cleanup");
    g_free (cmd);
    g_free (dir);
    g_free (path);
  }
  run_clear (&r);
}

int
main (int argc, char **argv)
{
  const gchar *root = g_getenv ("MASTER_BUILD_ROOT");
  gst_master = root ? g_build_filename (root, "pipelines", "gst-master", NULL)
      : g_find_program_in_path ("gst-master");
  if (!gst_master || !g_file_test (gst_master, G_FILE_TEST_IS_EXECUTABLE)) {
    fprintf (stderr, "gst-master not found\n");
    return 1;
  }
  tmpdir = g_dir_make_tmp ("test-master-XXXXXX", NULL);
  const gchar *only = argc > 1 ? argv[1] : NULL;
  if (!only || !strcmp (only, "targets"))
    test_targets ();
  if (!only || !strcmp (only, "gainonly"))
    test_gain_only ();
  if (!only || !strcmp (only, "formats"))
    test_formats ();
  if (!only || !strcmp (only, "album"))
    test_album ();
  if (!only || !strcmp (only, "jobs"))
    test_jobs ();
  if (!only || !strcmp (only, "bad"))
    test_bad_input ();
  if (!only || !strcmp (only, "demo"))
    test_demo ();
  gchar *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);
  if (g_getenv ("TEST_KEEP"))
    printf ("kept %s\n", tmpdir);
  else if (system (cmd) != 0)
    fprintf (stderr, "cannot remove %s\n", tmpdir);
  g_free (cmd);
  return check_finish ();
}
