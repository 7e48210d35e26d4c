/* mastermbcomp element tests: flat band sum (magnitude and allpass phase),
 * solo slopes, per-band compression and messages, crossover moves while
 * playing, lookahead latency vs measured delay, counts/timestamps with
 * 1-frame buffers, NaN, and a stress test of property changes (element and
 * band children) from another thread while streaming. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/controller.h>
#include <math.h>
#include <string.h>
#include "../common/master-test.h"
#include "crossover.h"

#define RATE 48000

typedef struct
{
  double *data;
  gsize frames, cap;
  gboolean ts_ok;
} Out;

static void
pull_all (GstHarness * h, Out * o, gint channels, gboolean f64)
{
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h))) {
    GstMapInfo map;
    gsize n, i, bps = f64 ? 8 : 4;
    GstClockTime expect = gst_util_uint64_scale_int (o->frames, GST_SECOND,
        RATE);
    gst_buffer_map (b, &map, GST_MAP_READ);
    n = map.size / (bps * channels);
    if (o->frames + n > o->cap) {
      o->cap = MAX (o->cap * 2, o->frames + n + 1024);
      o->data = g_realloc (o->data, o->cap * channels * sizeof (double));
    }
    for (i = 0; i < n * channels; i++)
      o->data[o->frames * channels + i] = f64 ? ((double *) map.data)[i] :
          ((float *) map.data)[i];
    gst_buffer_unmap (b, &map);
    if (!GST_BUFFER_PTS_IS_VALID (b) || GST_BUFFER_PTS (b) + 1 < expect
        || GST_BUFFER_PTS (b) > expect + 1)
      o->ts_ok = FALSE;
    o->frames += n;
    gst_buffer_unref (b);
  }
}

static GstBuffer *
make_buffer (const double *x, gsize n, gint channels, gsize offset,
    gboolean f64)
{
  gsize i, bps = f64 ? 8 : 4;
  GstBuffer *b = gst_buffer_new_allocate (NULL, n * channels * bps, NULL);
  GstMapInfo map;
  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (i = 0; i < n * channels; i++) {
    if (f64)
      ((double *) map.data)[i] = x[i];
    else
      ((float *) map.data)[i] = (float) x[i];
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = gst_util_uint64_scale_int (offset, GST_SECOND, RATE);
  GST_BUFFER_DURATION (b) = gst_util_uint64_scale_int (offset + n, GST_SECOND,
      RATE) - GST_BUFFER_PTS (b);
  return b;
}

/* element with properties set before caps (structural ones need that) */
static GstHarness *
make_harness (const gchar * fmt, gint channels, const gchar * props)
{
  GstHarness *h = gst_harness_new ("mastermbcomp");
  gchar *caps = master_test_caps_string (fmt, RATE, channels);
  if (props) {
    gchar **kv = g_strsplit (props, " ", -1);
    gint i;
    for (i = 0; kv[i]; i++) {
      gchar **p = g_strsplit (kv[i], "=", 2);
      GValue v = G_VALUE_INIT;
      GObject *target;
      GParamSpec *pspec;
      fail_unless (gst_child_proxy_lookup (GST_CHILD_PROXY (h->element), p[0],
              &target, &pspec), "no property %s", p[0]);
      g_value_init (&v, pspec->value_type);
      fail_unless (gst_value_deserialize (&v, p[1]));
      g_object_set_property (target, pspec->name, &v);
      g_value_unset (&v);
      g_object_unref (target);
      g_strfreev (p);
    }
    g_strfreev (kv);
  }
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

static Out
run (GstHarness * h, const double *in, gsize frames, gint channels,
    gboolean f64, gsize chunk)
{
  Out o = { NULL, 0, 0, TRUE };
  gsize done = 0, k = 0;
  while (done < frames) {
    gsize n = chunk ? chunk : (k % 4 == 0 ? 1 : (k * 131) % 900 + 1);
    n = MIN (n, frames - done);
    fail_unless_equals_int (gst_harness_push (h, make_buffer (in + done *
                channels, n, channels, done, f64)), GST_FLOW_OK);
    pull_all (h, &o, channels, f64);
    done += n;
    k++;
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  pull_all (h, &o, channels, f64);
  return o;
}

static void
dft (const double *x, gsize n, gint stride, double f, double *re, double *im)
{
  double w = 2.0 * G_PI * f / RATE, r = 0.0, i = 0.0;
  gsize k;
  for (k = 0; k < n; k++) {
    r += x[k * stride] * cos (w * k);
    i -= x[k * stride] * sin (w * k);
  }
  *re = r;
  *im = i;
}

static const double xo_freqs[] = { 100.0, 500.0, 2500.0, 8000.0, 14000.0 };

GST_START_TEST (test_flat_sum)
{
  static const gint nbs[] = { 2, 4, 6 };
  int s, k, f;
  for (f = 1; f >= 0; f--)
    for (s = 0; s < 2; s++)
      for (k = 0; k < 3; k++) {
        const gsize n = 32768;
        gchar *props = g_strdup_printf ("num-bands=%d crossover-slope=%d "
            "lookahead=%s", nbs[k], s ? 48 : 24, k == 1 ? "2.0" : "0");
        GstHarness *h = make_harness (f ? "F64LE" : "F32LE", 2, props);
        double *in = g_new0 (double, n * 2), worst = 0.0, worst_ph = 0.0, fr;
        MasterCrossover *xo = master_crossover_new (1, RATE);
        Out o;
        in[0] = in[1] = 1.0;
        o = run (h, in, n, 2, f, 1024);
        fail_unless_equals_int (o.frames, n);
        master_crossover_configure (xo, nbs[k], s ? 48 : 24, xo_freqs);
        for (fr = 20.0; fr <= 20000.0; fr *= pow (2.0, 1.0 / 6.0)) {
          double r, i, ar, ai, mag, ph;
          dft (o.data, n, 2, fr, &r, &i);
          master_crossover_allpass_response (xo, fr, &ar, &ai);
          mag = 10.0 * log10 (r * r + i * i);
          ph = atan2 (i * ar - r * ai, r * ar + i * ai);
          worst = MAX (worst, fabs (mag));
          worst_ph = MAX (worst_ph, fabs (ph));
        }
        g_print ("mastermbcomp %s %d bands LR%d%s, all ratio 1: magnitude max "
            "|dev| %.2e dB, phase vs crossover allpass max |dev| %.2e rad "
            "(20 Hz-20 kHz)\n", f ? "F64" : "F32", nbs[k], s ? 8 : 4,
            k == 1 ? " lookahead 2 ms" : "", worst, worst_ph);
        fail_unless (worst < 0.01, "not flat: %g dB", worst);
        fail_unless (worst_ph < (f ? 1e-6 : 1e-3), "phase: %g rad", worst_ph);
        master_crossover_free (&xo);
        g_free (o.data);
        g_free (in);
        g_free (props);
        gst_harness_teardown (h);
      }
}

GST_END_TEST;

GST_START_TEST (test_solo)
{
  int s, b;
  for (s = 0; s < 2; s++)
    for (b = 0; b < 4; b++) {
      const gsize n = 32768;
      gchar *props = g_strdup_printf ("num-bands=4 crossover-slope=%d "
          "band%d::solo=true", s ? 48 : 24, b);
      GstHarness *h = make_harness ("F64LE", 1, props);
      double *in = g_new0 (double, n), lo, hi, mid, r, i, db_in, db_lo = -999,
          db_hi = -999, slope = s ? 48.0 : 24.0;
      Out o;
      in[0] = 1.0;
      o = run (h, in, n, 1, TRUE, 4096);
      lo = b > 0 ? xo_freqs[b - 1] : 0.0;
      hi = b < 3 ? xo_freqs[b] : 0.0;
      mid = lo > 0 && hi > 0 ? sqrt (lo * hi) : (lo > 0 ? 2 * lo : hi / 2);
      dft (o.data, n, 1, mid, &r, &i);
      db_in = 10 * log10 (r * r + i * i);
      if (lo > 0) {
        dft (o.data, n, 1, lo / 2, &r, &i);
        db_lo = 10 * log10 (r * r + i * i);
      }
      if (hi > 0) {
        dft (o.data, n, 1, hi * 2, &r, &i);
        db_hi = 10 * log10 (r * r + i * i);
      }
      g_print ("mastermbcomp LR%d band%d solo (%g..%g Hz): %.2f dB at %.0f Hz,"
          " one octave outside %.1f / %.1f dB\n", s ? 8 : 4, b, lo, hi, db_in,
          mid, db_lo, db_hi);
      fail_unless (db_in > -1.5);
      fail_unless (db_lo <= -slope + 0.5 && db_hi <= -slope + 0.5);
      g_free (o.data);
      g_free (in);
      g_free (props);
      gst_harness_teardown (h);
    }
}

GST_END_TEST;

static double
tone_db (const double *x, gsize from, gsize to, gint stride, double f)
{
  double r, i;
  dft (x + from * stride, to - from, stride, f, &r, &i);
  return 20.0 * log10 (2.0 * sqrt (r * r + i * i) / (to - from));
}

GST_START_TEST (test_band_compression_and_messages)
{
  const gsize n = RATE * 2;
  GstHarness *h = make_harness ("F32LE", 2, "num-bands=4 band0::threshold=-20"
      " band0::ratio=4 band0::knee=0 band0::release=500 band3::threshold=-20"
      " band3::ratio=4 interval=100000000");
  GstBus *bus = gst_bus_new ();
  double *in = g_new (double, n * 2), low_in, low_out, high_in, high_out;
  double gr0 = 0, gr3 = -1;
  gsize i;
  Out o;
  GstMessage *m;
  gint n_msg = 0;

  gst_element_set_bus (h->element, bus);
  for (i = 0; i < n; i++)
    in[2 * i] = in[2 * i + 1] = 0.5 * sin (2 * G_PI * 40.0 * i / RATE)
        + 0.03 * sin (2 * G_PI * 1000.0 * i / RATE);
  o = run (h, in, n, 2, FALSE, 960);
  low_in = tone_db (in, n - RATE, n, 2, 40.0);
  low_out = tone_db (o.data, n - RATE, n, 2, 40.0);
  high_in = tone_db (in, n - RATE, n, 2, 1000.0);
  high_out = tone_db (o.data, n - RATE, n, 2, 1000.0);
  while ((m = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT &&
        gst_message_has_name (m, "mastermbcomp")) {
      const GstStructure *s = gst_message_get_structure (m);
      const GValue *arr = gst_structure_get_value (s, "gain-reduction");
      fail_unless (gst_structure_has_field (s, "running-time"));
      fail_unless (arr && gst_value_array_get_size (arr) == 4);
      gr0 = g_value_get_double (gst_value_array_get_value (arr, 0));
      gr3 = g_value_get_double (gst_value_array_get_value (arr, 3));
      n_msg++;
    }
    gst_message_unref (m);
  }
  g_print ("mastermbcomp band0 T -20 R 4: 40 Hz tone %.2f -> %.2f dB (%.2f dB)"
      ", 1 kHz tone %.2f -> %.2f dB; %d messages, last band0 gain reduction "
      "%.2f dB, band3 %.2f dB\n", low_in, low_out, low_out - low_in, high_in,
      high_out, n_msg, gr0, gr3);
  fail_unless_equals_int (o.frames, n);
  fail_unless (n_msg >= 20 && n_msg <= 21, "%d messages", n_msg);
  /* band0 sees ~ -6 dBFS: expected reduction (14 dB over) * 0.75 = 10.5 dB */
  fail_unless (gr0 > 9.0 && gr0 < 12.0, "gr0 %g", gr0);
  fail_unless (fabs ((low_out - low_in) + gr0) < 1.0, "low %g vs gr %g",
      low_out - low_in, gr0);
  fail_unless (fabs (high_out - high_in) < 0.1, "1 kHz changed %g dB",
      high_out - high_in);
  fail_unless (gr3 == 0.0);
  g_free (o.data);
  g_free (in);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_crossover_moves)
{
  const gsize n = RATE * 2, blk = 256;
  GstHarness *h = make_harness ("F32LE", 2, "num-bands=4");
  GObject *band1 = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY
      (h->element), "band1");
  double *in = g_new (double, blk * 2), maxd2 = 0.0, maxdev = 0.0;
  Out o = { NULL, 0, 0, TRUE };
  gsize done = 0, i;
  for (done = 0; done < n; done += blk) {
    if (done > RATE / 2 && done < 3 * RATE / 2)
      g_object_set (band1, "crossover", (done / blk) % 16 < 8 ? 700.0 : 1400.0,
          NULL);
    for (i = 0; i < blk; i++)
      in[2 * i] = in[2 * i + 1] = 0.5 * sin (2 * G_PI * 1000.0 * (done + i) /
          RATE);
    fail_unless_equals_int (gst_harness_push (h, make_buffer (in, blk, 2, done,
                FALSE)), GST_FLOW_OK);
    pull_all (h, &o, 2, FALSE);
  }
  for (i = 4800; i < o.frames; i++) {
    double d2 = fabs (o.data[2 * i] - 2 * o.data[2 * i - 2] +
        o.data[2 * i - 4]);
    maxd2 = MAX (maxd2, d2);
  }
  for (i = 4800; i + 48 <= o.frames; i += 48) {
    double pk = 0;
    gsize k;
    for (k = i; k < i + 48; k++)
      pk = MAX (pk, fabs (o.data[2 * k]));
    maxdev = MAX (maxdev, fabs (20 * log10 (pk / 0.5)));
  }
  g_print ("mastermbcomp band1 crossover jumping 700 <-> 1400 Hz over a 1 kHz "
      "tone: envelope max |dev| %.3f dB, max 2nd difference %.4f (tone alone "
      "%.4f)\n", maxdev, maxd2, 0.5 * pow (2 * G_PI * 1000.0 / RATE, 2));
  fail_unless (maxdev < 1.0);
  fail_unless (maxd2 < 1.5 * 0.5 * pow (2 * G_PI * 1000.0 / RATE, 2));
  g_object_unref (band1);
  g_free (o.data);
  g_free (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_lookahead_counts_nan)
{
  const gsize n = 9600, imp = 2000;
  GstHarness *h = make_harness ("F32LE", 2, "lookahead=3 band0::ratio=8 "
      "band0::threshold=-30");
  double *in = g_new0 (double, n * 2), pv = 0.0;
  Out o = { NULL, 0, 0, TRUE };
  gsize i, seen_at = 0, peak = 0;
  GstClockTime lat;
  gboolean finite = TRUE;
  for (i = 0; i < n * 2; i++)
    in[i] = 0.05 * sin (i * 0.37);
  in[2 * imp] = in[2 * imp + 1] = 0.9;
  in[2 * 5000] = NAN;
  in[2 * 6000 + 1] = INFINITY;
  for (i = 0; i < n; i++) {
    fail_unless_equals_int (gst_harness_push (h, make_buffer (in + 2 * i, 1, 2,
                i, FALSE)), GST_FLOW_OK);
    pull_all (h, &o, 2, FALSE);
    if (!seen_at && o.frames > imp)
      seen_at = i + 1;
  }
  lat = gst_harness_query_latency (h);
  gst_harness_push_event (h, gst_event_new_eos ());
  pull_all (h, &o, 2, FALSE);
  for (i = 0; i < o.frames; i++) {
    finite &= isfinite (o.data[2 * i]) && isfinite (o.data[2 * i + 1]);
    if (fabs (o.data[2 * i]) > pv) {
      pv = fabs (o.data[2 * i]);
      peak = i;
    }
  }
  g_print ("mastermbcomp lookahead 3 ms, 1-frame buffers: reported latency %"
      G_GUINT64_FORMAT " ns, measured delay %" G_GSIZE_FORMAT " frames (%.3f ms)"
      ", impulse peak at output frame %" G_GSIZE_FORMAT " (input %"
      G_GSIZE_FORMAT "), frames in %" G_GSIZE_FORMAT " out %" G_GSIZE_FORMAT
      ", timestamps %s, NaN/Inf input -> output finite: %s\n", lat,
      seen_at - (imp + 1), (seen_at - (imp + 1)) * 1000.0 / RATE, peak, imp, n,
      o.frames, o.ts_ok ? "contiguous" : "BROKEN", finite ? "yes" : "NO");
  fail_unless_equals_uint64 (lat, 3 * GST_MSECOND);
  fail_unless_equals_int (seen_at - (imp + 1), 144);
  fail_unless_equals_int (o.frames, n);
  fail_unless (o.ts_ok);
  fail_unless (finite);
  /* the crossover's allpass smears the impulse; its peak stays close */
  fail_unless (peak >= imp && peak < imp + 48, "peak at %" G_GSIZE_FORMAT,
      peak);
  g_free (o.data);
  g_free (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_formats_bands)
{
  int f, nb, c;
  for (f = 0; f < 2; f++)
    for (nb = 1; nb <= 6; nb++)
      for (c = 1; c <= 8; c += 5) {
        const gsize n = RATE / 2 + 3;
        gchar *props = g_strdup_printf ("num-bands=%d band0::ratio=3 "
            "band%d::ratio=2 lookahead=1", nb, nb - 1);
        GstHarness *h = make_harness (f ? "F64LE" : "F32LE", c, props);
        double *in = g_new (double, n * c);
        gsize i;
        gboolean finite = TRUE;
        Out o;
        for (i = 0; i < n * c; i++)
          in[i] = 0.8 * sin (i * 0.0123) * sin (i * 0.31);
        o = run (h, in, n, c, f, 0);
        for (i = 0; i < o.frames * c; i++)
          finite &= isfinite (o.data[i]);
        fail_unless_equals_int (o.frames, n);
        fail_unless (o.ts_ok);
        fail_unless (finite);
        g_free (o.data);
        g_free (in);
        g_free (props);
        gst_harness_teardown (h);
      }
  g_print ("mastermbcomp F32/F64 x 1..6 bands x 1/6 channels, buffers of "
      "1..900 frames, lookahead 1 ms: sample counts equal, timestamps "
      "contiguous\n");
}

GST_END_TEST;

/* a control binding on a band child is synced while streaming */
GST_START_TEST (test_band_controller)
{
  const gsize n = RATE * 2;
  GstHarness *h = make_harness ("F32LE", 1, "num-bands=2 band0::crossover=200"
      " band1::ratio=4 band1::knee=0 band1::release=50");
  GObject *band1 = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY
      (h->element), "band1");
  GstControlSource *cs = gst_interpolation_control_source_new ();
  double *in = g_new (double, n), g_early, g_late;
  gsize i;
  Out o;

  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
  gst_timed_value_control_source_set ((GstTimedValueControlSource *) cs, 0,
      0.0);
  gst_timed_value_control_source_set ((GstTimedValueControlSource *) cs,
      2 * GST_SECOND, -40.0);
  gst_object_add_control_binding (GST_OBJECT (band1),
      gst_direct_control_binding_new_absolute (GST_OBJECT (band1),
          "threshold", cs));
  for (i = 0; i < n; i++)
    in[i] = 0.5 * sin (2 * G_PI * 2000.0 * i / RATE);
  o = run (h, in, n, 1, FALSE, 480);
  g_early = tone_db (o.data, RATE / 4, RATE / 2, 1, 2000.0) - tone_db (in,
      RATE / 4, RATE / 2, 1, 2000.0);
  g_late = tone_db (o.data, n - RATE / 4, n, 1, 2000.0) - tone_db (in,
      n - RATE / 4, n, 1, 2000.0);
  g_print ("mastermbcomp band1::threshold automated 0 -> -40 dBFS (ratio 4): "
      "2 kHz tone gain %.2f dB early, %.2f dB late\n", g_early, g_late);
  fail_unless (g_early > -1.0 && g_late < -15.0);
  g_object_unref (band1);
  gst_object_unref (cs);
  g_free (o.data);
  g_free (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

static volatile gint stress_stop;

static gpointer
stress_thread (gpointer data)
{
  GstChildProxy *cp = data;
  GRand *r = g_rand_new_with_seed (99);
  gint count = 0;
  static const char *bprops[] = { "crossover", "threshold", "ratio", "knee",
    "attack", "release", "makeup"
  };
  static const double lo[] = { 10, -80, 1, 0, 0.01, 1, -24 };
  static const double hi[] = { 22000, 0, 100, 24, 500, 5000, 24 };
  while (!g_atomic_int_get (&stress_stop) || count < 10000) {
    gint which = g_rand_int_range (r, 0, 10);
    gchar name[64];
    if (which < 7) {
      g_snprintf (name, sizeof (name), "band%d::%s", g_rand_int_range (r, 0,
              6), bprops[which]);
      gst_child_proxy_set (cp, name, g_rand_double_range (r, lo[which],
              hi[which]), NULL);
    } else if (which == 7) {
      g_snprintf (name, sizeof (name), "band%d::%s", g_rand_int_range (r, 0,
              6), g_rand_boolean (r) ? "solo" : "bypass");
      gst_child_proxy_set (cp, name, g_rand_boolean (r), NULL);
    } else if (which == 8) {
      g_object_set (cp, "mix", g_rand_double_range (r, 0, 1), NULL);
    } else {
      g_object_set (cp, "output-gain", g_rand_double_range (r, -24, 24), NULL);
    }
    count++;
    if (count % 64 == 0)
      g_usleep (20);
  }
  g_rand_free (r);
  return GINT_TO_POINTER (count);
}

GST_START_TEST (test_stress_properties)
{
  GstHarness *h = make_harness ("F32LE", 2, "num-bands=6 lookahead=1");
  const gsize chunk = 256;
  double *in = g_new (double, chunk * 2);
  Out o = { NULL, 0, 0, TRUE };
  GThread *t;
  gsize i, frames = 0;
  gint count;
  gboolean finite = TRUE;
  gint64 start = g_get_monotonic_time ();

  g_atomic_int_set (&stress_stop, 0);
  t = g_thread_new ("stress", stress_thread, h->element);
  while (g_get_monotonic_time () - start < 3 * G_USEC_PER_SEC) {
    for (i = 0; i < chunk * 2; i++)
      in[i] = 0.9 * sin ((frames + i / 2) * 0.05) + 0.2 * g_random_double_range
          (-1, 1);
    fail_unless_equals_int (gst_harness_push (h, make_buffer (in, chunk, 2,
                frames, FALSE)), GST_FLOW_OK);
    frames += chunk;
    pull_all (h, &o, 2, FALSE);
    for (i = 0; i < o.frames * 2; i++)
      finite &= isfinite (o.data[i]);
    o.frames = 0;
  }
  g_atomic_int_set (&stress_stop, 1);
  count = GPOINTER_TO_INT (g_thread_join (t));
  g_print ("mastermbcomp stress: %d random property sets (bands and element) "
      "from another thread while streaming %" G_GSIZE_FORMAT " frames; output "
      "finite: %s\n", count, frames, finite ? "yes" : "NO");
  fail_unless (count >= 10000);
  fail_unless (finite);
  g_free (o.data);
  g_free (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
mastermbcomp_suite (void)
{
  Suite *s = suite_create ("mastermbcomp");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_flat_sum);
  tcase_add_test (tc, test_solo);
  tcase_add_test (tc, test_band_compression_and_messages);
  tcase_add_test (tc, test_crossover_moves);
  tcase_add_test (tc, test_band_controller);
  tcase_add_test (tc, test_lookahead_counts_nan);
  tcase_add_test (tc, test_formats_bands);
  tcase_add_test (tc, test_stress_properties);
  return s;
}

GST_CHECK_MAIN (mastermbcomp);
