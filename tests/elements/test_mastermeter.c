/* mastermeter element tests: formats and channel counts, bit-exact
 * passthrough with untouched timestamps, message fields and intervals, the
 * reset action, BS.1770 channel weights from the caps' positions, silence
 * reported as -inf, and NaN/Inf input. Loudness is compared with an
 * independent libebur128 instance (tests/common/measure.h). */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <math.h>
#include <string.h>

#include "master-test.h"
#include "measure.h"
#include "meter-run.h"

#define RATE 48000

static const gchar *fields[] = { "timestamp", "stream-time", "running-time",
  "duration", "momentary", "short-term", "integrated", "loudness-range",
  "sample-peak", "true-peak", "max-momentary", "max-short-term",
  "sample-peak-max", "true-peak-max", "sample-peak-ch", "true-peak-ch",
  "sample-peak-max-ch", "true-peak-max-ch", "final"
};

static void
check_fields (const GstStructure * s, gint channels)
{
  const GValue *v;
  guint i;

  fail_unless (gst_structure_has_name (s, "mastermeter"));
  for (i = 0; i < G_N_ELEMENTS (fields); i++)
    fail_unless (gst_structure_has_field (s, fields[i]), "field %s missing",
        fields[i]);
  v = gst_structure_get_value (s, "true-peak-ch");
  fail_unless (GST_VALUE_HOLDS_ARRAY (v));
  fail_unless_equals_int (gst_value_array_get_size (v), channels);
  fail_unless (G_VALUE_HOLDS_DOUBLE (gst_value_array_get_value (v, 0)));
}

GST_START_TEST (test_formats_and_channels)
{
  const gint counts[] = { 1, 2, 6, 8 };
  const gchar *formats[] = { "F32LE", "F64LE" };
  gsize n = 8 * RATE;
  guint f, c;

  for (c = 0; c < G_N_ELEMENTS (counts); c++) {
    gint ch = counts[c];
    float *x = g_new (float, n * ch);
    double want, want_tp;

    gen_programme (x, n, ch, RATE, PROGRAMME_MUSIC, 7 + ch);
    want = measure_integrated (x, n, ch, RATE);
    want_tp = measure_true_peak_db (x, n, ch, 16);
    for (f = 0; f < G_N_ELEMENTS (formats); f++) {
      MeterRunOptions opt = { .format = formats[f], .interval = G_MAXUINT64,
        .buffer_frames = 1331
      };
      MeterRun r;
      double got, tp;

      fail_unless (meter_run (x, n, ch, RATE, &opt, &r));
      fail_unless (r.final != NULL, "no final message");
      fail_unless (r.final_before_eos, "final message after EOS");
      fail_unless (r.bit_exact, "%s %d ch: output differs from input",
          formats[f], ch);
      fail_unless (r.timestamps_ok, "timestamps changed");
      fail_unless_equals_uint64 (r.frames_out, n);
      check_fields (r.final, ch);
      check_fields (g_ptr_array_index (r.messages, 0), ch);
      got = meter_field (r.final, "integrated");
      tp = meter_field (r.final, "true-peak-max");
      g_print ("%s %d ch: I %.3f LUFS (independent %.3f), true peak %.3f dBTP "
          "(16x reference %.3f), LRA %.2f LU, %u messages\n", formats[f], ch,
          got, want, tp, want_tp, meter_field (r.final, "loudness-range"),
          r.messages->len);
      /* the independent meter weights 8 channels differently (L R + rest) */
      if (ch <= 6)
        fail_unless (fabs (got - want) < 0.01, "I %f vs %f", got, want);
      fail_unless (isfinite (got) && got > -40 && got < -5);
      /* libebur128 4x true peak under-reads a 16x reference slightly */
      fail_unless (tp <= want_tp + 0.05 && tp >= want_tp - 0.6,
          "true peak %f vs %f", tp, want_tp);
      meter_run_clear (&r);
    }
    g_free (x);
  }
}

GST_END_TEST;

GST_START_TEST (test_other_rates)
{
  const gint rates[] = { 8000, 22050, 44100, 96000, 192000 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rates); i++) {
    gint rate = rates[i];
    gsize n = 6 * (gsize) rate;
    float *x = g_new (float, n * 2);
    MeterRun r;
    double got, want;

    gen_programme (x, n, 2, rate, PROGRAMME_SPEECH, 3);
    want = measure_integrated (x, n, 2, rate);
    fail_unless (meter_run (x, n, 2, rate, NULL, &r));
    got = meter_field (r.final, "integrated");
    g_print ("%d Hz: I %.3f LUFS (independent %.3f), max M %.3f, %u messages\n",
        rate, got, want, meter_field (r.final, "max-momentary"),
        r.messages->len);
    fail_unless (fabs (got - want) < 0.01);
    fail_unless (r.bit_exact);
    fail_unless_equals_int (r.messages->len, 60);
    meter_run_clear (&r);
    g_free (x);
  }
}

GST_END_TEST;

GST_START_TEST (test_interval)
{
  gsize n = 10 * RATE;
  float *x = g_new (float, n * 2);
  MeterRunOptions opt = { .interval = 250 * GST_MSECOND, .buffer_frames = 4000 };
  MeterRun r;
  guint k;

  gen_programme (x, n, 2, RATE, PROGRAMME_DENSE, 11);
  fail_unless (meter_run (x, n, 2, RATE, &opt, &r));
  g_print ("interval 250 ms over 10 s: %u periodic messages + final\n",
      r.messages->len);
  fail_unless_equals_int (r.messages->len, 40);
  for (k = 0; k < r.messages->len; k++) {
    const GstStructure *s = g_ptr_array_index (r.messages, k);
    guint64 ts, dur, rt, st;
    gboolean final = TRUE;
    fail_unless (gst_structure_get_uint64 (s, "timestamp", &ts));
    fail_unless (gst_structure_get_uint64 (s, "duration", &dur));
    fail_unless (gst_structure_get_uint64 (s, "running-time", &rt));
    fail_unless (gst_structure_get_uint64 (s, "stream-time", &st));
    fail_unless (gst_structure_get_boolean (s, "final", &final) && !final);
    fail_unless_equals_uint64 (ts, k * 250 * GST_MSECOND);
    fail_unless_equals_uint64 (dur, 250 * GST_MSECOND);
    fail_unless_equals_uint64 (rt, ts);
    fail_unless_equals_uint64 (st, ts);
  }
  meter_run_clear (&r);

  /* interval 0: only the final message */
  opt.interval = 0;
  fail_unless (meter_run (x, n, 2, RATE, &opt, &r));
  fail_unless_equals_int (r.messages->len, 0);
  fail_unless (r.final != NULL);
  {
    guint64 ts, dur;
    gst_structure_get_uint64 (r.final, "timestamp", &ts);
    gst_structure_get_uint64 (r.final, "duration", &dur);
    fail_unless_equals_uint64 (ts, 0);
    fail_unless_equals_uint64 (dur, 10 * GST_SECOND);
  }
  meter_run_clear (&r);

  /* the periodic peaks cover their interval only, the -max ones everything */
  opt.interval = GST_SECOND;
  memset (x + RATE * 2, 0, sizeof (float) * 2 * RATE * 8);
  x[RATE * 2 * 5] = 0.9f;       /* one spike at 5 s, left channel */
  fail_unless (meter_run (x, n, 2, RATE, &opt, &r));
  fail_unless_equals_int (r.messages->len, 10);
  {
    const GstStructure *s4 = g_ptr_array_index (r.messages, 4);
    const GstStructure *s5 = g_ptr_array_index (r.messages, 5);
    const GstStructure *s6 = g_ptr_array_index (r.messages, 6);
    g_print ("spike 0.9 at 5 s: sample peak in [4,5) %.2f, [5,6) %.2f, "
        "[6,7) %.2f dBFS, max %.2f\n", meter_field (s4, "sample-peak"),
        meter_field (s5, "sample-peak"), meter_field (s6, "sample-peak"),
        meter_field (s6, "sample-peak-max"));
    fail_unless (isinf (meter_field (s4, "sample-peak")));
    fail_unless (fabs (meter_field (s5, "sample-peak") - 20 * log10 (0.9)) <
        1e-4);
    fail_unless (isinf (meter_field (s6, "sample-peak")));
    fail_unless (meter_field (s6, "sample-peak-max") >= 20 * log10 (0.9) - 1e-4);
  }
  meter_run_clear (&r);
  g_free (x);
}

GST_END_TEST;

static void
push_tone (GstHarness * h, gsize n, double amp, guint64 * offset)
{
  float *x = g_new (float, n * 2);
  gen_sine (x, n, 2, RATE, 1000.0, amp, 0.0);
  fail_unless_equals_int (gst_harness_push (h, master_test_buffer_f32 (x, n, 2,
              RATE, *offset)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  *offset += n;
  g_free (x);
}

GST_START_TEST (test_reset)
{
  GstHarness *h = gst_harness_new ("mastermeter");
  gchar *caps = master_test_caps_string ("F32LE", RATE, 2);
  guint64 off = 0;
  double i1, i2, tp1, tp2, mm2;

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  push_tone (h, 5 * RATE, pow (10, -10 / 20.0), &off);
  g_object_get (h->element, "integrated", &i1, "true-peak-max", &tp1, NULL);
  g_signal_emit_by_name (h->element, "reset");
  g_object_get (h->element, "integrated", &i2, NULL);
  fail_unless (isinf (i2) && i2 < 0, "integrated after reset %f", i2);
  push_tone (h, 5 * RATE, pow (10, -30 / 20.0), &off);
  g_object_get (h->element, "integrated", &i2, "true-peak-max", &tp2,
      "momentary-max", &mm2, NULL);
  g_print ("reset: -10 dBFS tone I %.3f TP %.3f; after reset, -30 dBFS tone "
      "I %.3f TP %.3f max M %.3f\n", i1, tp1, i2, tp2, mm2);
  fail_unless (fabs (i1 + 10.0) < 0.1);
  fail_unless (fabs (i2 + 30.0) < 0.1);
  fail_unless (fabs (tp2 + 30.0) < 0.1);
  fail_unless (fabs (mm2 + 30.0) < 0.1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* a flushing seek starts a new measurement; a format change with the same
 * layout keeps the programme measurement */
GST_START_TEST (test_flush_and_renegotiation)
{
  GstHarness *h = gst_harness_new ("mastermeter");
  gchar *caps = master_test_caps_string ("F32LE", RATE, 2);
  gchar *caps64 = master_test_caps_string ("F64LE", RATE, 2);
  guint64 off = 0;
  double i1, i2, i3;
  float *x = g_new (float, 5 * RATE * 2);

  gst_harness_set_src_caps_str (h, caps);
  push_tone (h, 5 * RATE, pow (10, -10 / 20.0), &off);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  g_object_get (h->element, "integrated", &i1, NULL);
  fail_unless (isinf (i1) && i1 < 0, "not reset by flush: %f", i1);
  {
    GstSegment seg;
    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  }
  push_tone (h, 5 * RATE, pow (10, -30 / 20.0), &off);
  g_object_get (h->element, "integrated", &i2, NULL);
  /* same layout, other format: measurement continues */
  gst_harness_set_src_caps_str (h, caps64);
  gen_sine (x, 5 * RATE, 2, RATE, 1000.0, pow (10, -30 / 20.0), 0.0);
  fail_unless_equals_int (gst_harness_push (h, master_test_buffer_f64 (x,
              5 * RATE, 2, RATE, off)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  g_object_get (h->element, "integrated", &i3, NULL);
  g_print ("flush: I after %.3f; -30 dBFS tone %.3f; after F32->F64 %.3f\n",
      i1, i2, i3);
  fail_unless (fabs (i2 + 30.0) < 0.1);
  fail_unless (fabs (i3 + 30.0) < 0.1);
  g_free (x);
  g_free (caps);
  g_free (caps64);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* history: integrated loudness of the last 10 s only */
GST_START_TEST (test_history)
{
  GstHarness *h = gst_harness_new ("mastermeter");
  gchar *caps = master_test_caps_string ("F32LE", RATE, 2);
  guint64 off = 0;
  double all, last;

  g_object_set (h->element, "history", 10000, NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  push_tone (h, 20 * RATE, pow (10, -10 / 20.0), &off);
  push_tone (h, 20 * RATE, pow (10, -30 / 20.0), &off);
  g_object_get (h->element, "integrated", &last, NULL);
  g_object_set (h->element, "history", 0, NULL);
  push_tone (h, RATE, pow (10, -30 / 20.0), &off);
  g_object_get (h->element, "integrated", &all, NULL);
  g_print ("history 10 s: 20 s at -10 dBFS then 20 s at -30: I %.3f LUFS "
      "(then unlimited: %.3f)\n", last, all);
  fail_unless (fabs (last + 30.0) < 0.1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* 5.1 (FL FR FC LFE RL RR): LFE excluded, rear pair +1.5 dB; 7.1 with side
 * channels: sides +1.5 dB, rear pair 1.0. */
static double
one_channel_loudness (const gchar * caps, gint channels, gint which)
{
  gsize n = 4 * RATE, i;
  float *x = g_new0 (float, n * channels);
  float *mono = g_new (float, n);
  MeterRunOptions opt = { .interval = 0, .caps = caps };
  MeterRun r;
  double v;

  gen_sine (mono, n, 1, RATE, 1000.0, 0.1, 0.0);
  for (i = 0; i < n; i++)
    x[i * channels + which] = mono[i];
  fail_unless (meter_run (x, n, channels, RATE, &opt, &r));
  v = meter_field (r.final, "integrated");
  meter_run_clear (&r);
  g_free (mono);
  g_free (x);
  return v;
}

GST_START_TEST (test_channel_weights)
{
  const gchar *c51 = "audio/x-raw,format=F32LE,layout=interleaved,rate=48000,"
      "channels=6,channel-mask=(bitmask)0x3f";
  /* FL FR FC LFE RL RR SL SR */
  const gchar *c71 = "audio/x-raw,format=F32LE,layout=interleaved,rate=48000,"
      "channels=8,channel-mask=(bitmask)0xc3f";
  double fl = one_channel_loudness (c51, 6, 0);
  double lfe = one_channel_loudness (c51, 6, 3);
  double rl = one_channel_loudness (c51, 6, 4);
  double rl71 = one_channel_loudness (c71, 8, 4);
  double sl71 = one_channel_loudness (c71, 8, 6);

  g_print ("5.1: FL %.3f, LFE %.3f, RL %.3f LUFS (RL-FL %.3f dB); 7.1: RL-FL "
      "%.3f dB, SL-FL %.3f dB\n", fl, lfe, rl, rl - fl, rl71 - fl, sl71 - fl);
  fail_unless (isinf (lfe) && lfe < 0, "LFE counted: %f", lfe);
  fail_unless (fabs (rl - fl - 1.49) < 0.02);
  fail_unless (fabs (rl71 - fl) < 0.02);
  fail_unless (fabs (sl71 - fl - 1.49) < 0.02);
}

GST_END_TEST;

GST_START_TEST (test_silence_is_minus_inf)
{
  gsize n = 2 * RATE;
  float *x = g_new0 (float, n * 2);
  MeterRun r;
  gchar *str;
  GstStructure *back;
  double v;

  fail_unless (meter_run (x, n, 2, RATE, NULL, &r));
  v = meter_field (r.final, "integrated");
  fail_unless (isinf (v) && v < 0);
  fail_unless (isinf (meter_field (r.final, "true-peak-max")));
  fail_unless (isinf (meter_field (r.final, "momentary")));
  fail_unless_equals_float (meter_field (r.final, "loudness-range"), 0.0);
  /* -inf survives serialisation (gst-launch -m, logs) */
  str = gst_structure_to_string (r.final);
  g_print ("silence: %s\n", str);
  back = gst_structure_from_string (str, NULL);
  fail_unless (back != NULL);
  v = meter_field (back, "integrated");
  fail_unless (isinf (v) && v < 0);
  gst_structure_free (back);
  g_free (str);
  meter_run_clear (&r);
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_nonfinite_input)
{
  gsize n = 6 * RATE, i;
  float *x = g_new (float, n * 2);
  MeterRunOptions opt = { .interval = G_MAXUINT64 };
  const gchar *formats[] = { "F32LE", "F64LE" };
  guint f;

  gen_sine (x, n, 2, RATE, 1000.0, 0.1, 0.0);
  for (i = 0; i < n * 2; i += 9973)
    x[i] = (i / 9973) % 2 ? NAN : INFINITY;
  x[n] = -INFINITY;
  for (f = 0; f < 2; f++) {
    MeterRun r;
    double v;
    opt.format = formats[f];
    fail_unless (meter_run (x, n, 2, RATE, &opt, &r));
    v = meter_field (r.final, "integrated");
    g_print ("%s with NaN/Inf: I %.3f LUFS, TP %.3f dBTP, %u warning(s)\n",
        formats[f], v, meter_field (r.final, "true-peak-max"), r.n_warnings);
    fail_unless (isfinite (v) && fabs (v + 20.0) < 0.1);
    fail_unless (isfinite (meter_field (r.final, "true-peak-max")));
    fail_unless (isfinite (meter_field (r.final, "loudness-range")));
    fail_unless_equals_int (r.n_warnings, 1);
    fail_unless (r.bit_exact, "the meter must not touch the data");
    meter_run_clear (&r);
  }
  g_free (x);
}

GST_END_TEST;

GST_START_TEST (test_options_off)
{
  gsize n = 4 * RATE;
  float *x = g_new (float, n * 2);
  MeterRunOptions opt = { .true_peak_off = TRUE, .range_off = TRUE };
  MeterRun r;

  gen_programme (x, n, 2, RATE, PROGRAMME_MUSIC, 5);
  fail_unless (meter_run (x, n, 2, RATE, &opt, &r));
  fail_if (gst_structure_has_field (r.final, "true-peak"));
  fail_if (gst_structure_has_field (r.final, "loudness-range"));
  fail_unless (gst_structure_has_field (r.final, "sample-peak-max"));
  fail_unless (isnan (r.true_peak_max));
  fail_unless (isnan (r.loudness_range));
  fail_unless (isfinite (r.integrated));
  meter_run_clear (&r);
  g_free (x);
}

GST_END_TEST;

static Suite *
mastermeter_suite (void)
{
  Suite *s = suite_create ("mastermeter");
  TCase *tc = tcase_create ("general");

  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_formats_and_channels);
  tcase_add_test (tc, test_other_rates);
  tcase_add_test (tc, test_interval);
  tcase_add_test (tc, test_reset);
  tcase_add_test (tc, test_history);
  tcase_add_test (tc, test_flush_and_renegotiation);
  tcase_add_test (tc, test_channel_weights);
  tcase_add_test (tc, test_silence_is_minus_inf);
  tcase_add_test (tc, test_nonfinite_input);
  tcase_add_test (tc, test_options_off);
  return s;
}

GST_CHECK_MAIN (mastermeter);
