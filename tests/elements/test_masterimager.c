/* masterimager: stereo-only caps, bit-exact null (passthrough), width 0 mono,
 * bass mono (side removed, mid untouched), mono fold-down, correlation and
 * level messages, NaN input, controller automation without clicks; F32/F64,
 * sample counts and timestamps. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <gst/base/base.h>
#include <gst/controller/controller.h>
#include <math.h>
#include <string.h>

#include "../common/master-test.h"
#include "../common/measure.h"

#define RATE 48000
#define BLOCK 1024

/* Push n stereo frames of `in` in BLOCK-frame buffers (F32 or F64) and return
 * the output as double; checks sample counts and timestamps. If `same`, also
 * counts output buffers that are the input buffer (passthrough). */
static double *
run (GstHarness * h, const float *in, gsize n, gboolean f64, guint * same)
{
  double *out = g_new0 (double, n * 2);
  gsize done = 0;
  while (done < n) {
    gsize b = MIN (BLOCK, n - done);
    GstBuffer *buf = f64 ?
        master_test_buffer_f64 (in + done * 2, b, 2, RATE, done) :
        master_test_buffer_f32 (in + done * 2, b, 2, RATE, done);
    GstClockTime pts = GST_BUFFER_PTS (buf), dur = GST_BUFFER_DURATION (buf);
    gst_buffer_ref (buf);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    GstBuffer *o = gst_harness_pull (h);
    fail_unless (o != NULL);
    if (same && o == buf)
      (*same)++;
    gst_buffer_unref (buf);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (o), pts);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (o), dur);
    GstMapInfo map;
    gst_buffer_map (o, &map, GST_MAP_READ);
    fail_unless_equals_int (map.size, b * 2 * (f64 ? 8 : 4));
    for (gsize i = 0; i < b * 2; i++)
      out[done * 2 + i] = f64 ? ((const double *) map.data)[i] :
          ((const float *) map.data)[i];
    gst_buffer_unmap (o, &map);
    gst_buffer_unref (o);
    done += b;
  }
  return out;
}

static GstHarness *
make_harness (const gchar * format)
{
  GstHarness *h = gst_harness_new ("masterimager");
  gchar *caps = master_test_caps_string (format, RATE, 2);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

static float *
programme (gsize n)
{
  float *x = g_new (float, n * 2);
  gen_programme (x, n, 2, RATE, PROGRAMME_MUSIC, 11);
  return x;
}

GST_START_TEST (test_caps_stereo_only)
{
  GstElement *e = gst_element_factory_make ("masterimager", NULL);
  GstPad *pad = gst_element_get_static_pad (e, "sink");
  GstCaps *tmpl = gst_pad_get_pad_template_caps (pad);
  GstStructure *s = gst_caps_get_structure (tmpl, 0);
  gint ch = 0;
  fail_unless (gst_structure_get_int (s, "channels", &ch) && ch == 2,
      "template caps not stereo-only");
  gst_caps_unref (tmpl);
  gst_object_unref (pad);
  gst_object_unref (e);

  /* mono and 6-channel caps are refused */
  const gint bad[] = { 1, 6 };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GstHarness *h = gst_harness_new ("masterimager");
    gchar *caps = master_test_caps_string ("F32LE", RATE, bad[i]);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    float z[16] = { 0 };
    GstFlowReturn r = gst_harness_push (h,
        master_test_buffer_f32 (z, 2, bad[i], RATE, 0));
    g_print ("masterimager with %d channels: push returns %s\n", bad[i],
        gst_flow_get_name (r));
    fail_unless (r == GST_FLOW_NOT_NEGOTIATED);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

GST_START_TEST (test_null)
{
  const gsize n = 2 * RATE;
  float *in = programme (n);
  for (int f64 = 0; f64 < 2; f64++) {
    GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE");
    guint same = 0;
    double *out = run (h, in, n, f64, &same);
    gsize diff = 0;
    for (gsize i = 0; i < n * 2; i++)
      diff += out[i] != (f64 ? (double) in[i] : in[i]);
    g_print ("null %s: %" G_GSIZE_FORMAT " samples differ, %u of %u buffers "
        "passed through\n", f64 ? "F64" : "F32", diff, same,
        (guint) ((n + BLOCK - 1) / BLOCK));
    fail_unless (diff == 0);
    fail_unless (same == (n + BLOCK - 1) / BLOCK, "not passthrough");
    g_free (out);
    gst_harness_teardown (h);
  }
  g_free (in);
}
GST_END_TEST;

GST_START_TEST (test_width_zero)
{
  const gsize n = RATE;
  float *in = programme (n);
  for (int f64 = 0; f64 < 2; f64++) {
    GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE");
    g_object_set (h->element, "width", 0.0, "side-gain", 6.0, NULL);
    double *out = run (h, in, n, f64, NULL);
    gsize diff = 0;
    for (gsize i = 0; i < n; i++)
      diff += out[2 * i] != out[2 * i + 1];
    g_print ("width 0 %s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
        " frames with L != R\n", f64 ? "F64" : "F32", diff, n);
    fail_unless (diff == 0);
    g_free (out);
    gst_harness_teardown (h);
  }
  g_free (in);
}
GST_END_TEST;

static double
side_rms (const double *y, gsize from, gsize to)
{
  double s = 0;
  for (gsize i = from; i < to; i++) {
    double v = (y[2 * i] - y[2 * i + 1]) / 2;
    s += v * v;
  }
  return sqrt (s / (to - from));
}

GST_START_TEST (test_bass_mono)
{
  const gsize n = 2 * RATE;
  float *in = g_new (float, n * 2);
  const double freqs[] = { 60, 240, 1000 };
  for (int f64 = 0; f64 < 2; f64++) {
    for (guint k = 0; k < G_N_ELEMENTS (freqs); k++) {
      for (gsize i = 0; i < n; i++) {
        float s = (float) (0.5 * sin (2 * M_PI * freqs[k] * i / RATE));
        in[2 * i] = s;
        in[2 * i + 1] = -s;
      }
      GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE");
      g_object_set (h->element, "bass-mono", 120.0, NULL);
      double *out = run (h, in, n, f64, NULL);
      double ref = 0.5 / sqrt (2);
      double att = 20 * log10 (ref / side_rms (out, RATE, n));
      g_print ("bass-mono 120 Hz %s: side %4.0f Hz attenuated %.2f dB\n",
          f64 ? "F64" : "F32", freqs[k], att);
      if (freqs[k] == 60)
        fail_unless (att >= 24.0, "%.2f dB", att);
      if (freqs[k] == 1000)
        fail_unless (fabs (att) < 0.05, "%.3f dB", att);
      g_free (out);
      gst_harness_teardown (h);
    }
    /* mid untouched: pure mid (L == R) passes bit for bit */
    gen_programme (in, n, 1, RATE, PROGRAMME_MUSIC, 5);
    for (gsize i = n; i-- > 0;)
      in[2 * i] = in[2 * i + 1] = in[i];
    GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE");
    g_object_set (h->element, "bass-mono", 150.0, NULL);
    double *out = run (h, in, n, f64, NULL);
    gsize diff = 0;
    for (gsize i = 0; i < 2 * n; i++)
      diff += out[i] != (double) in[i];
    g_print ("bass-mono %s: pure-mid programme, %" G_GSIZE_FORMAT
        " samples changed\n", f64 ? "F64" : "F32", diff);
    fail_unless (diff == 0);
    g_free (out);
    gst_harness_teardown (h);
  }
  g_free (in);
}
GST_END_TEST;

GST_START_TEST (test_fold_down)
{
  const gsize n = 4 * RATE;
  float *in = programme (n);
  GstHarness *h = make_harness ("F32LE");
  g_object_set (h->element, "width", 2.0, NULL);
  double *out = run (h, in, n, FALSE, NULL);
  double emi = 0, emo = 0, esi = 0, eso = 0, maxd = 0;
  for (gsize i = 0; i < n; i++) {
    double mi = ((double) in[2 * i] + in[2 * i + 1]) / 2;
    double mo = (out[2 * i] + out[2 * i + 1]) / 2;
    emi += mi * mi;
    emo += mo * mo;
    esi += (double) in[2 * i] * in[2 * i] + (double) in[2 * i + 1] * in[2 * i + 1];
    eso += out[2 * i] * out[2 * i] + out[2 * i + 1] * out[2 * i + 1];
    maxd = fmax (maxd, fabs (mi - mo));
  }
  double fold = 10 * log10 (emo / emi);
  double loss_in = 10 * log10 (esi / (2 * emi)), loss_out = 10 * log10 (eso / (2 * emo));
  g_print ("fold-down at width 2 (music programme): mono sum output vs input "
      "%+.5f dB (max diff %.2e); stereo->mono loss %.2f dB -> %.2f dB\n",
      fold, maxd, loss_in, loss_out);
  /* documented bound: the fold-down is unchanged (float rounding only) */
  fail_unless (fabs (fold) < 0.001);
  fail_unless (maxd < 1e-6);
  g_free (out);
  gst_harness_teardown (h);
  g_free (in);
}
GST_END_TEST;

static guint
count_messages (GstBus * bus, const gchar * name, GstMessageType type,
    GArray * keep)
{
  GstMessage *m;
  guint c = 0;
  while ((m = gst_bus_pop_filtered (bus, type))) {
    if (type != GST_MESSAGE_ELEMENT
        || gst_structure_has_name (gst_message_get_structure (m), name)) {
      c++;
      if (keep) {
        GstMessage *r = gst_message_ref (m);
        g_array_append_val (keep, r);
      }
    }
    gst_message_unref (m);
  }
  return c;
}

GST_START_TEST (test_messages)
{
  const gsize n = RATE + RATE / 4;      /* 1.25 s */
  float *in = g_new (float, n * 2);
  for (gsize i = 0; i < n; i++) {
    in[2 * i] = (float) (0.5 * sin (2 * M_PI * 1000 * i / RATE));
    in[2 * i + 1] = in[2 * i] * 0.5f;   /* correlated, 6 dB lower */
  }
  GstHarness *h = make_harness ("F32LE");
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "interval", (guint64) (100 * GST_MSECOND), NULL);
  double *out = run (h, in, n, FALSE, NULL);
  gst_harness_push_event (h, gst_event_new_eos ());
  GArray *msgs = g_array_new (FALSE, FALSE, sizeof (GstMessage *));
  guint c = count_messages (bus, "masterimager", GST_MESSAGE_ELEMENT, msgs);
  g_print ("messages: %u for 1.25 s at 100 ms\n", c);
  fail_unless_equals_int (c, 13);
  for (guint i = 0; i < msgs->len; i++) {
    const GstStructure *s = gst_message_get_structure (g_array_index (msgs,
            GstMessage *, i));
    guint64 ts, dur, st, rt;
    gdouble corr, mid, side;
    gboolean final;
    fail_unless (gst_structure_get (s, "timestamp", G_TYPE_UINT64, &ts,
            "duration", G_TYPE_UINT64, &dur, "stream-time", G_TYPE_UINT64, &st,
            "running-time", G_TYPE_UINT64, &rt, "correlation", G_TYPE_DOUBLE,
            &corr, "mid-level", G_TYPE_DOUBLE, &mid, "side-level",
            G_TYPE_DOUBLE, &side, "final", G_TYPE_BOOLEAN, &final, NULL));
    /* mid = 0.75 * 0.5 sine, side = 0.25 * 0.5 sine */
    double want_mid = 20 * log10 (0.375 / sqrt (2)), want_side = 20 * log10 (0.125 / sqrt (2));
    if (i == 0 || i == msgs->len - 1)
      g_print ("  msg %u: ts %" GST_TIME_FORMAT " dur %" GST_TIME_FORMAT
          " corr %.4f mid %.3f dB (expect %.3f) side %.3f dB (expect %.3f) final %d\n",
          i, GST_TIME_ARGS (ts), GST_TIME_ARGS (dur), corr, mid, want_mid, side,
          want_side, final);
    fail_unless_equals_uint64 (ts, i * 100 * GST_MSECOND);
    fail_unless_equals_uint64 (st, ts);
    fail_unless_equals_uint64 (rt, ts);
    fail_unless_equals_uint64 (dur, i < 12 ? 100 * GST_MSECOND : 50 * GST_MSECOND);
    fail_unless (fabs (corr - 1.0) < 1e-6);
    fail_unless (fabs (mid - want_mid) < 0.05 && fabs (side - want_side) < 0.05);
    fail_unless (final == (i == msgs->len - 1));
    gst_message_unref (g_array_index (msgs, GstMessage *, i));
  }
  g_array_free (msgs, TRUE);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_free (out);
  gst_harness_teardown (h);
  g_free (in);
}
GST_END_TEST;

GST_START_TEST (test_nan)
{
  const gsize n = 4 * BLOCK;
  float *in = programme (n);
  in[100] = NAN;
  in[2 * BLOCK + 7] = INFINITY;
  in[3 * 2 * BLOCK + 1] = -INFINITY;
  for (int f64 = 0; f64 < 2; f64++) {
    for (int neutral = 0; neutral < 2; neutral++) {
      GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE");
      GstBus *bus = gst_bus_new ();
      gst_element_set_bus (h->element, bus);
      if (!neutral)
        g_object_set (h->element, "width", 1.5, "bass-mono", 100.0, NULL);
      double *out = run (h, in, n, f64, NULL);
      gsize bad = 0;
      for (gsize i = 0; i < 2 * n; i++)
        bad += !isfinite (out[i]);
      guint w = count_messages (bus, NULL, GST_MESSAGE_WARNING, NULL);
      g_print ("NaN %s %s: %" G_GSIZE_FORMAT " non-finite outputs, %u warning(s)\n",
          f64 ? "F64" : "F32", neutral ? "neutral" : "width 1.5", bad, w);
      fail_unless (bad == 0);
      fail_unless_equals_int (w, 1);
      gst_element_set_bus (h->element, NULL);
      gst_object_unref (bus);
      g_free (out);
      gst_harness_teardown (h);
    }
  }
  g_free (in);
}
GST_END_TEST;

static double
max_d2 (const double *y, gsize n, int ch)
{
  double m = 0;
  for (gsize i = 2; i < n; i++)
    m = fmax (m, fabs (y[2 * i + ch] - 2 * y[2 * (i - 1) + ch] + y[2 * (i - 2) + ch]));
  return m;
}

GST_START_TEST (test_controller)
{
  /* step automation (interpolation mode none: values jump) on width,
   * balance, mid-gain and bass-mono; the element's ramps must keep the
   * output free of clicks; neutral values under an active binding must not
   * switch to passthrough */
  const gsize n = 2 * RATE;
  float *in = g_new (float, n * 2);
  for (gsize i = 0; i < n; i++) {
    in[2 * i] = (float) (0.5 * sin (2 * M_PI * 100 * i / RATE));
    in[2 * i + 1] = (float) (0.5 * cos (2 * M_PI * 100 * i / RATE));
  }
  double steady = 0.5 * pow (2 * M_PI * 100 / RATE, 2);
  for (int f64 = 0; f64 < 2; f64++) {
    GstHarness *h = make_harness (f64 ? "F64LE" : "F32LE");
    const gchar *props[] = { "width", "balance", "mid-gain", "bass-mono" };
    const double v1[] = { 0.0, 0.7, 6.0, 250.0 };
    const double v2[] = { 2.0, -1.0, -12.0, 60.0 };
    for (guint p = 0; p < G_N_ELEMENTS (props); p++) {
      GstControlSource *cs = gst_interpolation_control_source_new ();
      g_object_set (cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);   /* steps */
      GstTimedValueControlSource *tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs);
      GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS
          (h->element), props[p]);
      GParamSpecDouble *pd = G_PARAM_SPEC_DOUBLE (ps);
      /* direct binding maps 0..1 to the property range */
#define NORM(v) (((v) - pd->minimum) / (pd->maximum - pd->minimum))
      gst_timed_value_control_source_set (tv, 0, NORM (pd->default_value));
      gst_timed_value_control_source_set (tv, 300 * GST_MSECOND + p, NORM (v1[p]));
      gst_timed_value_control_source_set (tv, 900 * GST_MSECOND, NORM (v2[p]));
      gst_timed_value_control_source_set (tv, 1500 * GST_MSECOND,
          NORM (pd->default_value));
#undef NORM
      gst_object_add_control_binding (GST_OBJECT (h->element),
          gst_direct_control_binding_new (GST_OBJECT (h->element), props[p], cs));
      gst_object_unref (cs);
    }
    double *out = run (h, in, n, f64, NULL);
    fail_if (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM (h->element)),
        "passthrough while control bindings are active");
    double d2 = fmax (max_d2 (out, n, 0), max_d2 (out, n, 1));
    gdouble w;
    g_object_get (h->element, "width", &w, NULL);
    g_print ("controller %s: width at end %.3f; max second difference %.5f "
        "(input %.5f; an unsmoothed jump would be ~0.5)\n", f64 ? "F64" : "F32",
        w, d2, steady);
    /* the width went to 0 and 2, balance to +0.7 and -1 */
    fail_unless (fabs (w - 1.0) < 1e-9);
    /* at 0.5 s: width 0 (mono), balance +0.7: L = 0.3 R */
    fail_unless (fabs (out[2 * (RATE / 2)] - 0.3 * out[2 * (RATE / 2) + 1]) < 1e-6,
        "width 0 / balance 0.7 segment wrong: %g %g", out[2 * (RATE / 2)],
        out[2 * (RATE / 2) + 1]);
    fail_unless (d2 < 0.005, "click: %.5f", d2);
    g_free (out);
    gst_harness_teardown (h);
  }
  g_free (in);
}
GST_END_TEST;

static Suite *
masterimager_suite (void)
{
  Suite *s = suite_create ("masterimager");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_caps_stereo_only);
  tcase_add_test (tc, test_null);
  tcase_add_test (tc, test_width_zero);
  tcase_add_test (tc, test_bass_mono);
  tcase_add_test (tc, test_fold_down);
  tcase_add_test (tc, test_messages);
  tcase_add_test (tc, test_nan);
  tcase_add_test (tc, test_controller);
  return s;
}

GST_CHECK_MAIN (masterimager);
