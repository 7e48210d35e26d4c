/* mastercomp element tests: static curve and step response through the
 * element (F32 and F64), lookahead latency vs measured delay, sample count
 * and timestamps, NaN/Inf and 1-frame buffers, messages, controller, and a
 * stress test of property changes from another thread while streaming. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/controller.h>
#include <gst/base/base.h>
#include <math.h>
#include <string.h>
#include "../common/master-test.h"
#include "dynamics.h"

#define RATE 48000

typedef struct
{
  float *data;                  /* interleaved output */
  gsize frames;
  gsize cap;
  GstClockTime next_pts;
  gboolean ts_ok;
} Out;

static void
out_append (Out * o, GstBuffer * buf, gint channels, gboolean f64)
{
  GstMapInfo map;
  gsize n, i, bps = f64 ? 8 : 4;
  gst_buffer_map (buf, &map, GST_MAP_READ);
  n = map.size / (bps * channels);
  if (o->frames + n > o->cap) {
    o->cap = MAX (o->cap * 2, o->frames + n + 1024);
    o->data = g_realloc (o->data, o->cap * channels * sizeof (float));
  }
  for (i = 0; i < n * channels; i++)
    o->data[o->frames * channels + i] = f64 ? (float) ((double *) map.data)[i]
        : ((float *) map.data)[i];
  gst_buffer_unmap (buf, &map);
  if (GST_BUFFER_PTS_IS_VALID (buf)) {
    GstClockTime expect = gst_util_uint64_scale_int (o->frames, GST_SECOND,
        RATE);
    GstClockTime pts = GST_BUFFER_PTS (buf);
    if (pts + 1 < expect || pts > expect + 1)
      o->ts_ok = FALSE;
  } else {
    o->ts_ok = FALSE;
  }
  o->frames += n;
}

static void
pull_all (GstHarness * h, Out * o, gint channels, gboolean f64)
{
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h))) {
    out_append (o, b, channels, f64);
    gst_buffer_unref (b);
  }
}

static GstHarness *
make_harness (const gchar * fmt, gint channels)
{
  GstHarness *h = gst_harness_new ("mastercomp");
  gchar *caps = master_test_caps_string (fmt, RATE, channels);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

/* push `in` in chunks (chunk 0 = varying sizes including 1), EOS, collect */
static Out
run (GstHarness * h, const float *in, gsize frames, gint channels,
    gboolean f64, gsize chunk)
{
  Out o = { NULL, 0, 0, 0, TRUE };
  gsize done = 0, k = 0;
  while (done < frames) {
    gsize n = chunk ? chunk : (k % 5 == 0 ? 1 : (k * 97) % 1500 + 1);
    GstBuffer *b;
    n = MIN (n, frames - done);
    b = f64 ? master_test_buffer_f64 (in + done * channels, n, channels, RATE,
        done) : master_test_buffer_f32 (in + done * channels, n, channels,
        RATE, done);
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
    pull_all (h, &o, channels, f64);
    done += n;
    k++;
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  pull_all (h, &o, channels, f64);
  return o;
}

static double
rms_db (const float *x, gsize from, gsize to, gint channels)
{
  double e = 0.0;
  gsize i;
  for (i = from; i < to; i++)
    e += (double) x[i * channels] * x[i * channels];
  return 10.0 * log10 (e / (to - from) + 1e-300);
}

GST_START_TEST (test_static_curve)
{
  const gsize n = RATE * 3 / 2;
  float *in = g_new (float, n * 2);
  int f, k;
  for (f = 0; f < 3; f++) {
    /* f: 0 = F32 peak, 1 = F64 peak, 2 = F32 rms */
    for (k = 0; k < 2; k++) {
      double knee = k ? 10.0 : 0.0, worst = 0.0, lev;
      for (lev = -60.0; lev <= 0.01; lev += 4.0) {
        GstHarness *h = make_harness (f == 1 ? "F64LE" : "F32LE", 2);
        MasterDynamicsParams p;
        double amp = pow (10.0, lev / 20.0), got, expect;
        gsize i;
        Out o;
        g_object_set (h->element, "threshold", -30.0, "ratio", 4.0, "knee",
            knee, "attack", 5.0, "release", 2000.0, "detector", f == 2 ? 1 : 0,
            NULL);
        for (i = 0; i < n; i++)
          in[2 * i] = in[2 * i + 1] = amp * sin (2 * G_PI * 1000.0 * i / RATE);
        o = run (h, in, n, 2, f == 1, 1024);
        fail_unless_equals_int (o.frames, n);
        got = rms_db (o.data, n - RATE / 2, n, 2) - rms_db (in, n - RATE / 2, n,
            2);
        master_dynamics_params_init (&p);
        p.threshold_db = -30.0;
        p.ratio = 4.0;
        p.knee_db = knee;
        expect = master_dynamics_gain_computer_db (&p, lev);
        worst = MAX (worst, fabs (got - expect));
        fail_unless (fabs (got - expect) <= 0.05,
            "%s knee %g level %g: gain %.4f dB, formula %.4f dB",
            f == 1 ? "F64" : "F32", knee, lev, got, expect);
        g_free (o.data);
        gst_harness_teardown (h);
      }
      g_print ("mastercomp static curve %s %s knee %g dB (T -30, R 4, 1 kHz, "
          "-60..0 dBFS): worst |error| %.4f dB\n", f == 1 ? "F64" : "F32",
          f == 2 ? "rms " : "peak", knee, worst);
    }
  }
  g_free (in);
}

GST_END_TEST;

/* DC level step through the element: 63 % time of the gain reduction */
static double
step_ms (gdouble attack, gdouble release, gboolean up)
{
  const gsize pre = RATE * 3, post = RATE * 3;
  GstHarness *h = make_harness ("F32LE", 1);
  float *in = g_new (float, pre + post);
  double g0, g1, target, a = up ? 0.01 : 0.5, b = up ? 0.5 : 0.01;
  MasterDynamicsParams p;
  gsize i;
  Out o;
  g_object_set (h->element, "threshold", -30.0, "ratio", 4.0, "knee", 0.0,
      "attack", attack, "release", release, NULL);
  for (i = 0; i < pre + post; i++)
    in[i] = i < pre ? a : b;
  o = run (h, in, pre + post, 1, FALSE, 480);
  fail_unless_equals_int (o.frames, pre + post);
  master_dynamics_params_init (&p);
  p.threshold_db = -30.0;
  p.ratio = 4.0;
  p.knee_db = 0.0;
  g0 = -20.0 * log10 (o.data[pre - 1] / in[pre - 1]);
  g1 = -master_dynamics_gain_computer_db (&p, 20.0 * log10 (b));
  target = g0 + (1.0 - exp (-1.0)) * (g1 - g0);
  for (i = pre; i < pre + post; i++) {
    double gr = -20.0 * log10 (o.data[i] / in[i]);
    if ((up && gr >= target) || (!up && gr <= target))
      break;
  }
  g_free (o.data);
  g_free (in);
  gst_harness_teardown (h);
  return (i - pre + 1) * 1000.0 / RATE;
}

GST_START_TEST (test_step_response)
{
  static const double t[][2] = { {2.0, 80.0}, {20.0, 300.0} };
  int k;
  for (k = 0; k < 2; k++) {
    double a = step_ms (t[k][0], t[k][1], TRUE);
    double r = step_ms (t[k][0], t[k][1], FALSE);
    g_print ("mastercomp step response: attack %.1f ms measured %.3f ms "
        "(%+.2f %%), release %.1f ms measured %.3f ms (%+.2f %%)\n", t[k][0],
        a, 100 * (a / t[k][0] - 1), t[k][1], r, 100 * (r / t[k][1] - 1));
    fail_unless (fabs (a / t[k][0] - 1) <= 0.05, "attack %g", a);
    fail_unless (fabs (r / t[k][1] - 1) <= 0.05, "release %g", r);
  }
}

GST_END_TEST;

GST_START_TEST (test_lookahead_latency)
{
  static const double la[] = { 0.0, 1.5, 5.0 };
  int k;
  for (k = 0; k < 3; k++) {
    const gsize n = 4800, imp = 1000;
    GstHarness *h = gst_harness_new ("mastercomp");
    gchar *caps = master_test_caps_string ("F32LE", RATE, 2);
    float *in = g_new0 (float, n * 2);
    Out o = { NULL, 0, 0, 0, TRUE };
    GstClockTime lat;
    gsize i, pushed = 0, seen_at = 0, peak = 0;
    double pv = 0.0;
    gint64 expect = llround (la[k] * RATE / 1000.0);

    g_object_set (h->element, "lookahead", la[k], "threshold", -20.0, "ratio",
        10.0, NULL);
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    in[2 * imp] = in[2 * imp + 1] = 0.9f;
    /* frame by frame: when does the impulse come out? */
    for (i = 0; i < n; i++) {
      fail_unless_equals_int (gst_harness_push (h,
              master_test_buffer_f32 (in + 2 * i, 1, 2, RATE, i)), GST_FLOW_OK);
      pushed++;
      pull_all (h, &o, 2, FALSE);
      if (!seen_at && o.frames > imp)
        seen_at = pushed;
    }
    lat = gst_harness_query_latency (h);
    gst_harness_push_event (h, gst_event_new_eos ());
    pull_all (h, &o, 2, FALSE);
    for (i = 0; i < o.frames; i++)
      if (fabs (o.data[2 * i]) > pv) {
        pv = fabs (o.data[2 * i]);
        peak = i;
      }
    g_print ("mastercomp lookahead %.1f ms: reported latency %" G_GUINT64_FORMAT
        " ns (%.0f frames), measured delay %" G_GSIZE_FORMAT " frames, impulse"
        " at output frame %" G_GSIZE_FORMAT " (input %" G_GSIZE_FORMAT "), "
        "frames in %" G_GSIZE_FORMAT " out %" G_GSIZE_FORMAT ", timestamps %s\n",
        la[k], lat, lat * (double) RATE / GST_SECOND, seen_at - (imp + 1), peak,
        imp, n, o.frames, o.ts_ok ? "contiguous" : "BROKEN");
    fail_unless_equals_uint64 (lat, gst_util_uint64_scale_int (expect,
            GST_SECOND, RATE));
    fail_unless_equals_int ((gint64) (seen_at - (imp + 1)), expect);
    fail_unless_equals_int (peak, imp);
    fail_unless_equals_int (o.frames, n);
    fail_unless (o.ts_ok);
    g_free (o.data);
    g_free (in);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* a timestamp gap (live stream) inside the lookahead: every output buffer
 * carries the input time of its first frame, and none holds frames of both
 * timelines (the one after the gap starts a buffer, marked DISCONT) */
GST_START_TEST (test_lookahead_gap)
{
  GstHarness *h = gst_harness_new ("mastercomp");
  gchar *caps = master_test_caps_string ("F32LE", RATE, 2);
  float *in = g_new0 (float, 480 * 2);
  const GstClockTime gap = GST_SECOND;
  GstBuffer *b;
  gsize out = 0, i;
  gint bad = 0, n_out = 0, straddle = 0, discont_at_gap = 0;

  g_object_set (h->element, "lookahead", 5.0, NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  for (i = 0; i < 20; i++) {
    GstBuffer *ib = master_test_buffer_f32 (in, 480, 2, RATE, i * 480);
    if (i >= 10) {
      GST_BUFFER_PTS (ib) += gap;
      if (i == 10)
        GST_BUFFER_FLAG_SET (ib, GST_BUFFER_FLAG_DISCONT);
    }
    fail_unless_equals_int (gst_harness_push (h, ib), GST_FLOW_OK);
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  while ((b = gst_harness_try_pull (h))) {
    GstClockTime expect = gst_util_uint64_scale_int (out, GST_SECOND, RATE)
        + (out >= 4800 ? gap : 0);
    GstClockTimeDiff d = GST_CLOCK_DIFF (expect, GST_BUFFER_PTS (b));
    gsize frames = gst_buffer_get_size (b) / 8;
    if (ABS (d) > 1000)
      bad++;
    if (out < 4800 && out + frames > 4800)
      straddle++;
    if (out == 4800 && GST_BUFFER_IS_DISCONT (b))
      discont_at_gap++;
    out += frames;
    n_out++;
    gst_buffer_unref (b);
  }
  g_print ("mastercomp lookahead 5 ms, 1 s timestamp gap after 100 ms: %d "
      "output buffers, %d with a timestamp off the input timeline, frames "
      "in 9600 out %" G_GSIZE_FORMAT ", %d across the gap, DISCONT at the "
      "gap %d\n", n_out, bad, out, straddle, discont_at_gap);
  fail_unless_equals_int (bad, 0);
  fail_unless_equals_int (straddle, 0);
  fail_unless_equals_int (discont_at_gap, 1);
  fail_unless_equals_int (out, 9600);
  g_free (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_counts_and_formats)
{
  static const gint chans[] = { 1, 2, 6 };
  int f, c;
  for (f = 0; f < 2; f++)
    for (c = 0; c < 3; c++) {
      const gsize n = RATE * 2 + 17;
      float *in = g_new (float, n * chans[c]);
      GstHarness *h = make_harness (f ? "F64LE" : "F32LE", chans[c]);
      gsize i;
      Out o;
      gboolean finite = TRUE;
      g_object_set (h->element, "lookahead", 3.0, "threshold", -24.0,
          "ratio", 3.0, "mode", 1, "detector", 1, "link", 0.3, NULL);
      for (i = 0; i < n * chans[c]; i++)
        in[i] = 0.7 * sin (i * 0.001) * sin (i * 0.05);
      o = run (h, in, n, chans[c], f, 0);
      for (i = 0; i < o.frames * chans[c]; i++)
        finite &= isfinite (o.data[i]);
      g_print ("mastercomp %s %d ch, buffers of 1..1500 frames: in %"
          G_GSIZE_FORMAT " out %" G_GSIZE_FORMAT " frames, timestamps %s\n",
          f ? "F64" : "F32", chans[c], n, o.frames, o.ts_ok ? "contiguous" :
          "BROKEN");
      fail_unless_equals_int (o.frames, n);
      fail_unless (o.ts_ok);
      fail_unless (finite);
      g_free (o.data);
      g_free (in);
      gst_harness_teardown (h);
    }
}

GST_END_TEST;

GST_START_TEST (test_nan_and_messages)
{
  GstHarness *h = make_harness ("F32LE", 2);
  GstBus *bus = gst_bus_new ();
  const gsize n = RATE;
  float *in = g_new (float, n * 2);
  gsize i;
  Out o;
  GstMessage *m;
  int n_msg = 0, n_warn = 0;
  double max_gr = 0.0;
  gboolean finite = TRUE;

  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "threshold", -30.0, "ratio", 4.0, "interval",
      (guint64) (100 * GST_MSECOND), NULL);
  for (i = 0; i < n * 2; i++)
    in[i] = 0.5 * sin (2 * G_PI * 440.0 * (i / 2) / RATE);
  in[1000] = NAN;
  in[5001] = INFINITY;
  in[30000] = -INFINITY;
  o = run (h, in, n, 2, FALSE, 480);
  for (i = 0; i < o.frames * 2; i++)
    finite &= isfinite (o.data[i]);
  while ((m = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING)
      n_warn++;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT &&
        gst_message_has_name (m, "mastercomp")) {
      const GstStructure *s = gst_message_get_structure (m);
      double gr;
      fail_unless (gst_structure_has_field (s, "timestamp"));
      fail_unless (gst_structure_has_field (s, "stream-time"));
      fail_unless (gst_structure_has_field (s, "running-time"));
      fail_unless (gst_structure_has_field (s, "duration"));
      fail_unless (gst_structure_get_double (s, "gain-reduction", &gr));
      max_gr = MAX (max_gr, gr);
      n_msg++;
    }
    gst_message_unref (m);
  }
  g_print ("mastercomp NaN/Inf input: output finite %s, %d warning(s); "
      "%d gain-reduction messages for 1 s at 100 ms, max %.2f dB (formula "
      "%.2f dB)\n", finite ? "yes" : "NO", n_warn, n_msg, max_gr,
      (-6.02 + 30.0) * 0.75 - 6.0 * 0.0);
  fail_unless (finite);
  fail_unless_equals_int (n_warn, 1);
  fail_unless (n_msg >= 10 && n_msg <= 11, "%d messages", n_msg);
  fail_unless (max_gr > 17.0 && max_gr < 19.0, "gr %g", max_gr);
  g_free (o.data);
  g_free (in);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_controller_and_passthrough)
{
  GstHarness *h = make_harness ("F32LE", 2);
  GstControlSource *cs = gst_interpolation_control_source_new ();
  const gsize n = RATE * 2;
  float *in = g_new (float, n * 2);
  gsize i;
  Out o;
  double g_early, g_late;

  /* ratio 1 is neutral: passthrough */
  g_object_set (h->element, "ratio", 1.0, NULL);
  for (i = 0; i < n * 2; i++)
    in[i] = 0.5 * sin (2 * G_PI * 1000.0 * (i / 2) / RATE);
  {
    GstBus *bus = gst_bus_new ();
    GstMessage *m;
    gint n_msg = 0;
    gst_element_set_bus (h->element, bus);
    g_object_set (h->element, "interval", (guint64) (20 * GST_MSECOND), NULL);
    o = run (h, in, RATE / 10, 2, FALSE, 480);
    while ((m = gst_bus_pop (bus))) {
      if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT)
        n_msg++;
      gst_message_unref (m);
    }
    g_print ("mastercomp ratio 1: passthrough, %d messages for 100 ms at "
        "20 ms\n", n_msg);
    fail_unless (n_msg >= 5 && n_msg <= 6, "%d messages", n_msg);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
  }
  fail_unless (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM
          (h->element)));
  g_free (o.data);
  gst_harness_teardown (h);

  /* threshold automated from 0 dBFS to -40 dBFS over 2 s */
  h = make_harness ("F32LE", 2);
  g_object_set (h->element, "ratio", 4.0, "knee", 0.0, NULL);
  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
  gst_timed_value_control_source_set ((GstTimedValueControlSource *) cs, 0,
      0.0);
  gst_timed_value_control_source_set ((GstTimedValueControlSource *) cs,
      2 * GST_SECOND, -40.0);
  gst_object_add_control_binding (GST_OBJECT (h->element),
      gst_direct_control_binding_new_absolute (GST_OBJECT (h->element),
          "threshold", cs));
  o = run (h, in, n, 2, FALSE, 480);
  fail_unless (!gst_base_transform_is_passthrough (GST_BASE_TRANSFORM
          (h->element)));
  g_early = rms_db (o.data, RATE / 4, RATE / 2, 2) - rms_db (in, RATE / 4,
      RATE / 2, 2);
  g_late = rms_db (o.data, n - RATE / 4, n, 2) - rms_db (in, n - RATE / 4, n,
      2);
  g_print ("mastercomp threshold automated 0 -> -40 dBFS: gain %.2f dB early,"
      " %.2f dB late\n", g_early, g_late);
  fail_unless (g_early > -1.0 && g_late < -10.0);
  g_free (o.data);
  g_free (in);
  gst_object_unref (cs);
  gst_harness_teardown (h);
}

GST_END_TEST;

static volatile gint stress_stop;

static gpointer
stress_thread (gpointer data)
{
  GstElement *e = data;
  GRand *r = g_rand_new_with_seed (1234);
  gint count = 0;
  while (!g_atomic_int_get (&stress_stop) || count < 10000) {
    switch (g_rand_int_range (r, 0, 13)) {
      case 0:
        g_object_set (e, "threshold", g_rand_double_range (r, -80, 0), NULL);
        break;
      case 1:
        g_object_set (e, "ratio", g_rand_double_range (r, 1, 100), NULL);
        break;
      case 2:
        g_object_set (e, "knee", g_rand_double_range (r, 0, 24), NULL);
        break;
      case 3:
        g_object_set (e, "attack", g_rand_double_range (r, 0.01, 500), NULL);
        break;
      case 4:
        g_object_set (e, "release", g_rand_double_range (r, 1, 5000), NULL);
        break;
      case 5:
        g_object_set (e, "auto-release", g_rand_boolean (r), NULL);
        break;
      case 6:
        g_object_set (e, "detector", g_rand_int_range (r, 0, 2), NULL);
        break;
      case 7:
        g_object_set (e, "link", g_rand_double_range (r, 0, 1), NULL);
        break;
      case 8:
        g_object_set (e, "mode", g_rand_int_range (r, 0, 2), NULL);
        break;
      case 9:
        g_object_set (e, "sidechain-hpf", g_rand_double_range (r, 0, 2000),
            NULL);
        break;
      case 10:
        g_object_set (e, "makeup", g_rand_double_range (r, -24, 24), NULL);
        break;
      case 11:
        g_object_set (e, "auto-makeup", g_rand_boolean (r), NULL);
        break;
      default:
        g_object_set (e, "mix", g_rand_double_range (r, 0, 1), NULL);
        break;
    }
    count++;
    if (count % 64 == 0)
      g_usleep (10);
  }
  g_rand_free (r);
  return GINT_TO_POINTER (count);
}

GST_START_TEST (test_stress_properties)
{
  GstHarness *h = gst_harness_new ("mastercomp");
  gchar *caps = master_test_caps_string ("F32LE", RATE, 2);
  const gsize chunk = 256;
  float *in = g_new (float, chunk * 2);
  GThread *t;
  gsize i, frames = 0, out_frames = 0;
  gint count;
  gboolean finite = TRUE;
  gint64 start = g_get_monotonic_time ();

  g_object_set (h->element, "lookahead", 2.0, NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  g_atomic_int_set (&stress_stop, 0);
  t = g_thread_new ("stress", stress_thread, h->element);
  while (g_get_monotonic_time () - start < 3 * G_USEC_PER_SEC) {
    GstBuffer *b;
    for (i = 0; i < chunk * 2; i++)
      in[i] = (float) (0.9 * sin ((frames + i / 2) * 0.03)
          + 0.3 * g_random_double_range (-1, 1));
    fail_unless_equals_int (gst_harness_push (h,
            master_test_buffer_f32 (in, chunk, 2, RATE, frames)), GST_FLOW_OK);
    frames += chunk;
    while ((b = gst_harness_try_pull (h))) {
      GstMapInfo map;
      gst_buffer_map (b, &map, GST_MAP_READ);
      for (i = 0; i < map.size / 4; i++)
        finite &= isfinite (((float *) map.data)[i]);
      out_frames += map.size / 8;
      gst_buffer_unmap (b, &map);
      gst_buffer_unref (b);
    }
  }
  g_atomic_int_set (&stress_stop, 1);
  count = GPOINTER_TO_INT (g_thread_join (t));
  g_print ("mastercomp stress: %d random property sets from another thread "
      "while streaming %" G_GSIZE_FORMAT " frames (%" G_GSIZE_FORMAT
      " out before EOS); output finite: %s\n", count, frames, out_frames,
      finite ? "yes" : "NO");
  fail_unless (count >= 10000);
  fail_unless (finite);
  g_free (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
mastercomp_suite (void)
{
  Suite *s = suite_create ("mastercomp");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_static_curve);
  tcase_add_test (tc, test_step_response);
  tcase_add_test (tc, test_lookahead_latency);
  tcase_add_test (tc, test_lookahead_gap);
  tcase_add_test (tc, test_counts_and_formats);
  tcase_add_test (tc, test_nan_and_messages);
  tcase_add_test (tc, test_controller_and_passthrough);
  tcase_add_test (tc, test_stress_properties);
  return s;
}

GST_CHECK_MAIN (mastercomp);
