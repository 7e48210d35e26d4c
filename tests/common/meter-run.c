/* See meter-run.h. */
#include "meter-run.h"
#include "master-test.h"

#include <gst/check/gstharness.h>
#include <math.h>
#include <string.h>

gdouble
meter_field (const GstStructure * s, const gchar * name)
{
  gdouble v;
  if (s == NULL || !gst_structure_get_double (s, name, &v))
    return NAN;
  return v;
}

gdouble
meter_end_s (const GstStructure * s)
{
  guint64 ts = 0, dur = 0;
  gst_structure_get_uint64 (s, "timestamp", &ts);
  gst_structure_get_uint64 (s, "duration", &dur);
  return (gdouble) (ts + dur) / GST_SECOND;
}

static void
collect_messages (GstBus * bus, MeterRun * out, gboolean after_eos)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus)) != NULL) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_message_has_name (msg, "mastermeter")) {
      const GstStructure *s = gst_message_get_structure (msg);
      gboolean final = FALSE;
      gst_structure_get_boolean (s, "final", &final);
      if (final) {
        if (out->final)
          gst_structure_free (out->final);
        out->final = gst_structure_copy (s);
        out->final_before_eos = !after_eos;
      } else {
        g_ptr_array_add (out->messages, gst_structure_copy (s));
      }
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      out->n_warnings++;
    }
    gst_message_unref (msg);
  }
}

typedef struct {
  GstBus *bus;
  MeterRun *out;
  gboolean eos_seen;
} EosProbe;

/* When EOS leaves the element, the final message must be on the bus. */
static GstPadProbeReturn
eos_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  EosProbe *p = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    collect_messages (p->bus, p->out, FALSE);
    p->eos_seen = TRUE;
  }
  return GST_PAD_PROBE_OK;
}

gboolean
meter_run (const float *x, gsize n_frames, gint channels, gint rate,
    const MeterRunOptions * opt, MeterRun * out)
{
  static const MeterRunOptions defaults = { NULL, G_MAXUINT64, 0, NULL,
    FALSE, FALSE
  };
  const gchar *format;
  gboolean f64;
  gsize bf, pos = 0, bpf;
  GstHarness *h;
  GstBus *bus;
  gchar *caps;
  GstEvent *ev;
  gboolean ok = TRUE;

  if (opt == NULL)
    opt = &defaults;
  format = opt->format ? opt->format : "F32LE";
  f64 = strcmp (format, "F64LE") == 0;
  bpf = channels * (f64 ? sizeof (double) : sizeof (float));
  bf = opt->buffer_frames ? opt->buffer_frames : 1024;

  memset (out, 0, sizeof (*out));
  out->messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  out->bit_exact = TRUE;
  out->timestamps_ok = TRUE;

  master_test_register ();
  h = gst_harness_new ("mastermeter");
  if (opt->interval != G_MAXUINT64)
    g_object_set (h->element, "interval", opt->interval, NULL);
  if (opt->true_peak_off)
    g_object_set (h->element, "true-peak", FALSE, NULL);
  if (opt->range_off)
    g_object_set (h->element, "loudness-range", FALSE, NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);

  caps = opt->caps ? g_strdup (opt->caps) :
      master_test_caps_string (format, rate, channels);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);

  while (pos < n_frames) {
    gsize k = MIN (bf, n_frames - pos);
    const float *src = x + pos * channels;
    GstBuffer *in = f64 ?
        master_test_buffer_f64 (src, k, channels, rate, pos) :
        master_test_buffer_f32 (src, k, channels, rate, pos);
    GstClockTime pts = GST_BUFFER_PTS (in), dur = GST_BUFFER_DURATION (in);
    GstBuffer *ref = gst_buffer_copy_deep (in);
    GstBuffer *o;

    if (gst_harness_push (h, in) != GST_FLOW_OK) {
      gst_buffer_unref (ref);
      ok = FALSE;
      break;
    }
    o = gst_harness_pull (h);
    if (o == NULL) {
      gst_buffer_unref (ref);
      ok = FALSE;
      break;
    }
    if (GST_BUFFER_PTS (o) != pts || GST_BUFFER_DURATION (o) != dur)
      out->timestamps_ok = FALSE;
    if (gst_buffer_get_size (o) != k * bpf)
      out->bit_exact = FALSE;
    {
      GstMapInfo a, b;
      gst_buffer_map (o, &a, GST_MAP_READ);
      gst_buffer_map (ref, &b, GST_MAP_READ);
      if (a.size != b.size || memcmp (a.data, b.data, a.size) != 0)
        out->bit_exact = FALSE;
      gst_buffer_unmap (ref, &b);
      gst_buffer_unmap (o, &a);
    }
    out->frames_out += gst_buffer_get_size (o) / bpf;
    gst_buffer_unref (o);
    gst_buffer_unref (ref);
    pos += k;
    /* keep the bus queue short on long runs */
    collect_messages (bus, out, FALSE);
  }

  {
    EosProbe probe = { bus, out, FALSE };
    GstPad *srcpad = gst_element_get_static_pad (h->element, "src");
    gulong id = gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        eos_probe, &probe, NULL);
    gst_harness_push_event (h, gst_event_new_eos ());
    gst_pad_remove_probe (srcpad, id);
    gst_object_unref (srcpad);
    while ((ev = gst_harness_try_pull_event (h)) != NULL)
      gst_event_unref (ev);
    collect_messages (bus, out, TRUE);
    if (!probe.eos_seen)
      ok = FALSE;
  }

  g_object_get (h->element, "integrated", &out->integrated,
      "loudness-range-value", &out->loudness_range,
      "momentary-max", &out->momentary_max,
      "short-term-max", &out->short_term_max,
      "sample-peak-max", &out->sample_peak_max,
      "true-peak-max", &out->true_peak_max, NULL);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  return ok;
}

void
meter_run_clear (MeterRun * r)
{
  if (r->messages)
    g_ptr_array_unref (r->messages);
  if (r->final)
    gst_structure_free (r->final);
  memset (r, 0, sizeof (*r));
}
