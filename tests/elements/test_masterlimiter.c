/* masterlimiter through GstHarness: output time-aligned with input (same
 * sample count, same timestamps, zero lag, bit-identical under the
 * ceiling), latency query = frames withheld until EOS, ceiling held in 16x
 * true peak on programme driven +12 dB, F32/F64, 1/2/6 channels, control
 * bindings on ceiling, gain-reduction messages, flush, NaN input. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/controller.h>
#include <gst/audio/audio.h>
#include <math.h>
#include <string.h>

#include "master-test.h"
#include "measure.h"
/* strict true-peak reference (flat to 0.485 fs), compiled in: measure.h's
 * 16x meter misreads content close to Nyquist */

typedef struct
{
  float *data;                  /* output frames, as float */
  gsize n_frames;
  gboolean ts_ok;               /* PTS contiguous from 0 */
  guint n_buffers;
  GstClockTime end;             /* PTS + duration of the last buffer */
} Output;

static GstHarness *
make_harness (const gchar * format, gint rate, gint C, const gchar * props)
{
  GstHarness *h = gst_harness_new ("masterlimiter");
  gchar **kv = g_strsplit (props ? props : "", " ", -1);
  for (gchar ** p = kv; *p; p++) {
    gchar **pair = g_strsplit (*p, "=", 2);
    if (pair[0] && pair[1])
      gst_util_set_object_arg (G_OBJECT (h->element), pair[0], pair[1]);
    g_strfreev (pair);
  }
  g_strfreev (kv);
  gchar *caps = master_test_caps_string (format, rate, C);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

/* Pushes x in buffers of irregular sizes, then EOS; collects all output. */
static Output
run (GstHarness * h, const gchar * format, const float *x, gsize n, gint C, gint rate)
{
  static const gsize sizes[] = { 1000, 37, 4096, 1, 480, 2048, 333, 10000 };
  gboolean f64 = g_str_equal (format, "F64LE");
  gsize done = 0;
  guint i = 0;
  while (done < n) {
    gsize m = sizes[i++ % G_N_ELEMENTS (sizes)];
    m = MIN (m, n - done);
    GstBuffer *b = f64 ? master_test_buffer_f64 (x + done * C, m, C, rate, done)
        : master_test_buffer_f32 (x + done * C, m, C, rate, done);
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
    done += m;
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  Output o = { g_new0 (float, n * C + 1), 0, TRUE, 0, 0 };
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h))) {
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_READ);
    gsize bpf = (f64 ? 8 : 4) * C;
    gsize m = map.size / bpf;
    GstClockTime expect = gst_util_uint64_scale_int (o.n_frames, GST_SECOND, rate);
    if (GST_BUFFER_PTS (b) != expect)
      o.ts_ok = FALSE;
    if (o.n_frames + m <= n) {
      for (gsize k = 0; k < m * C; k++)
        o.data[o.n_frames * C + k] = f64 ? (float) ((double *) map.data)[k]
            : ((float *) map.data)[k];
    }
    o.n_frames += m;
    o.end = GST_BUFFER_PTS (b) + GST_BUFFER_DURATION (b);
    o.n_buffers++;
    gst_buffer_unmap (b, &map);
    gst_buffer_unref (b);
  }
  return o;
}

static GstClockTime
query_latency (GstHarness * h)
{
  GstQuery *q = gst_query_new_latency ();
  gboolean live;
  GstClockTime min = 0, max;
  fail_unless (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, &live, &min, &max);
  gst_query_unref (q);
  return min;
}

GST_START_TEST (test_aligned_transparent)
{
  static const gint chans[] = { 1, 2, 6 };
  static const gchar *formats[] = { "F32LE", "F64LE" };
  const gint rate = 48000;
  const gsize n = rate;         /* 1 s */
  for (guint ci = 0; ci < 3; ci++)
    for (guint fi = 0; fi < 2; fi++) {
      const gint C = chans[ci];
      float *x = g_new0 (float, n * C);
      gen_programme (x, n, C, rate, PROGRAMME_MUSIC, 7 + ci);
      double tp = measure_true_peak_db (x, n, C, 16);
      gen_scale_db (x, n * C, -6.0 - tp);     /* 5 dB under the -1 dBTP ceiling */
      /* and an impulse (-4.4 dBFS) to locate the lag */
      x[20000 * C] = 0.6f;
      GstHarness *h = make_harness (formats[fi], rate, C, NULL);
      Output o = run (h, formats[fi], x, n, C, rate);
      GstClockTime lat = query_latency (h);
      gsize diff = 0;
      double maxerr = 0;
      for (gsize k = 0; k < MIN (o.n_frames, n) * C; k++) {
        if (o.data[k] != x[k])
          diff++;
        maxerr = fmax (maxerr, fabs ((double) o.data[k] - x[k]));
      }
      gsize arg = 0;
      for (gsize k = 0; k < MIN (o.n_frames, n); k++)
        if (fabsf (o.data[k * C]) > fabsf (o.data[arg * C]))
          arg = k;
      g_print ("%s %d ch: %" G_GSIZE_FORMAT " frames in, %" G_GSIZE_FORMAT
          " out in %u buffers, timestamps %s, end %" GST_TIME_FORMAT
          ", %" G_GSIZE_FORMAT " samples differ (max %.3g), impulse at %"
          G_GSIZE_FORMAT " (in 20000), latency %" GST_TIME_FORMAT "\n",
          formats[fi], C, n, o.n_frames, o.n_buffers, o.ts_ok ? "contiguous from 0" : "WRONG",
          GST_TIME_ARGS (o.end), diff, maxerr, arg, GST_TIME_ARGS (lat));
      fail_unless_equals_uint64 (o.n_frames, n);
      fail_unless (o.ts_ok);
      fail_unless_equals_uint64 (o.end, GST_SECOND);
      fail_unless_equals_uint64 (diff, 0);
      fail_unless_equals_uint64 (arg, 20000);
      /* 5 ms lookahead + 131 frames of detector delay + 2 frames of plateau */
      fail_unless (lat > 5 * GST_MSECOND && lat < 8 * GST_MSECOND);
      g_free (o.data);
      g_free (x);
      gst_harness_teardown (h);
    }
}
GST_END_TEST;

/* The latency answered equals the delay the element compensates: the number
 * of frames withheld until EOS. */
GST_START_TEST (test_latency_withheld)
{
  static const gint rates[] = { 44100, 48000, 96000 };
  static const gchar *props[] = { "", "oversampling=8", "true-peak=false",
    "lookahead=2.0" };
  for (guint ri = 0; ri < 3; ri++)
    for (guint pi = 0; pi < G_N_ELEMENTS (props); pi++) {
      const gint rate = rates[ri];
      GstHarness *h = make_harness ("F32LE", rate, 2, props[pi]);
      const gsize n = 4800;
      float *x = g_new0 (float, n * 2);
      x[2 * 100] = 0.5f;
      fail_unless_equals_int (gst_harness_push (h, master_test_buffer_f32 (x, n, 2, rate, 0)),
          GST_FLOW_OK);
      GstClockTime lat = query_latency (h);
      gsize before = 0;
      GstBuffer *b;
      while ((b = gst_harness_try_pull (h))) {
        before += gst_buffer_get_size (b) / 8;
        gst_buffer_unref (b);
      }
      gsize withheld = n - before;
      gsize lat_frames = gst_util_uint64_scale_int_round (lat, rate, GST_SECOND);
      g_print ("%d Hz %-16s latency %" GST_TIME_FORMAT " = %" G_GSIZE_FORMAT
          " frames, withheld %" G_GSIZE_FORMAT " frames\n", rate, props[pi],
          GST_TIME_ARGS (lat), lat_frames, withheld);
      fail_unless_equals_uint64 (lat_frames, withheld);
      fail_unless (withheld > 0);
      g_free (x);
      gst_harness_teardown (h);
    }
}
GST_END_TEST;

GST_START_TEST (test_ceiling_programme)
{
  static const gint chans[] = { 1, 2, 6 };
  static const gint rates[] = { 44100, 48000, 96000 };
  for (guint i = 0; i < 3; i++) {
    const gint C = chans[i], rate = rates[i];
    const gsize n = rate * 2;
    float *x = g_new0 (float, n * C);
    gen_programme (x, n, C, rate, PROGRAMME_DENSE, 3 + i);
    gen_scale_db (x, n * C, -measure_sample_peak_db (x, n, C));     /* 0 dBFS peak */
    const gchar *fmt = i == 1 ? "F64LE" : "F32LE";
    GstHarness *h = make_harness (fmt, rate, C, i == 2 ? "input-gain=12 oversampling=8" :
        "input-gain=12");
    Output o = run (h, fmt, x, n, C, rate);
    double sp = measure_sample_peak_db (o.data, o.n_frames, C);
    double tp = measure_true_peak_db (o.data, o.n_frames, C, 16);
    g_print ("dense programme +12 dB, %d Hz %d ch %s: sample peak %+.4f dBFS, strict 16x "
        "true peak %+.4f dBTP (ceiling -1)\n", rate, C, fmt, sp, tp);
    fail_unless_equals_uint64 (o.n_frames, n);
    fail_unless (sp <= -1.0 + 1e-6);
    fail_unless (tp <= -1.0 + 0.05);
    fail_unless (sp > -2.0);
    g_free (o.data);
    g_free (x);
    gst_harness_teardown (h);
  }
  /* sample-peak mode holds the sample peak */
  {
    const gint rate = 48000, C = 2;
    const gsize n = rate;
    float *x = g_new0 (float, n * C);
    gen_programme (x, n, C, rate, PROGRAMME_MUSIC, 11);
    gen_scale_db (x, n * C, 12.0 - measure_sample_peak_db (x, n, C));
    GstHarness *h = make_harness ("F32LE", rate, C, "true-peak=false ceiling=-0.5");
    Output o = run (h, "F32LE", x, n, C, rate);
    double sp = measure_sample_peak_db (o.data, o.n_frames, C);
    g_print ("true-peak=false, +12 dB: sample peak %+.4f dBFS (ceiling -0.5)\n", sp);
    fail_unless (sp <= -0.5 + 1e-6 && sp > -1.0);
    g_free (o.data);
    g_free (x);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

GST_START_TEST (test_controlled_ceiling)
{
  const gint rate = 48000, C = 2;
  const gsize n = rate * 2;
  float *x = g_new0 (float, n * C);
  gen_programme (x, n, C, rate, PROGRAMME_DENSE, 21);
  gen_scale_db (x, n * C, 6.0 - measure_sample_peak_db (x, n, C));
  GstHarness *h = make_harness ("F32LE", rate, C, NULL);
  GstControlSource *cs = gst_interpolation_control_source_new ();
  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);
  GstTimedValueControlSource *tv = GST_TIMED_VALUE_CONTROL_SOURCE (cs);
  /* direct binding maps 0..1 to the property range -60..0 dB */
  gst_timed_value_control_source_set (tv, 0, 59.0 / 60.0);      /* -1 dB */
  gst_timed_value_control_source_set (tv, GST_SECOND, 54.0 / 60.0);     /* -6 dB */
  gst_object_add_control_binding (GST_OBJECT (h->element),
      gst_direct_control_binding_new (GST_OBJECT (h->element), "ceiling", cs));
  Output o = run (h, "F32LE", x, n, C, rate);
  gdouble ceil_end;
  g_object_get (h->element, "ceiling", &ceil_end, NULL);
  g_print ("ceiling property at the end: %.2f\n", ceil_end);
  double tp1 = measure_true_peak_db (o.data, rate - 4800, C, 16);
  /* after the 10 ms smoothing */
  double tp2 = measure_true_peak_db (o.data + (rate + 2400) * C, rate - 2400, C, 16);
  g_print ("controlled ceiling -1 then -6 dBTP at 1 s: strict 16x true peak %+.3f / %+.3f dBTP\n",
      tp1, tp2);
  fail_unless_equals_uint64 (o.n_frames, n);
  fail_unless (tp1 <= -1.0 + 0.05 && tp1 > -2.0);
  fail_unless (tp2 <= -6.0 + 0.05 && tp2 > -7.0);
  gst_object_unref (cs);
  g_free (o.data);
  g_free (x);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_messages_and_nan)
{
  const gint rate = 48000, C = 2;
  const gsize n = rate;
  float *x = g_new0 (float, n * C);
  gen_programme (x, n, C, rate, PROGRAMME_MUSIC, 5);
  gen_scale_db (x, n * C, 6.0 - measure_sample_peak_db (x, n, C));
  x[1234] = NAN;
  x[20001] = INFINITY;
  x[30000] = -INFINITY;
  GstHarness *h = make_harness ("F32LE", rate, C, "interval=100000000");
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  Output o = run (h, "F32LE", x, n, C, rate);
  gboolean finite = TRUE;
  for (gsize k = 0; k < o.n_frames * C; k++)
    finite &= isfinite (o.data[k]);
  double tp = measure_true_peak_db (o.data, o.n_frames, C, 16);
  guint n_msg = 0, n_warn = 0;
  double max_gr = 0;
  GstClockTime last_ts = 0;
  GstMessage *m;
  while ((m = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING)
      n_warn++;
    const GstStructure *s = gst_message_get_structure (m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT && gst_structure_has_name (s, "masterlimiter")) {
      double gr;
      guint64 ts, dur, st, rt;
      fail_unless (gst_structure_get_double (s, "gain-reduction", &gr));
      fail_unless (gst_structure_get_uint64 (s, "timestamp", &ts));
      fail_unless (gst_structure_get_uint64 (s, "duration", &dur));
      fail_unless (gst_structure_get_uint64 (s, "stream-time", &st));
      fail_unless (gst_structure_get_uint64 (s, "running-time", &rt));
      fail_unless (ts == last_ts);
      last_ts = ts + dur;
      max_gr = fmax (max_gr, gr);
      n_msg++;
    }
    gst_message_unref (m);
  }
  g_print ("NaN/Inf input: output finite %d, strict 16x true peak %+.4f dBTP, %u warning(s); "
      "%u gain-reduction messages (interval 100 ms), max %.2f dB\n", finite, tp, n_warn,
      n_msg, max_gr);
  fail_unless (finite);
  fail_unless (tp <= -1.0 + 0.05);
  fail_unless_equals_int (n_warn, 1);
  fail_unless (n_msg >= 10 && n_msg <= 11);
  fail_unless_equals_uint64 (last_ts, GST_SECOND);
  fail_unless (max_gr > 6.0 && max_gr < 20.0);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_free (o.data);
  g_free (x);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* After a flush the element starts over: timestamps from the new segment's
 * first buffer, the output again aligned. */
GST_START_TEST (test_flush)
{
  const gint rate = 48000, C = 2;
  const gsize n = 9600;
  float *x = g_new0 (float, n * C);
  gen_sine (x, n, C, rate, 1000.0, 0.5, 0);
  GstHarness *h = make_harness ("F32LE", rate, C, NULL);
  fail_unless_equals_int (gst_harness_push (h, master_test_buffer_f32 (x, n, C, rate, 0)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h)))
    gst_buffer_unref (b);
  Output o = run (h, "F32LE", x, n, C, rate);
  gsize diff = 0;
  for (gsize k = 0; k < n * C; k++)
    diff += o.data[k] != x[k];
  g_print ("after flush: %" G_GSIZE_FORMAT " frames out of %" G_GSIZE_FORMAT
      ", timestamps %s, %" G_GSIZE_FORMAT " samples differ\n", o.n_frames, n,
      o.ts_ok ? "ok" : "WRONG", diff);
  fail_unless_equals_uint64 (o.n_frames, n);
  fail_unless (o.ts_ok);
  fail_unless_equals_uint64 (diff, 0);
  g_free (o.data);
  g_free (x);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A timestamp jump flagged DISCONT: the first run's tail comes out before
 * the second run, each run aligned with its own timestamps. */
GST_START_TEST (test_discont)
{
  const gint rate = 48000, C = 2;
  const gsize n = 4800;
  /* 0: DISCONT flag on the jumping buffer; 1: a GAP event before it */
  for (int mode = 0; mode < 2; mode++) {
  float *x = g_new0 (float, n * C);
  gen_sine (x, n, C, rate, 1000.0, 0.5, 0);
  GstHarness *h = make_harness ("F32LE", rate, C, NULL);
  fail_unless_equals_int (gst_harness_push (h, master_test_buffer_f32 (x, n, C, rate, 0)),
      GST_FLOW_OK);
  GstBuffer *b2 = master_test_buffer_f32 (x, n, C, rate, rate);   /* at 1 s */
  if (mode == 0)
    GST_BUFFER_FLAG_SET (b2, GST_BUFFER_FLAG_DISCONT);
  else
    fail_unless (gst_harness_push_event (h, gst_event_new_gap (GST_SECOND / 10,
                GST_SECOND * 9 / 10)));
  fail_unless_equals_int (gst_harness_push (h, b2), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gsize frames = 0, diff = 0;
  gboolean ts_ok = TRUE;
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h))) {
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_READ);
    gsize m = map.size / (4 * C);
    /* run 1: frames 0..n-1 at 0 s; run 2: the same samples at 1 s */
    gsize k0 = frames < n ? frames : frames - n;
    GstClockTime expect = gst_util_uint64_scale_int (k0 + (frames < n ? 0 : rate), GST_SECOND,
        rate);
    if (GST_BUFFER_PTS (b) != expect)
      ts_ok = FALSE;
    for (gsize k = 0; k < m * C && k0 * C + k < n * C; k++)
      diff += ((float *) map.data)[k] != x[k0 * C + k];
    frames += m;
    gst_buffer_unmap (b, &map);
    gst_buffer_unref (b);
  }
  g_print ("%s, then data at 1 s: %" G_GSIZE_FORMAT " frames out of %" G_GSIZE_FORMAT
      ", timestamps %s, %" G_GSIZE_FORMAT " samples differ\n",
      mode ? "gap event" : "discont flag", frames, 2 * n, ts_ok ? "ok" : "WRONG", diff);
  fail_unless_equals_uint64 (frames, 2 * n);
  fail_unless (ts_ok);
  fail_unless_equals_uint64 (diff, 0);
  g_free (x);
  gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* interval 0: one gain-reduction message at EOS over the whole stream,
 * also when discontinuities (a DISCONT jump, a GAP event) split it into
 * runs: the loud first run's reduction is in it, its time span covers
 * every run. */
GST_START_TEST (test_summary_across_runs)
{
  const gint rate = 48000, C = 2;
  const gsize n = 4800;
  float *loud = g_new0 (float, n * C), *quiet = g_new0 (float, n * C);
  gen_sine (loud, n, C, rate, 1000.0, 2.0, 0);      /* +6 dBFS: ~7 dB of reduction */
  gen_sine (quiet, n, C, rate, 1000.0, 0.1, 0);
  GstHarness *h = make_harness ("F32LE", rate, C, NULL);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  fail_unless_equals_int (gst_harness_push (h,
          master_test_buffer_f32 (loud, n, C, rate, 0)), GST_FLOW_OK);
  GstBuffer *b2 = master_test_buffer_f32 (quiet, n, C, rate, rate);  /* 1 s */
  GST_BUFFER_FLAG_SET (b2, GST_BUFFER_FLAG_DISCONT);
  fail_unless_equals_int (gst_harness_push (h, b2), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_gap (GST_SECOND * 11 / 10,
              GST_SECOND * 9 / 10)));
  fail_unless_equals_int (gst_harness_push (h,
          master_test_buffer_f32 (quiet, n, C, rate, 2 * rate)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  GstBuffer *b;
  gsize frames = 0;
  while ((b = gst_harness_try_pull (h))) {
    frames += gst_buffer_get_size (b) / (4 * C);
    gst_buffer_unref (b);
  }
  guint n_msg = 0;
  double gr = -1;
  guint64 ts = 1, dur = 0;
  GstMessage *m;
  while ((m = gst_bus_pop (bus))) {
    const GstStructure *s = gst_message_get_structure (m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "masterlimiter")) {
      fail_unless (gst_structure_get_double (s, "gain-reduction", &gr));
      fail_unless (gst_structure_get_uint64 (s, "timestamp", &ts));
      fail_unless (gst_structure_get_uint64 (s, "duration", &dur));
      n_msg++;
    }
    gst_message_unref (m);
  }
  g_print ("interval 0, three runs (loud at 0 s, quiet at 1 s and 2 s): %u "
      "message(s), gain reduction %.2f dB, %" GST_TIME_FORMAT " + %"
      GST_TIME_FORMAT ", %" G_GSIZE_FORMAT " frames\n", n_msg, gr,
      GST_TIME_ARGS (ts), GST_TIME_ARGS (dur), frames);
  fail_unless_equals_int (n_msg, 1);
  fail_unless (gr > 6.0 && gr < 8.0);
  fail_unless_equals_uint64 (ts, 0);
  fail_unless_equals_uint64 (dur, GST_SECOND * 21 / 10);
  fail_unless_equals_uint64 (frames, 3 * n);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_free (loud);
  g_free (quiet);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A stream shorter than the latency comes out whole at EOS. */
GST_START_TEST (test_short_stream)
{
  const gint rate = 48000, C = 2;
  const gsize n = 100;
  float *x = g_new0 (float, n * C);
  gen_sine (x, n, C, rate, 1000.0, 0.5, 0);
  GstHarness *h = make_harness ("F32LE", rate, C, NULL);
  Output o = run (h, "F32LE", x, n, C, rate);
  fail_unless_equals_uint64 (o.n_frames, n);
  fail_unless (o.ts_ok);
  fail_unless (memcmp (o.data, x, n * C * sizeof (float)) == 0);
  g_free (o.data);
  g_free (x);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A mid-stream caps change (48 -> 44.1 kHz) pushes the delay line's
 * audio out under the old caps first: every frame comes out, the old-rate
 * part unchanged (it is under the ceiling). */
GST_START_TEST (test_caps_change_drains)
{
  const gint C = 2;
  const gsize n1 = 4800, n2 = 4410;
  float *x1 = g_new0 (float, n1 * C), *x2 = g_new0 (float, n2 * C);
  gen_sine (x1, n1, C, 48000, 1000.0, 0.5, 0);
  gen_sine (x2, n2, C, 44100, 1000.0, 0.5, 0);
  GstHarness *h = make_harness ("F32LE", 48000, C, NULL);
  fail_unless_equals_int (gst_harness_push (h, master_test_buffer_f32 (x1, n1, C, 48000, 0)),
      GST_FLOW_OK);
  gchar *caps = master_test_caps_string ("F32LE", 44100, C);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  GstBuffer *b2 = master_test_buffer_f32 (x2, n2, C, 44100, 0);
  GST_BUFFER_PTS (b2) = 100 * GST_MSECOND;      /* continues after 0.1 s */
  fail_unless_equals_int (gst_harness_push (h, b2), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  gsize frames = 0, old_rate_frames = 0;
  gboolean old_part_equal = TRUE;
  GstBuffer *b;
  while ((b = gst_harness_try_pull (h))) {
    GstMapInfo map;
    gst_buffer_map (b, &map, GST_MAP_READ);
    gsize m = map.size / (sizeof (float) * C);
    if (GST_BUFFER_PTS (b) < 100 * GST_MSECOND) {
      /* old format: compare with the input */
      if (old_rate_frames + m > n1
          || memcmp (map.data, x1 + old_rate_frames * C, map.size) != 0)
        old_part_equal = FALSE;
      old_rate_frames += m;
    }
    frames += m;
    gst_buffer_unmap (b, &map);
    gst_buffer_unref (b);
  }
  g_print ("caps change: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
      " frames out, %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " at the old rate\n",
      frames, n1 + n2, old_rate_frames, n1);
  fail_unless_equals_uint64 (old_rate_frames, n1);
  fail_unless (old_part_equal, "old-rate audio changed");
  fail_unless_equals_uint64 (frames, n1 + n2);
  g_free (x1);
  g_free (x2);
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *
masterlimiter_suite (void)
{
  Suite *s = suite_create ("masterlimiter");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_aligned_transparent);
  tcase_add_test (tc, test_latency_withheld);
  tcase_add_test (tc, test_ceiling_programme);
  tcase_add_test (tc, test_controlled_ceiling);
  tcase_add_test (tc, test_messages_and_nan);
  tcase_add_test (tc, test_flush);
  tcase_add_test (tc, test_short_stream);
  tcase_add_test (tc, test_discont);
  tcase_add_test (tc, test_summary_across_runs);
  tcase_add_test (tc, test_caps_change_drains);
  return s;
}

GST_CHECK_MAIN (masterlimiter);
