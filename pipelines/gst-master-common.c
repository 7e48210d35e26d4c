/* gst-master: pieces shared by the subcommands; see gst-master-common.h. */
#include "gst-master-common.h"

#include <gst/audio/audio.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

/* the statically linked copy of the plugin (gstmastering-static) */
void gst_plugin_mastering_register (void);

gboolean
gm_init (int *argc, char ***argv)
{
  GError *err = NULL;
  GstPlugin *plugin;
  GstElementFactory *f;

  if (!gst_init_check (argc, argv, &err)) {
    gm_error (NULL, "cannot initialise GStreamer: %s",
        err ? err->message : "unknown error");
    g_clear_error (&err);
    return FALSE;
  }
  /* prefer the installed (or GST_PLUGIN_PATH) plugin; fall back to ours */
  plugin = gst_registry_find_plugin (gst_registry_get (), "mastering");
  if (plugin)
    gst_object_unref (plugin);
  else
    gst_plugin_mastering_register ();

  f = gst_element_factory_find ("mastermeter");
  if (f == NULL) {
    gm_error (NULL, "the mastering plugin has no mastermeter element");
    return FALSE;
  }
  gst_object_unref (f);
  return TRUE;
}

void
gm_error (const gchar * what, const gchar * format, ...)
{
  va_list ap;
  gchar *msg, *p;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  /* one line, whatever the message contains */
  for (p = msg; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  if (what)
    fprintf (stderr, "%s: %s: %s\n", GM_PROGRAM, what, msg);
  else
    fprintf (stderr, "%s: %s\n", GM_PROGRAM, msg);
  g_free (msg);
}

gboolean
gm_parse_options (int *argc, char ***argv, const gchar * command,
    const gchar * parameter_string, const gchar * summary,
    const GOptionEntry * entries)
{
  GOptionContext *ctx = g_option_context_new (parameter_string);
  GError *err = NULL;
  gboolean ok;

  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, &err);
  if (!ok) {
    gm_error (command, "%s (try '%s %s --help')", err->message, GM_PROGRAM,
        command);
    g_clear_error (&err);
  }
  g_option_context_free (ctx);
  return ok;
}

GstElement *
gm_decode_pipeline_new (const gchar * path, const gchar * tail,
    GError ** error)
{
  gchar *desc;
  GstElement *pipeline, *src, *dec;

  desc = g_strdup_printf ("filesrc name=gm_src ! decodebin name=gm_dec ! "
      "audioconvert name=gm_conv ! "
      "audio/x-raw,format=F32LE,layout=interleaved ! %s", tail);
  pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS,
      error);
  g_free (desc);
  if (pipeline == NULL)
    return NULL;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "gm_src");
  g_object_set (src, "location", path, NULL);
  gst_object_unref (src);
  dec = gst_bin_get_by_name (GST_BIN (pipeline), "gm_dec");
  gm_decodebin_audio_only (dec);
  gst_object_unref (dec);
  return pipeline;
}

/* decodebin stops at, and exposes, raw caps of any kind by default. A file
 * typefound as subtitles (a WebVTT file, or noise that happens to look
 * like LRC) then gets a text pad that cannot link to audioconvert: the
 * parser pushes into nothing and the pipeline neither prerolls nor ends.
 * With audio/x-raw as the final caps, a stream of another kind is a dead
 * end and a file without an audio stream is an error on the bus. */
void
gm_decodebin_audio_only (GstElement * decodebin)
{
  GstCaps *caps = gst_caps_new_empty_simple ("audio/x-raw");
  g_object_set (decodebin, "caps", caps, NULL);
  gst_caps_unref (caps);
}

/* decodebin found no element for a stream: its debug text has a line
 * "Missing decoder: NAME (CAPS)" per stream. An audio stream means a
 * decoder is not installed; anything else (subtitles, video only) means
 * the file has no audio to master. */
static gchar *
describe_missing_decoder (const gchar * debug)
{
  const gchar *line = debug ? strstr (debug, "Missing decoder: ") : NULL;
  gchar *name, *paren, *msg;
  gboolean audio = FALSE;

  if (line == NULL)
    return g_strdup ("cannot decode: no decoder for its streams");
  /* any audio stream among the missing ones decides */
  for (const gchar * l = line; l; l = strstr (l + 1, "Missing decoder: ")) {
    const gchar *p = strchr (l, '(');
    if (p && g_str_has_prefix (p + 1, "audio/"))
      audio = TRUE;
  }
  name = g_strndup (line + strlen ("Missing decoder: "),
      strcspn (line + strlen ("Missing decoder: "), "\n"));
  paren = strstr (name, " (");
  if (paren)
    *paren = '\0';
  g_strstrip (name);
  if (audio)
    msg = g_strdup_printf ("cannot decode: no decoder installed for %s", name);
  else
    msg = g_strdup_printf ("cannot decode: no audio stream (only %s)", name);
  g_free (name);
  return msg;
}

gchar *
gm_describe_error (const GError * err, const gchar * debug)
{
  const gchar *what = "failed";

  if (err->domain == GST_RESOURCE_ERROR)
    what = "cannot read";
  else if (err->domain == GST_STREAM_ERROR &&
      (err->code == GST_STREAM_ERROR_TYPE_NOT_FOUND ||
          err->code == GST_STREAM_ERROR_DECODE ||
          err->code == GST_STREAM_ERROR_DEMUX ||
          err->code == GST_STREAM_ERROR_WRONG_TYPE ||
          err->code == GST_STREAM_ERROR_CODEC_NOT_FOUND))
    what = "cannot decode";
  else if (err->domain == GST_STREAM_ERROR &&
      err->code == GST_STREAM_ERROR_FAILED && debug &&
      strstr (debug, "not-linked"))
    return g_strdup ("cannot decode: no audio stream");
  else if (err->domain == GST_CORE_ERROR &&
      err->code == GST_CORE_ERROR_MISSING_PLUGIN)
    return describe_missing_decoder (debug);
  return g_strdup_printf ("%s: %s", what, err->message);
}

static GstPadProbeReturn
stall_watch_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GmStallWatch *w = user_data;
  g_atomic_int_inc (&w->count);
  return GST_PAD_PROBE_OK;
}

static void
stall_watch_pad (GmStallWatch * w, GstElement * e, const gchar * name)
{
  GstPad *pad = e ? gst_element_get_static_pad (e, name) : NULL;
  if (pad) {
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_BUFFER_LIST | GST_PAD_PROBE_TYPE_PUSH |
        GST_PAD_PROBE_TYPE_PULL, stall_watch_probe, w, NULL);
    gst_object_unref (pad);
  }
}

void
gm_stall_watch_init (GmStallWatch * w, GstElement * src, GstElement * decoded)
{
  w->count = w->seen = 0;
  w->since = w->checked = g_get_monotonic_time ();
  stall_watch_pad (w, src, "src");
  stall_watch_pad (w, decoded, "sink");
}

gboolean
gm_stall_watch_stalled (GmStallWatch * w)
{
  gint64 now = g_get_monotonic_time ();
  gint count = g_atomic_int_get (&w->count);

  if (count != w->seen || now - w->checked > G_USEC_PER_SEC) {
    w->seen = count;
    w->since = now;
  }
  w->checked = now;
  return now - w->since > GM_STALL_SECONDS * G_USEC_PER_SEC;
}

gboolean
gm_run_pipeline (GstElement * pipeline, GmElementMessageFunc func,
    gpointer user_data, GError ** error)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gboolean ok = FALSE, done = FALSE;
  GmStallWatch watch;
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "gm_src");
  GstElement *conv = gst_bin_get_by_name (GST_BIN (pipeline), "gm_conv");

  gm_stall_watch_init (&watch, src, conv);
  gst_clear_object (&src);
  gst_clear_object (&conv);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);

    if (msg == NULL) {
      if (gm_stall_watch_stalled (&watch)) {
        g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
            GM_STALL_MESSAGE);
        done = TRUE;
      }
      continue;
    }
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        ok = done = TRUE;
        break;
      case GST_MESSAGE_ERROR:{
        GError *err = NULL;
        gchar *debug = NULL, *text;
        gst_message_parse_error (msg, &err, &debug);
        text = gm_describe_error (err, debug);
        g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
            text);
        g_free (text);
        g_clear_error (&err);
        g_free (debug);
        done = TRUE;
        break;
      }
      case GST_MESSAGE_ELEMENT:
        if (func)
          func (msg, user_data);
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return ok;
}

/* ---- loudness of a file ---- */

typedef struct {
  GmLoudnessReport *r;
  GstElement *meter;
  gboolean got_final;
} MeasureCtx;

static gdouble
field_or_nan (const GstStructure * s, const gchar * name)
{
  gdouble v;
  return gst_structure_get_double (s, name, &v) ? v : NAN;
}

static void
on_meter_message (GstMessage * msg, gpointer user_data)
{
  MeasureCtx *ctx = user_data;
  const GstStructure *s = gst_message_get_structure (msg);
  gboolean final = FALSE;
  guint64 dur = 0;
  GstPad *pad;
  GstCaps *caps;

  if (GST_MESSAGE_SRC (msg) != GST_OBJECT (ctx->meter) ||
      !gst_structure_has_name (s, "mastermeter") ||
      !gst_structure_get_boolean (s, "final", &final) || !final)
    return;

  ctx->got_final = TRUE;
  ctx->r->integrated = field_or_nan (s, "integrated");
  ctx->r->loudness_range = field_or_nan (s, "loudness-range");
  ctx->r->true_peak = field_or_nan (s, "true-peak-max");
  ctx->r->sample_peak = field_or_nan (s, "sample-peak-max");
  ctx->r->max_momentary = field_or_nan (s, "max-momentary");
  ctx->r->max_short_term = field_or_nan (s, "max-short-term");
  gst_structure_get_uint64 (s, "duration", &dur);
  ctx->r->duration = (gdouble) dur / GST_SECOND;

  pad = gst_element_get_static_pad (ctx->meter, "sink");
  caps = gst_pad_get_current_caps (pad);
  if (caps) {
    GstAudioInfo info;
    if (gst_audio_info_from_caps (&info, caps)) {
      ctx->r->rate = GST_AUDIO_INFO_RATE (&info);
      ctx->r->channels = GST_AUDIO_INFO_CHANNELS (&info);
    }
    gst_caps_unref (caps);
  }
  gst_object_unref (pad);
}

gboolean
gm_measure_file (const gchar * path, GmLoudnessReport * r)
{
  GError *err = NULL;
  GstElement *pipeline;
  MeasureCtx ctx = { r, NULL, FALSE };

  memset (r, 0, sizeof (*r));
  r->file = g_strdup (path);
  r->integrated = r->loudness_range = r->true_peak = r->sample_peak = NAN;
  r->max_momentary = r->max_short_term = NAN;

  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    r->error = g_strdup ("cannot read: no such file");
    return FALSE;
  }
  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    r->error = g_strdup ("cannot read: is a directory");
    return FALSE;
  }

  pipeline = gm_decode_pipeline_new (path,
      "mastermeter name=gm_meter interval=0 ! fakesink sync=false", &err);
  if (pipeline == NULL) {
    r->error = g_strdup_printf ("cannot build pipeline: %s", err->message);
    g_clear_error (&err);
    return FALSE;
  }
  ctx.meter = gst_bin_get_by_name (GST_BIN (pipeline), "gm_meter");
  if (!gm_run_pipeline (pipeline, on_meter_message, &ctx, &err)) {
    r->error = g_strdup (err->message);
    g_clear_error (&err);
  } else if (!ctx.got_final) {
    r->error = g_strdup ("cannot decode: no audio samples");
  }
  gst_object_unref (ctx.meter);
  gst_object_unref (pipeline);
  return r->error == NULL;
}

void
gm_report_clear (GmLoudnessReport * r)
{
  g_free (r->file);
  g_free (r->error);
  memset (r, 0, sizeof (*r));
}

gdouble
gm_report_plr (const GmLoudnessReport * r)
{
  if (!isfinite (r->true_peak) || !isfinite (r->integrated))
    return NAN;
  return r->true_peak - r->integrated;
}

static void
print_cell (FILE * out, gdouble v)
{
  if (isfinite (v))
    fprintf (out, " %11.1f", v);
  else if (isinf (v))
    fprintf (out, " %11s", v < 0 ? "-inf" : "inf");
  else
    fprintf (out, " %11s", "-");
}

void
gm_report_print_table (FILE * out, const GmLoudnessReport * reports, guint n)
{
  guint i;

  fprintf (out, " %11s %11s %11s %11s %11s  %s\n", "integrated", "LRA",
      "true-peak", "sample-peak", "PLR", "file");
  fprintf (out, " %11s %11s %11s %11s %11s\n", "LUFS", "LU", "dBTP", "dBFS",
      "dB");
  for (i = 0; i < n; i++) {
    const GmLoudnessReport *r = &reports[i];
    if (r->error)
      continue;
    print_cell (out, r->integrated);
    print_cell (out, r->loudness_range);
    print_cell (out, r->true_peak);
    print_cell (out, r->sample_peak);
    print_cell (out, gm_report_plr (r));
    fprintf (out, "  %s\n", r->file);
  }
}

void
gm_json_string (FILE * out, const gchar * s)
{
  const guchar *p;

  fputc ('"', out);
  for (p = (const guchar *) s; *p; p++) {
    switch (*p) {
      case '"':
        fputs ("\\\"", out);
        break;
      case '\\':
        fputs ("\\\\", out);
        break;
      case '\n':
        fputs ("\\n", out);
        break;
      case '\t':
        fputs ("\\t", out);
        break;
      default:
        if (*p < 0x20)
          fprintf (out, "\\u%04x", *p);
        else
          fputc (*p, out);
    }
  }
  fputc ('"', out);
}

void
gm_json_number (FILE * out, gdouble v)
{
  if (isfinite (v))
    fprintf (out, "%.3f", v);
  else
    fputs ("null", out);
}

void
gm_report_print_json (FILE * out, const GmLoudnessReport * reports, guint n)
{
  guint i;

  fputs ("[", out);
  for (i = 0; i < n; i++) {
    const GmLoudnessReport *r = &reports[i];
    fputs (i ? ",\n  {" : "\n  {", out);
    fputs ("\"file\": ", out);
    gm_json_string (out, r->file);
    if (r->error) {
      fputs (", \"error\": ", out);
      gm_json_string (out, r->error);
      fputs ("}", out);
      continue;
    }
    fputs (", \"integrated_lufs\": ", out);
    gm_json_number (out, r->integrated);
    fputs (", \"loudness_range_lu\": ", out);
    gm_json_number (out, r->loudness_range);
    fputs (", \"true_peak_dbtp\": ", out);
    gm_json_number (out, r->true_peak);
    fputs (", \"sample_peak_dbfs\": ", out);
    gm_json_number (out, r->sample_peak);
    fputs (", \"plr_db\": ", out);
    gm_json_number (out, gm_report_plr (r));
    fputs (", \"max_momentary_lufs\": ", out);
    gm_json_number (out, r->max_momentary);
    fputs (", \"max_short_term_lufs\": ", out);
    gm_json_number (out, r->max_short_term);
    fputs (", \"duration_s\": ", out);
    gm_json_number (out, r->duration);
    fprintf (out, ", \"rate\": %d, \"channels\": %d}", r->rate, r->channels);
  }
  fputs (n ? "\n]\n" : "]\n", out);
}
