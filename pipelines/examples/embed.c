/* embed: masterchain inside an application.
 *
 * Builds   SOURCE ! audioconvert ! audioresample ! masterchain ! audioconvert ! SINK
 * plays it, prints the meter's and the loudness stage's messages as they
 * arrive, and after one second changes settings while playing: the loudness
 * target (a masterchain property) and the limiter ceiling (a child property
 * reached through GstChildProxy, as `limiter::ceiling`).
 *
 *   embed [--seconds S] [--sink SINK] [FILE]
 *
 * Without FILE it plays a pink-noise test source; SINK defaults to
 * autoaudiosink (use fakesink on a machine without sound).
 * Build: part of the project (meson), or alone:
 *   gcc embed.c -o embed $(pkg-config --cflags --libs gstreamer-1.0)
 */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  GMainLoop *loop;
  GstElement *pipeline, *chain;
  guint meter_messages, loudnorm_messages;
} App;

static gboolean
on_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  App *app = user_data;
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (msg);
      if (gst_structure_has_name (s, "mastermeter")) {
        /* print the whole message: every field is a measurement with its
         * unit in the element's documentation */
        gchar *str = gst_structure_to_string (s);
        printf ("meter: %s\n", str);
        g_free (str);
        app->meter_messages++;
      } else if (gst_structure_has_name (s, "masterloudnorm")) {
        gdouble gain = 0, loudness = 0;
        gst_structure_get_double (s, "gain", &gain);
        gst_structure_get_double (s, "loudness", &loudness);
        printf ("loudnorm: gain %+.2f dB, loudness %.2f LUFS\n", gain, loudness);
        app->loudnorm_messages++;
      }
      break;
    }
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      gchar *dbg = NULL;
      gst_message_parse_error (msg, &err, &dbg);
      fprintf (stderr, "embed: error: %s (%s)\n", err->message, dbg ? dbg : "");
      g_error_free (err);
      g_free (dbg);
      g_main_loop_quit (app->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return TRUE;
}

/* Change settings while playing: both take effect smoothly. */
static gboolean
change_settings (gpointer user_data)
{
  App *app = user_data;
  g_object_set (app->chain, "target", -16.0, NULL);
  printf ("changed: target -16 LUFS\n");
  GObject *child = NULL;
  GParamSpec *pspec = NULL;
  if (gst_child_proxy_lookup (GST_CHILD_PROXY (app->chain), "limiter::ceiling", &child, &pspec)) {
    gst_child_proxy_set (GST_CHILD_PROXY (app->chain), "limiter::ceiling", -2.0, NULL);
    gdouble ceiling;
    gst_child_proxy_get (GST_CHILD_PROXY (app->chain), "limiter::ceiling", &ceiling, NULL);
    printf ("changed: limiter::ceiling %.1f dBTP\n", ceiling);
    g_object_unref (child);
  }
  return G_SOURCE_REMOVE;
}

static gboolean
stop (gpointer user_data)
{
  App *app = user_data;
  /* EOS through the pipeline: the stages drain and post final messages */
  gst_element_send_event (app->pipeline, gst_event_new_eos ());
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  App app = { 0 };
  double seconds = 5;
  const char *sink = "autoaudiosink", *file = NULL;

  gst_init (&argc, &argv);
  for (int i = 1; i < argc; i++) {
    if (!strcmp (argv[i], "--seconds") && i + 1 < argc)
      seconds = atof (argv[++i]);
    else if (!strcmp (argv[i], "--sink") && i + 1 < argc)
      sink = argv[++i];
    else if (argv[i][0] != '-')
      file = argv[i];
    else {
      fprintf (stderr, "usage: embed [--seconds S] [--sink SINK] [FILE]\n");
      return 2;
    }
  }

  gchar *source = file
      ? g_strdup_printf ("filesrc location=\"%s\" ! decodebin", file)
      : g_strdup ("audiotestsrc wave=pink-noise volume=0.3");
  gchar *desc = g_strdup_printf ("%s ! audioconvert ! audioresample ! "
      "masterchain name=chain mode=live preset=streaming ! audioconvert ! %s", source, sink);
  GError *err = NULL;
  app.pipeline = gst_parse_launch (desc, &err);
  g_free (source);
  g_free (desc);
  if (!app.pipeline) {
    fprintf (stderr, "embed: %s\n", err ? err->message : "cannot build the pipeline");
    return 1;
  }
  app.chain = gst_bin_get_by_name (GST_BIN (app.pipeline), "chain");
  /* meter messages ten times a second */
  GObject *meter = NULL;
  GParamSpec *pspec = NULL;
  if (gst_child_proxy_lookup (GST_CHILD_PROXY (app.chain), "meter::interval", &meter, &pspec)) {
    gst_child_proxy_set (GST_CHILD_PROXY (app.chain), "meter::interval",
        (guint64) (100 * GST_MSECOND), NULL);
    g_object_unref (meter);
  }

  app.loop = g_main_loop_new (NULL, FALSE);
  GstBus *bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_message, &app);
  g_timeout_add (1000, change_settings, &app);
  g_timeout_add ((guint) (seconds * 1000), stop, &app);

  gst_element_set_state (app.pipeline, GST_STATE_PLAYING);
  g_main_loop_run (app.loop);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);

  printf ("embed: %u meter messages, %u loudnorm messages\n",
      app.meter_messages, app.loudnorm_messages);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.chain);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  return 0;
}
