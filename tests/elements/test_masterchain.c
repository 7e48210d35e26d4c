/* masterchain: structure, child proxy, presets, sample count and alignment,
 * latency, channel counts (imager bypass), messages. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <string.h>

#include "master-test.h"
#include "measure.h"

static const gchar *stage_names[] = {
  "eq", "comp", "saturator", "imager", "loudnorm", "limiter", "meter"
};
static const gchar *stage_factories[] = {
  "mastereq", "mastercomp", "mastersaturator", "masterimager",
  "masterloudnorm", "masterlimiter", "mastermeter"
};

static gboolean
stage_real (GstElement * chain, const gchar * name, const gchar * factory)
{
  GObject *child = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (chain), name);
  gboolean real = FALSE;
  if (child) {
    GstElementFactory *f = gst_element_get_factory (GST_ELEMENT (child));
    real = f && !strcmp (GST_OBJECT_NAME (f), factory);
    g_object_unref (child);
  }
  return real;
}

static gboolean
have_factory (const gchar * name)
{
  GstElementFactory *f = gst_element_factory_find (name);
  if (f)
    gst_object_unref (f);
  return f != NULL;
}

GST_START_TEST (test_structure)
{
  GstElement *chain = gst_element_factory_make ("masterchain", NULL);
  fail_unless (chain != NULL);
  fail_unless_equals_int (gst_child_proxy_get_children_count (GST_CHILD_PROXY (chain)), 7);
  for (guint i = 0; i < G_N_ELEMENTS (stage_names); i++) {
    GObject *child = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (chain), stage_names[i]);
    fail_unless (child != NULL, "no child %s", stage_names[i]);
    gboolean real = stage_real (chain, stage_names[i], stage_factories[i]);
    /* a placeholder only where the stage's element is not built */
    fail_unless (real == have_factory (stage_factories[i]),
        "stage %s: element %s %s", stage_names[i], stage_factories[i],
        real ? "used but not registered" : "registered but not used");
    GST_INFO ("stage %s: %s", stage_names[i], real ? stage_factories[i] : "placeholder");
    g_object_unref (child);
  }
  gst_object_unref (chain);
}
GST_END_TEST;

GST_START_TEST (test_presets_forwarded)
{
  GstElement *chain = gst_element_factory_make ("masterchain", NULL);
  gdouble target;
  gst_util_set_object_arg (G_OBJECT (chain), "preset", "ebu-r128");
  g_object_get (chain, "target", &target, NULL);
  fail_unless_equals_float (target, -23.0);
  if (stage_real (chain, "loudnorm", "masterloudnorm")) {
    GValue v = G_VALUE_INIT;
    gst_child_proxy_get_property (GST_CHILD_PROXY (chain), "loudnorm::target", &v);
    fail_unless_equals_float (g_value_get_double (&v), -23.0);
    g_value_unset (&v);
  }
  if (stage_real (chain, "limiter", "masterlimiter")) {
    GValue v = G_VALUE_INIT;
    gst_child_proxy_get_property (GST_CHILD_PROXY (chain), "limiter::ceiling", &v);
    fail_unless_equals_float (g_value_get_double (&v), -1.0);
    g_value_unset (&v);
    gst_util_set_object_arg (G_OBJECT (chain), "preset", "atsc-a85");
    gst_child_proxy_get_property (GST_CHILD_PROXY (chain), "limiter::ceiling", &v);
    fail_unless_equals_float (g_value_get_double (&v), -2.0);
    g_value_unset (&v);
    /* child proxy path as gst-launch uses it */
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, -1.5);
    gst_child_proxy_set_property (GST_CHILD_PROXY (chain), "limiter::ceiling", &v);
    g_value_unset (&v);
    gst_child_proxy_get_property (GST_CHILD_PROXY (chain), "limiter::ceiling", &v);
    fail_unless_equals_float (g_value_get_double (&v), -1.5);
    g_value_unset (&v);
  }
  /* a custom target makes the preset custom */
  g_object_set (chain, "target", -18.0, NULL);
  gint preset;
  g_object_get (chain, "preset", &preset, "target", &target, NULL);
  fail_unless_equals_int (preset, 0);
  fail_unless_equals_float (target, -18.0);
  gst_object_unref (chain);
}
GST_END_TEST;

/* Every character preset loads, and every key in it names a property of a
 * stage that exists (skipping stages not built yet). */
GST_START_TEST (test_character_presets)
{
  GstElement *chain = gst_element_factory_make ("masterchain", NULL);
  const gchar *chars[] = { "transparent", "warm", "loud", "broadcast-safe", "speech" };
  gchar **names = gst_preset_get_preset_names (GST_PRESET (chain));
  fail_unless (names != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (chars); i++)
    fail_unless (g_strv_contains ((const gchar * const *) names, chars[i]),
        "no preset %s", chars[i]);
  g_strfreev (names);

  const gchar *dir = g_getenv ("MASTER_SOURCE_ROOT");
  gchar *path = g_build_filename (dir, "gst", "presets", "GstMasterChain.prs", NULL);
  GKeyFile *kf = g_key_file_new ();
  fail_unless (g_key_file_load_from_file (kf, path, 0, NULL), "cannot read %s", path);
  guint checked = 0, skipped = 0;
  for (guint i = 0; i < G_N_ELEMENTS (chars); i++) {
    gst_util_set_object_arg (G_OBJECT (chain), "character", chars[i]);
    gchar **keys = g_key_file_get_keys (kf, chars[i], NULL, NULL);
    for (gchar ** k = keys; k && *k; k++) {
      if (g_str_has_prefix (*k, "_meta/"))
        continue;
      gchar *stage = g_strdup (*k);
      gchar *sep = strstr (stage, "::");
      gboolean real = TRUE;
      if (sep) {
        *sep = 0;
        for (guint s = 0; s < G_N_ELEMENTS (stage_names); s++)
          if (!strcmp (stage, stage_names[s]))
            real = stage_real (chain, stage_names[s], stage_factories[s])
                || (s == 1 && stage_real (chain, "comp", "mastermbcomp"));
      }
      g_free (stage);
      if (!real) {
        skipped++;
        continue;
      }
      GObject *target = NULL;
      GParamSpec *pspec = NULL;
      fail_unless (gst_child_proxy_lookup (GST_CHILD_PROXY (chain), *k, &target, &pspec),
          "preset %s: %s names no property", chars[i], *k);
      /* the value was applied */
      gchar *want = g_key_file_get_value (kf, chars[i], *k, NULL);
      GValue v = G_VALUE_INIT, w = G_VALUE_INIT;
      g_value_init (&v, pspec->value_type);
      g_value_init (&w, pspec->value_type);
      g_object_get_property (target, pspec->name, &v);
      fail_unless (gst_value_deserialize (&w, want));
      fail_unless (gst_value_compare (&v, &w) == GST_VALUE_EQUAL,
          "preset %s: %s = %s not applied", chars[i], *k, want);
      g_value_unset (&v);
      g_value_unset (&w);
      g_free (want);
      g_object_unref (target);
      checked++;
    }
    g_strfreev (keys);
  }
  g_print ("character presets: %u settings checked, %u skipped (stage not built)\n",
      checked, skipped);
  g_key_file_free (kf);
  g_free (path);
  gst_object_unref (chain);
}
GST_END_TEST;

/* Pushes `frames` of programme through a harnessed chain in buffers of
 * varying size, then EOS; returns the output (caller frees) and its frame
 * count, checking timestamps are contiguous from 0. */
static float *
run_chain (GstElement * chain, const float *in, gsize frames, gint channels,
    gint rate, gsize * out_frames)
{
  GstHarness *h = gst_harness_new_with_element (chain, "sink", "src");
  gchar *caps = master_test_caps_string ("F32LE", rate, channels);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  gst_harness_set_sink_caps_str (h, "audio/x-raw");   /* anything */

  static const gsize sizes[] = { 1024, 48, 777, 4096, 1, 512, 2000 };
  gsize pos = 0;
  for (guint b = 0; pos < frames; b++) {
    gsize n = MIN (sizes[b % G_N_ELEMENTS (sizes)], frames - pos);
    fail_unless_equals_int (gst_harness_push (h,
            master_test_buffer_f32 (in + pos * channels, n, channels, rate, pos)), GST_FLOW_OK);
    pos += n;
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  float *out = g_new0 (float, frames * channels + 1);
  gsize got = 0;
  GstClockTime expect_pts = 0;
  GstBuffer *buf;
  while ((buf = gst_harness_try_pull (h))) {
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_READ);
    gsize n = map.size / (channels * sizeof (float));
    fail_unless (got + n <= frames, "more frames out than in");
    memcpy (out + got * channels, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    GstClockTime pts = GST_BUFFER_PTS (buf);
    fail_unless (GST_CLOCK_TIME_IS_VALID (pts));
    /* contiguous within a rounding nanosecond */
    fail_unless (pts + 1 >= expect_pts && pts <= expect_pts + 1,
        "buffer at %" GST_TIME_FORMAT " expected %" GST_TIME_FORMAT,
        GST_TIME_ARGS (pts), GST_TIME_ARGS (expect_pts));
    got += n;
    expect_pts = gst_util_uint64_scale_int (got, GST_SECOND, rate);
    gst_buffer_unref (buf);
  }
  gst_harness_teardown (h);
  *out_frames = got;
  return out;
}

/* Neutral chain (static gain 0, ceiling above the signal): output must be
 * the input, same length, sample-aligned (lookahead compensated). */
GST_START_TEST (test_aligned_same_length)
{
  const gint rate = 48000, channels = 2;
  const gsize frames = rate * 4 + 123;
  float *in = g_new (float, frames * channels);
  gen_programme (in, frames, channels, rate, PROGRAMME_MUSIC, 3);
  gen_scale_db (in, frames * channels, -6.0);
  double tp = measure_true_peak_db (in, frames, channels, 16);

  GstElement *chain = gst_object_ref_sink (gst_element_factory_make ("masterchain", NULL));
  gst_util_set_object_arg (G_OBJECT (chain), "mode", "static");
  g_object_set (chain, "target", -14.0, "measured-integrated", -14.0, NULL);
  if (stage_real (chain, "limiter", "masterlimiter"))
    gst_child_proxy_set (GST_CHILD_PROXY (chain), "limiter::ceiling", 0.0, NULL);
  gsize got;
  float *out = run_chain (chain, in, frames, channels, rate, &got);
  g_print ("aligned: %zu frames in, %zu out, input true peak %.2f dBTP\n", frames, got, tp);
  fail_unless_equals_int (got, frames);

  /* best lag by correlation on channel 0 around 0 */
  int best_lag = 0;
  double best = -1;
  for (int lag = -256; lag <= 256; lag++) {
    double acc = 0;
    for (gsize i = 4096; i < frames - 4096; i += 3)
      acc += (double) in[i * channels] * out[(i + lag) * channels];
    if (acc > best) {
      best = acc;
      best_lag = lag;
    }
  }
  double max_diff = 0;
  for (gsize i = 0; i < frames * channels; i++)
    max_diff = MAX (max_diff, fabs ((double) in[i] - out[i]));
  g_print ("aligned (neutral): best lag %d frames, max |out - in| %.3g (%.1f dBFS)\n",
      best_lag, max_diff, measure_db (max_diff));
  fail_unless_equals_int (best_lag, 0);
  /* neutral stages: output equals input to well under 16-bit resolution */
  fail_unless (max_diff < 1e-4, "neutral chain changed the signal by %g", max_diff);
  g_free (out);
  gst_object_unref (chain);

  /* Every latency-bearing stage working (compressor with 5 ms lookahead at
   * 4:1, 2x oversampled soft clipping, limiter driven 20 dB): different
   * samples, but the same length and no shift. (EQ and tape colouring are
   * left out: their phase response moves a correlation peak by itself.) */
  chain = gst_object_ref_sink (gst_element_factory_make ("masterchain", NULL));
  gst_util_set_object_arg (G_OBJECT (chain), "mode", "static");
  g_object_set (chain, "target", -14.0, "measured-integrated", -14.0, NULL);
  gst_child_proxy_set (GST_CHILD_PROXY (chain), "comp::ratio", 4.0, "comp::threshold", -30.0,
      "comp::lookahead", 5.0, "saturator::oversampling", 2u, "saturator::drive", 6.0,
      "saturator::mix", 1.0, "limiter::input-gain", 20.0, NULL);
  out = run_chain (chain, in, frames, channels, rate, &got);
  fail_unless_equals_int (got, frames);
  best = -1;
  best_lag = 0;
  for (int lag = -256; lag <= 256; lag++) {
    double acc = 0;
    for (gsize i = 4096; i < frames - 4096; i += 3)
      acc += (double) in[i * channels] * out[(i + lag) * channels];
    if (acc > best) {
      best = acc;
      best_lag = lag;
    }
  }
  g_print ("aligned (compressor, saturator, limiter working): %zu frames out, best lag %d frames, "
      "output true peak %.2f dBTP\n", got, best_lag, measure_true_peak_db (out, got, channels, 16));
  fail_unless_equals_int (best_lag, 0);
  g_free (in);
  g_free (out);
  gst_object_unref (chain);
}
GST_END_TEST;

/* Mono, stereo and 6 channels all flow (the stereo imager is bypassed for
 * the others), same sample count out as in. */
GST_START_TEST (test_channel_counts)
{
  const gint rate = 44100;
  const gint counts[] = { 1, 2, 6, 2, 1 };
  for (guint c = 0; c < G_N_ELEMENTS (counts); c++) {
    gint channels = counts[c];
    gsize frames = rate * 2 + 17;
    float *in = g_new (float, frames * channels);
    gen_programme (in, frames, channels, rate, PROGRAMME_DENSE, 5 + c);
    GstElement *chain = gst_object_ref_sink (gst_element_factory_make ("masterchain", NULL));
    gsize got;
    float *out = run_chain (chain, in, frames, channels, rate, &got);
    double peak = measure_sample_peak_db (out, got, channels);
    g_print ("%d channel(s): %zu frames in, %zu out, output peak %.2f dBFS\n",
        channels, frames, got, peak);
    fail_unless_equals_int (got, frames);
    fail_unless (isfinite (peak) && peak <= 0.0);
    g_free (in);
    g_free (out);
    gst_object_unref (chain);
  }
}
GST_END_TEST;

/* One chain, caps changing mid-stream stereo -> mono -> stereo: the imager
 * leaves and re-enters the path and every frame still comes out. */
GST_START_TEST (test_renegotiate_channels)
{
  const gint rate = 48000;
  const gint counts[] = { 2, 1, 2 };
  GstElement *chain = gst_object_ref_sink (gst_element_factory_make ("masterchain", NULL));
  GstHarness *h = gst_harness_new_with_element (chain, "sink", "src");
  gst_harness_set_sink_caps_str (h, "audio/x-raw");
  gsize in_frames = 0, out_frames = 0;
  guint64 pos = 0;
  for (guint c = 0; c < G_N_ELEMENTS (counts); c++) {
    gint channels = counts[c];
    gsize frames = rate + 333;
    float *in = g_new (float, frames * channels);
    gen_programme (in, frames, channels, rate, PROGRAMME_MUSIC, 21 + c);
    gchar *caps = master_test_caps_string ("F32LE", rate, channels);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    for (gsize off = 0; off < frames; off += 1000) {
      gsize n = MIN (1000, frames - off);
      fail_unless_equals_int (gst_harness_push (h, master_test_buffer_f32 (in + off * channels,
                  n, channels, rate, pos + off)), GST_FLOW_OK);
    }
    pos += frames;
    in_frames += frames;
    g_free (in);
    GstBuffer *buf;
    while ((buf = gst_harness_try_pull (h))) {
      /* by duration: a tail drained under the old caps may be pulled after
       * the new caps arrived, so the current channel count can be wrong */
      out_frames += gst_util_uint64_scale_int_round (GST_BUFFER_DURATION (buf), rate,
          GST_SECOND);
      gst_buffer_unref (buf);
    }
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  GstBuffer *buf;
  while ((buf = gst_harness_try_pull (h))) {
    out_frames += gst_util_uint64_scale_int_round (GST_BUFFER_DURATION (buf), rate,
        GST_SECOND);
    gst_buffer_unref (buf);
  }
  g_print ("renegotiation 2 -> 1 -> 2 channels: %zu frames in, %zu out\n", in_frames, out_frames);
  /* lookahead stages drain their withheld tail before a format change */
  fail_unless_equals_uint64 (out_frames, in_frames);
  gst_harness_teardown (h);
  gst_object_unref (chain);
}
GST_END_TEST;

/* Latency the chain reports equals the sum of its stages' latencies, each
 * measured alone with the same settings. */
static GstClockTime
live_latency (const gchar * fragment)
{
  gchar *desc = g_strdup_printf ("audiotestsrc is-live=true samplesperbuffer=480 ! "
      "audio/x-raw,format=F32LE,rate=48000,channels=2 ! %s ! fakesink sync=true "
      "processing-deadline=0", fragment);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (pipe != NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  fail_unless_equals_int (gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND),
      GST_STATE_CHANGE_SUCCESS);
  GstQuery *q = gst_query_new_latency ();
  fail_unless (gst_element_query (pipe, q));
  GstClockTime min;
  gst_query_parse_latency (q, NULL, &min, NULL);
  gst_query_unref (q);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  return min - 10 * GST_MSECOND;        /* the source's 480 frames */
}

GST_START_TEST (test_latency)
{
  /* each chain configuration and the same stages alone, configured alike
   * (the chain's saturator defaults to no oversampling; `warm` uses 2x, a
   * limiter lookahead of 2 ms is the broadcast setting) */
  static const struct
  {
    const gchar *chain;
    const gchar *stages[8];
  } cases[] = {
    {"masterchain", {"mastereq", "mastercomp ratio=1", "mastersaturator oversampling=1 mix=0",
            "masterimager", "masterloudnorm", "masterlimiter", "mastermeter", NULL}},
    {"masterchain character=warm", {"mastereq", "mastercomp ratio=1.5",
            "mastersaturator oversampling=2", "masterimager", "masterloudnorm",
            "masterlimiter", "mastermeter", NULL}},
    {"masterchain limiter::lookahead=2 comp::lookahead=1", {"mastereq",
            "mastercomp ratio=1 lookahead=1", "mastersaturator oversampling=1 mix=0",
            "masterimager", "masterloudnorm", "masterlimiter lookahead=2", "mastermeter", NULL}},
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    GstClockTime chain = live_latency (cases[c].chain);
    GstClockTime sum = 0;
    for (guint i = 0; cases[c].stages[i]; i++) {
      gchar *factory = g_strndup (cases[c].stages[i], strcspn (cases[c].stages[i], " "));
      if (have_factory (factory)) {
        GstClockTime l = live_latency (cases[c].stages[i]);
        if (l)
          g_print ("  latency of %s alone: %.3f ms\n", cases[c].stages[i], l / 1e6);
        sum += l;
      }
      g_free (factory);
    }
    g_print ("latency of '%s': %.3f ms, sum of its stages %.3f ms\n", cases[c].chain,
        chain / 1e6, sum / 1e6);
    fail_unless (chain + GST_USECOND >= sum && chain <= sum + GST_USECOND,
        "%s reports %" GST_TIME_FORMAT ", stages sum to %" GST_TIME_FORMAT,
        cases[c].chain, GST_TIME_ARGS (chain), GST_TIME_ARGS (sum));
  }
}
GST_END_TEST;

/* The meter's element messages reach the application's bus. */
GST_START_TEST (test_meter_messages)
{
  if (!have_factory ("mastermeter")) {
    g_print ("meter messages: mastermeter not built, skipped\n");
    return;
  }
  GstElement *pipe = gst_parse_launch ("audiotestsrc num-buffers=200 wave=pink-noise ! "
      "audio/x-raw,format=F32LE,rate=48000,channels=2 ! masterchain name=c ! fakesink", NULL);
  fail_unless (pipe != NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  guint meter_msgs = 0;
  gboolean done = FALSE;
  while (!done) {
    GstMessage *m = gst_bus_timed_pop (bus, 20 * GST_SECOND);
    fail_unless (m != NULL, "timeout");
    switch (GST_MESSAGE_TYPE (m)) {
      case GST_MESSAGE_ELEMENT:
        if (gst_message_has_name (m, "mastermeter"))
          meter_msgs++;
        break;
      case GST_MESSAGE_EOS:
        done = TRUE;
        break;
      case GST_MESSAGE_ERROR:
        fail ("error message");
        break;
      default:
        break;
    }
    gst_message_unref (m);
  }
  g_print ("meter messages: %u\n", meter_msgs);
  fail_unless (meter_msgs > 0);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}
GST_END_TEST;

/* Plays `pipe` to EOS; returns the number of mastermeter messages, the
 * number of buffers fakesink "sink" got in *buffers. */
static guint
play_count_meter (GstElement * pipe, guint * buffers)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstBus *bus = gst_element_get_bus (pipe);
  guint meter_msgs = 0;
  gboolean done = FALSE;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while (!done) {
    GstMessage *m = gst_bus_timed_pop (bus, 20 * GST_SECOND);
    fail_unless (m != NULL, "timeout");
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && gst_message_has_name (m, "mastermeter"))
      meter_msgs++;
    else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS)
      done = TRUE;
    else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
      fail ("error message");
    gst_message_unref (m);
  }
  guint64 n = 0;
  GstStructure *st = NULL;
  g_object_get (sink, "stats", &st, NULL);
  gst_structure_get_uint64 (st, "rendered", &n);
  gst_structure_free (st);
  *buffers = (guint) n;
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (bus);
  return meter_msgs;
}

/* metering=false takes the meter out of the path (no meter messages, every
 * buffer still arrives); true puts it back. */
GST_START_TEST (test_metering_off)
{
  GstElement *pipe = gst_parse_launch ("audiotestsrc num-buffers=50 wave=pink-noise ! "
      "audio/x-raw,format=F32LE,rate=48000,channels=2 ! masterchain name=c metering=false ! "
      "fakesink name=sink sync=false", NULL);
  fail_unless (pipe != NULL);
  GstElement *chain = gst_bin_get_by_name (GST_BIN (pipe), "c");
  gboolean on = TRUE;
  g_object_get (chain, "metering", &on, NULL);
  fail_if (on);
  guint buffers = 0;
  guint msgs = play_count_meter (pipe, &buffers);
  g_print ("metering off: %u meter messages, %u buffers\n", msgs, buffers);
  fail_unless_equals_int (msgs, 0);
  fail_unless (buffers >= 50, "%u buffers", buffers);
  g_object_set (chain, "metering", TRUE, NULL);
  msgs = play_count_meter (pipe, &buffers);
  g_print ("metering on again: %u meter messages, %u buffers\n", msgs, buffers);
  if (have_factory ("mastermeter"))
    fail_unless (msgs > 0);
  fail_unless (buffers >= 50, "%u buffers", buffers);
  gst_object_unref (chain);
  gst_object_unref (pipe);
}
GST_END_TEST;

GST_START_TEST (test_multiband_switch)
{
  GstElement *chain = gst_object_ref_sink (gst_element_factory_make ("masterchain", NULL));
  g_object_set (chain, "multiband", TRUE, NULL);
  gboolean mb;
  g_object_get (chain, "multiband", &mb, NULL);
  fail_unless (mb);
  fail_unless (stage_real (chain, "comp", "mastermbcomp") == have_factory ("mastermbcomp"));
  /* still a working chain */
  gsize frames = 48000, got;
  float *in = g_new (float, frames * 2);
  gen_programme (in, frames, 2, 48000, PROGRAMME_MUSIC, 9);
  float *out = run_chain (chain, in, frames, 2, 48000, &got);
  fail_unless_equals_int (got, frames);
  g_free (in);
  g_free (out);
  gst_object_unref (chain);
}
GST_END_TEST;

static Suite *
masterchain_suite (void)
{
  Suite *s = suite_create ("masterchain");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_structure);
  tcase_add_test (tc, test_presets_forwarded);
  tcase_add_test (tc, test_character_presets);
  tcase_add_test (tc, test_aligned_same_length);
  tcase_add_test (tc, test_channel_counts);
  tcase_add_test (tc, test_renegotiate_channels);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_meter_messages);
  tcase_add_test (tc, test_metering_off);
  tcase_add_test (tc, test_multiband_switch);
  return s;
}

GST_CHECK_MAIN (masterchain);
