/* masterfade: sample-accurate fades on files (segment duration, upstream
 * duration query), curves within 1e-6 of their formulas, seeks/segments,
 * live action signals with and without EOS, passthrough outside fades, NaN
 * input, controller automation without clicks; F32/F64, 1/2/6/8 channels,
 * sample counts and timestamps. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <gst/controller/controller.h>
#include <math.h>
#include <string.h>

#include "../common/master-test.h"
#include "../common/measure.h"

#define RATE 48000
#define BLOCK 1000

static const char *curve_names[] = { "linear", "logarithmic", "exponential",
  "s-curve", "equal-power"
};

/* independent formulas, from the documentation */
static double
formula (int c, double x)
{
  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  switch (c) {
    case 0:
      return x;
    case 1:
      return log10 (1 + 999 * x) / 3;
    case 2:
      return (pow (10, 3 * x) - 1) / 999;
    case 3:
      return 0.5 - 0.5 * cos (M_PI * x);
    default:
      return sin (M_PI * x / 2);
  }
}

/* Push frames [first, first + n) of `in` (indexed from 0 = first) in
 * BLOCK-frame buffers stamped at their stream position, collect the output
 * as double. Stops at the first non-OK flow return (stored in *ret). Checks
 * timestamps and, for untruncated buffers, sample counts. Returns the
 * number of output frames. */
static gsize
run (GstHarness * h, const float *in, gsize n, gint ch, gboolean f64,
    guint64 first_frame, double *out, guint * same, GstFlowReturn * ret)
{
  gsize done = 0, got = 0;
  *ret = GST_FLOW_OK;
  while (done < n) {
    gsize b = MIN (BLOCK, n - done);
    GstBuffer *buf = f64 ?
        master_test_buffer_f64 (in + done * ch, b, ch, RATE, first_frame + done) :
        master_test_buffer_f32 (in + done * ch, b, ch, RATE, first_frame + done);
    GstClockTime pts = GST_BUFFER_PTS (buf);
    gst_buffer_ref (buf);
    *ret = gst_harness_push (h, buf);
    GstBuffer *o;
    while ((o = gst_harness_try_pull (h))) {
      GstMapInfo map;
      if (same && o == buf)
        (*same)++;
      fail_unless_equals_uint64 (GST_BUFFER_PTS (o), pts);
      gst_buffer_map (o, &map, GST_MAP_READ);
      gsize frames = map.size / (ch * (f64 ? 8 : 4));
      if (*ret == GST_FLOW_OK)
        fail_unless_equals_int (frames, b);
      for (gsize i = 0; i < frames * ch; i++)
        out[got * ch + i] = f64 ? ((const double *) map.data)[i] :
            ((const float *) map.data)[i];
      got += frames;
      gst_buffer_unmap (o, &map);
      gst_buffer_unref (o);
    }
    gst_buffer_unref (buf);
    if (*ret != GST_FLOW_OK)
      break;
    done += b;
  }
  return got;
}

static GstHarness *
make_harness (const gchar * format, gint ch)
{
  GstHarness *h = gst_harness_new ("masterfade");
  gchar *caps = master_test_caps_string (format, RATE, ch);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

/* a TIME segment at stream time `start` (= segment start) with the stream
 * duration set, base (running time offset) `base` */
static void
push_segment (GstHarness * h, GstClockTime start, GstClockTime duration,
    GstClockTime base)
{
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = seg.time = seg.position = start;
  seg.duration = duration;
  seg.base = base;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
}

static float *
ones (gsize n, gint ch)
{
  float *x = g_new (float, n * ch);
  for (gsize i = 0; i < n * ch; i++)
    x[i] = 1.0f;
  return x;
}

/* the expected gain of a file fade: fade-in len_in from 0, fade-out len_out
 * ending at the last sample `last` */
static double
expect (int c, gsize p, double len_in, double len_out, double last)
{
  double g = 1;
  if (len_in > 0)
    g = formula (c, p / len_in);
  if (len_out > 0 && p > last - len_out)
    g *= formula (c, (last - p) / len_out);
  return g;
}

GST_START_TEST (test_file_fades)
{
  const gsize n = RATE;         /* 1 s stream */
  const double fin = 0.1, fout = 0.25;
  const gint chans[] = { 1, 2, 6, 8 };
  for (guint ci = 0; ci < G_N_ELEMENTS (chans); ci++) {
    gint ch = chans[ci];
    float *in = ones (n, ch);
    double *out = g_new0 (double, n * ch);
    for (int f64 = 0; f64 < 2; f64++) {
      for (int c = 0; c < 5; c++) {
        if (ch != 2 && c != 3)
          continue;             /* all curves on stereo, s-curve elsewhere */
        GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE", ch);
        GstFlowReturn r;
        gst_util_set_object_arg (G_OBJECT (h->element), "curve", curve_names[c]);
        g_object_set (h->element, "fade-in", fin, "fade-out", fout, NULL);
        push_segment (h, 0, GST_SECOND, 0);
        gsize got = run (h, in, n, ch, f64, 0, out, NULL, &r);
        fail_unless_equals_int (got, n);
        double err = 0, chd = 0;
        for (gsize p = 0; p < n; p++) {
          double want = expect (c, p, fin * RATE, fout * RATE, n - 1);
          err = fmax (err, fabs (out[p * ch] - want));
          for (gint k = 1; k < ch; k++)
            chd = fmax (chd, fabs (out[p * ch + k] - out[p * ch]));
        }
        g_print ("file %d ch %s %-11s: first %g, last %g, gain at 50 ms %.6f, "
            "max error vs formula %.1e\n", ch, f64 ? "F64" : "F32",
            curve_names[c], out[0], out[(n - 1) * ch], out[2400 * ch], err);
        fail_unless (out[0] == 0.0 && out[(n - 1) * ch + ch - 1] == 0.0);
        fail_unless (err < 1e-6, "%s: error %g", curve_names[c], err);
        fail_unless (chd == 0.0);
        gst_harness_teardown (h);
      }
    }
    g_free (out);
    g_free (in);
  }
}
GST_END_TEST;

GST_START_TEST (test_passthrough_between_fades)
{
  const gsize n = RATE;
  float *in = g_new (float, n * 2);
  double *out = g_new0 (double, n * 2);
  gen_programme (in, n, 2, RATE, PROGRAMME_MUSIC, 3);
  GstHarness *h = make_harness ("F32LE", 2);
  g_object_set (h->element, "fade-in", 0.1, "fade-out", 0.1, NULL);
  push_segment (h, 0, GST_SECOND, 0);
  guint same = 0;
  GstFlowReturn r;
  run (h, in, n, 2, FALSE, 0, out, &same, &r);
  gsize diff = 0;
  for (gsize i = 2 * 4800; i < 2 * (n - 4800); i++)
    diff += out[i] != in[i];
  g_print ("between fades: %u of 48 buffers passed through, %" G_GSIZE_FORMAT
      " samples changed\n", same, diff);
  /* buffers 5..42 lie entirely between the fades (1000 frames each) */
  fail_unless (same >= 38 && diff == 0);
  gst_harness_teardown (h);
  g_free (in);
  g_free (out);
}
GST_END_TEST;

GST_START_TEST (test_seek_segment)
{
  /* a segment that starts at 0.75 s of a 1 s stream, with a running-time
   * base of 10 s, like after a seek: no fade-in, the fade-out still ends on
   * the stream's last sample */
  const gsize start = 3 * RATE / 4, n = RATE / 4;
  const double fin = 0.1, fout = 0.5;
  float *in = ones (n, 2);
  double *out = g_new0 (double, n * 2);
  for (int f64 = 0; f64 < 2; f64++) {
    GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE", 2);
    GstFlowReturn r;
    g_object_set (h->element, "fade-in", fin, "fade-out", fout,
        "curve", 4, NULL);
    push_segment (h, 750 * GST_MSECOND, GST_SECOND, 10 * GST_SECOND);
    gsize got = run (h, in, n, 2, f64, start, out, NULL, &r);
    fail_unless_equals_int (got, n);
    double err = 0;
    for (gsize i = 0; i < n; i++)
      err = fmax (err, fabs (out[2 * i] - expect (4, start + i, 0, fout * RATE,
                  RATE - 1)));
    g_print ("seek to 0.75 s %s: first gain %.6f (fade-out formula %.6f), "
        "last %g, max error %.1e\n", f64 ? "F64" : "F32", out[0],
        expect (4, start, 0, fout * RATE, RATE - 1), out[2 * n - 1], err);
    fail_unless (err < 1e-6 && out[2 * n - 1] == 0.0);

    /* flushing seek back to the start: the fade-in applies again */
    gst_harness_push_event (h, gst_event_new_flush_start ());
    gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
    push_segment (h, 0, GST_SECOND, 0);
    got = run (h, in, 1000, 2, f64, 0, out, NULL, &r);
    g_print ("flush + seek to 0 %s: first %g, gain at 500 frames %.6f (formula %.6f)\n",
        f64 ? "F64" : "F32", out[0], out[1000], formula (4, 500 / (fin * RATE)));
    fail_unless (out[0] == 0.0);
    fail_unless (fabs (out[1000] - formula (4, 500 / (fin * RATE))) < 1e-6);
    gst_harness_teardown (h);
  }
  g_free (in);
  g_free (out);
}
GST_END_TEST;

static gboolean
has_eos (GstHarness * h, guint * count)
{
  GstEvent *e;
  gboolean eos = FALSE;
  while ((e = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (e) == GST_EVENT_EOS) {
      eos = TRUE;
      if (count)
        (*count)++;
    }
    gst_event_unref (e);
  }
  return eos;
}

GST_START_TEST (test_fade_out_end_eos)
{
  /* file cut: fade-out of 0.1 s ending at 0.5 s of a 1 s stream, then EOS:
   * exactly 24000 frames, the last one 0 */
  const gsize n = RATE;
  float *in = ones (n, 2);
  double *out = g_new0 (double, n * 2);
  GstHarness *h = make_harness ("F32LE", 2);
  GstFlowReturn r;
  guint eos = 0;
  g_object_set (h->element, "fade-out", 0.1, "fade-out-end",
      (guint64) (500 * GST_MSECOND), "eos-after-fade-out", TRUE, NULL);
  push_segment (h, 0, GST_SECOND, 0);
  gsize got = run (h, in, n, 2, FALSE, 0, out, NULL, &r);
  has_eos (h, &eos);
  double err = 0;
  for (gsize i = 0; i < got; i++)
    err = fmax (err, fabs (out[2 * i] - expect (0, i, 0, 4800, 23999)));
  g_print ("fade-out-end 0.5 s + eos: %" G_GSIZE_FORMAT " frames out, last %g, "
      "flow %s, %u EOS, max error %.1e\n", got, out[2 * got - 1],
      gst_flow_get_name (r), eos, err);
  fail_unless_equals_int (got, 24000);
  fail_unless (out[2 * got - 1] == 0.0 && out[2 * got - 2] == 0.0);
  fail_unless (r == GST_FLOW_EOS && eos == 1 && err < 1e-6);
  /* upstream's own EOS is swallowed (only one EOS downstream) */
  gst_harness_push_event (h, gst_event_new_eos ());
  eos = 0;
  has_eos (h, &eos);
  fail_unless_equals_int (eos, 0);
  gst_harness_teardown (h);
  g_free (in);
  g_free (out);
}
GST_END_TEST;

static double
max_step (const double *y, gsize n, gint ch)
{
  double m = 0;
  for (gsize i = 1; i < n; i++)
    m = fmax (m, fabs (y[i * ch] - y[(i - 1) * ch]));
  return m;
}

GST_START_TEST (test_live_signals)
{
  /* live: no duration; start-fade-out after 0.2 s, start-fade-in half-way
   * through the fade-out (continues from the current gain), another
   * fade-out to silence, a fade-in from silence; then fade-out with EOS */
  const gsize n = 2 * RATE;
  float *in = ones (n, 2);
  double *out = g_new0 (double, n * 2);
  for (int f64 = 0; f64 < 2; f64++) {
    GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE", 2);
    GstFlowReturn r;
    gsize got = 0;
    g_object_set (h->element, "fade-out", 0.2, "fade-in", 0.1, "curve", 3, NULL);
    struct { gsize at; const gchar *sig; } plan[] = {
      {9600, "start-fade-out"}, {14400, "start-fade-in"},
      {24000, "start-fade-out"}, {48000, "start-fade-in"},
    };
    gsize pos = 0;
    for (guint k = 0; k <= G_N_ELEMENTS (plan); k++) {
      gsize until = k < G_N_ELEMENTS (plan) ? plan[k].at : 72000;
      got += run (h, in + 2 * pos, until - pos, 2, f64, pos, out + 2 * pos, NULL, &r);
      fail_unless (r == GST_FLOW_OK);
      pos = until;
      if (k < G_N_ELEMENTS (plan))
        g_signal_emit_by_name (h->element, plan[k].sig);
    }
    fail_unless_equals_int (got, 72000);
    /* steepest legal step of the s-curve over 0.1 s: pi/2 / 4800 */
    double st = max_step (out, 72000, 2), bound = M_PI_2 / 4800 * 1.01;
    g_print ("live %s: gain 9599 %.3f, 14400 %.4f (reversal), 40000 %.3f "
        "(silent), 71999 %.3f; max step %.2e (bound %.2e)\n",
        f64 ? "F64" : "F32", out[2 * 9599], out[2 * 14400], out[2 * 40000],
        out[2 * 71999], st, bound);
    fail_unless (out[2 * 9599] == 1.0 && out[2 * 40000] == 0.0
        && out[2 * 71999] == 1.0);
    fail_unless (out[2 * 14400] > 0.49 && out[2 * 14400] < 1.0);
    fail_unless (st <= bound, "click: step %g", st);

    /* now with EOS at the end of the fade-out */
    g_object_set (h->element, "eos-after-fade-out", TRUE, NULL);
    g_signal_emit_by_name (h->element, "start-fade-out");
    gsize g2 = run (h, in, RATE, 2, f64, 72000, out, NULL, &r);
    guint eos = 0;
    has_eos (h, &eos);
    g_print ("live %s: fade-out with EOS: %" G_GSIZE_FORMAT " frames (expect %d), "
        "last %g, flow %s, %u EOS\n", f64 ? "F64" : "F32", g2, 9601,
        out[2 * g2 - 1], gst_flow_get_name (r), eos);
    fail_unless_equals_int (g2, 9601);
    fail_unless (out[2 * g2 - 1] == 0.0 && r == GST_FLOW_EOS && eos == 1);
    gst_harness_teardown (h);
  }
  g_free (in);
  g_free (out);
}
GST_END_TEST;

/* appsrc with a known duration upstream: the element must find the end of
 * the stream with a DURATION query (no duration in the segment) */
GST_START_TEST (test_duration_query)
{
  const gsize n = RATE / 2;
  GstElement *pipe = gst_parse_launch ("appsrc name=src format=time "
      "caps=audio/x-raw,format=F32LE,rate=48000,channels=2,layout=interleaved "
      "! masterfade name=f fade-out=0.1 fade-in=0.05 ! appsink name=sink sync=false",
      NULL);
  fail_unless (pipe != NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  g_object_set (src, "duration", (guint64) (500 * GST_MSECOND), NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  float *in = ones (n, 2);
  for (gsize off = 0; off < n; off += BLOCK) {
    GstBuffer *b = master_test_buffer_f32 (in + 2 * off, MIN (BLOCK, n - off),
        2, RATE, off);
    GstFlowReturn r;
    /* action signals: no link dependency on gstreamer-app */
    g_signal_emit_by_name (src, "push-buffer", b, &r);
    gst_buffer_unref (b);
    fail_unless_equals_int (r, GST_FLOW_OK);
  }
  GstFlowReturn er;
  g_signal_emit_by_name (src, "end-of-stream", &er);
  double *out = g_new0 (double, n * 2);
  gsize got = 0;
  GstSample *s;
  while (1) {
    s = NULL;
    g_signal_emit_by_name (sink, "pull-sample", &s);
    if (!s)
      break;
    GstMapInfo map;
    GstBuffer *b = gst_sample_get_buffer (s);
    gst_buffer_map (b, &map, GST_MAP_READ);
    for (gsize i = 0; i < map.size / 4 && got * 2 + i < n * 2; i++)
      out[got * 2 + i] = ((const float *) map.data)[i];
    got += map.size / 8;
    gst_buffer_unmap (b, &map);
    gst_sample_unref (s);
  }
  double err = 0;
  for (gsize i = 0; i < MIN (got, n); i++)
    err = fmax (err, fabs (out[2 * i] - expect (0, i, 2400, 4800, n - 1)));
  g_print ("duration query (appsrc duration 0.5 s): %" G_GSIZE_FORMAT
      " frames, first %g, last %g, max error %.1e\n", got, out[0],
      out[2 * n - 1], err);
  fail_unless_equals_int (got, n);
  fail_unless (out[0] == 0.0 && out[2 * n - 1] == 0.0 && err < 1e-6);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (in);
  g_free (out);
}
GST_END_TEST;

GST_START_TEST (test_nan)
{
  const gsize n = 4 * BLOCK;
  float *in = g_new (float, n * 2);
  double *out = g_new0 (double, n * 2);
  gen_programme (in, n, 2, RATE, PROGRAMME_MUSIC, 9);
  in[10] = NAN;                 /* inside the fade-in */
  in[2 * 2500] = INFINITY;      /* in the unity region (passthrough check) */
  in[2 * 3500 + 1] = -NAN;
  for (int f64 = 0; f64 < 2; f64++) {
    GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE", 2);
    GstBus *bus = gst_bus_new ();
    GstMessage *m;
    guint warnings = 0;
    GstFlowReturn r;
    gst_element_set_bus (h->element, bus);
    g_object_set (h->element, "fade-in", 0.01, NULL);
    gsize got = run (h, in, n, 2, f64, 0, out, NULL, &r);
    gsize bad = 0;
    for (gsize i = 0; i < got * 2; i++)
      bad += !isfinite (out[i]);
    while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
      warnings++;
      gst_message_unref (m);
    }
    g_print ("NaN %s: %" G_GSIZE_FORMAT " non-finite outputs, %u warning(s)\n",
        f64 ? "F64" : "F32", bad, warnings);
    fail_unless (got == n && bad == 0 && warnings == 1);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
  g_free (in);
  g_free (out);
}
GST_END_TEST;

GST_START_TEST (test_controller)
{
  /* the fade-in length is automated with a step from 2 s to 0.5 s at 0.3 s
   * (gain jumps from 0.15 to 0.6): the declick spreads it over 5 ms */
  const gsize n = RATE;
  float *in = g_new (float, n * 2);
  double *out = g_new0 (double, n * 2);
  for (gsize i = 0; i < n; i++)
    in[2 * i] = in[2 * i + 1] = (float) (0.5 * sin (2 * M_PI * 100 * i / RATE));
  for (int f64 = 0; f64 < 2; f64++) {
    GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE", 2);
    GstControlSource *cs = gst_interpolation_control_source_new ();
    GstFlowReturn r;
    g_object_set (cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);
    /* direct binding: 0..1 maps to 0..3600 s */
    gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs), 0,
        2.0 / 3600);
    gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs),
        300 * GST_MSECOND, 0.5 / 3600);
    gst_object_add_control_binding (GST_OBJECT (h->element),
        gst_direct_control_binding_new (GST_OBJECT (h->element), "fade-in", cs));
    gst_object_unref (cs);
    gsize got = run (h, in, n, 2, f64, 0, out, NULL, &r);
    double d2 = 0;
    for (gsize i = 2; i < got; i++)
      d2 = fmax (d2, fabs (out[2 * i] - 2 * out[2 * (i - 1)] + out[2 * (i - 2)]));
    /* the new value applies at the first buffer at or after 0.3 s:
     * 15000 frames = 0.3125 s, gain 0.156 -> 0.625 where the sine peaks */
    g_print ("controller %s: fade-in 2 s -> 0.5 s at 0.3125 s; max second "
        "difference %.5f (a hard jump: ~%.3f); gain at 0.6 s %.4f\n",
        f64 ? "F64" : "F32", d2, (0.625 - 0.15625) * 0.5 *
        fabs (sin (2 * M_PI * 100 * 0.3125)),
        out[2 * 28800 + 0] / in[2 * 28800]);
    fail_unless (got == n && d2 < 0.005, "click %.5f", d2);
    gst_harness_teardown (h);
  }
  g_free (in);
  g_free (out);
}
GST_END_TEST;

static Suite *
masterfade_suite (void)
{
  Suite *s = suite_create ("masterfade");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_file_fades);
  tcase_add_test (tc, test_passthrough_between_fades);
  tcase_add_test (tc, test_seek_segment);
  tcase_add_test (tc, test_fade_out_end_eos);
  tcase_add_test (tc, test_live_signals);
  tcase_add_test (tc, test_duration_query);
  tcase_add_test (tc, test_nan);
  tcase_add_test (tc, test_controller);
  return s;
}

GST_CHECK_MAIN (masterfade);
