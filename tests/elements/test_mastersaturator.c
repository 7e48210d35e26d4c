/* mastersaturator element: F32/F64, mono/stereo, sample counts and
 * timestamps preserved across the latency (withheld head, drained tail),
 * bit-exact neutral setting, latency query == measured delay, NaN input,
 * controller automation and property jumps without clicks. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/controller.h>
#include <gst/base/gstbasetransform.h>
#include <math.h>
#include <string.h>
#include "../common/master-test.h"

#define RATE 48000

typedef struct {
  gdouble *data;                /* all output samples, interleaved, as double */
  gsize n_frames;
  gint n_buffers;
  gboolean ts_ok;
} Collected;

/* Pushes `n` frames of `in` (float, interleaved) in buffers of the given
 * sizes (cycled), then EOS, and collects every output buffer, checking that
 * each one's PTS and duration are the times of the frames it holds. */
static void
run_harness (GstHarness * h, const gchar * fmt, gint channels,
    const float *in, gsize n, const gint * sizes, gint n_sizes, Collected * c)
{
  gboolean f64 = g_str_equal (fmt, "F64LE");
  gchar *caps = master_test_caps_string (fmt, RATE, channels);
  gsize done = 0;
  gint k = 0;
  GstBuffer *b;

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  memset (c, 0, sizeof (*c));
  c->data = g_new0 (gdouble, (n + 8) * channels);
  c->ts_ok = TRUE;
  while (done < n) {
    gsize m = MIN ((gsize) sizes[k++ % n_sizes], n - done);
    GstBuffer *buf = f64 ?
        master_test_buffer_f64 (in + done * channels, m, channels, RATE, done) :
        master_test_buffer_f32 (in + done * channels, m, channels, RATE, done);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    done += m;
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((b = gst_harness_try_pull (h)) != NULL) {
    GstMapInfo map;
    gsize frames, i;
    GstClockTime want = gst_util_uint64_scale_int (c->n_frames, GST_SECOND, RATE);
    GstClockTime want_end;
    gst_buffer_map (b, &map, GST_MAP_READ);
    frames = map.size / (channels * (f64 ? 8 : 4));
    want_end = gst_util_uint64_scale_int (c->n_frames + frames, GST_SECOND, RATE);
    if (GST_BUFFER_PTS (b) != want || GST_BUFFER_DURATION (b) != want_end - want) {
      if (c->ts_ok)
        g_print ("buffer %d: pts %" GST_TIME_FORMAT " want %" GST_TIME_FORMAT "\n",
            c->n_buffers, GST_TIME_ARGS (GST_BUFFER_PTS (b)), GST_TIME_ARGS (want));
      c->ts_ok = FALSE;
    }
    if (c->n_frames + frames <= n + 8) {
      for (i = 0; i < frames * channels; i++)
        c->data[c->n_frames * channels + i] = f64 ? ((const gdouble *) map.data)[i]
            : ((const gfloat *) map.data)[i];
    }
    c->n_frames += frames;
    c->n_buffers++;
    gst_buffer_unmap (b, &map);
    gst_buffer_unref (b);
  }
}

static float *
make_sine (gsize n, gint channels, double freq, double amp)
{
  float *x = g_new (float, n * channels);
  gsize i;
  gint ch;
  for (i = 0; i < n; i++)
    for (ch = 0; ch < channels; ch++)
      x[i * channels + ch] = (float) (amp * sin (2 * M_PI * freq * (ch + 1) * i / RATE));
  return x;
}

/* Every format, channel count and oversampling factor: same frame count,
 * contiguous timestamps, and mix=0 returns the input bit-exactly in place
 * (so nothing is shifted, lost or added by the latency handling). */
GST_START_TEST (test_counts_timestamps_null)
{
  static const gchar *fmts[] = { "F32LE", "F64LE" };
  static const gint sizes[] = { 1000, 333, 47, 1024, 1 };
  static const guint factors[] = { 1, 2, 4, 8 };
  static const gint chans[] = { 1, 2, 8 };
  gint fi, ci, oi;

  for (fi = 0; fi < 2; fi++) {
    for (ci = 0; ci < 3; ci++) {
      const gint ch = chans[ci];
      for (oi = 0; oi < 4; oi++) {
        const gsize n = 12345;
        float *x = make_sine (n, ch, 997.0, 0.7);
        GstHarness *h = gst_harness_new ("mastersaturator");
        Collected c;
        gsize i, diff = 0;
        g_object_set (h->element, "mix", 0.0, "drive", 12.0, "model", 1,
            "oversampling", factors[oi], NULL);
        run_harness (h, fmts[fi], ch, x, n, sizes, G_N_ELEMENTS (sizes), &c);
        for (i = 0; i < MIN (n, c.n_frames) * ch; i++)
          if (c.data[i] != (double) x[i])
            diff++;
        g_print ("%s %dch %ux: %" G_GSIZE_FORMAT " frames in, %" G_GSIZE_FORMAT
            " out in %d buffers, timestamps %s, mix=0 differs in %" G_GSIZE_FORMAT
            " samples\n", fmts[fi], ch, factors[oi], n, c.n_frames, c.n_buffers,
            c.ts_ok ? "contiguous" : "WRONG", diff);
        fail_unless_equals_uint64 (c.n_frames, n);
        fail_unless (c.ts_ok);
        fail_unless_equals_uint64 (diff, 0);
        g_free (c.data);
        g_free (x);
        gst_harness_teardown (h);
      }
    }
  }
}
GST_END_TEST;

/* The reported latency is the real delay: after the first buffer exactly
 * `latency` frames are held back, and an impulse comes out at the same
 * stream position it went in (the delay is compensated, not added). */
GST_START_TEST (test_latency)
{
  static const guint factors[] = { 1, 2, 4, 8 };
  gint oi;
  for (oi = 0; oi < 4; oi++) {
    const gsize n = 4800;
    float *x = g_new0 (float, n);
    GstHarness *h = gst_harness_new ("mastersaturator");
    GstClockTime lat;
    GstBuffer *b;
    gsize n_first = 0, i, peak = 0, total = 0;
    gdouble *y = g_new0 (gdouble, n + 8);
    gchar *caps = master_test_caps_string ("F32LE", RATE, 1);

    g_object_set (h->element, "oversampling", factors[oi], "auto-gain", FALSE, NULL);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    x[1234] = 1e-3f;
    fail_unless_equals_int (gst_harness_push (h, master_test_buffer_f32 (x, n, 1, RATE, 0)),
        GST_FLOW_OK);
    lat = gst_harness_query_latency (h);
    while ((b = gst_harness_try_pull (h)) != NULL) {
      GstMapInfo map;
      gst_buffer_map (b, &map, GST_MAP_READ);
      for (i = 0; i < map.size / 4; i++)
        y[total + i] = ((const float *) map.data)[i];
      total += map.size / 4;
      gst_buffer_unmap (b, &map);
      gst_buffer_unref (b);
    }
    n_first = total;
    gst_harness_push_event (h, gst_event_new_eos ());
    while ((b = gst_harness_try_pull (h)) != NULL) {
      GstMapInfo map;
      gst_buffer_map (b, &map, GST_MAP_READ);
      for (i = 0; i < map.size / 4 && total + i < n; i++)
        y[total + i] = ((const float *) map.data)[i];
      total += map.size / 4;
      gst_buffer_unmap (b, &map);
      gst_buffer_unref (b);
    }
    for (i = 0; i < n; i++)
      if (fabs (y[i]) > fabs (y[peak]))
        peak = i;
    g_print ("%ux: latency query %" GST_TIME_FORMAT " = %" G_GUINT64_FORMAT
        " frames; held back after the first buffer: %" G_GSIZE_FORMAT
        " frames; impulse in at 1234, out at %" G_GSIZE_FORMAT "\n", factors[oi],
        GST_TIME_ARGS (lat), gst_util_uint64_scale_round (lat, RATE, GST_SECOND),
        n - n_first, peak);
    fail_unless_equals_uint64 (gst_util_uint64_scale_round (lat, RATE, GST_SECOND), n - n_first);
    fail_unless_equals_uint64 (peak, 1234);
    fail_unless_equals_uint64 (total, n);
    g_free (x);
    g_free (y);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

GST_START_TEST (test_nan)
{
  static const gchar *fmts[] = { "F32LE", "F64LE" };
  gint fi;
  for (fi = 0; fi < 2; fi++) {
    const gsize n = 9600;
    float *x = make_sine (n, 2, 440.0, 0.5);
    GstHarness *h = gst_harness_new ("mastersaturator");
    GstBus *bus = gst_bus_new ();
    Collected c;
    gsize i, bad = 0;
    gint warnings = 0;
    GstMessage *msg;
    static const gint sizes[] = { 480 };

    gst_element_set_bus (h->element, bus);
    g_object_set (h->element, "model", 2, "drive", 12.0, NULL);
    x[100] = NAN;
    x[2001] = INFINITY;
    x[5000] = -INFINITY;
    x[7777] = NAN;
    run_harness (h, fmts[fi], 2, x, n, sizes, 1, &c);
    for (i = 0; i < c.n_frames * 2 && i < n * 2; i++)
      if (!isfinite (c.data[i]))
        bad++;
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING)) != NULL) {
      warnings++;
      gst_message_unref (msg);
    }
    g_print ("%s: 4 NaN/Inf in, %" G_GSIZE_FORMAT " non-finite out, %d warning(s)\n",
        fmts[fi], bad, warnings);
    fail_unless_equals_uint64 (bad, 0);
    fail_unless_equals_int (warnings, 1);
    fail_unless_equals_uint64 (c.n_frames, n);
    g_free (c.data);
    g_free (x);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* Largest |second difference| of y over [a, b) (frames, channel 0). */
static double
max_d2 (const gdouble * y, gint channels, gsize a, gsize b)
{
  double m = 0;
  gsize i;
  for (i = MAX (a, 2); i < b; i++)
    m = MAX (m, fabs (y[i * channels] - 2 * y[(i - 1) * channels] + y[(i - 2) * channels]));
  return m;
}

static double
peak_of (const gdouble * y, gint channels, gsize a, gsize b)
{
  double m = 0;
  gsize i;
  for (i = a; i < b; i++)
    m = MAX (m, fabs (y[i * channels]));
  return m;
}

/* drive 0 -> 24 dB and mix 0.3 -> 1 by linear control sources over 0.5 s
 * (and bias for the tube): the output's second difference never exceeds
 * that of the steady states on either side (no click, no zipper steps). */
GST_START_TEST (test_automation)
{
  static const gint models[] = { 0, 1 };
  gint mi;
  for (mi = 0; mi < 2; mi++) {
    const gsize n = RATE * 2;
    float *x = make_sine (n, 2, 150.0, 0.3);
    GstHarness *h = gst_harness_new ("mastersaturator");
    GstControlSource *cs_drive = gst_interpolation_control_source_new ();
    GstControlSource *cs_mix = gst_interpolation_control_source_new ();
    GstControlSource *cs_bias = gst_interpolation_control_source_new ();
    GstTimedValueControlSource *tv;
    Collected c;
    double before, during, after, p0, p1;
    static const gint sizes[] = { 1024 };

    g_object_set (h->element, "model", models[mi], "auto-gain", FALSE, NULL);
    g_object_set (cs_drive, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
    g_object_set (cs_mix, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
    g_object_set (cs_bias, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
    gst_object_add_control_binding (GST_OBJECT (h->element),
        gst_direct_control_binding_new_absolute (GST_OBJECT (h->element), "drive", cs_drive));
    gst_object_add_control_binding (GST_OBJECT (h->element),
        gst_direct_control_binding_new_absolute (GST_OBJECT (h->element), "mix", cs_mix));
    gst_object_add_control_binding (GST_OBJECT (h->element),
        gst_direct_control_binding_new_absolute (GST_OBJECT (h->element), "bias", cs_bias));
    tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs_drive);
    gst_timed_value_control_source_set (tv, 0, 0.0);
    gst_timed_value_control_source_set (tv, GST_SECOND / 2, 0.0);
    gst_timed_value_control_source_set (tv, GST_SECOND, 24.0);
    tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs_mix);
    gst_timed_value_control_source_set (tv, 0, 0.3);
    gst_timed_value_control_source_set (tv, GST_SECOND / 2, 0.3);
    gst_timed_value_control_source_set (tv, GST_SECOND, 1.0);
    tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs_bias);
    gst_timed_value_control_source_set (tv, 0, 0.0);
    gst_timed_value_control_source_set (tv, GST_SECOND / 2, 0.0);
    gst_timed_value_control_source_set (tv, GST_SECOND, 0.8);

    run_harness (h, "F32LE", 2, x, n, sizes, 1, &c);
    fail_unless_equals_uint64 (c.n_frames, n);
    before = max_d2 (c.data, 2, RATE / 10, RATE / 2);
    during = max_d2 (c.data, 2, RATE / 2, RATE + RATE / 20);
    after = max_d2 (c.data, 2, RATE + RATE / 10, n - 200);
    p0 = peak_of (c.data, 2, RATE / 10, RATE / 2);
    p1 = peak_of (c.data, 2, RATE + RATE / 10, n - 200);
    g_print ("automation (model %d): max 2nd difference before %.5f, during %.5f, after %.5f; "
        "peak %.3f -> %.3f\n", models[mi], before, during, after, p0, p1);
    fail_unless (during <= 1.2 * MAX (before, after), "click during automation");
    fail_unless (p1 > 1.5 * p0, "drive automation had no effect");

    g_free (c.data);
    g_free (x);
    gst_object_unref (cs_drive);
    gst_object_unref (cs_mix);
    gst_object_unref (cs_bias);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* Constant input under controller automation (drive, mix, output-gain
 * moving linearly, control values read every 5 ms): the output must move
 * smoothly; any zipper step or click would show as a second difference of
 * its own size (a smooth move stays near 1e-6). */
GST_START_TEST (test_automation_zipper)
{
  const gsize n = RATE * 2;
  float *x = g_new (float, n * 2);
  GstHarness *h = gst_harness_new ("mastersaturator");
  GstControlSource *cs[3];
  static const gchar *props[] = { "drive", "mix", "output-gain" };
  static const gdouble from[] = { 0.0, 0.2, 0.0 }, to[] = { 18.0, 1.0, -9.0 };
  Collected c;
  double worst = 0;
  gsize i;
  gint k;
  static const gint sizes[] = { 1024 };

  for (i = 0; i < n * 2; i++)
    x[i] = 0.25f;
  for (k = 0; k < 3; k++) {
    GstTimedValueControlSource *tv;
    cs[k] = gst_interpolation_control_source_new ();
    g_object_set (cs[k], "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
    gst_object_add_control_binding (GST_OBJECT (h->element),
        gst_direct_control_binding_new_absolute (GST_OBJECT (h->element), props[k], cs[k]));
    tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs[k]);
    gst_timed_value_control_source_set (tv, 0, from[k]);
    gst_timed_value_control_source_set (tv, GST_SECOND / 2, from[k]);
    gst_timed_value_control_source_set (tv, GST_SECOND, to[k]);
  }
  run_harness (h, "F64LE", 2, x, n, sizes, 1, &c);
  /* (the last frames see the stream's end through the filters' look-ahead:
   * a cut to silence, not part of this check) */
  for (i = RATE / 4; i < n - 200; i++) {
    double d2 = fabs (c.data[i * 2] - 2 * c.data[(i - 1) * 2] + c.data[(i - 2) * 2]);
    if (d2 > 1e-4 && worst <= 1e-4)
      g_print ("first step at frame %" G_GSIZE_FORMAT ": %.5f %.5f %.5f\n", i,
          c.data[(i - 2) * 2], c.data[(i - 1) * 2], c.data[i * 2]);
    worst = MAX (worst, d2);
  }
  g_print ("constant input, drive/mix/output-gain automated: max 2nd difference %.2e, "
      "level %.4f -> %.4f\n", worst, c.data[RATE / 4 * 2], c.data[(n - 10) * 2]);
  fail_unless (worst < 1e-4, "zipper noise or click: %.2e", worst);
  fail_unless (fabs (c.data[(n - 10) * 2] - c.data[RATE / 4 * 2]) > 0.05, "no effect");
  g_free (c.data);
  g_free (x);
  for (k = 0; k < 3; k++)
    gst_object_unref (cs[k]);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Property jumps while streaming (no controller) ramp too. */
GST_START_TEST (test_property_jump)
{
  const gsize n = RATE;
  float *x = make_sine (n, 1, 150.0, 0.3);
  GstHarness *h = gst_harness_new ("mastersaturator");
  gchar *caps = master_test_caps_string ("F32LE", RATE, 1);
  gdouble *y = g_new0 (gdouble, n + 8);
  gsize done = 0, total = 0, i;
  GstBuffer *b;
  double before, during, after;

  g_object_set (h->element, "auto-gain", FALSE, "mix", 0.5, NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  while (done < n) {
    gsize m = MIN (960, n - done);
    if (done == n / 2)
      g_object_set (h->element, "drive", 24.0, "mix", 1.0, "output-gain", -6.0, NULL);
    gst_harness_push (h, master_test_buffer_f32 (x + done, m, 1, RATE, done));
    done += m;
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  while ((b = gst_harness_try_pull (h)) != NULL) {
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_READ);
    for (i = 0; i < map.size / 4 && total + i < n; i++)
      y[total + i] = ((const float *) map.data)[i];
    total += map.size / 4;
    gst_buffer_unmap (b, &map);
    gst_buffer_unref (b);
  }
  before = max_d2 (y, 1, 4800, n / 2);
  during = max_d2 (y, 1, n / 2, n / 2 + 2400);
  after = max_d2 (y, 1, n / 2 + 4800, n - 200);
  g_print ("property jump: max 2nd difference before %.5f, during %.5f, after %.5f\n",
      before, during, after);
  fail_unless_equals_uint64 (total, n);
  fail_unless (during <= 1.2 * MAX (before, after), "click on property change");
  g_free (x);
  g_free (y);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A timestamp gap: the frames before it are drained with their own times,
 * those after it keep theirs; nothing lost or added. At every oversampling
 * factor: without lookahead (1x) there is nothing to drain, but the new
 * timeline must start all the same. */
GST_START_TEST (test_gap)
{
  const gsize n = 4800;
  const guint factors[] = { 1, 2, 4, 8 };
  float *x = make_sine (n, 2, 440.0, 0.5);

  for (guint fi = 0; fi < G_N_ELEMENTS (factors); fi++) {
    GstHarness *h = gst_harness_new ("mastersaturator");
    gchar *caps = master_test_caps_string ("F32LE", RATE, 2);
    GstBuffer *b;
    gsize total = 0, before_gap = 0;
    gboolean ok = TRUE;

    g_object_set (h->element, "oversampling", factors[fi], NULL);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    gst_harness_push (h, master_test_buffer_f32 (x, n / 2, 2, RATE, 0));
    gst_harness_push (h, master_test_buffer_f32 (x + n, n / 2, 2, RATE, n / 2));
    /* jump: the next frames belong at 1 s */
    gst_harness_push (h, master_test_buffer_f32 (x, n / 2, 2, RATE, RATE));
    gst_harness_push (h, master_test_buffer_f32 (x + n, n / 2, 2, RATE,
            RATE + n / 2));
    gst_harness_push_event (h, gst_event_new_eos ());
    while ((b = gst_harness_try_pull (h)) != NULL) {
      gsize frames = gst_buffer_get_size (b) / 8;
      guint64 pos = total < n ? total : RATE + (total - n);
      GstClockTime want = gst_util_uint64_scale_int (pos, GST_SECOND, RATE);
      if (GST_BUFFER_PTS (b) != want) {
        g_print ("gap %ux: buffer at frame %" G_GSIZE_FORMAT " has pts %"
            GST_TIME_FORMAT ", want %" GST_TIME_FORMAT "\n", factors[fi], total,
            GST_TIME_ARGS (GST_BUFFER_PTS (b)), GST_TIME_ARGS (want));
        ok = FALSE;
      }
      if (total < n)
        before_gap += frames;
      total += frames;
      gst_buffer_unref (b);
    }
    g_print ("gap %ux: %" G_GSIZE_FORMAT " frames out (%" G_GSIZE_FORMAT
        " before the jump), timestamps %s\n", factors[fi], total, before_gap,
        ok ? "match the input" : "WRONG");
    fail_unless_equals_uint64 (total, 2 * n);
    fail_unless_equals_uint64 (before_gap, n);
    fail_unless (ok);
    gst_harness_teardown (h);
  }
  g_free (x);
}
GST_END_TEST;

/* A caps change mid-stream (F32 -> F64) and a new segment: the withheld
 * frames are pushed before the event, so no frame is lost or added. */
GST_START_TEST (test_caps_segment_change)
{
  float x[2000 * 2];
  GstHarness *h = gst_harness_new ("mastersaturator");
  gchar *c32 = master_test_caps_string ("F32LE", RATE, 2);
  gchar *c64 = master_test_caps_string ("F64LE", RATE, 2);
  GstBuffer *b;
  GstSegment seg;
  gsize bytes = 0;
  gint i;

  for (i = 0; i < 4000; i++)
    x[i] = (float) (0.5 * sin (i * 0.01));
  gst_harness_set_src_caps_str (h, c32);
  gst_harness_push (h, master_test_buffer_f32 (x, 1000, 2, RATE, 0));
  gst_harness_set_src_caps_str (h, c64);
  gst_harness_push (h, master_test_buffer_f64 (x + 2000, 1000, 2, RATE, 1000));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.base = GST_SECOND;
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  gst_harness_push (h, master_test_buffer_f64 (x, 500, 2, RATE, 0));
  gst_harness_push_event (h, gst_event_new_eos ());
  while ((b = gst_harness_try_pull (h)) != NULL) {
    bytes += gst_buffer_get_size (b);
    gst_buffer_unref (b);
  }
  g_print ("caps change F32->F64 and new segment: %" G_GSIZE_FORMAT " bytes out, want %d\n",
      bytes, 1000 * 8 + 1500 * 16);
  fail_unless_equals_uint64 (bytes, 1000 * 8 + 1500 * 16);
  g_free (c32);
  g_free (c64);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* interval = 100 ms: one message per 100 ms of input with its times and
 * levels; with a remainder, a final one at EOS. */
GST_START_TEST (test_messages)
{
  const gsize n = RATE + RATE / 20;     /* 1.05 s */
  float *x = make_sine (n, 2, 1000.0, 0.5);
  GstHarness *h = gst_harness_new ("mastersaturator");
  GstBus *bus = gst_bus_new ();
  Collected c;
  GstMessage *msg;
  gint count = 0, finals = 0;
  gboolean times_ok = TRUE;
  static const gint sizes[] = { 1000 };

  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "interval", (guint64) (GST_SECOND / 10), "drive", 12.0,
      "auto-gain", FALSE, NULL);
  run_harness (h, "F32LE", 2, x, n, sizes, 1, &c);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    const GstStructure *st = gst_message_get_structure (msg);
    if (gst_structure_has_name (st, "mastersaturator")) {
      guint64 ts = 0, rt = 0, dur = 0;
      gdouble in_rms = 0, out_peak = 0;
      gboolean final = FALSE;
      fail_unless (gst_structure_get (st, "timestamp", G_TYPE_UINT64, &ts,
              "running-time", G_TYPE_UINT64, &rt, "duration", G_TYPE_UINT64, &dur,
              "input-rms", G_TYPE_DOUBLE, &in_rms, "output-peak", G_TYPE_DOUBLE, &out_peak,
              "final", G_TYPE_BOOLEAN, &final, NULL));
      if (ts != (guint64) count * GST_SECOND / 10 || rt != ts)
        times_ok = FALSE;
      if (count == 3)
        g_print ("message 3: timestamp %" GST_TIME_FORMAT ", duration %" GST_TIME_FORMAT
            ", input-rms %.2f dBFS, output-peak %.2f dBFS\n", GST_TIME_ARGS (ts),
            GST_TIME_ARGS (dur), in_rms, out_peak);
      if (count == 3) {
        fail_unless (fabs (in_rms - 20 * log10 (0.5 / sqrt (2))) < 0.05);
        fail_unless (fabs (out_peak - 20 * log10 (tanh (2.0))) < 0.1);
      }
      if (final) {
        finals++;
        fail_unless_equals_uint64 (dur, GST_SECOND / 20);
      }
      count++;
    }
    gst_message_unref (msg);
  }
  g_print ("interval 100 ms over 1.05 s: %d messages (%d final), timestamps %s\n", count,
      finals, times_ok ? "ok" : "WRONG");
  fail_unless_equals_int (count, 11);
  fail_unless_equals_int (finals, 1);
  fail_unless (times_ok);
  g_free (c.data);
  g_free (x);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The shipped presets load and set what they say. */
GST_START_TEST (test_presets)
{
  GstElement *e = gst_element_factory_make ("mastersaturator", NULL);
  gchar **names = gst_preset_get_preset_names (GST_PRESET (e));
  gint model = -1;
  gdouble mix = -1;
  fail_unless (names != NULL && g_strv_length (names) >= 4, "presets not found");
  g_print ("presets: %u (%s, ...)\n", g_strv_length (names), names[0]);
  fail_unless (gst_preset_load_preset (GST_PRESET (e), "parallel-crunch"));
  g_object_get (e, "model", &model, "mix", &mix, NULL);
  fail_unless_equals_int (model, 3);
  fail_unless (fabs (mix - 0.25) < 1e-9);
  g_strfreev (names);
  gst_object_unref (e);
}
GST_END_TEST;

/* oversampling is structural: its latency follows a READY change. */
GST_START_TEST (test_oversampling_change)
{
  static const guint in[] = { 1, 3, 8, 2 };
  static const guint want_lat[] = { 0, 101, 103, 94 };
  gint i;
  for (i = 0; i < 4; i++) {
    GstHarness *h = gst_harness_new ("mastersaturator");
    gchar *caps = master_test_caps_string ("F64LE", RATE, 2);
    guint os;
    GstClockTime lat;
    float x[64] = { 0 };
    g_object_set (h->element, "oversampling", in[i], NULL);
    g_object_get (h->element, "oversampling", &os, NULL);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    gst_harness_push (h, master_test_buffer_f64 (x, 32, 2, RATE, 0));
    lat = gst_harness_query_latency (h);
    g_print ("oversampling=%u -> %u, latency %" G_GUINT64_FORMAT " frames\n", in[i], os,
        gst_util_uint64_scale_round (lat, RATE, GST_SECOND));
    fail_unless_equals_uint64 (gst_util_uint64_scale_round (lat, RATE, GST_SECOND), want_lat[i]);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* Neutral (mix 0) and no control binding: GstBaseTransform passthrough,
 * the very input buffers come out (bit-identical, same timestamps, nothing
 * withheld), the level messages keep coming, and NaN/Inf are still
 * replaced (one warning). With an active control binding the same setting
 * runs the dsp (no passthrough) and is still a bit-exact null. */
GST_START_TEST (test_passthrough_neutral)
{
  static const gchar *fmts[] = { "F32LE", "F64LE" };
  static const guint factors[] = { 1, 4 };
  gint fi, oi;

  for (fi = 0; fi < 2; fi++) {
    for (oi = 0; oi < 2; oi++) {
      const gsize n = 9600, bs = 960;
      const gboolean f64 = fi == 1;
      float *x = make_sine (n, 2, 1000.0, 0.5);
      GstHarness *h = gst_harness_new ("mastersaturator");
      GstBus *bus = gst_bus_new ();
      gchar *caps = master_test_caps_string (fmts[fi], RATE, 2);
      gsize done = 0, same_obj = 0, identical = 0, total = 0, i, bad_out = 0;
      gint msgs = 0, warnings = 0, n_buf = 0;
      gboolean always_pt = TRUE, rms_ok = TRUE;
      GstMessage *msg;

      x[2 * 5000] = NAN;        /* in buffer 5 */
      gst_element_set_bus (h->element, bus);
      g_object_set (h->element, "mix", 0.0, "drive", 12.0, "model", 2,
          "oversampling", factors[oi], "interval", (guint64) (GST_SECOND / 10),
          NULL);
      gst_harness_set_src_caps_str (h, caps);
      g_free (caps);
      while (done < n) {
        GstBuffer *in = f64 ?
            master_test_buffer_f64 (x + done * 2, bs, 2, RATE, done) :
            master_test_buffer_f32 (x + done * 2, bs, 2, RATE, done);
        GstBuffer *out;
        GstMapInfo im, om;
        gst_buffer_ref (in);
        fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
        always_pt &= gst_base_transform_is_passthrough (GST_BASE_TRANSFORM (h->element));
        out = gst_harness_pull (h);
        fail_unless (out != NULL);
        if (out == in)
          same_obj++;
        fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_BUFFER_PTS (in));
        gst_buffer_map (in, &im, GST_MAP_READ);
        gst_buffer_map (out, &om, GST_MAP_READ);
        fail_unless_equals_uint64 (om.size, im.size);
        if (memcmp (im.data, om.data, im.size) == 0)
          identical++;
        for (i = 0; i < om.size / (f64 ? 8 : 4); i++) {
          double v = f64 ? ((const double *) om.data)[i] : ((const float *) om.data)[i];
          if (!isfinite (v))
            bad_out++;
        }
        total += om.size / (f64 ? 16 : 8);
        gst_buffer_unmap (in, &im);
        gst_buffer_unmap (out, &om);
        gst_buffer_unref (in);
        gst_buffer_unref (out);
        done += bs;
        n_buf++;
      }
      gst_harness_push_event (h, gst_event_new_eos ());
      while ((msg = gst_bus_pop (bus)) != NULL) {
        if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
          warnings++;
        else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
            && gst_structure_has_name (gst_message_get_structure (msg), "mastersaturator")) {
          gdouble in_rms = 0, out_rms = 0;
          gst_structure_get (gst_message_get_structure (msg), "input-rms", G_TYPE_DOUBLE,
              &in_rms, "output-rms", G_TYPE_DOUBLE, &out_rms, NULL);
          if (fabs (in_rms - 20 * log10 (0.5 / sqrt (2))) > 0.05 || in_rms != out_rms)
            rms_ok = FALSE;
          msgs++;
        }
        gst_message_unref (msg);
      }
      g_print ("%s %ux mix=0: passthrough %s, %" G_GSIZE_FORMAT "/%d buffers forwarded as "
          "they are, %" G_GSIZE_FORMAT "/%d bit-identical (one had a NaN), %"
          G_GSIZE_FORMAT " non-finite out, %d warning(s), %d level messages, rms %s\n",
          fmts[fi], factors[oi], always_pt ? "yes" : "NO", same_obj, n_buf, identical,
          n_buf, bad_out, warnings, msgs, rms_ok ? "ok" : "WRONG");
      fail_unless (always_pt);
      fail_unless_equals_uint64 (total, n);
      fail_unless_equals_uint64 (same_obj, n_buf - 1);
      fail_unless_equals_uint64 (identical, n_buf - 1);
      fail_unless_equals_uint64 (bad_out, 0);
      fail_unless_equals_int (warnings, 1);
      fail_unless_equals_int (msgs, (gint) (n / (RATE / 10)));
      fail_unless (rms_ok);
      g_free (x);
      gst_element_set_bus (h->element, NULL);
      gst_object_unref (bus);
      gst_harness_teardown (h);
    }
  }

  /* an active control binding keeps the dsp running: still a null */
  {
    const gsize n = 9600;
    float *x = make_sine (n, 2, 1000.0, 0.5);
    GstHarness *h = gst_harness_new ("mastersaturator");
    GstControlSource *cs = gst_interpolation_control_source_new ();
    static const gint sizes[] = { 960 };
    Collected c;
    gsize i, diff = 0;
    gboolean pt;

    g_object_set (h->element, "mix", 0.0, "oversampling", 2, NULL);
    gst_object_add_control_binding (GST_OBJECT (h->element),
        gst_direct_control_binding_new_absolute (GST_OBJECT (h->element), "drive", cs));
    gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs), 0, 0.0);
    gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs), GST_SECOND, 24.0);
    run_harness (h, "F32LE", 2, x, n, sizes, 1, &c);
    pt = gst_base_transform_is_passthrough (GST_BASE_TRANSFORM (h->element));
    for (i = 0; i < MIN (n, c.n_frames) * 2; i++)
      if (c.data[i] != (double) x[i])
        diff++;
    g_print ("mix=0 with a control binding on drive: passthrough %s, %" G_GSIZE_FORMAT
        " frames out, %" G_GSIZE_FORMAT " samples differ from the input\n",
        pt ? "YES" : "no", c.n_frames, diff);
    fail_if (pt);
    fail_unless (c.ts_ok);
    fail_unless_equals_uint64 (c.n_frames, n);
    fail_unless_equals_uint64 (diff, 0);
    g_free (c.data);
    g_free (x);
    gst_object_unref (cs);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* neutral -> active -> neutral while playing, at every oversampling factor:
 * same frame count, contiguous timestamps, the element reports passthrough
 * exactly while neutral, the output is the input bit-exactly in both
 * neutral stretches (so the drained frames and the forwarded ones line up),
 * it leaves the input continuously when mix ramps in (no latency shift),
 * and no click at either switch. */
GST_START_TEST (test_passthrough_switch)
{
  static const guint factors[] = { 1, 2, 4, 8 };
  gint oi;

  for (oi = 0; oi < 4; oi++) {
    const gsize bs = 1024, n_buf = 96, n = bs * n_buf;
    const gsize on = 20 * bs, off = 50 * bs;    /* mix set at these frames */
    float *x = make_sine (n, 2, 150.0, 0.4);
    GstHarness *h = gst_harness_new ("mastersaturator");
    gchar *caps = master_test_caps_string ("F32LE", RATE, 2);
    gdouble *y = g_new0 (gdouble, (n + 8) * 2);
    gsize done = 0, total = 0, i, diff_a = 0, diff_b = 0, settle;
    gint pt_ok = 1, k;
    gboolean ts_ok = TRUE;
    GstBuffer *b;
    double dev_in = 0, d2_steady, d2_on, d2_off;

    g_object_set (h->element, "mix", 0.0, "drive", 9.0, "model", 2,
        "oversampling", factors[oi], NULL);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    for (k = 0; k < (gint) n_buf; k++) {
      gboolean pt;
      if (done == on)
        g_object_set (h->element, "mix", 1.0, NULL);
      if (done == off)
        g_object_set (h->element, "mix", 0.0, NULL);
      fail_unless_equals_int (gst_harness_push (h,
              master_test_buffer_f32 (x + done * 2, bs, 2, RATE, done)), GST_FLOW_OK);
      pt = gst_base_transform_is_passthrough (GST_BASE_TRANSFORM (h->element));
      /* passthrough while neutral; from `off` on the mix ramps (20 ms) and
       * the first buffer after it goes passthrough again */
      if ((done < on && !pt) || (done >= on && done < off && pt)
          || (done >= off + 2 * bs && !pt))
        pt_ok = 0;
      done += bs;
      while ((b = gst_harness_try_pull (h)) != NULL) {
        GstMapInfo map;
        gsize frames;
        GstClockTime want = gst_util_uint64_scale_int (total, GST_SECOND, RATE);
        gst_buffer_map (b, &map, GST_MAP_READ);
        frames = map.size / 8;
        if (GST_BUFFER_PTS (b) != want) {
          if (ts_ok)
            g_print ("buffer at frame %" G_GSIZE_FORMAT ": pts %" GST_TIME_FORMAT " want %"
                GST_TIME_FORMAT "\n", total, GST_TIME_ARGS (GST_BUFFER_PTS (b)),
                GST_TIME_ARGS (want));
          ts_ok = FALSE;
        }
        if (total + frames <= n)
          for (i = 0; i < frames * 2; i++)
            y[total * 2 + i] = ((const float *) map.data)[i];
        total += frames;
        gst_buffer_unmap (b, &map);
        gst_buffer_unref (b);
      }
    }
    gst_harness_push_event (h, gst_event_new_eos ());
    while ((b = gst_harness_try_pull (h)) != NULL) {
      total += gst_buffer_get_size (b) / 8;
      gst_buffer_unref (b);
    }
    /* neutral stretches: before `on`, and from the end of the ramp down
     * (20 ms + the latency) */
    settle = off + RATE / 50 + 256;
    for (i = 0; i < on * 2; i++)
      if (y[i] != (double) x[i])
        diff_a++;
    for (i = settle * 2; i < n * 2; i++)
      if (y[i] != (double) x[i])
        diff_b++;
    /* mix ramps in along a smoothstep: over the first 1 ms the output can
     * only move away from the input a little (a latency shift of a 150 Hz
     * sine would move it by far more) */
    for (i = on; i < on + RATE / 1000; i++)
      dev_in = MAX (dev_in, fabs (y[i * 2] - x[i * 2]));
    d2_steady = MAX (max_d2 (y, 2, 1000, on - 10), max_d2 (y, 2, on + 4800, off - 10));
    d2_on = max_d2 (y, 2, on - 10, on + 2400);
    d2_off = max_d2 (y, 2, off - 10, off + 2400 + 512);
    g_print ("%ux neutral->active->neutral: %" G_GSIZE_FORMAT " frames in, %" G_GSIZE_FORMAT
        " out, timestamps %s, passthrough %s, neutral parts differ in %" G_GSIZE_FORMAT
        " + %" G_GSIZE_FORMAT " samples, first 1 ms after mix=1 within %.5f of the input, "
        "max 2nd difference steady %.5f / switch in %.5f / switch out %.5f\n",
        factors[oi], n, total, ts_ok ? "contiguous" : "WRONG", pt_ok ? "as expected" : "WRONG",
        diff_a, diff_b, dev_in, d2_steady, d2_on, d2_off);
    fail_unless_equals_uint64 (total, n);
    fail_unless (ts_ok);
    fail_unless (pt_ok);
    fail_unless_equals_uint64 (diff_a, 0);
    fail_unless_equals_uint64 (diff_b, 0);
    fail_unless (dev_in < 0.01);
    fail_unless (d2_on <= 1.2 * d2_steady, "click switching in");
    fail_unless (d2_off <= 1.2 * d2_steady, "click switching out");
    g_free (x);
    g_free (y);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

static Suite *
mastersaturator_suite (void)
{
  Suite *s = suite_create ("mastersaturator");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_counts_timestamps_null);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_nan);
  tcase_add_test (tc, test_automation);
  tcase_add_test (tc, test_property_jump);
  tcase_add_test (tc, test_automation_zipper);
  tcase_add_test (tc, test_gap);
  tcase_add_test (tc, test_messages);
  tcase_add_test (tc, test_caps_segment_change);
  tcase_add_test (tc, test_presets);
  tcase_add_test (tc, test_oversampling_change);
  tcase_add_test (tc, test_passthrough_neutral);
  tcase_add_test (tc, test_passthrough_switch);
  return s;
}

GST_CHECK_MAIN (mastersaturator);
