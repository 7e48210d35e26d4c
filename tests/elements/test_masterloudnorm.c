/* masterloudnorm: static gain exact (independent libebur128), presets, live
 * AGC settling on alternating quiet/loud programme, gain frozen across
 * silence and GAP buffers, messages, NaN input, sample counts/timestamps. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <gst/controller/controller.h>
#include <string.h>

#include "../common/master-test.h"
#include "../common/measure.h"

#define RATE 48000
#define BLOCK 1024

/* Pushes n frames of `in` through h in BLOCK-frame buffers (F32 or F64),
 * returns the output as float; checks sample count and timestamps. */
static float *
run_harness (GstHarness * h, const float *in, gsize n, gint ch, gboolean f64)
{
  float *out = g_new0 (float, n * ch);
  gsize done = 0;
  while (done < n) {
    gsize b = MIN (BLOCK, n - done);
    GstBuffer *buf = f64 ?
        master_test_buffer_f64 (in + done * ch, b, ch, RATE, done) :
        master_test_buffer_f32 (in + done * ch, b, ch, RATE, done);
    GstClockTime pts = GST_BUFFER_PTS (buf);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    GstBuffer *o = gst_harness_pull (h);
    fail_unless (o != NULL);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (o), pts);
    GstMapInfo map;
    gst_buffer_map (o, &map, GST_MAP_READ);
    fail_unless_equals_int (map.size, b * ch * (f64 ? 8 : 4));
    if (f64) {
      const double *d = (const double *) map.data;
      for (gsize i = 0; i < b * ch; i++)
        out[done * ch + i] = (float) d[i];
    } else {
      memcpy (out + done * ch, map.data, map.size);
    }
    gst_buffer_unmap (o, &map);
    gst_buffer_unref (o);
    done += b;
  }
  return out;
}

static GstHarness *
make_harness (const gchar * format, gint ch)
{
  GstHarness *h = gst_harness_new ("masterloudnorm");
  gchar *caps = master_test_caps_string (format, RATE, ch);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

GST_START_TEST (test_static_exact)
{
  const gsize n = 10 * RATE;
  const double targets[] = { -23.0, -16.0, -14.0, -9.0 };
  const gint chans[] = { 1, 2, 6 };
  for (guint ci = 0; ci < G_N_ELEMENTS (chans); ci++) {
    gint ch = chans[ci];
    float *in = g_new (float, n * ch);
    gen_programme (in, n, ch, RATE, PROGRAMME_DYNAMIC, 7 + ch);
    double measured = measure_integrated (in, n, ch, RATE);
    for (guint t = 0; t < G_N_ELEMENTS (targets); t++) {
      for (int f64 = 0; f64 < 2; f64++) {
        GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE", ch);
        g_object_set (h->element, "mode", 0, "target", targets[t],
            "measured-integrated", measured, NULL);
        float *out = run_harness (h, in, n, ch, f64);
        double got = measure_integrated (out, n, ch, RATE);
        g_print ("static %d ch %s: input %.3f LUFS target %.1f -> %.4f LUFS "
            "(%+.4f LU)\n", ch, f64 ? "F64" : "F32", measured, targets[t],
            got, got - targets[t]);
        fail_unless (fabs (got - targets[t]) < 0.01, "off target: %.4f", got);
        gdouble gain;
        g_object_get (h->element, "gain", &gain, NULL);
        fail_unless (fabs (gain - (targets[t] - measured)) < 1e-6);
        g_free (out);
        gst_harness_teardown (h);
      }
    }
    g_free (in);
  }
}
GST_END_TEST;

GST_START_TEST (test_presets)
{
  GstElement *e = gst_element_factory_make ("masterloudnorm", NULL);
  const struct { const char *nick; double target, ceiling; } p[] = {
    {"streaming", -14, -1}, {"apple", -16, -1}, {"ebu-r128", -23, -1},
    {"atsc-a85", -24, -2}, {"podcast", -16, -1},
  };
  for (guint i = 0; i < G_N_ELEMENTS (p); i++) {
    gdouble t, c;
    gst_util_set_object_arg (G_OBJECT (e), "preset", p[i].nick);
    g_object_get (e, "target", &t, "preset-ceiling", &c, NULL);
    fail_unless (t == p[i].target && c == p[i].ceiling, "%s: %f %f",
        p[i].nick, t, c);
  }
  gint preset;
  g_object_set (e, "target", -20.0, NULL);
  g_object_get (e, "preset", &preset, NULL);
  fail_unless_equals_int (preset, 0);   /* custom */
  gst_object_unref (e);
}
GST_END_TEST;

/* Counts masterloudnorm messages on the element's bus and records the gain
 * they report during [from, to) ns. */
typedef struct
{
  guint count;
  gdouble gmin, gmax;
  guint64 from, to;
  gboolean fields_ok;
} MsgStats;

static void
drain_messages (GstBus * bus, MsgStats * st)
{
  GstMessage *m;
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (m);
    if (gst_structure_has_name (s, "masterloudnorm")) {
      guint64 ts = 0, dur = 0;
      gdouble gain = 0, loud = 0;
      st->count++;
      st->fields_ok &= gst_structure_get_uint64 (s, "timestamp", &ts)
          && gst_structure_get_uint64 (s, "duration", &dur)
          && gst_structure_has_field (s, "stream-time")
          && gst_structure_has_field (s, "running-time")
          && gst_structure_get_double (s, "gain", &gain)
          && gst_structure_get_double (s, "loudness", &loud)
          && gst_structure_has_field (s, "momentary")
          && gst_structure_has_field (s, "holding");
      if (ts >= st->from && ts + dur <= st->to) {
        st->gmin = MIN (st->gmin, gain);
        st->gmax = MAX (st->gmax, gain);
      }
    }
    gst_message_unref (m);
  }
}

/* Alternating quiet and loud programme: short-term loudness of the output
 * (independent meter) within 1 LU of target over the last 10 s of each 30 s
 * segment; gain frozen across 10 s of digital silence and then across 10 s of
 * GAP buffers; messages every 100 ms. */
GST_START_TEST (test_live_settles_and_holds)
{
  const gint ch = 2;
  const double levels[] = { -32.0, -14.0, -30.0, -18.0 };
  const gsize seg = 30 * RATE, sil = 10 * RATE;
  const gsize n = seg * 4 + sil;
  const double target = -23.0;
  float *in = g_new0 (float, n * ch);
  for (int k = 0; k < 4; k++) {
    gen_programme (in + k * seg * ch, seg, ch, RATE,
        k % 2 ? PROGRAMME_DENSE : PROGRAMME_MUSIC, 20 + k);
    double l = measure_integrated (in + k * seg * ch, seg, ch, RATE);
    gen_scale_db (in + k * seg * ch, seg * ch, levels[k] - l);
  }
  /* the last 10 s are silence (calloc) */
  GstHarness *h = make_harness ("F32LE", ch);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  gst_util_set_object_arg (G_OBJECT (h->element), "preset", "ebu-r128");
  gst_util_set_object_arg (G_OBJECT (h->element), "mode", "live");
  g_object_set (h->element, "max-rate", 3.0, NULL);

  MsgStats st = { 0, 1e9, -1e9, 4 * seg * GST_SECOND / RATE + GST_SECOND / 2,
    G_MAXUINT64, TRUE };
  float *out = run_harness (h, in, n, ch, FALSE);
  drain_messages (bus, &st);

  for (int k = 0; k < 4; k++) {
    double worst = 0.0;
    for (int j = 0; j <= 10; j++) {
      gsize end = k * seg + 20 * RATE + j * RATE;
      double s = measure_short_term_at (out, end, ch, RATE) - target;
      if (fabs (s) > fabs (worst))
        worst = s;
    }
    g_print ("live: segment %d at %.0f LUFS: worst short-term error over its "
        "last 10 s %+.2f LU\n", k, levels[k], worst);
    fail_unless (fabs (worst) <= 1.0, "segment %d: %+.2f LU", k, worst);
  }
  gdouble gain_before_gap;
  g_object_get (h->element, "gain", &gain_before_gap, NULL);
  g_print ("live: gain across 10 s of silence %.3f .. %.3f dB, %u messages "
      "(%.1f s)\n", st.gmin, st.gmax, st.count, (double) n / RATE);
  fail_unless (st.gmax - st.gmin < 0.05, "gain moved in silence");
  fail_unless (st.fields_ok, "message fields missing");
  /* one message at the first buffer boundary at or after each 100 ms:
   * 1024-frame buffers give one per 5 buffers (106.7 ms) */
  guint expect = n / (5 * BLOCK);
  fail_unless (st.count >= expect - 1 && st.count <= expect + 1,
      "%u messages for %.1f s at 100 ms (expected %u)", st.count,
      (double) n / RATE, expect);

  /* 10 s of GAP buffers: passed through untouched, gain unchanged */
  for (gsize done = 0; done < sil; done += BLOCK) {
    GstBuffer *b = gst_buffer_new_allocate (NULL, BLOCK * ch * 4, NULL);
    gst_buffer_memset (b, 0, 0, BLOCK * ch * 4);
    GST_BUFFER_PTS (b) = gst_util_uint64_scale_int (n + done, GST_SECOND, RATE);
    GST_BUFFER_DURATION (b) = gst_util_uint64_scale_int (BLOCK, GST_SECOND,
        RATE);
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_GAP);
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
    GstBuffer *o = gst_harness_pull (h);
    fail_unless (GST_BUFFER_FLAG_IS_SET (o, GST_BUFFER_FLAG_GAP));
    fail_unless_equals_int (gst_buffer_get_size (o), BLOCK * ch * 4);
    gst_buffer_unref (o);
  }
  gdouble gain_after_gap;
  g_object_get (h->element, "gain", &gain_after_gap, NULL);
  g_print ("live: gain before 10 s of GAP buffers %.3f dB, after %.3f dB\n",
      gain_before_gap, gain_after_gap);
  fail_unless (gain_before_gap == gain_after_gap);

  drain_messages (bus, &st);
  g_print ("live: gain reported over silence + GAP %.3f .. %.3f dB\n",
      st.gmin, st.gmax);
  fail_unless (st.gmax - st.gmin < 0.05, "gain moved in silence/gap");

  /* EOS posts a final message */
  guint before = st.count;
  gst_harness_push_event (h, gst_event_new_eos ());
  drain_messages (bus, &st);
  fail_unless (st.count == before + 1, "no final message at EOS");

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_free (out);
  g_free (in);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A track boundary (loud track, 2 s silence, track of the same loudness):
 * the gain does not pump. */
GST_START_TEST (test_live_track_boundary)
{
  const gint ch = 2;
  const gsize trk = 25 * RATE, gap = 2 * RATE;
  const gsize n = 2 * trk + gap;
  float *in = g_new0 (float, n * ch);
  gen_programme (in, trk, ch, RATE, PROGRAMME_MUSIC, 31);
  gen_programme (in + (trk + gap) * ch, trk, ch, RATE, PROGRAMME_DENSE, 32);
  double l1 = measure_integrated (in, trk, ch, RATE);
  double l2 = measure_integrated (in + (trk + gap) * ch, trk, ch, RATE);
  gen_scale_db (in, trk * ch, -12.0 - l1);
  gen_scale_db (in + (trk + gap) * ch, trk * ch, -12.0 - l2);
  GstHarness *h = make_harness ("F32LE", ch);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "target", -16.0, NULL);
  MsgStats st = { 0, 1e9, -1e9, 15 * GST_SECOND, G_MAXUINT64, TRUE };
  float *out = run_harness (h, in, n, ch, FALSE);
  drain_messages (bus, &st);
  g_print ("track boundary: gain range from 10 s before to the end of the "
      "next track %.3f dB (%.2f .. %.2f)\n", st.gmax - st.gmin, st.gmin,
      st.gmax);
  fail_unless (st.gmax - st.gmin < 1.0, "pumping: %.2f dB",
      st.gmax - st.gmin);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_free (out);
  g_free (in);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_nonfinite)
{
  const gint ch = 2;
  const gsize n = 2 * RATE;
  float *in = g_new (float, n * ch);
  gen_programme (in, n, ch, RATE, PROGRAMME_MUSIC, 9);
  in[100] = NAN;
  in[RATE] = INFINITY;
  for (int mode = 0; mode < 2; mode++) {
    GstHarness *h = make_harness ("F32LE", ch);
    GstBus *bus = gst_bus_new ();
    gst_element_set_bus (h->element, bus);
    g_object_set (h->element, "mode", mode, "measured-integrated", -20.0,
        NULL);
    float *out = run_harness (h, in, n, ch, FALSE);
    gboolean finite = TRUE;
    for (gsize i = 0; i < n * ch; i++)
      finite &= isfinite (out[i]) != 0;
    guint warnings = 0;
    GstMessage *m;
    while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
      warnings++;
      gst_message_unref (m);
    }
    g_print ("nonfinite mode %d: finite output %d, %u warning(s)\n", mode,
        finite, warnings);
    fail_unless (finite);
    fail_unless_equals_int (warnings, 1);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    g_free (out);
    gst_harness_teardown (h);
  }
  g_free (in);
}
GST_END_TEST;

/* Static mode at 0 dB is passthrough (bit-exact); a target automated by a
 * control source moves smoothly. */
GST_START_TEST (test_neutral_and_control)
{
  const gint ch = 2;
  const gsize n = RATE;
  float *in = g_new (float, n * ch);
  gen_sine (in, n, ch, RATE, 1000.0, 0.25, 0.0);
  GstHarness *h = make_harness ("F32LE", ch);
  g_object_set (h->element, "mode", 0, "target", -20.0,
      "measured-integrated", -20.0, NULL);
  float *out = run_harness (h, in, n, ch, FALSE);
  fail_unless (memcmp (in, out, n * ch * sizeof (float)) == 0,
      "0 dB is not bit-exact");
  g_free (out);
  gst_harness_teardown (h);

  /* step the target by 6 dB via a control source at 0.5 s */
  h = make_harness ("F32LE", ch);
  g_object_set (h->element, "mode", 0, "target", -20.0,
      "measured-integrated", -20.0, NULL);
  GstControlSource *cs = gst_interpolation_control_source_new ();
  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);
  gst_object_add_control_binding (GST_OBJECT (h->element),
      gst_direct_control_binding_new_absolute (GST_OBJECT (h->element),
          "target", cs));
  gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs), 0,
      -20.0);
  gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs),
      GST_SECOND / 2, -14.0);
  out = run_harness (h, in, n, ch, FALSE);
  double max_jump = 0.0;
  for (gsize i = 1; i < n; i++) {
    double r0 = in[(i - 1) * ch] != 0 ? out[(i - 1) * ch] / in[(i - 1) * ch] : 0;
    double r1 = in[i * ch] != 0 ? out[i * ch] / in[i * ch] : 0;
    if (fabs (in[i * ch]) > 0.05 && fabs (in[(i - 1) * ch]) > 0.05)
      max_jump = MAX (max_jump, fabs (r1 - r0));
  }
  double g_end = out[(n - 1) * ch] / in[(n - 1) * ch];
  g_print ("control: final gain %.4f dB, largest per-sample gain step %.2e\n",
      20 * log10 (g_end), max_jump);
  fail_unless (fabs (20 * log10 (g_end) - 6.0) < 1e-3);
  fail_unless (max_jump < 1e-3, "gain step %.2e", max_jump);
  gst_object_unref (cs);
  g_free (out);
  g_free (in);
  gst_harness_teardown (h);
}
GST_END_TEST;


/* Live AGC followed by masterlimiter: the ceiling holds (16x true peak)
 * through level changes, and the chain keeps the sample count. */
GST_START_TEST (test_live_with_limiter)
{
  const gint ch = 2;
  const double levels[] = { -34.0, -12.0, -30.0 };
  const gsize seg = 20 * RATE;
  const gsize n = seg * 3;
  float *in = g_new0 (float, n * ch);
  for (int k = 0; k < 3; k++) {
    gen_programme (in + k * seg * ch, seg, ch, RATE, PROGRAMME_MUSIC, 50 + k);
    double l = measure_integrated (in + k * seg * ch, seg, ch, RATE);
    gen_scale_db (in + k * seg * ch, seg * ch, levels[k] - l);
  }
  GstElementFactory *lf = gst_element_factory_find ("masterlimiter");
  if (!lf) {
    g_print ("masterlimiter not available: skipped\n");
    g_free (in);
    return;
  }
  gst_object_unref (lf);
  GstHarness *h = gst_harness_new_parse ("masterloudnorm mode=live "
      "preset=streaming max-rate=6 ! masterlimiter ceiling=-1.0");
  gchar *caps = master_test_caps_string ("F32LE", RATE, ch);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  float *out = g_new0 (float, n * ch);
  gsize got = 0;
  for (gsize done = 0; done < n; done += BLOCK) {
    gsize b = MIN (BLOCK, n - done);
    fail_unless_equals_int (gst_harness_push (h,
            master_test_buffer_f32 (in + done * ch, b, ch, RATE, done)),
        GST_FLOW_OK);
    GstBuffer *o;
    while ((o = gst_harness_try_pull (h))) {
      gsize sz = gst_buffer_get_size (o) / sizeof (float);
      fail_unless (got * ch + sz <= n * ch);
      gst_buffer_extract (o, 0, out + got * ch, sz * sizeof (float));
      got += sz / ch;
      gst_buffer_unref (o);
    }
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  GstBuffer *o;
  while ((o = gst_harness_try_pull (h))) {
    gsize sz = gst_buffer_get_size (o) / sizeof (float);
    fail_unless (got * ch + sz <= n * ch);
    gst_buffer_extract (o, 0, out + got * ch, sz * sizeof (float));
    got += sz / ch;
    gst_buffer_unref (o);
  }
  double tp = measure_true_peak_db (out, got, ch, 16);
  g_print ("live + limiter: %zu of %zu frames out, true peak (16x) %.3f dBTP "
      "(ceiling -1.0)\n", got, n, tp);
  for (int k = 0; k < 3; k++) {
    double st = measure_short_term_at (out, k * seg + seg - 1, ch, RATE);
    g_print ("live + limiter: segment %d at %.0f LUFS: short-term at its end "
        "%.2f LUFS (target -14)\n", k, levels[k], st);
    fail_unless (fabs (st + 14.0) <= 1.0, "segment %d: %.2f", k, st);
  }
  fail_unless_equals_int (got, n);
  fail_unless (tp <= -1.0 + 0.05, "overshoot: %.3f dBTP", tp);
  g_free (out);
  g_free (in);
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *
masterloudnorm_suite (void)
{
  Suite *s = suite_create ("masterloudnorm");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_presets);
  tcase_add_test (tc, test_static_exact);
  tcase_add_test (tc, test_live_settles_and_holds);
  tcase_add_test (tc, test_live_track_boundary);
  tcase_add_test (tc, test_live_with_limiter);
  tcase_add_test (tc, test_nonfinite);
  tcase_add_test (tc, test_neutral_and_control);
  return s;
}

GST_CHECK_MAIN (masterloudnorm);
