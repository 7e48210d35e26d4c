/* master-bench: times GStreamer pipeline fragments (and libebur128 alone)
 * over the same generated programme-like signal, and prints realtime factor,
 * CPU ns per frame and the ratio against a reference entry.
 *
 *   master-bench [--seconds S] [--buffer-frames N] [--rate R] [--channels C]
 *                [--format F32LE|F64LE] [--ref NAME] [--repeat K]
 *                [--write-wav PATH] NAME='fragment' ... [@libebur128]
 *
 * Each entry runs `appsrc ! <fragment> ! fakesink sync=false`; appsrc
 * pushes fresh copies of the signal from its own streaming thread
 * (need-data), so the run is single-threaded unless the fragment adds
 * queues, and CPU time is the process's. A baseline `appsrc ! fakesink`
 * run is timed the same way and subtracted, so the figures are the
 * fragment's own cost. `@libebur128` (or NAME=@libebur128) times libebur128
 * directly (EBUR128_MODE_I | LRA | TRUE_PEAK | SAMPLE_PEAK, same buffer
 * size, F32 or F64 entry point) with nothing to subtract. With --repeat K
 * every entry runs K times and the fastest run counts (shared machines).
 *
 * The signal (deterministic): 60 s of sections (music, dense, speech,
 * dynamic, quiet; each at a typical loudness) repeated to S seconds.
 * --write-wav dumps it as 32-bit float WAV so scripts can time other tools
 * (ffmpeg, sox) on exactly the same material. */
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <ebur128.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "measure.h"

void gst_plugin_mastering_register (void);

typedef struct {
  /* options */
  gdouble seconds;
  gint buffer_frames, rate, channels;
  gboolean f64;
  const gchar *ref;
  gint repeat;
  /* signal */
  gpointer data;                /* interleaved, F32 or F64 */
  gsize n_frames, bpf;
} Bench;

typedef struct {
  const gchar *name;
  const gchar *fragment;        /* NULL for @libebur128 */
  gdouble cpu_s, wall_s;        /* after baseline subtraction */
  gboolean ok;
} Entry;

static gdouble
now_s (clockid_t clk)
{
  struct timespec ts;
  clock_gettime (clk, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- signal ---- */

static void
make_signal (Bench * b)
{
  static const struct
  {
    MeasureProgramme kind;
    double lufs;
  } sec[] = {
    {PROGRAMME_MUSIC, -14}, {PROGRAMME_DENSE, -9}, {PROGRAMME_SPEECH, -19},
    {PROGRAMME_DYNAMIC, -20}, {PROGRAMME_QUIET, -30},
  };
  const gsize sec_frames = (gsize) b->rate * 12;
  const gsize ch = b->channels;
  gsize unique = sec_frames * G_N_ELEMENTS (sec), i, pos;
  float *u = g_new (float, unique * ch);
  float *f32;

  for (i = 0; i < G_N_ELEMENTS (sec); i++) {
    float *p = u + i * sec_frames * ch;
    double now;
    gen_programme (p, sec_frames, ch, b->rate, sec[i].kind, 100 + i);
    now = measure_integrated (p, sec_frames, ch, b->rate);
    if (isfinite (now))
      gen_scale_db (p, sec_frames * ch, sec[i].lufs - now);
  }

  b->n_frames = (gsize) (b->seconds * b->rate);
  b->bpf = ch * (b->f64 ? sizeof (double) : sizeof (float));
  b->data = g_malloc (b->n_frames * b->bpf);
  f32 = b->data;
  for (pos = 0; pos < b->n_frames; pos += unique) {
    gsize k = MIN (unique, b->n_frames - pos);
    if (b->f64) {
      double *d = (double *) b->data + pos * ch;
      for (i = 0; i < k * ch; i++)
        d[i] = u[i];
    } else {
      memcpy (f32 + pos * ch, u, k * ch * sizeof (float));
    }
  }
  g_free (u);
}

static gboolean
write_wav (const Bench * b, const gchar * path)
{
  FILE *f = fopen (path, "wb");
  guint32 data = (guint32) (b->n_frames * b->channels * 4), v32;
  guint16 v16;
  gsize i;

  if (!f)
    return FALSE;
#define W32(x) (v32 = GUINT32_TO_LE (x), fwrite (&v32, 4, 1, f))
#define W16(x) (v16 = GUINT16_TO_LE (x), fwrite (&v16, 2, 1, f))
  fwrite ("RIFF", 1, 4, f);
  W32 (36 + data);
  fwrite ("WAVEfmt ", 1, 8, f);
  W32 (16);
  W16 (3);
  W16 (b->channels);
  W32 (b->rate);
  W32 (b->rate * b->channels * 4);
  W16 (b->channels * 4);
  W16 (32);
  fwrite ("data", 1, 4, f);
  W32 (data);
  if (b->f64) {
    const double *d = b->data;
    for (i = 0; i < b->n_frames * b->channels; i++) {
      float x = (float) d[i];
      fwrite (&x, 4, 1, f);
    }
  } else {
    fwrite (b->data, 4, b->n_frames * b->channels, f);
  }
  return fclose (f) == 0;
}

/* ---- pipeline runs ---- */

typedef struct {
  const Bench *b;
  gsize pos;
} Feed;

static void
need_data (GstAppSrc * src, guint length, gpointer user_data)
{
  Feed *feed = user_data;
  const Bench *b = feed->b;
  gsize k;
  GstBuffer *buf;

  if (feed->pos >= b->n_frames) {
    gst_app_src_end_of_stream (src);
    return;
  }
  k = MIN ((gsize) b->buffer_frames, b->n_frames - feed->pos);
  /* a fresh buffer each time, as a decoder would give: in-place elements
   * may write to it; the copy is in the baseline too */
  buf = gst_buffer_new_allocate (NULL, k * b->bpf, NULL);
  gst_buffer_fill (buf, 0, (guint8 *) b->data + feed->pos * b->bpf,
      k * b->bpf);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (feed->pos, GST_SECOND,
      b->rate);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (feed->pos + k,
      GST_SECOND, b->rate) - GST_BUFFER_PTS (buf);
  feed->pos += k;
  gst_app_src_push_buffer (src, buf);
}

/* Runs appsrc ! fragment ! fakesink once; FALSE on error. */
static gboolean
run_pipeline (const Bench * b, const gchar * fragment, gdouble * cpu,
    gdouble * wall)
{
  GError *err = NULL;
  gchar *desc = fragment ?
      g_strdup_printf ("appsrc name=src ! %s ! fakesink sync=false", fragment)
      : g_strdup ("appsrc name=src ! fakesink sync=false");
  GstElement *pipe = gst_parse_launch_full (desc, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);
  GstElement *src;
  GstAudioInfo info;
  GstCaps *caps;
  GstBus *bus;
  GstMessage *msg;
  Feed feed = { b, 0 };
  GstAppSrcCallbacks cb = { need_data, NULL, NULL };
  gdouble c0, w0;
  gboolean ok;

  g_free (desc);
  if (pipe == NULL) {
    fprintf (stderr, "master-bench: '%s': %s\n", fragment,
        err ? err->message : "cannot build");
    g_clear_error (&err);
    return FALSE;
  }
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  gst_audio_info_set_format (&info, b->f64 ? GST_AUDIO_FORMAT_F64LE :
      GST_AUDIO_FORMAT_F32LE, b->rate, b->channels, NULL);
  caps = gst_audio_info_to_caps (&info);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME,
      "max-buffers", (guint64) 4, NULL);
  gst_caps_unref (caps);
  gst_app_src_set_callbacks (GST_APP_SRC (src), &cb, &feed, NULL);

  bus = gst_element_get_bus (pipe);
  c0 = now_s (CLOCK_PROCESS_CPUTIME_ID);
  w0 = now_s (CLOCK_MONOTONIC);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  *wall = now_s (CLOCK_MONOTONIC) - w0;
  *cpu = now_s (CLOCK_PROCESS_CPUTIME_ID) - c0;
  ok = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  if (!ok) {
    gst_message_parse_error (msg, &err, NULL);
    fprintf (stderr, "master-bench: '%s': %s\n", fragment, err->message);
    g_clear_error (&err);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (pipe);
  return ok;
}

static gboolean
run_libebur128 (const Bench * b, gdouble * cpu, gdouble * wall)
{
  gdouble c0 = now_s (CLOCK_THREAD_CPUTIME_ID), w0 = now_s (CLOCK_MONOTONIC);
  ebur128_state *st = ebur128_init (b->channels, b->rate, EBUR128_MODE_I |
      EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK);
  gsize pos;
  double v, sink = 0;
  guint c;

  if (st == NULL)
    return FALSE;
  for (pos = 0; pos < b->n_frames; pos += b->buffer_frames) {
    gsize k = MIN ((gsize) b->buffer_frames, b->n_frames - pos);
    if (b->f64)
      ebur128_add_frames_double (st, (const double *) b->data + pos *
          b->channels, k);
    else
      ebur128_add_frames_float (st, (const float *) b->data + pos *
          b->channels, k);
  }
  ebur128_loudness_global (st, &v);
  sink += v;
  ebur128_loudness_range (st, &v);
  sink += v;
  for (c = 0; c < (guint) b->channels; c++) {
    ebur128_true_peak (st, c, &v);
    sink += v;
  }
  ebur128_destroy (&st);
  *cpu = now_s (CLOCK_THREAD_CPUTIME_ID) - c0;
  *wall = now_s (CLOCK_MONOTONIC) - w0;
  return isfinite (sink) || TRUE;
}

static gboolean
run_entry (const Bench * b, Entry * e, gdouble base_cpu, gdouble base_wall)
{
  gint r;

  e->cpu_s = e->wall_s = INFINITY;
  for (r = 0; r < b->repeat; r++) {
    gdouble cpu, wall;
    gboolean ok = e->fragment ? run_pipeline (b, e->fragment, &cpu, &wall) :
        run_libebur128 (b, &cpu, &wall);
    if (!ok)
      return FALSE;
    if (e->fragment) {
      cpu -= base_cpu;
      wall -= base_wall;
    }
    e->cpu_s = MIN (e->cpu_s, cpu);
    e->wall_s = MIN (e->wall_s, wall);
  }
  return TRUE;
}

static void
usage (void)
{
  fprintf (stderr, "usage: master-bench [--seconds S] [--buffer-frames N] "
      "[--rate R] [--channels C] [--format F32LE|F64LE] [--ref NAME] "
      "[--repeat K] [--write-wav PATH] NAME='fragment'... [@libebur128]\n");
}

int
main (int argc, char **argv)
{
  Bench b = { 600.0, 1024, 48000, 2, FALSE, NULL, 1, NULL, 0, 0 };
  const gchar *wav = NULL;
  GArray *entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  gdouble base_cpu = INFINITY, base_wall = INFINITY, ref_ns = NAN;
  gdouble audio_s;
  GstPlugin *plugin;
  gint i, failed = 0;
  guint k;

  gst_init (&argc, &argv);
  for (i = 1; i < argc; i++) {
    const gchar *a = argv[i];
#define ARG(opt) (!strcmp (a, opt) && i + 1 < argc)
    if (ARG ("--seconds"))
      b.seconds = g_ascii_strtod (argv[++i], NULL);
    else if (ARG ("--buffer-frames"))
      b.buffer_frames = atoi (argv[++i]);
    else if (ARG ("--rate"))
      b.rate = atoi (argv[++i]);
    else if (ARG ("--channels"))
      b.channels = atoi (argv[++i]);
    else if (ARG ("--format"))
      b.f64 = !g_ascii_strcasecmp (argv[++i], "F64LE");
    else if (ARG ("--ref"))
      b.ref = argv[++i];
    else if (ARG ("--repeat"))
    {
      b.repeat = atoi (argv[++i]);
      b.repeat = MAX (b.repeat, 1);
    }
    else if (ARG ("--write-wav"))
      wav = argv[++i];
    else if (!strcmp (a, "--help") || !strcmp (a, "-h")) {
      usage ();
      return 0;
    } else if (a[0] == '@' || strchr (a, '=')) {
      Entry e = { 0 };
      const gchar *eq = strchr (a, '=');
      if (a[0] == '@') {
        e.name = a;
        e.fragment = NULL;
      } else {
        e.name = g_strndup (a, eq - a);
        e.fragment = eq[1] == '@' ? NULL : eq + 1;
        if (eq[1] == '@' && strcmp (eq + 1, "@libebur128") != 0) {
          fprintf (stderr, "master-bench: unknown built-in '%s'\n", eq + 1);
          return 2;
        }
      }
      if (a[0] == '@' && strcmp (a, "@libebur128") != 0) {
        fprintf (stderr, "master-bench: unknown built-in '%s'\n", a);
        return 2;
      }
      g_array_append_val (entries, e);
    } else {
      usage ();
      return 2;
    }
  }
  if (b.seconds <= 0 || b.buffer_frames < 1 || b.rate < 8000 ||
      b.channels < 1 || b.channels > 8) {
    usage ();
    return 2;
  }

  plugin = gst_registry_find_plugin (gst_registry_get (), "mastering");
  if (plugin)
    gst_object_unref (plugin);
  else
    gst_plugin_mastering_register ();

  make_signal (&b);
  audio_s = (gdouble) b.n_frames / b.rate;
  if (wav && !write_wav (&b, wav)) {
    fprintf (stderr, "master-bench: cannot write %s\n", wav);
    return 1;
  }
  if (entries->len == 0)
    return 0;

  printf ("master-bench: %.0f s, %d Hz, %d ch, %s, %d-frame buffers, "
      "best of %d\n", audio_s, b.rate, b.channels, b.f64 ? "F64LE" : "F32LE",
      b.buffer_frames, b.repeat);
  for (i = 0; i < b.repeat; i++) {
    gdouble cpu, wall;
    if (!run_pipeline (&b, NULL, &cpu, &wall))
      return 1;
    base_cpu = MIN (base_cpu, cpu);
    base_wall = MIN (base_wall, wall);
  }
  printf ("baseline appsrc ! fakesink: cpu %.3f s, wall %.3f s "
      "(subtracted)\n", base_cpu, base_wall);

  for (k = 0; k < entries->len; k++) {
    Entry *e = &g_array_index (entries, Entry, k);
    e->ok = run_entry (&b, e, base_cpu, base_wall);
    if (!e->ok)
      failed++;
    if (e->ok && b.ref && !strcmp (b.ref, e->name))
      ref_ns = e->cpu_s * 1e9 / b.n_frames;
  }

  printf ("%-24s %12s %12s %10s %10s\n", "entry", "realtime", "ns/frame",
      b.ref ? "ratio" : "", "wall s");
  for (k = 0; k < entries->len; k++) {
    Entry *e = &g_array_index (entries, Entry, k);
    gdouble ns;
    if (!e->ok) {
      printf ("%-24s %12s\n", e->name, "FAILED");
      continue;
    }
    ns = e->cpu_s * 1e9 / b.n_frames;
    printf ("%-24s %11.1fx %12.2f", e->name,
        e->cpu_s > 0 ? audio_s / e->cpu_s : INFINITY, ns);
    if (b.ref && isfinite (ref_ns) && ref_ns > 0)
      printf (" %10.2f", ns / ref_ns);
    else
      printf (" %10s", "-");
    printf (" %10.3f\n", MAX (e->wall_s, 0.0));
  }
  if (b.ref && !isfinite (ref_ns))
    fprintf (stderr, "master-bench: reference '%s' not among the entries "
        "(or failed)\n", b.ref);
  g_free (b.data);
  return failed ? 1 : 0;
}
