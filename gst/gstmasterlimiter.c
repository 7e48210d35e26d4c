/* masterlimiter: true-peak lookahead limiter.
 *
 * SECTION:element-masterlimiter
 * @title: masterlimiter
 *
 * A lookahead limiter that holds its ceiling in true peak (4x or 8x
 * oversampled detection with an error margin, checked by the tests with a
 * 16x meter): the gain ramps down over the lookahead so that it reaches the
 * needed reduction exactly when the peak arrives, without clipping.
 *
 * The element keeps its output time-aligned with its input: it answers the
 * LATENCY query with its delay (lookahead + the oversampler's group delay,
 * see the `latency` figure in the docs), withholds the first `latency`
 * frames, and at EOS pushes the remaining tail before EOS, so the output has
 * exactly the input's sample count and timestamps (no leading silence,
 * nothing cut at the end). FLUSH resets it.
 *
 * Element messages named `masterlimiter` are posted every `interval`
 * nanoseconds (and once at EOS) with `timestamp`, `stream-time`,
 * `running-time`, `duration` (ns) and `gain-reduction` (dB, largest
 * reduction in the interval, >= 0).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=in.wav ! wavparse ! audioconvert ! \
 *     masterlimiter ceiling=-1.0 input-gain=6 ! audioconvert ! wavenc ! \
 *     filesink location=out.wav
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmasterlimiter.h"
#include "gstmasterenum.h"
#include "gstmastermessage.h"
#include "gstmasteralign.h"

#include <gst/controller/controller.h>
#include <math.h>

GST_DEBUG_CATEGORY_STATIC (master_limiter_debug);
#define GST_CAT_DEFAULT master_limiter_debug

#define DEFAULT_CEILING -1.0
#define DEFAULT_INPUT_GAIN 0.0
#define DEFAULT_RELEASE 100.0
#define DEFAULT_AUTO_RELEASE TRUE
#define DEFAULT_LOOKAHEAD 5.0
#define DEFAULT_TRUE_PEAK TRUE
#define DEFAULT_OVERSAMPLING GST_MASTER_LIMITER_OVERSAMPLING_4X
#define DEFAULT_LINK 1.0
#define DEFAULT_INTERVAL 0

enum
{
  PROP_0,
  PROP_CEILING,
  PROP_INPUT_GAIN,
  PROP_RELEASE,
  PROP_AUTO_RELEASE,
  PROP_LOOKAHEAD,
  PROP_TRUE_PEAK,
  PROP_OVERSAMPLING,
  PROP_LINK,
  PROP_INTERVAL,
};

#define ALLOWED_CAPS \
  "audio/x-raw, format = (string) { " GST_AUDIO_NE (F32) ", " GST_AUDIO_NE (F64) " }, " \
  "rate = (int) [ 8000, 384000 ], channels = (int) [ 1, 8 ], " \
  "layout = (string) interleaved"

#define gst_master_limiter_parent_class parent_class
G_DEFINE_TYPE (GstMasterLimiter, gst_master_limiter, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (masterlimiter, "masterlimiter", GST_RANK_NONE,
    GST_TYPE_MASTER_LIMITER);

GType
gst_master_limiter_oversampling_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {GST_MASTER_LIMITER_OVERSAMPLING_4X, "4x oversampled true-peak detection", "4"},
    {GST_MASTER_LIMITER_OVERSAMPLING_8X, "8x oversampled true-peak detection", "8"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&id)) {
    GType t = gst_master_enum_register ("GstMasterLimiterOversampling", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

/* ---- dsp wrappers, chosen in setup() ---- */

static size_t
process_f32 (MasterLimiter * lim, gpointer dst, gconstpointer src, size_t n)
{
  return master_limiter_process_f32 (lim, dst, src, n);
}

static size_t
process_f64 (MasterLimiter * lim, gpointer dst, gconstpointer src, size_t n)
{
  return master_limiter_process_f64 (lim, dst, src, n);
}

/* ---- properties ---- */

static void
gst_master_limiter_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterLimiter *self = GST_MASTER_LIMITER (object);
  GstMasterLimiterSettings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CEILING:
      s->ceiling = g_value_get_double (value);
      break;
    case PROP_INPUT_GAIN:
      s->input_gain = g_value_get_double (value);
      break;
    case PROP_RELEASE:
      s->release = g_value_get_double (value);
      break;
    case PROP_AUTO_RELEASE:
      s->auto_release = g_value_get_boolean (value);
      break;
    case PROP_LOOKAHEAD:
      s->lookahead = g_value_get_double (value);
      break;
    case PROP_TRUE_PEAK:
      s->true_peak = g_value_get_boolean (value);
      break;
    case PROP_OVERSAMPLING:
      s->oversampling = g_value_get_enum (value);
      break;
    case PROP_LINK:
      s->link = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      s->interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_limiter_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterLimiter *self = GST_MASTER_LIMITER (object);
  GstMasterLimiterSettings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CEILING:
      g_value_set_double (value, s->ceiling);
      break;
    case PROP_INPUT_GAIN:
      g_value_set_double (value, s->input_gain);
      break;
    case PROP_RELEASE:
      g_value_set_double (value, s->release);
      break;
    case PROP_AUTO_RELEASE:
      g_value_set_boolean (value, s->auto_release);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_double (value, s->lookahead);
      break;
    case PROP_TRUE_PEAK:
      g_value_set_boolean (value, s->true_peak);
      break;
    case PROP_OVERSAMPLING:
      g_value_set_enum (value, s->oversampling);
      break;
    case PROP_LINK:
      g_value_set_double (value, s->link);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, s->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- streaming state ---- */

/* A new run (after a discontinuity, a new segment, a GAP event or new
 * caps): the dsp and the timeline start again; the stream's gain-reduction
 * summary (interval 0) goes on. */
static void
reset_run (GstMasterLimiter * self)
{
  if (self->emitted > 0) {
    GstClockTime t0 = gst_master_align_run_time (&self->align, 0, self->rate);
    if (!GST_CLOCK_TIME_IS_VALID (self->stream_start) && self->stream_frames == 0)
      self->stream_start = t0;
    self->stream_frames += self->emitted;
  }
  if (self->lim)
    master_limiter_reset (self->lim);
  gst_master_align_reset (&self->align, MAX (self->latency, 0));
  self->msg_min_gain = 1.0;
  self->msg_start = 0;
  self->emitted = 0;
  self->in_pos = 0;
}

/* A new stream (start, flush, after EOS). */
static void
reset_stream (GstMasterLimiter * self)
{
  self->emitted = 0;
  reset_run (self);
  self->warned_nonfinite = FALSE;
  self->total_min_gain = 1.0;
  self->stream_start = GST_CLOCK_TIME_NONE;
  self->stream_frames = 0;
}

/* Pushes the dsp parameters from a settings snapshot. */
static void
apply_settings (GstMasterLimiter * self, const GstMasterLimiterSettings * s)
{
  MasterLimiterParams p;
  master_limiter_params_init (&p);
  p.ceiling_db = s->ceiling;
  p.input_gain_db = s->input_gain;
  p.release_ms = s->release;
  p.auto_release = s->auto_release;
  p.link = s->link;
  master_limiter_set_params (self->lim, &p);
}

static gboolean
gst_master_limiter_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterLimiter *self = GST_MASTER_LIMITER (filter);
  GstMasterLimiterSettings s;

  GST_OBJECT_LOCK (self);
  s = self->settings;
  GST_OBJECT_UNLOCK (self);

  switch (GST_AUDIO_INFO_FORMAT (info)) {
    case GST_AUDIO_FORMAT_F32:
      self->process = process_f32;
      break;
    case GST_AUDIO_FORMAT_F64:
      self->process = process_f64;
      break;
    default:
      return FALSE;
  }

  /* new caps: a fresh limiter (a mid-stream format change restarts the
   * delay line) */
  MasterLimiter *lim = master_limiter_new (GST_AUDIO_INFO_CHANNELS (info),
      GST_AUDIO_INFO_RATE (info), s.lookahead, s.true_peak ? s.oversampling : 1);
  if (!lim)
    return FALSE;
  master_limiter_free (self->lim);
  self->lim = lim;
  self->rate = GST_AUDIO_INFO_RATE (info);
  self->channels = GST_AUDIO_INFO_CHANNELS (info);
  self->bpf = GST_AUDIO_INFO_BPF (info);
  gint old = self->latency;
  self->latency = master_limiter_get_latency (lim);
  reset_run (self);
  apply_settings (self, &s);

  GST_INFO_OBJECT (self, "latency %d frames (%.3f ms), detector margin %.4f dB",
      self->latency, self->latency * 1000.0 / self->rate,
      20.0 * log10 (master_limiter_get_margin (lim)));
  if (old != self->latency)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

static gboolean
gst_master_limiter_start (GstBaseTransform * trans)
{
  GstMasterLimiter *self = GST_MASTER_LIMITER (trans);
  reset_stream (self);
  return TRUE;
}

static gboolean
gst_master_limiter_stop (GstBaseTransform * trans)
{
  GstMasterLimiter *self = GST_MASTER_LIMITER (trans);
  master_limiter_free (self->lim);
  self->lim = NULL;
  self->latency = -1;
  return TRUE;
}

static GstClockTime
out_time (GstMasterLimiter * self, guint64 frame)
{
  return gst_master_align_run_time (&self->align, frame, self->rate);
}

static void
post_message (GstMasterLimiter * self, GstClockTime ts, GstClockTime dur,
    gdouble min_gain)
{
  gdouble gr = min_gain > 0.0 ? -20.0 * log10 (min_gain) : 200.0;
  if (gr < 0.0)
    gr = 0.0;
  GstStructure *st_msg =
      gst_master_message_structure_new (GST_BASE_TRANSFORM (self),
      "masterlimiter", ts, dur);
  gst_structure_set (st_msg, "gain-reduction", G_TYPE_DOUBLE, gr, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st_msg));
}

/* Element message for output frames [msg_start, end). Call without locks. */
static void
post_gain_message (GstMasterLimiter * self, guint64 end, gdouble min_gain)
{
  GstClockTime ts = out_time (self, self->msg_start);
  GstClockTime te = out_time (self, end);
  GstClockTime dur = GST_CLOCK_TIME_IS_VALID (ts) ? te - ts :
      gst_util_uint64_scale_int (end - self->msg_start, GST_SECOND, self->rate);
  post_message (self, ts, dur, min_gain);
  self->msg_start = end;
}

/* interval 0: one message at EOS over the whole stream, every run */
static void
post_summary (GstMasterLimiter * self)
{
  GstClockTime ts = GST_CLOCK_TIME_IS_VALID (self->stream_start) ?
      self->stream_start : self->stream_frames == 0 ? out_time (self, 0) :
      GST_CLOCK_TIME_NONE;
  GstClockTime te = out_time (self, self->emitted);
  GstClockTime dur = GST_CLOCK_TIME_IS_VALID (ts)
      && GST_CLOCK_TIME_IS_VALID (te) && te >= ts ? te - ts :
      gst_util_uint64_scale_int (self->stream_frames + self->emitted,
      GST_SECOND, self->rate);
  post_message (self, ts, dur, self->total_min_gain);
}

/* Gain-reduction bookkeeping after `emitted` advanced (frames kept).
 * end_of_run: the run's last frames (a drain): post the interval begun.
 * end_of_stream: EOS, also the summary when interval is 0. */
static void
account_gain (GstMasterLimiter * self, guint64 interval, gboolean end_of_run,
    gboolean end_of_stream)
{
  gdouble g = master_limiter_take_min_gain (self->lim);
  self->msg_min_gain = MIN (self->msg_min_gain, g);
  self->total_min_gain = MIN (self->total_min_gain, g);
  if (interval > 0) {
    guint64 frames = gst_util_uint64_scale_int_ceil (interval, self->rate, GST_SECOND);
    if (frames == 0)
      frames = 1;
    if (self->emitted - self->msg_start >= frames
        || (end_of_run && self->emitted > self->msg_start)) {
      gdouble mg = self->msg_min_gain;
      self->msg_min_gain = 1.0;
      post_gain_message (self, self->emitted, mg);
    }
  } else if (end_of_stream) {
    post_summary (self);
  }
}

static GstFlowReturn drain (GstMasterLimiter * self, gboolean eos);

/* Frames per control step while a control binding is active. */
#define CONTROL_STEP_MS 5

/* Runs n frames through the dsp. dst NULL: output withheld. src NULL:
 * silence (drain). Splits at control steps (when a binding is active, so
 * automation is applied with 5 ms resolution whatever the buffer size) and at
 * message boundaries. Returns the count of non-finite input samples. */
static size_t
process_span (GstMasterLimiter * self, guint8 * dst, const guint8 * src,
    guint64 n, GstMasterLimiterSettings * s)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  gboolean controlled = gst_object_has_active_control_bindings (GST_OBJECT (self));
  size_t bad = 0;

  while (n > 0) {
    guint64 m = n;
    if (controlled && src) {
      guint64 step = MAX (1, self->rate * CONTROL_STEP_MS / 1000);
      m = MIN (m, step);
      /* controller values first, never under our own lock; then snapshot */
      GstClockTime t = out_time (self, self->in_pos);
      GstClockTime st = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, t);
      if (GST_CLOCK_TIME_IS_VALID (st))
        gst_object_sync_values (GST_OBJECT (self), st);
      GST_OBJECT_LOCK (self);
      *s = self->settings;
      GST_OBJECT_UNLOCK (self);
      apply_settings (self, s);
    }
    if (dst && s->interval > 0) {
      guint64 frames = gst_util_uint64_scale_int_ceil (s->interval, self->rate, GST_SECOND);
      frames = MAX (frames, 1);
      if (self->emitted - self->msg_start < frames)
        m = MIN (m, frames - (self->emitted - self->msg_start));
    }
    bad += self->process (self->lim, dst, src, m);
    if (src) {
      src += m * self->bpf;
      self->in_pos += m;
    }
    if (dst) {
      dst += m * self->bpf;
      self->emitted += m;
      account_gain (self, s->interval, FALSE, FALSE);
    } else {
      /* withheld frames carry no reduction worth reporting */
      master_limiter_take_min_gain (self->lim);
    }
    n -= m;
  }
  return bad;
}

static GstFlowReturn
gst_master_limiter_generate_output (GstBaseTransform * trans, GstBuffer ** outbuf)
{
  GstMasterLimiter *self = GST_MASTER_LIMITER (trans);
  GstBuffer *inbuf = trans->queued_buf;
  GstMasterLimiterSettings s;
  GstMapInfo imap, omap;

  *outbuf = NULL;
  if (!inbuf)
    return GST_FLOW_OK;
  trans->queued_buf = NULL;
  if (!self->lim) {
    gst_buffer_unref (inbuf);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  GstClockTime pts = GST_BUFFER_PTS (inbuf);
  /* a discontinuity (timestamps jump by more than half a frame): finish the
   * run so far (its tail is pushed first) and start again here */
  if (GST_BUFFER_IS_DISCONT (inbuf) && gst_master_align_run_jumps (&self->align,
          pts, self->rate, GST_SECOND / self->rate / 2)) {
    GST_DEBUG_OBJECT (self, "discontinuity at %" GST_TIME_FORMAT ": draining",
        GST_TIME_ARGS (pts));
    drain (self, FALSE);
    reset_run (self);
  }
  gsize size = gst_buffer_get_size (inbuf);
  guint64 n = size / self->bpf;
  gst_master_align_run_input (&self->align, pts, GST_BUFFER_OFFSET (inbuf), n);

  /* controller values first, never under our own lock; then a snapshot */
  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTime stream_time = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, pts);
    if (GST_CLOCK_TIME_IS_VALID (stream_time))
      gst_object_sync_values (GST_OBJECT (self), stream_time);
  }
  GST_OBJECT_LOCK (self);
  s = self->settings;
  GST_OBJECT_UNLOCK (self);
  apply_settings (self, &s);

  guint64 skip = gst_master_align_withhold (&self->align, n);
  size_t bad = 0;

  if (skip == n) {
    /* all withheld: still runs through the delay line */
    gst_buffer_map (inbuf, &imap, GST_MAP_READ);
    bad = process_span (self, NULL, imap.data, n, &s);
    gst_buffer_unmap (inbuf, &imap);
    gst_buffer_unref (inbuf);
  } else if (skip == 0) {
    /* steady state: in place */
    GstBuffer *buf = gst_buffer_make_writable (inbuf);
    gst_buffer_map (buf, &omap, GST_MAP_READWRITE);
    bad = process_span (self, omap.data, omap.data, n, &s);
    gst_buffer_unmap (buf, &omap);
    gst_master_align_run_output (&self->align, buf, n, self->rate);
    *outbuf = buf;
  } else {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, (n - skip) * self->bpf, NULL);
    gst_buffer_copy_into (buf, inbuf, GST_BUFFER_COPY_METADATA, 0, -1);
    gst_buffer_map (inbuf, &imap, GST_MAP_READ);
    gst_buffer_map (buf, &omap, GST_MAP_WRITE);
    bad = process_span (self, NULL, imap.data, skip, &s);
    bad += process_span (self, omap.data, imap.data + skip * self->bpf, n - skip, &s);
    gst_buffer_unmap (buf, &omap);
    gst_buffer_unmap (inbuf, &imap);
    gst_buffer_unref (inbuf);
    gst_master_align_run_output (&self->align, buf, n - skip, self->rate);
    *outbuf = buf;
  }

  if (bad > 0 && !self->warned_nonfinite) {
    self->warned_nonfinite = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Non-finite input samples"),
        ("%" G_GSIZE_FORMAT " NaN/Inf samples replaced by silence", bad));
  }
  return GST_FLOW_OK;
}

/* At EOS (eos) or the end of a run (a new segment, a gap, new caps): push
 * the tail held in the delay line. */
static GstFlowReturn
drain (GstMasterLimiter * self, gboolean eos)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstFlowReturn ret = GST_FLOW_OK;
  GstMasterLimiterSettings s;

  if (!self->lim || self->align.in_frames == 0) {
    if (eos && self->lim && self->stream_frames > 0) {
      /* the last run had no frames: the summary still covers the others */
      GST_OBJECT_LOCK (self);
      s = self->settings;
      GST_OBJECT_UNLOCK (self);
      account_gain (self, s.interval, TRUE, TRUE);
    }
    return GST_FLOW_OK;
  }
  GST_OBJECT_LOCK (self);
  s = self->settings;
  GST_OBJECT_UNLOCK (self);

  /* `latency` frames of silence push the tail out; of a stream shorter than
   * the latency, the first of them are still withheld (the dsp has not
   * reached input frame 0 yet) */
  guint64 n = gst_master_align_drain_frames (&self->align);
  guint64 lead = gst_master_align_withhold (&self->align, n);
  if (lead > 0)
    process_span (self, NULL, NULL, lead, &s);
  n -= lead;
  if (n > 0) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, n * self->bpf, NULL);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    process_span (self, map.data, NULL, n, &s);
    gst_buffer_unmap (buf, &map);
    gst_master_align_run_output (&self->align, buf, n, self->rate);
    GST_DEBUG_OBJECT (self, "draining %" G_GUINT64_FORMAT " frames", n);
    account_gain (self, s.interval, TRUE, eos);
    ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (trans), buf);
  } else {
    account_gain (self, s.interval, TRUE, eos);
  }
  return ret;
}

static gboolean
gst_master_limiter_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasterLimiter *self = GST_MASTER_LIMITER (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      drain (self, TRUE);
      reset_stream (self);
      break;
    case GST_EVENT_GAP:
      /* no data for a while: what is inside belongs before the gap */
    case GST_EVENT_SEGMENT:
      /* a new segment without flush (e.g. gapless): finish the old one */
      if (self->align.in_frames > 0) {
        drain (self, FALSE);
        reset_run (self);
      }
      break;
    case GST_EVENT_CAPS:{
      /* renegotiation: the delay line holds audio of the old format; push
       * it out under the old caps before setup() rebuilds the state */
      GstCaps *caps;
      GstAudioInfo info;
      gst_event_parse_caps (event, &caps);
      if (self->align.in_frames > 0 && gst_audio_info_from_caps (&info, caps)
          && !gst_audio_info_is_equal (&info, &GST_AUDIO_FILTER (trans)->info)) {
        drain (self, FALSE);
        reset_run (self);
      }
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      reset_stream (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_master_limiter_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstMasterLimiter *self = GST_MASTER_LIMITER (trans);
  gboolean res = GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction, query);

  if (res && direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    if (self->latency > 0 && self->rate > 0)
      gst_master_latency_query_add (query,
          gst_util_uint64_scale_int_round (self->latency, GST_SECOND, self->rate));
  }
  return res;
}

/* Never called (generate_output does the work); its presence keeps
 * GstBaseTransform from treating the element as passthrough. */
static GstFlowReturn
gst_master_limiter_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  return GST_FLOW_OK;
}

static void
gst_master_limiter_finalize (GObject * object)
{
  GstMasterLimiter *self = GST_MASTER_LIMITER (object);
  master_limiter_free (self->lim);
  self->lim = NULL;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_master_limiter_class_init (GstMasterLimiterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  GST_DEBUG_CATEGORY_INIT (master_limiter_debug, "masterlimiter", 0,
      "true-peak lookahead limiter");

  gobject_class->set_property = gst_master_limiter_set_property;
  gobject_class->get_property = gst_master_limiter_get_property;
  gobject_class->finalize = gst_master_limiter_finalize;

  g_object_class_install_property (gobject_class, PROP_CEILING,
      g_param_spec_double ("ceiling", "Ceiling",
          "Highest output level in dBTP (true peak; dBFS when true-peak=false)",
          -60.0, 0.0, DEFAULT_CEILING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_INPUT_GAIN,
      g_param_spec_double ("input-gain", "Input gain",
          "Gain applied before limiting, in dB (drives the limiter)",
          -60.0, 60.0, DEFAULT_INPUT_GAIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_RELEASE,
      g_param_spec_double ("release", "Release",
          "Release time constant in ms (63 % recovery of the gain; the centre of "
          "the range with auto-release)", 1.0, 10000.0, DEFAULT_RELEASE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_AUTO_RELEASE,
      g_param_spec_boolean ("auto-release", "Auto release",
          "Programme-dependent release (bool): between release/4 after short "
          "peaks and 2 x release for sustained reduction",
          DEFAULT_AUTO_RELEASE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD,
      g_param_spec_double ("lookahead", "Lookahead",
          "Lookahead (attack ramp) in ms; the latency is this plus the true-peak "
          "detector's 131 frames (2.7 ms at 48 kHz; none with true-peak=false) "
          "and 2 frames", 0.1, 100.0, DEFAULT_LOOKAHEAD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TRUE_PEAK,
      g_param_spec_boolean ("true-peak", "True peak",
          "Detect true (inter-sample) peaks by oversampling (bool); "
          "false limits sample peaks (dBFS)", DEFAULT_TRUE_PEAK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_OVERSAMPLING,
      g_param_spec_enum ("oversampling", "Oversampling",
          "Oversampling factor (x) of the true-peak detector: 4 or 8",
          GST_TYPE_MASTER_LIMITER_OVERSAMPLING, DEFAULT_OVERSAMPLING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LINK,
      g_param_spec_double ("link", "Channel link",
          "Channel link, ratio 0..1: 1 = one gain for all channels (no image "
          "shift), 0 = each channel limited on its own",
          0.0, 1.0, DEFAULT_LINK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Interval of gain-reduction element messages in ns (0 = one summary "
          "at EOS only)", 0, G_MAXUINT64, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class,
      "Mastering true-peak limiter", "Filter/Effect/Audio",
      "Lookahead limiter holding a true-peak ceiling (4x/8x oversampled), "
      "latency-compensated: output aligned with input",
      "gst-mastering");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_master_limiter_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_master_limiter_stop);
  trans_class->generate_output = GST_DEBUG_FUNCPTR (gst_master_limiter_generate_output);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_master_limiter_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_limiter_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_master_limiter_query);
  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_limiter_setup);

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_LIMITER_OVERSAMPLING, 0);
}

static void
gst_master_limiter_init (GstMasterLimiter * self)
{
  GstMasterLimiterSettings *s = &self->settings;
  s->ceiling = DEFAULT_CEILING;
  s->input_gain = DEFAULT_INPUT_GAIN;
  s->release = DEFAULT_RELEASE;
  s->auto_release = DEFAULT_AUTO_RELEASE;
  s->lookahead = DEFAULT_LOOKAHEAD;
  s->true_peak = DEFAULT_TRUE_PEAK;
  s->oversampling = DEFAULT_OVERSAMPLING;
  s->link = DEFAULT_LINK;
  s->interval = DEFAULT_INTERVAL;
  self->latency = -1;
  gst_master_align_reset (&self->align, 0);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), FALSE);
}
