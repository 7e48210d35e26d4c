/* mastereq element tests (GstHarness).
 *
 * - response: table of band settings, sine in / RMS out at probe
 *   frequencies, against the analog prototype (0.25 dB), F32 and F64,
 *   1, 2 and 6 channels;
 * - pass filter slope through the element;
 * - channels: left-only band leaves the right channel bit-exact; mid and side
 *   bands on a left-only signal give the analytic L/R results;
 * - null: neutral settings are a bit-exact null, in passthrough and with an
 *   active control binding (then processed); sample counts and timestamps;
 * - automation: band gain ramped by an interpolation control source, and a
 *   property jump: output second difference bounded by the sine's own;
 * - NaN/Inf: output finite, recovery within one buffer, exactly one warning;
 * - presets and num-bands.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/controller.h>
#include <gst/audio/audio.h>
#include <math.h>
#include <string.h>

#include "../common/master-test.h"
#include "../common/measure.h"
#include "../../dsp/eqdesign.h"

#define RATE 48000

typedef struct
{
  const gchar *type;
  MasterEqType dtype;
  gdouble freq, gain, q;
} BandCase;

static GstHarness *
make_harness (const gchar * format, gint channels, gint rate)
{
  GstHarness *h = gst_harness_new ("mastereq");
  gchar *caps = master_test_caps_string (format, rate, channels);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

/* push n frames of data (float source, converted for F64), pull, copy the
 * output back as double */
static void
run (GstHarness * h, gboolean f64, const float *in, double *out, gsize n,
    gint channels, gint rate, guint64 offset)
{
  GstBuffer *buf = f64 ? master_test_buffer_f64 (in, n, channels, rate,
      offset) : master_test_buffer_f32 (in, n, channels, rate, offset);
  GstBuffer *o;
  GstMapInfo map;
  gsize i;

  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  o = gst_harness_pull (h);
  fail_unless (o != NULL);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (o),
      gst_util_uint64_scale_int (offset, GST_SECOND, rate));
  gst_buffer_map (o, &map, GST_MAP_READ);
  fail_unless_equals_int (map.size, n * channels * (f64 ? 8 : 4));
  for (i = 0; i < n * channels; i++)
    out[i] = f64 ? ((double *) map.data)[i] : ((float *) map.data)[i];
  gst_buffer_unmap (o, &map);
  gst_buffer_unref (o);
}

/* gain in dB of channel ch for a sine at freq through the element */
static gdouble
probe (GstHarness * h, gboolean f64, gint channels, gint ch, gdouble freq,
    gint rate, guint64 * offset)
{
  gsize settle = rate / 4;
  gint periods = (gint) ceil (0.1 * freq) + 1;
  gsize len = (gsize) lrint (periods * (double) rate / freq);
  gsize n = settle + len, i;
  float *x = g_new (float, n * channels);
  double *y = g_new (double, n * channels);
  double in2 = 0, out2 = 0;
  gint c;

  for (i = 0; i < n; i++)
    for (c = 0; c < channels; c++)
      x[i * channels + c] = 0.25f * (float) sin (2 * M_PI * freq * i / rate);
  run (h, f64, x, y, n, channels, rate, *offset);
  *offset += n;
  for (i = settle; i < n; i++) {
    in2 += (double) x[i * channels + ch] * x[i * channels + ch];
    out2 += y[i * channels + ch] * y[i * channels + ch];
  }
  g_free (x);
  g_free (y);
  return 10 * log10 (out2 / in2);
}

static void
set_band (GstElement * e, guint i, const gchar * type, gdouble freq,
    gdouble gain, gdouble q)
{
  gchar *p = g_strdup_printf ("band%u", i);
  GObject *band = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (e), p);
  GValue v = G_VALUE_INIT;
  fail_unless (band != NULL);
  g_value_init (&v, G_TYPE_STRING);
  g_object_set (band, "freq", freq, "gain", gain, "q", q, NULL);
  /* enum by nick, as gst-launch does */
  {
    GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (band),
        "type");
    GEnumValue *ev = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM
        (ps)->enum_class, type);
    fail_unless (ev != NULL);
    g_object_set (band, "type", ev->value, NULL);
  }
  g_value_unset (&v);
  g_object_unref (band);
  g_free (p);
}

static void
disable_band (GstElement * e, guint i)
{
  gchar *p = g_strdup_printf ("band%u::enabled", i);
  gst_child_proxy_set (GST_CHILD_PROXY (e), p, FALSE, NULL);
  g_free (p);
}

GST_START_TEST (test_response)
{
  static const BandCase cases[] = {
    {"bell", MASTER_EQ_BELL, 16000, 12, 1},
    {"bell", MASTER_EQ_BELL, 1000, -6, 2},
    {"bell", MASTER_EQ_BELL, 60, 9, 0.7},
    {"low-shelf", MASTER_EQ_LOW_SHELF, 120, 6, 0.7071},
    {"high-shelf", MASTER_EQ_HIGH_SHELF, 12000, -9, 0.7071},
    {"high-shelf", MASTER_EQ_HIGH_SHELF, 16000, 6, 1.0},
    {"low-shelf", MASTER_EQ_LOW_SHELF, 12000, 9, 4.0},
    {"tilt", MASTER_EQ_TILT, 1000, 6, 0.7071},
  };
  static const gdouble pf[] = { 30, 60, 125, 250, 500, 1000, 2000, 4000,
    8000, 12000, 16000, 19000
  };
  static const gint chans[] = { 1, 2, 6 };
  gdouble worst = 0;
  guint ci, pi, fi, ki;

  for (fi = 0; fi < 2; fi++)
    for (ki = 0; ki < 3; ki++)
      for (ci = 0; ci < G_N_ELEMENTS (cases); ci++) {
        const BandCase *bc = &cases[ci];
        MasterEqBand b = { bc->dtype, bc->freq, bc->gain, bc->q, 12, 0 };
        GstHarness *h;
        guint64 off = 0;
        gint ch = chans[ki];
        /* keep the run short: all formats/layouts for two cases, the full
         * table for F32 and F64 stereo */
        if (chans[ki] != 2 && ci > 1)
          continue;
        h = make_harness (fi ? "F64LE" : "F32LE", ch, RATE);
        set_band (h->element, 1, bc->type, bc->freq, bc->gain, bc->q);
        for (pi = 0; pi < G_N_ELEMENTS (pf); pi++) {
          gdouble m = probe (h, fi, ch, ch - 1, pf[pi], RATE, &off);
          gdouble a = master_eqdesign_analog_db (&b, pf[pi]);
          gdouble e = fabs (m - a);
          worst = MAX (worst, e);
          fail_unless (e <= 0.25,
              "%s %g Hz %+g dB q %g, %s %dch: at %g Hz measured %.3f dB, "
              "analog %.3f dB", bc->type, bc->freq, bc->gain, bc->q,
              fi ? "F64" : "F32", ch, pf[pi], m, a);
        }
        gst_harness_teardown (h);
      }
  g_print ("mastereq response (sine probes 30 Hz..19 kHz @ 48 kHz, F32/F64, "
      "1/2/6 ch): max |measured - analog| = %.3f dB\n", worst);
}

GST_END_TEST;

GST_START_TEST (test_pass_slope)
{
  GstHarness *h = make_harness ("F32LE", 2, RATE);
  guint64 off = 0;
  gdouble g1, g2, gc;

  set_band (h->element, 0, "high-pass", 1000, 0, 0.7071);
  gst_child_proxy_set (GST_CHILD_PROXY (h->element), "band0::slope", 24,
      "band0::slope-type", 1, NULL);
  gc = probe (h, FALSE, 2, 0, 1000, RATE, &off);
  g1 = probe (h, FALSE, 2, 0, 500, RATE, &off);
  g2 = probe (h, FALSE, 2, 0, 250, RATE, &off);
  g_print ("mastereq LR24 high-pass 1 kHz: corner %.2f dB, 500 Hz %.2f dB, "
      "250 Hz %.2f dB, slope %.2f dB/oct\n", gc, g1, g2, g1 - g2);
  fail_unless (fabs (gc + 6.02) < 0.1);
  fail_unless (fabs (g1 - g2 - 24) < 0.5);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* left-only input; band1 on mid or side, or on the left channel */
GST_START_TEST (test_channels)
{
  const gdouble f = 1000, gdb = -12, g = pow (10, gdb / 20);
  gint mode;

  for (mode = 0; mode < 3; mode++) {
    GstHarness *h = make_harness ("F32LE", 2, RATE);
    const gchar *nick = mode == 0 ? "side" : mode == 1 ? "mid" : "left";
    gsize n = RATE / 2, i, settle = RATE / 4;
    float *x = g_new0 (float, 2 * n);
    double *y = g_new (double, 2 * n), l2 = 0, r2 = 0, x2 = 0;
    GParamSpec *ps;
    GEnumValue *ev;
    GObject *band;

    set_band (h->element, 1, "bell", f, gdb, 0.5);
    band = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (h->element),
        "band1");
    ps = g_object_class_find_property (G_OBJECT_GET_CLASS (band), "channels");
    ev = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (ps)->enum_class, nick);
    g_object_set (band, "channels", ev->value, NULL);
    g_object_unref (band);
    for (i = 0; i < n; i++)
      x[2 * i] = 0.5f * (float) sin (2 * M_PI * f * i / RATE);
    run (h, FALSE, x, y, n, 2, RATE, 0);
    for (i = settle; i < n; i++) {
      x2 += (double) x[2 * i] * x[2 * i];
      l2 += y[2 * i] * y[2 * i];
      r2 += y[2 * i + 1] * y[2 * i + 1];
    }
    if (mode == 2) {
      gboolean zero = TRUE;
      for (i = 0; i < n; i++)
        zero &= y[2 * i + 1] == 0.0;
      g_print ("mastereq left band on left-only input: L %.2f dB, R "
          "silent: %s\n", 10 * log10 (l2 / x2), zero ? "yes" : "no");
      fail_unless (zero, "right channel must stay untouched");
      fail_unless (fabs (10 * log10 (l2 / x2) - gdb) < 0.05);
    } else {
      /* L = M + S, R = M - S with M = S = L/2; the band scales one of them */
      gdouble el = mode == 0 ? (1 + g) / 2 : (g + 1) / 2;
      gdouble er = mode == 0 ? (1 - g) / 2 : (g - 1) / 2;
      gdouble ml = 10 * log10 (l2 / x2), mr = 10 * log10 (r2 / x2);
      g_print ("mastereq %s bell -12 dB on left-only input: L %.3f dB "
          "(expected %.3f), R %.3f dB (expected %.3f)\n", nick, ml,
          20 * log10 (fabs (el)), mr, 20 * log10 (fabs (er)));
      fail_unless (fabs (ml - 20 * log10 (fabs (el))) < 0.05);
      fail_unless (fabs (mr - 20 * log10 (fabs (er))) < 0.05);
    }
    g_free (x);
    g_free (y);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

static void
null_run (const gchar * format, gint channels, gboolean binding)
{
  GstHarness *h = make_harness (format, channels, RATE);
  gboolean f64 = g_str_equal (format, "F64LE");
  gsize n = 4800, i;
  float *x = g_new (float, n * channels);
  double *y = g_new (double, n * channels);
  guint32 seed = 11;
  gint k, same = 1;
  GstControlSource *cs = NULL;

  /* neutral: bells at 0 dB, one band disabled with a non-neutral type */
  set_band (h->element, 0, "high-pass", 100, 0, 0.7);
  disable_band (h->element, 0);
  set_band (h->element, 2, "high-shelf", 5000, 0, 0.7);
  if (binding) {
    cs = gst_interpolation_control_source_new ();
    g_object_set (cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
    gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs),
        0, 0.0);
    gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs),
        10 * GST_SECOND, 0.0);
    gst_object_add_control_binding (GST_OBJECT (h->element),
        gst_direct_control_binding_new_absolute (GST_OBJECT (h->element),
            "output-gain", cs));
  }
  for (k = 0; k < 3; k++) {
    for (i = 0; i < n * channels; i++)
      x[i] = gen_noise (&seed) * 0.5f;
    run (h, f64, x, y, n, channels, RATE, k * n);
    for (i = 0; i < n * channels; i++)
      same &= f64 ? y[i] == (double) x[i] : (float) y[i] == x[i];
  }
  fail_unless (same, "%s %dch binding %d: not a bit-exact null", format,
      channels, binding);
  fail_unless (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM
          (h->element)) == !binding);
  g_print ("mastereq null %s %dch %s: bit-exact, passthrough %s\n", format,
      channels, binding ? "with control binding" : "", binding ? "no" : "yes");
  if (cs)
    gst_object_unref (cs);
  g_free (x);
  g_free (y);
  gst_harness_teardown (h);
}

GST_START_TEST (test_null)
{
  null_run ("F32LE", 1, FALSE);
  null_run ("F32LE", 2, FALSE);
  null_run ("F64LE", 6, FALSE);
  null_run ("F32LE", 2, TRUE);
  null_run ("F64LE", 2, TRUE);
  null_run ("F32LE", 6, TRUE);
}

GST_END_TEST;

/* max |second difference| of channel 0 over [from, to) relative to the
 * bound a sine of the local amplitude implies */
static gdouble
click_ratio (const double *y, gsize from, gsize to, gint channels, double w)
{
  gsize i;
  gdouble worst = 0;
  for (i = MAX (from, 2); i < to; i++) {
    double d2 = fabs (y[i * channels] - 2 * y[(i - 1) * channels] +
        y[(i - 2) * channels]);
    /* local amplitude: max |y| over +-1 period */
    double amp = 0;
    gsize j, p = (gsize) (2 * M_PI / w) + 1;
    for (j = (i > p ? i - p : 0); j < MIN (to, i + p); j++)
      amp = MAX (amp, fabs (y[j * channels]));
    worst = MAX (worst, d2 / (amp * w * w + 1e-12));
  }
  return worst;
}

GST_START_TEST (test_automation)
{
  /* high shelf at 200 Hz probed at 1 kHz: b0 carries the gain, so
   * unsmoothed coefficient steps would show as steps in the output (the
   * test fails with per-buffer steps without glide and coefficient ramps) */
  const gdouble f = 1000, w = 2 * M_PI * f / RATE;
  MasterEqBand shelf = { MASTER_EQ_HIGH_SHELF, 200, 12, 0.7071, 12, 0 };
  const gdouble expect = master_eqdesign_analog_db (&shelf, f);
  const gsize bs = 1024, nb = 40;
  gint pass;

  for (pass = 0; pass < 3; pass++) {
    GstHarness *h = make_harness ("F32LE", 2, RATE);
    float *x = g_new (float, bs * 2);
    double *y = g_new (double, bs * nb * 2);
    GstControlSource *cs = NULL;
    GObject *band;
    gsize b, i;
    gdouble ratio, g_end;

    set_band (h->element, 1, "high-shelf", 200, pass == 2 ? 12 : 0, 0.7071);
    band = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (h->element),
        "band1");
    if (pass == 0) {
      /* 0 dB -> +12 dB over 0.5 s */
      cs = gst_interpolation_control_source_new ();
      g_object_set (cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
      gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs),
          100 * GST_MSECOND, 0.0);
      gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (cs),
          600 * GST_MSECOND, 12.0);
      gst_object_add_control_binding (GST_OBJECT (band),
          gst_direct_control_binding_new_absolute (GST_OBJECT (band), "gain",
              cs));
    }
    for (b = 0; b < nb; b++) {
      if (pass == 1 && b == 10)
        g_object_set (band, "gain", 12.0, NULL);        /* a jump */
      if (pass == 2 && b == 0)
        g_object_set (band, "enabled", FALSE, NULL);
      if (pass == 2 && b == 10)
        g_object_set (band, "enabled", TRUE, NULL);     /* crossfade */
      for (i = 0; i < bs; i++) {
        float v = 0.2f * (float) sin (w * (b * bs + i));
        x[2 * i] = x[2 * i + 1] = v;
      }
      run (h, FALSE, x, y + b * bs * 2, bs, 2, RATE, b * bs);
    }
    ratio = click_ratio (y, bs, bs * nb, 2, w);
    g_end = 0;
    for (i = bs * (nb - 2); i < bs * nb; i++)
      g_end = MAX (g_end, fabs (y[2 * i]));
    g_print ("mastereq %s: max |2nd difference| / (local amplitude x w^2) = "
        "%.3f (1.0 = a pure sine), end gain %.2f dB (analog %.2f)\n",
        pass == 0 ? "gain automation 0 -> +12 dB in 0.5 s" : pass == 1 ?
        "gain property jump 0 -> +12 dB" : "enabling a +12 dB band", ratio, 20 * log10 (g_end / 0.2), expect);
    fail_unless (ratio < 1.1, "click: ratio %.3f (pass %d)", ratio, pass);
    fail_unless (fabs (20 * log10 (g_end / 0.2) - expect) < 0.1);
    g_object_unref (band);
    if (cs)
      gst_object_unref (cs);
    g_free (x);
    g_free (y);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_nonfinite)
{
  const gsize bs = 2048;
  gint fi;

  for (fi = 0; fi < 2; fi++) {
    GstHarness *h = make_harness (fi ? "F64LE" : "F32LE", 2, RATE);
    GstHarness *r = make_harness (fi ? "F64LE" : "F32LE", 2, RATE);
    GstBus *bus = gst_bus_new ();
    float *x = g_new (float, bs * 2);
    double *y = g_new (double, bs * 2), *z = g_new (double, bs * 2);
    gsize b, i;
    gint warnings = 0;
    GstMessage *msg;
    gboolean finite = TRUE;
    gdouble dev_after = 0;

    gst_element_set_bus (h->element, bus);
    set_band (h->element, 1, "bell", 1000, 6, 1.0);
    set_band (r->element, 1, "bell", 1000, 6, 1.0);
    for (b = 0; b < 8; b++) {
      for (i = 0; i < bs * 2; i++)
        x[i] = 0.3f * (float) sin (0.05 * (b * bs * 2 + i));
      run (r, fi, x, z, bs, 2, RATE, b * bs);
      if (b == 2)
        x[2 * 100] = NAN;
      if (b == 4)
        x[2 * 900 + 1] = INFINITY;
      run (h, fi, x, y, bs, 2, RATE, b * bs);
      for (i = 0; i < bs * 2; i++)
        finite &= isfinite (y[i]);
      /* the buffer after a bad one matches the clean run (after the
       * 1 kHz, Q 1 bell has forgotten the reset: first 1024 frames) */
      if (b == 3 || b == 5)
        for (i = 2 * 1024; i < bs * 2; i++)
          dev_after = MAX (dev_after, fabs (y[i] - z[i]));
    }
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
      warnings++;
      gst_message_unref (msg);
    }
    g_print ("mastereq NaN/Inf (%s): output finite %s, deviation from a clean"
        " run in the next buffer %.2e, %d warning message(s)\n",
        fi ? "F64" : "F32", finite ? "yes" : "NO", dev_after, warnings);
    fail_unless (finite);
    fail_unless (dev_after < 1e-4);
    fail_unless_equals_int (warnings, 1);
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    g_free (x);
    g_free (y);
    g_free (z);
    gst_harness_teardown (h);
    gst_harness_teardown (r);
  }
}

GST_END_TEST;

GST_START_TEST (test_presets_and_bands)
{
  GstElement *e = gst_element_factory_make ("mastereq", NULL);
  gchar **names;
  gint type = -1, slope = 0;
  gdouble freq = 0;
  gboolean enabled = FALSE;
  GObject *b5;

  fail_unless (GST_IS_PRESET (e));
  names = gst_preset_get_preset_names (GST_PRESET (e));
  fail_unless (names != NULL && g_strv_length (names) >= 3,
      "presets not found (GST_PRESET_PATH)");
  g_print ("mastereq presets: %u (", g_strv_length (names));
  for (guint i = 0; names[i]; i++)
    g_print ("%s%s", i ? ", " : "", names[i]);
  g_print (")\n");
  g_strfreev (names);
  fail_unless (gst_preset_load_preset (GST_PRESET (e), "rumble-cut"));
  gst_child_proxy_get (GST_CHILD_PROXY (e), "band0::type", &type,
      "band0::freq", &freq, "band0::slope", &slope, "band0::enabled", &enabled,
      NULL);
  fail_unless_equals_int (type, MASTER_EQ_HIGH_PASS);
  fail_unless_equals_float (freq, 30.0);
  fail_unless_equals_int (slope, 24);
  fail_unless (enabled);

  fail_unless_equals_int (gst_child_proxy_get_children_count (GST_CHILD_PROXY
          (e)), 4);
  g_object_set (e, "num-bands", 6, NULL);
  fail_unless_equals_int (gst_child_proxy_get_children_count (GST_CHILD_PROXY
          (e)), 6);
  b5 = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (e), "band5");
  fail_unless (b5 != NULL);
  fail_unless (gst_object_get_parent (GST_OBJECT (b5)) == GST_OBJECT (e));
  gst_object_unref (e);         /* the parent ref taken above */
  g_object_unref (b5);
  g_object_set (e, "num-bands", 2, NULL);
  fail_unless_equals_int (gst_child_proxy_get_children_count (GST_CHILD_PROXY
          (e)), 2);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
mastereq_suite (void)
{
  Suite *s = suite_create ("mastereq");
  TCase *tc = tcase_create ("general");

  master_test_register ();
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_response);
  tcase_add_test (tc, test_pass_slope);
  tcase_add_test (tc, test_channels);
  tcase_add_test (tc, test_null);
  tcase_add_test (tc, test_automation);
  tcase_add_test (tc, test_nonfinite);
  tcase_add_test (tc, test_presets_and_bands);
  return s;
}

GST_CHECK_MAIN (mastereq);
