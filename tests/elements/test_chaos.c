/* Seeded randomized robustness ("chaos") test of every element of the
 * plugin through GstHarness.
 *
 * For each element and each fixed seed (g_rand_new_with_seed, so a failure
 * is reproducible: the message names element, seed, session, episode and
 * step), sessions each create the element, set random in-range values on
 * its writable properties and on those of its children (masterchain's
 * stages, the EQ and multiband bands; READY-only ones too, before the
 * harness starts it) and run episodes. An episode may pick new caps
 * (F32LE/F64LE, 1/2/6 channels -- 2 for the stereo-only masterimager --,
 * 44100/48000/96000 Hz), then does random steps: buffers of 0..4096 frames
 * (normal audio, full-scale square, silence, denormals, NaN/Inf bursts,
 * 1e30, noise up to 4), timestamp jumps forward and backward (within the
 * segment), missing timestamps, GAP and DISCONT flags, GAP events, new
 * SEGMENT events, FLUSH_START/FLUSH_STOP, caps changes, an unsupported caps
 * that must be refused, random changes of PLAYING-mutable properties (of
 * the element or one child); it ends with EOS and a flush. Half of the
 * episodes are "stable": no flush, caps change or refused caps.
 *
 * Checks, per output buffer: whole frames; no frame stamped before the
 * start of the segment it is pushed in (a GstAudioFilter downstream would
 * drop it); every sample finite and |x| <= 1e3 or, when the settings allow
 * more gain, 16 x that gain (inputs peak at 4, x4 for filter overshoot; see
 * read_bound) -- the bound is off after a 1e30 burst until the next flush,
 * and a neutral element in passthrough or mastermeter (always passthrough)
 * hands its input on as it is, so both checks skip those; for masterlimiter
 * and masterchain sample peak <= ceiling + 0.05 dB once the latency's worth
 * of frames after a reset (flush, caps) is out (after a ceiling change the
 * larger of the old and new ceiling holds for 0.5 s). For an episode
 * without flush: frames out == frames in at EOS (across caps changes too:
 * lookahead elements drain under the old caps). GstCheck fails on any
 * g_critical/g_warning.
 *
 * MASTER_CHAOS_SCALE (default 1) multiplies the number of seeds (6) for deep
 * local runs, MASTER_CHAOS_BASE moves the first seed (1000),
 * MASTER_CHAOS_SEED runs one seed only, MASTER_CHAOS_TRACE=1 prints every
 * step. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>
#include <math.h>
#include <string.h>

#include "master-test.h"

typedef struct
{
  const gchar *element;
  GRand *rand;
  guint seed, session, episode, step;
  GstHarness *h;
  gboolean is_limiter;          /* masterlimiter or masterchain */
  gboolean stereo_only;
  /* current caps */
  gboolean f64;
  gint rate, channels;
  /* timeline */
  GstClockTime next_ts;
  GstClockTime seg_start;
  gint last_kind, last_n;       /* of the last buffer, for the trace */       /* GstAudioFilter clips buffers before it */
  /* episode accounting */
  guint64 in_frames, out_frames;
  gboolean count_valid;
  gboolean stable;              /* episode without flush or caps change */
  guint n_counted;              /* episodes whose frame count was checked */
  /* since reset */
  guint64 out_since_reset, in_since_reset;
  gboolean huge_since_reset;
  guint64 skip_frames;          /* limiter: latency frames after reset */
  gdouble ceiling_db, relax_db;
  guint64 relax_until;          /* in out_since_reset frames */
  gdouble max_abs_seen;
  gdouble bound;                /* |x| limit, 1e3 */
  gdouble max_peak_ratio;       /* limiter: peak / ceiling, worst */
  guint64 total_in, total_out, n_buffers;
} Chaos;

static gboolean trace;

#define WHERE(c) "%s seed %u session %u episode %u step %u", (c)->element, \
  (c)->seed, (c)->session, (c)->episode, (c)->step

static GstElement *
limiter_of (Chaos * c)
{
  if (g_str_equal (c->element, "masterlimiter"))
    return gst_object_ref (c->h->element);
  return gst_bin_get_by_name (GST_BIN (c->h->element), "limiter");
}

static void
read_ceiling (Chaos * c)
{
  if (!c->is_limiter)
    return;
  GstElement *l = limiter_of (c);
  gdouble db;
  g_object_get (l, "ceiling", &db, NULL);
  gst_object_unref (l);
  if (db != c->ceiling_db) {
    /* the larger of all ceilings set while an earlier change still
     * relaxes the bound */
    gdouble prev = c->out_since_reset < c->relax_until ?
        MAX (c->relax_db, c->ceiling_db) : c->ceiling_db;
    c->relax_db = MAX (prev, db);
    c->relax_until = c->out_since_reset + (guint64) c->rate / 2 + c->skip_frames;
    c->ceiling_db = db;
  }
}

/* Largest gain the settings of `obj` allow, dB: positive gains, makeups
 * (with a compressor's auto-makeup: half the reduction a 0 dBFS signal
 * gets) and max-gain, summed (cascaded EQ bands add up; for parallel bands
 * or stages the sum is a looser upper bound). */
static gdouble
gain_allowance_db (GObject * obj)
{
  static const gchar *names[] = { "gain", "makeup", "output-gain", "max-gain",
    "mid-gain", "side-gain"
  };
  GObjectClass *k = G_OBJECT_GET_CLASS (obj);
  gdouble db = 0;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    GParamSpec *p = g_object_class_find_property (k, names[i]);
    if (p && G_IS_PARAM_SPEC_DOUBLE (p) && (p->flags & G_PARAM_READABLE)) {
      gdouble v;
      g_object_get (obj, names[i], &v, NULL);
      db += MAX (v, 0.0);
    }
  }
  if (g_object_class_find_property (k, "auto-makeup")
      && g_object_class_find_property (k, "threshold")
      && g_object_class_find_property (k, "ratio")) {
    gboolean automakeup;
    gdouble thr, ratio;
    g_object_get (obj, "auto-makeup", &automakeup, "threshold", &thr,
        "ratio", &ratio, NULL);
    if (automakeup)
      db += -thr * (1.0 - 1.0 / ratio) / 2;
  }
  if (GST_IS_CHILD_PROXY (obj)) {
    guint n = gst_child_proxy_get_children_count (GST_CHILD_PROXY (obj));
    for (guint i = 0; i < n; i++) {
      GObject *ch = gst_child_proxy_get_child_by_index (GST_CHILD_PROXY (obj), i);
      if (ch) {
        db += gain_allowance_db (ch);
        g_object_unref (ch);
      }
    }
  }
  return db;
}

/* The |x| bound: 1e3, or the largest input (4) times the allowed gain
 * times 4 for filter overshoot, whichever is larger; the largest of the
 * session (gains are smoothed) */
static void
read_bound (Chaos * c)
{
  gdouble db = gain_allowance_db (G_OBJECT (c->h->element));
  c->bound = MAX (c->bound, 16.0 * pow (10.0, db / 20.0));
}

static void
reset_marks (Chaos * c)
{
  c->out_since_reset = 0;
  c->in_since_reset = 0;
  c->relax_until = 0;
  c->skip_frames = 0;
  if (c->is_limiter) {
    GstClockTime lat = gst_harness_query_latency (c->h);
    if (GST_CLOCK_TIME_IS_VALID (lat))
      c->skip_frames = gst_util_uint64_scale_int_ceil (lat, c->rate, GST_SECOND);
    c->skip_frames += 4;
  }
}

/* Random value for a property; NULL spec types are skipped (FALSE). */
static gboolean
random_value (Chaos * c, GParamSpec * p, GValue * v)
{
  GRand *r = c->rand;
  GType t = G_PARAM_SPEC_VALUE_TYPE (p);
  g_value_init (v, t);
  if (g_rand_int_range (r, 0, 5) == 0) {
    g_param_value_set_default (p, v);
    return TRUE;
  }
  if (G_IS_PARAM_SPEC_DOUBLE (p)) {
    GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE (p);
    gdouble x;
    switch (g_rand_int_range (r, 0, 4)) {
      case 0:
        x = d->minimum;
        break;
      case 1:
        x = d->maximum;
        break;
      default:
        x = g_rand_double_range (r, d->minimum, d->maximum);
    }
    g_value_set_double (v, x);
  } else if (G_IS_PARAM_SPEC_FLOAT (p)) {
    GParamSpecFloat *d = G_PARAM_SPEC_FLOAT (p);
    g_value_set_float (v, g_rand_double_range (r, d->minimum, d->maximum));
  } else if (G_IS_PARAM_SPEC_INT (p)) {
    GParamSpecInt *d = G_PARAM_SPEC_INT (p);
    g_value_set_int (v, (gint) g_rand_double_range (r, d->minimum,
            (gdouble) d->maximum + 1.0));
    g_value_set_int (v, CLAMP (g_value_get_int (v), d->minimum, d->maximum));
  } else if (G_IS_PARAM_SPEC_UINT (p)) {
    GParamSpecUInt *d = G_PARAM_SPEC_UINT (p);
    guint x = (guint) g_rand_double_range (r, d->minimum, (gdouble) d->maximum + 1.0);
    g_value_set_uint (v, CLAMP (x, d->minimum, d->maximum));
  } else if (G_IS_PARAM_SPEC_UINT64 (p) || G_IS_PARAM_SPEC_INT64 (p)) {
    /* intervals/times in ns: 0, tiny, or up to a few seconds */
    guint64 x;
    switch (g_rand_int_range (r, 0, 4)) {
      case 0:
        x = 0;
        break;
      case 1:
        x = g_rand_int_range (r, 1, 1000);
        break;
      default:
        x = (guint64) g_rand_double_range (r, 0, 5.0 * GST_SECOND);
    }
    if (G_IS_PARAM_SPEC_UINT64 (p)) {
      GParamSpecUInt64 *d = G_PARAM_SPEC_UINT64 (p);
      if (g_rand_int_range (r, 0, 6) == 0)
        x = d->maximum;
      g_value_set_uint64 (v, CLAMP (x, d->minimum, d->maximum));
    } else {
      GParamSpecInt64 *d = G_PARAM_SPEC_INT64 (p);
      gint64 y = (gint64) x;
      if (g_rand_int_range (r, 0, 6) == 0)
        y = d->minimum;
      g_value_set_int64 (v, CLAMP (y, d->minimum, d->maximum));
    }
  } else if (G_IS_PARAM_SPEC_BOOLEAN (p)) {
    g_value_set_boolean (v, g_rand_boolean (r));
  } else if (G_IS_PARAM_SPEC_ENUM (p)) {
    GEnumClass *e = G_PARAM_SPEC_ENUM (p)->enum_class;
    g_value_set_enum (v, e->values[g_rand_int_range (r, 0, e->n_values)].value);
  } else {
    g_value_unset (v);
    return FALSE;
  }
  return TRUE;
}

static gboolean
skip_property (Chaos * c, GParamSpec * p)
{
  if (!(p->flags & G_PARAM_WRITABLE) || (p->flags & (G_PARAM_CONSTRUCT_ONLY)))
    return TRUE;
  if (g_str_equal (p->name, "name") || g_str_equal (p->name, "parent"))
    return TRUE;
  /* cuts the stream on purpose: frames out != frames in by design */
  if (g_str_equal (p->name, "eos-after-fade-out"))
    return TRUE;
  return FALSE;
}

static void
random_object_properties (Chaos * c, GObject * obj, gboolean ready,
    guint max_changes)
{
  guint n;
  GParamSpec **ps = g_object_class_list_properties (G_OBJECT_GET_CLASS (obj),
      &n);
  guint changes = ready ? n : (guint) g_rand_int_range (c->rand, 1, max_changes + 1);
  for (guint k = 0; k < changes && n > 0; k++) {
    GParamSpec *p = ready ? ps[k] : ps[g_rand_int_range (c->rand, 0, n)];
    if (skip_property (c, p))
      continue;
    if (!ready && (p->flags & GST_PARAM_MUTABLE_READY))
      continue;
    if (ready && g_rand_int_range (c->rand, 0, 3) == 0)
      continue;
    GValue v = G_VALUE_INIT;
    if (!random_value (c, p, &v))
      continue;
    if (trace) {
      gchar *str = g_strdup_value_contents (&v);
      g_print ("    set %s.%s = %s\n", G_IS_OBJECT (obj)
          && GST_IS_OBJECT (obj) ? GST_OBJECT_NAME (obj) : "?", p->name, str);
      g_free (str);
    }
    g_object_set_property (obj, p->name, &v);
    g_value_unset (&v);
  }
  g_free (ps);
}

/* ready = TRUE: element not started, every writable property may change.
 * Children of a GstChildProxy (masterchain's stages, mastermbcomp's bands)
 * get random values too. */
static void
random_properties (Chaos * c, gboolean ready, guint max_changes)
{
  GObject *el = G_OBJECT (c->h->element);
  guint n_children = GST_IS_CHILD_PROXY (el) ?
      gst_child_proxy_get_children_count (GST_CHILD_PROXY (el)) : 0;
  if (ready) {
    random_object_properties (c, el, TRUE, 0);
    /* the element may have rebuilt its children (masterchain multiband) */
    n_children = GST_IS_CHILD_PROXY (el) ?
        gst_child_proxy_get_children_count (GST_CHILD_PROXY (el)) : 0;
    for (guint i = 0; i < n_children; i++) {
      GObject *ch = gst_child_proxy_get_child_by_index (GST_CHILD_PROXY (el), i);
      if (ch) {
        random_object_properties (c, ch, TRUE, 0);
        g_object_unref (ch);
      }
    }
  } else if (n_children > 0 && g_rand_boolean (c->rand)) {
    GObject *ch = gst_child_proxy_get_child_by_index (GST_CHILD_PROXY (el),
        g_rand_int_range (c->rand, 0, n_children));
    if (ch) {
      random_object_properties (c, ch, FALSE, max_changes);
      g_object_unref (ch);
    }
  } else {
    random_object_properties (c, el, FALSE, max_changes);
  }
  read_ceiling (c);
  read_bound (c);
}

/* The harness queues buffers and events apart: a buffer drained under the
 * old caps in the element's caps handler is pulled after the new caps
 * reached the harness. Tag each buffer with the caps it arrived under. */
static GQuark caps_quark, outside_quark;

static GstPadProbeReturn
tag_caps (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gst_mini_object_set_qdata (GST_MINI_OBJECT (b), caps_quark, caps,
      (GDestroyNotify) gst_caps_unref);
  /* frames stamped before the start of the segment they arrive in: an audio
   * filter downstream (GstAudioFilter clips to the segment) drops them */
  GstEvent *ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  GstAudioInfo ai;
  if (ev && caps && gst_audio_info_from_caps (&ai, caps)
      && GST_BUFFER_PTS_IS_VALID (b)) {
    const GstSegment *seg;
    gst_event_parse_segment (ev, &seg);
    if (seg->format == GST_FORMAT_TIME && GST_BUFFER_PTS (b) < seg->start) {
      guint64 before = gst_util_uint64_scale_int (seg->start -
          GST_BUFFER_PTS (b), GST_AUDIO_INFO_RATE (&ai), GST_SECOND);
      before = MIN (before, gst_buffer_get_size (b) / GST_AUDIO_INFO_BPF (&ai));
      if (before > 0)
        gst_mini_object_set_qdata (GST_MINI_OBJECT (b), outside_quark,
            GSIZE_TO_POINTER ((gsize) before), NULL);
    }
  }
  if (ev)
    gst_event_unref (ev);
  return GST_PAD_PROBE_OK;
}

static void
check_buffer (Chaos * c, GstBuffer * b)
{
  GstCaps *caps = gst_mini_object_get_qdata (GST_MINI_OBJECT (b), caps_quark);
  fail_unless (caps != NULL, WHERE (c));
  gst_caps_ref (caps);
  GstAudioInfo info;
  fail_unless (gst_audio_info_from_caps (&info, caps), WHERE (c));
  gst_caps_unref (caps);
  gboolean f64 = GST_AUDIO_INFO_FORMAT (&info) == GST_AUDIO_FORMAT_F64LE;
  gint C = GST_AUDIO_INFO_CHANNELS (&info);
  gint bpf = GST_AUDIO_INFO_BPF (&info);
  GstMapInfo map;
  fail_unless (gst_buffer_map (b, &map, GST_MAP_READ), WHERE (c));
  fail_unless (map.size % bpf == 0, "partial frame (%" G_GSIZE_FORMAT
      " bytes, bpf %d): " "%s seed %u session %u episode %u step %u",
      map.size, bpf, c->element, c->seed, c->session, c->episode, c->step);
  gsize frames = map.size / bpf;
  gsize outside = GPOINTER_TO_SIZE (gst_mini_object_get_qdata (GST_MINI_OBJECT
          (b), outside_quark));
  fail_unless (outside == 0, "%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
      " frames stamped %" GST_TIME_FORMAT " before the start of the segment "
      "they were pushed in (lost downstream): %s seed %u session %u episode %u "
      "step %u", outside, frames, GST_TIME_ARGS (GST_BUFFER_PTS (b)),
      c->element, c->seed, c->session, c->episode, c->step);
  /* mastermeter is a bit-exact passthrough by design, other filters are
   * when neutral: their output is their input */
  gboolean passthrough = g_str_equal (c->element, "mastermeter")
      || (GST_IS_BASE_TRANSFORM (c->h->element)
      && gst_base_transform_is_passthrough (GST_BASE_TRANSFORM (c->h->element)));
  gdouble ceil_lin = pow (10.0, c->ceiling_db / 20.0);
  gdouble relax_lin = pow (10.0, MAX (c->relax_db, c->ceiling_db) / 20.0);
  const gdouble tol = pow (10.0, 0.05 / 20.0);
  for (gsize f = 0; f < frames; f++) {
    guint64 idx = c->out_since_reset + f;
    gdouble peak = 0;
    for (gint ch = 0; ch < C; ch++) {
      gdouble x = f64 ? ((const gdouble *) map.data)[f * C + ch]
          : ((const gfloat *) map.data)[f * C + ch];
      if (!isfinite (x) && !passthrough)
        fail ("non-finite output %g at frame %" G_GUINT64_FORMAT " ch %d: "
            "%s seed %u session %u episode %u step %u", x, idx, ch,
            c->element, c->seed, c->session, c->episode, c->step);
      peak = MAX (peak, fabs (x));
    }
    if (isfinite (peak))
      c->max_abs_seen = MAX (c->max_abs_seen, peak);
    if (!c->huge_since_reset && !passthrough && peak > c->bound)
      fail ("output %g out of bounds at frame %" G_GUINT64_FORMAT ": "
          "%s seed %u session %u episode %u step %u", peak, idx,
          c->element, c->seed, c->session, c->episode, c->step);
    if (c->is_limiter && idx >= c->skip_frames) {
      gdouble lim = idx < c->relax_until ? relax_lin : ceil_lin;
      c->max_peak_ratio = MAX (c->max_peak_ratio, peak / lim);
      if (peak > lim * tol)
        fail ("sample peak %.2f dBFS over the ceiling %.2f dB at frame %"
            G_GUINT64_FORMAT " after reset: "
            "%s seed %u session %u episode %u step %u", 20 * log10 (peak),
            20 * log10 (lim), idx, c->element, c->seed, c->session,
            c->episode, c->step);
    }
  }
  gst_buffer_unmap (b, &map);
  c->out_since_reset += frames;
  c->out_frames += frames;
  c->total_out += frames;
  c->n_buffers++;
}

static void
drain_output (Chaos * c)
{
  GstBuffer *b;
  while ((b = gst_harness_try_pull (c->h))) {
    check_buffer (c, b);
    gst_buffer_unref (b);
  }
  GstEvent *e;
  while ((e = gst_harness_try_pull_event (c->h)))
    gst_event_unref (e);
}

static gchar *
caps_string (Chaos * c, gboolean f64, gint rate, gint ch)
{
  return master_test_caps_string (f64 ? "F64LE" : "F32LE", rate, ch);
}

static void
push_segment (Chaos * c, GstClockTime start)
{
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = start;
  seg.time = start;
  seg.position = start;
  c->seg_start = start;
  fail_unless (gst_harness_push_event (c->h, gst_event_new_segment (&seg)),
      WHERE (c));
}

static void
do_flush (Chaos * c)
{
  drain_output (c);
  gst_harness_push_event (c->h, gst_event_new_flush_start ());
  gst_harness_push_event (c->h, gst_event_new_flush_stop (TRUE));
  drain_output (c);
  c->next_ts = 0;
  push_segment (c, 0);
  reset_marks (c);
  /* only a flush resets filter state: a caps change may keep it */
  c->huge_since_reset = FALSE;
  c->in_frames = c->out_frames = 0;
}

static void
random_caps (Chaos * c)
{
  static const gint rates[] = { 44100, 48000, 96000 };
  static const gint chans[] = { 1, 2, 6 };
  drain_output (c);
  c->f64 = g_rand_boolean (c->rand);
  c->rate = rates[g_rand_int_range (c->rand, 0, 3)];
  c->channels = c->stereo_only ? 2 : chans[g_rand_int_range (c->rand, 0, 3)];
  gchar *s = caps_string (c, c->f64, c->rate, c->channels);
  gst_harness_set_src_caps_str (c->h, s);
  g_free (s);
  drain_output (c);
  reset_marks (c);
  read_ceiling (c);
}

/* An unsupported caps (S16LE, 9 channels or 4000 Hz) must be refused
 * without a critical; the harness then goes back to valid caps. */
static void
refuse_caps (Chaos * c)
{
  static const gchar *bad[] = {
    "audio/x-raw, format=S16LE, layout=interleaved, rate=48000, channels=2",
    "audio/x-raw, format=F32LE, layout=interleaved, rate=48000, channels=9",
    "audio/x-raw, format=F32LE, layout=interleaved, rate=4000, channels=2",
    "audio/x-raw, format=F32LE, layout=non-interleaved, rate=48000, channels=2",
  };
  drain_output (c);
  GstCaps *caps = gst_caps_from_string (bad[g_rand_int_range (c->rand, 0,
              G_N_ELEMENTS (bad))]);
  gchar *str = gst_caps_to_string (caps);
  gboolean ok = gst_pad_push_event (c->h->srcpad,
      gst_event_new_caps (gst_caps_ref (caps)));
  /* a sticky event's push may report TRUE although the peer refused it:
   * what counts is that the element's sink pad did not take the caps */
  GstPad *sink = gst_element_get_static_pad (c->h->element, "sink");
  GstCaps *cur = gst_pad_get_current_caps (sink);
  gst_object_unref (sink);
  ok = ok && cur && gst_caps_is_equal (cur, caps);
  if (cur)
    gst_caps_unref (cur);
  gst_caps_unref (caps);
  fail_if (ok, "unsupported caps %s accepted: "
      "%s seed %u session %u episode %u step %u", str, c->element, c->seed,
      c->session, c->episode, c->step);
  g_free (str);
  random_caps (c);
}

static GstBuffer *
random_buffer (Chaos * c)
{
  GRand *r = c->rand;
  gint n;
  if (g_rand_int_range (r, 0, 30) == 0)
    n = 0;
  else if (g_rand_int_range (r, 0, 4) == 0)
    n = g_rand_int_range (r, 1, 17);
  else
    n = g_rand_int_range (r, 1, 4097);
  gint C = c->channels;
  gsize len = (gsize) n * C;
  gdouble *x = g_new0 (gdouble, len + 1);
  gint kind = g_rand_int_range (r, 0, 12);
  gdouble amp = g_rand_double_range (r, 0.0, 1.5);
  gdouble ph = g_rand_double (r), fr = g_rand_double_range (r, 0.001, 0.45);
  gint period = g_rand_int_range (r, 2, 400);
  for (gsize k = 0; k < len; k++) {
    gsize f = k / C;
    switch (kind) {
      case 0:
      case 1:
      case 2:                  /* noise + tone */
        x[k] = amp * (0.5 * sin (2 * G_PI * (ph + fr * f) + k % C)
            + 0.5 * g_rand_double_range (r, -1, 1));
        break;
      case 3:
      case 4:                  /* full-scale square */
        x[k] = ((f / period) & 1) ? 1.0 : -1.0;
        break;
      case 5:                  /* silence */
        x[k] = 0;
        break;
      case 6:                  /* denormals */
        x[k] = (k & 1 ? -1 : 1) * (c->f64 ? 4.9e-322 : 1.0e-40) * (k % 7 + 1);
        break;
      case 7:                  /* NaN/Inf bursts in audio */
        x[k] = amp * g_rand_double_range (r, -1, 1);
        if (g_rand_int_range (r, 0, 50) == 0)
          x[k] = (g_rand_boolean (r) ? NAN : (g_rand_boolean (r) ? INFINITY :
                  -INFINITY));
        break;
      case 8:                  /* all NaN */
        x[k] = NAN;
        break;
      case 9:                  /* huge values */
        x[k] = (g_rand_boolean (r) ? 1e30 : -1e30) * g_rand_double (r);
        break;
      default:                 /* loud programme-like clipping noise */
        x[k] = g_rand_double_range (r, -4, 4);
    }
  }
  if (kind == 9)
    c->huge_since_reset = TRUE;
  c->last_kind = kind;
  c->last_n = n;
  gsize bps = c->f64 ? 8 : 4;
  GstBuffer *b = gst_buffer_new_allocate (NULL, len * bps, NULL);
  GstMapInfo map;
  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (gsize k = 0; k < len; k++) {
    if (c->f64)
      ((gdouble *) map.data)[k] = x[k];
    else
      ((gfloat *) map.data)[k] = (gfloat) x[k];
  }
  gst_buffer_unmap (b, &map);
  g_free (x);

  GstClockTime dur = gst_util_uint64_scale_int (n, GST_SECOND, c->rate);
  switch (g_rand_int_range (r, 0, 20)) {
    case 0:                    /* jump forward */
      c->next_ts += g_rand_int_range (r, 1, 2000) * GST_MSECOND;
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
      break;
    case 1:                    /* jump backward, within the segment (GstAudioFilter
                                 * drops what is before its start) */
    {
      GstClockTime back = g_rand_int_range (r, 1, 2000) * GST_MSECOND;
      c->next_ts -= MIN (c->next_ts, back);
      c->next_ts = MAX (c->next_ts, c->seg_start);
    }
      break;
    case 2:                    /* no timestamps */
      GST_BUFFER_PTS (b) = GST_CLOCK_TIME_NONE;
      GST_BUFFER_DURATION (b) = GST_CLOCK_TIME_NONE;
      c->next_ts += dur;
      goto flags;
    case 3:
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
      break;
    default:
      break;
  }
  GST_BUFFER_PTS (b) = c->next_ts;
  GST_BUFFER_DURATION (b) = dur;
  c->next_ts += dur;
flags:
  if (kind == 5 && g_rand_boolean (r))
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_GAP);
  else if (g_rand_int_range (r, 0, 40) == 0) {
    /* GAP means media-neutral content: elements may skip it as it is */
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_GAP);
    gst_buffer_memset (b, 0, 0, gst_buffer_get_size (b));
  }
  c->in_frames += n;
  c->in_since_reset += n;
  c->total_in += n;
  return b;
}

/* trace: frames leaving every child of a bin */
static GstPadProbeReturn
count_child (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstAudioInfo ai;
  if (caps && gst_audio_info_from_caps (&ai, caps))
    g_print ("      %s: %" G_GSIZE_FORMAT " frames pts %" GST_TIME_FORMAT "\n",
        GST_OBJECT_NAME (GST_OBJECT_PARENT (pad)),
        gst_buffer_get_size (b) / GST_AUDIO_INFO_BPF (&ai),
        GST_TIME_ARGS (GST_BUFFER_PTS (b)));
  if (caps)
    gst_caps_unref (caps);
  return GST_PAD_PROBE_OK;
}

static void
trace_children (Chaos * c)
{
  if (!trace || !GST_IS_BIN (c->h->element))
    return;
  GList *l;
  GST_OBJECT_LOCK (c->h->element);
  for (l = GST_BIN_CHILDREN (c->h->element); l; l = l->next) {
    GstPad *src = gst_element_get_static_pad (GST_ELEMENT (l->data), "src");
    if (src) {
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, count_child, NULL,
          NULL);
      gst_object_unref (src);
    }
  }
  GST_OBJECT_UNLOCK (c->h->element);
}

static void
step (Chaos * c)
{
  GRand *r = c->rand;
  gint what = g_rand_int_range (r, 0, 100);
  if (what < 70) {
    GstFlowReturn ret = gst_harness_push (c->h, random_buffer (c));
    fail_unless_equals_int (ret, GST_FLOW_OK);
  } else if (what < 80) {
    random_properties (c, FALSE, 3);
  } else if (what < 84) {
    GstClockTime d = g_rand_int_range (r, 1, 500) * GST_MSECOND;
    fail_unless (gst_harness_push_event (c->h, gst_event_new_gap (c->next_ts,
                d)), WHERE (c));
    c->next_ts += d;
  } else if (what < 88) {
    c->next_ts += g_rand_int_range (r, 0, 3000) * GST_MSECOND;
    push_segment (c, c->next_ts);
  } else if (what < 96 && c->stable) {
    /* a stable episode: no flush or caps change, frames are counted */
    GstFlowReturn ret = gst_harness_push (c->h, random_buffer (c));
    fail_unless_equals_int (ret, GST_FLOW_OK);
  } else if (what < 92) {
    do_flush (c);
    c->count_valid = FALSE;
  } else if (what < 95) {
    /* lookahead elements drain under the old caps: the count holds */
    random_caps (c);
  } else if (what < 96) {
    refuse_caps (c);
  } else {
    /* a few small buffers back to back */
    for (gint k = 0; k < 3; k++) {
      GstFlowReturn ret = gst_harness_push (c->h, random_buffer (c));
      fail_unless_equals_int (ret, GST_FLOW_OK);
    }
  }
  drain_output (c);
  if (trace)
    g_print ("  s%u e%u step %u: action %d (last buffer kind %d, %d frames) in %" G_GUINT64_FORMAT " out %"
        G_GUINT64_FORMAT " next_ts %" GST_TIME_FORMAT " %s\n", c->session,
        c->episode, c->step, what, c->last_kind, c->last_n, c->in_frames, c->out_frames,
        GST_TIME_ARGS (c->next_ts), c->count_valid ? "" : "(no count)");
}

static void
episode (Chaos * c, guint steps)
{
  c->count_valid = TRUE;
  c->stable = g_rand_boolean (c->rand);
  c->in_frames = c->out_frames = 0;
  if (g_rand_int_range (c->rand, 0, 3) == 0)
    random_caps (c);
  for (c->step = 0; c->step < steps; c->step++)
    step (c);
  fail_unless (gst_harness_push_event (c->h, gst_event_new_eos ()), WHERE (c));
  drain_output (c);
  if (c->count_valid)
    fail_unless (c->in_frames == c->out_frames,
        "frames out %" G_GUINT64_FORMAT " != frames in %" G_GUINT64_FORMAT
        ": %s seed %u session %u episode %u", c->out_frames, c->in_frames,
        c->element, c->seed, c->session, c->episode);
  if (c->count_valid)
    c->n_counted++;
  do_flush (c);
}

static guint
chaos_scale (void)
{
  const gchar *s = g_getenv ("MASTER_CHAOS_SCALE");
  guint v = s ? (guint) g_ascii_strtoull (s, NULL, 10) : 1;
  return MAX (v, 1);
}

static void
run_element (const gchar * element)
{
  guint seeds = 6 * chaos_scale ();
  /* the same work under sanitizers (about 25 s there) */
  guint sessions = 3, episodes = 3, steps = 40;
  const gchar *one = g_getenv ("MASTER_CHAOS_SEED");
  const gchar *b = g_getenv ("MASTER_CHAOS_BASE");
  guint base = b ? (guint) g_ascii_strtoull (b, NULL, 10) : 1000;
  gint64 t0 = g_get_monotonic_time ();
  Chaos c = { 0 };
  c.element = element;
  c.is_limiter = g_str_equal (element, "masterlimiter")
      || g_str_equal (element, "masterchain");
  c.stereo_only = g_str_equal (element, "masterimager");
  for (guint s = 0; s < seeds; s++) {
    c.seed = one ? (guint) g_ascii_strtoull (one, NULL, 10) : base + s;
    if (one && s > 0)
      break;
    c.rand = g_rand_new_with_seed (c.seed ^ g_str_hash (element));
    for (c.session = 0; c.session < sessions; c.session++) {
      /* READY-only properties are set before the harness starts it */
      GstElement *el = gst_element_factory_make (element, NULL);
      fail_unless (el != NULL);
      c.h = gst_harness_new_empty ();
      c.h->element = el;        /* for random_properties only */
      c.ceiling_db = 0;
      c.relax_db = -200;
      c.bound = 1e3;
      c.huge_since_reset = FALSE;
      c.is_limiter = FALSE;
      random_properties (&c, TRUE, 0);
      c.h->element = NULL;
      gst_harness_teardown (c.h);
      c.is_limiter = g_str_equal (element, "masterlimiter")
          || g_str_equal (element, "masterchain");
      c.h = gst_harness_new_with_element (el, "sink", "src");
      gst_pad_add_probe (c.h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, tag_caps,
          NULL, NULL);
      trace_children (&c);
      read_ceiling (&c);
      c.next_ts = 0;
      random_caps (&c);
      gst_harness_set_sink_caps_str (c.h, "audio/x-raw");
      for (c.episode = 0; c.episode < episodes; c.episode++)
        episode (&c, steps);
      gst_harness_teardown (c.h);
      c.h = NULL;
    }
    g_rand_free (c.rand);
  }
  g_print ("chaos %-16s seeds %u: %" G_GUINT64_FORMAT " frames in, %"
      G_GUINT64_FORMAT " out in %" G_GUINT64_FORMAT " buffers, max |out| %.3g,"
      " %u/%u episodes counted, %.2f s", element, seeds, c.total_in,
      c.total_out, c.n_buffers, c.max_abs_seen, c.n_counted,
      seeds * sessions * episodes, (g_get_monotonic_time () - t0) / 1e6);
  if (c.is_limiter)
    g_print (", worst sample peak - ceiling %+.3f dB",
        20 * log10 (MAX (c.max_peak_ratio, 1e-10)));
  g_print ("\n");
}

#define CHAOS_TEST(name) \
  GST_START_TEST (test_chaos_##name) { run_element (#name); } GST_END_TEST

CHAOS_TEST (mastereq);
CHAOS_TEST (mastercomp);
CHAOS_TEST (mastermbcomp);
CHAOS_TEST (mastersaturator);
CHAOS_TEST (masterimager);
CHAOS_TEST (masterfade);
CHAOS_TEST (masterloudnorm);
CHAOS_TEST (masterlimiter);
CHAOS_TEST (mastermeter);
CHAOS_TEST (masterchain);

static Suite *
chaos_suite (void)
{
  Suite *s = suite_create ("chaos");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  caps_quark = g_quark_from_static_string ("chaos-caps");
  outside_quark = g_quark_from_static_string ("chaos-outside");
  trace = g_getenv ("MASTER_CHAOS_TRACE") != NULL;
  tcase_set_timeout (tc, 0);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_chaos_mastereq);
  tcase_add_test (tc, test_chaos_mastercomp);
  tcase_add_test (tc, test_chaos_mastermbcomp);
  tcase_add_test (tc, test_chaos_mastersaturator);
  tcase_add_test (tc, test_chaos_masterimager);
  tcase_add_test (tc, test_chaos_masterfade);
  tcase_add_test (tc, test_chaos_masterloudnorm);
  tcase_add_test (tc, test_chaos_masterlimiter);
  tcase_add_test (tc, test_chaos_mastermeter);
  tcase_add_test (tc, test_chaos_masterchain);
  return s;
}

GST_CHECK_MAIN (chaos);
