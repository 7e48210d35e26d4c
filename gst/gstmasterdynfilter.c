/* gst-mastering: GstMasterDynFilter, abstract base of mastercomp and
 * mastermbcomp; see the header. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmasterdynfilter.h"
#include "gstmastermessage.h"

#include <gst/audio/audio.h>

enum
{
  PROP_0,
  PROP_INTERVAL
};

#define DEFAULT_INTERVAL (100 * GST_MSECOND)

#define CAPS_STR \
  "audio/x-raw, format = (string) { " GST_AUDIO_NE (F32) ", " \
  GST_AUDIO_NE (F64) " }, rate = (int) [ 8000, 384000 ], " \
  "channels = (int) [ 1, 8 ], layout = (string) interleaved"

G_DEFINE_ABSTRACT_TYPE (GstMasterDynFilter, gst_master_dyn_filter,
    GST_TYPE_AUDIO_FILTER);

static void
gst_master_dyn_filter_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterDynFilter *self = GST_MASTER_DYN_FILTER (object);

  switch (prop_id) {
    case PROP_INTERVAL:
      GST_OBJECT_LOCK (self);
      self->interval = g_value_get_uint64 (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_master_dyn_filter_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterDynFilter *self = GST_MASTER_DYN_FILTER (object);

  switch (prop_id) {
    case PROP_INTERVAL:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->interval);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static gboolean
gst_master_dyn_filter_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterDynFilter *self = GST_MASTER_DYN_FILTER (filter);
  GstMasterDynFilterClass *klass = GST_MASTER_DYN_FILTER_GET_CLASS (self);
  guint old_latency = g_atomic_int_get (&self->latency);
  GstMasterDynFilterProcess process;
  guint latency = 0;

  self->process = NULL;
  switch (GST_AUDIO_INFO_FORMAT (info)) {
    case GST_AUDIO_FORMAT_F32:
      process = klass->process_f32;
      break;
    case GST_AUDIO_FORMAT_F64:
      process = klass->process_f64;
      break;
    default:
      return FALSE;
  }
  if (!klass->configure (self, info, &latency))
    return FALSE;
  self->process = process;
  gst_master_align_reset (&self->align, latency);
  g_atomic_int_set (&self->latency, latency);
  self->msg_frames = 0;
  if (latency != old_latency)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

static gboolean
gst_master_dyn_filter_stop (GstBaseTransform * bt)
{
  GstMasterDynFilter *self = GST_MASTER_DYN_FILTER (bt);

  GST_MASTER_DYN_FILTER_GET_CLASS (self)->release (self);
  self->process = NULL;
  return TRUE;
}

static void
post_message (GstMasterDynFilter * self, GstClockTime ts,
    GstClockTime duration)
{
  GstMasterDynFilterClass *klass = GST_MASTER_DYN_FILTER_GET_CLASS (self);
  GstStructure *s = gst_master_message_structure_new (GST_BASE_TRANSFORM
      (self), klass->message_name, ts, duration);

  klass->add_message_values (self, s);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* count n frames ending at end_ts; post a message for every completed
 * interval */
static void
account_messages (GstMasterDynFilter * self, GstClockTime end_ts, guint n,
    gint rate)
{
  GstClockTime start, dur;
  if (gst_master_message_interval_add (&self->msg_frames, n, rate,
          self->interval_snap, end_ts, &start, &dur))
    post_message (self, start, dur);
}

static void
gst_master_dyn_filter_before_transform (GstBaseTransform * bt,
    GstBuffer * buf)
{
  GstMasterDynFilter *self = GST_MASTER_DYN_FILTER (bt);
  GstClockTime ts = gst_segment_to_stream_time (&bt->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf));

  /* controller first, never under our own lock */
  if (GST_CLOCK_TIME_IS_VALID (ts))
    gst_object_sync_values (GST_OBJECT (self), ts);
  GST_OBJECT_LOCK (self);
  self->interval_snap = self->interval;
  GST_OBJECT_UNLOCK (self);

  GST_MASTER_DYN_FILTER_GET_CLASS (self)->update (self, ts);

  if (self->process && gst_base_transform_is_passthrough (bt)) {
    /* transform_ip() is skipped: keep the messages coming */
    GstAudioInfo *info = &GST_AUDIO_FILTER (bt)->info;
    gint bpf = GST_AUDIO_INFO_BPF (info), rate = GST_AUDIO_INFO_RATE (info);
    guint n = bpf > 0 ? gst_buffer_get_size (buf) / bpf : 0;
    GstClockTime end_ts = GST_CLOCK_TIME_NONE;
    if (GST_BUFFER_PTS_IS_VALID (buf) && rate > 0)
      end_ts = GST_BUFFER_PTS (buf) + gst_util_uint64_scale_int (n,
          GST_SECOND, rate);
    if (rate > 0)
      account_messages (self, end_ts, n, rate);
  }
}

static GstFlowReturn
gst_master_dyn_filter_transform_ip (GstBaseTransform * bt, GstBuffer * buf)
{
  GstMasterDynFilter *self = GST_MASTER_DYN_FILTER (bt);
  GstAudioFilter *filter = GST_AUDIO_FILTER (bt);
  gint bpf = GST_AUDIO_INFO_BPF (&filter->info);
  gint rate = GST_AUDIO_INFO_RATE (&filter->info);
  GstClockTime end_ts = GST_CLOCK_TIME_NONE;
  GstMapInfo map;
  guint n;
  gint bad;

  if (!self->process || bpf == 0)
    return GST_FLOW_NOT_NEGOTIATED;
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_FLOW_ERROR;
  n = map.size / bpf;
  gst_master_align_input (&self->align, buf, n, rate);
  bad = self->process (self, map.data, n);
  gst_buffer_unmap (buf, &map);

  if (bad > 0 && !self->warned_nonfinite) {
    self->warned_nonfinite = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Invalid input samples"),
        ("%d NaN/Inf (or absurdly large) samples replaced by silence", bad));
  }
  if (GST_BUFFER_PTS_IS_VALID (buf))
    end_ts = GST_BUFFER_PTS (buf) + gst_util_uint64_scale_int (n, GST_SECOND,
        rate);
  account_messages (self, end_ts, n, rate);

  if (!gst_master_align_output (&self->align, buf, n, rate, bpf,
          GST_BASE_TRANSFORM_SRC_PAD (self)))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  return GST_FLOW_OK;
}

static void
drain_process (gpointer user_data, gpointer data, guint n)
{
  GstMasterDynFilter *self = user_data;
  self->process (self, data, n);
}

/* EOS: push the lookahead tail */
static void
drain (GstMasterDynFilter * self)
{
  GstAudioFilter *filter = GST_AUDIO_FILTER (self);

  if (self->process)
    gst_master_align_drain (&self->align, GST_BASE_TRANSFORM_SRC_PAD (self),
        GST_AUDIO_INFO_RATE (&filter->info), GST_AUDIO_INFO_BPF (&filter->info),
        drain_process, self);
}

static gboolean
gst_master_dyn_filter_sink_event (GstBaseTransform * bt, GstEvent * event)
{
  GstMasterDynFilter *self = GST_MASTER_DYN_FILTER (bt);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      if (self->process)
        GST_MASTER_DYN_FILTER_GET_CLASS (self)->reset (self);
      gst_master_align_reset (&self->align, g_atomic_int_get (&self->latency));
      self->msg_frames = 0;
      break;
    case GST_EVENT_STREAM_START:
      self->warned_nonfinite = FALSE;
      break;
    case GST_EVENT_CAPS:{
      /* renegotiation: the lookahead holds audio of the old format; push it
       * out under the old caps before setup() rebuilds the state */
      GstCaps *caps;
      GstAudioInfo info;
      gst_event_parse_caps (event, &caps);
      if (!gst_audio_info_from_caps (&info, caps)
          || gst_audio_info_is_equal (&info, &GST_AUDIO_FILTER (bt)->info))
        break;
    }
      /* fall through */
    case GST_EVENT_SEGMENT:
    case GST_EVENT_GAP:
      /* the withheld frames belong before this event (old segment, before
       * the gap): pushed after it, they would carry times from before a
       * new segment's start, and an audio filter downstream clips them
       * away. Push them first; the next frames start a new run (the
       * dynamics state carries on, the delay line now holds silence). */
      if (!gst_base_transform_is_passthrough (bt))
        drain (self);
      gst_master_align_reset (&self->align, g_atomic_int_get (&self->latency));
      break;
    case GST_EVENT_EOS:
      if (!gst_base_transform_is_passthrough (bt))
        drain (self);
      if (self->process) {
        GstClockTime start, dur;
        if (gst_master_message_interval_rest (&self->msg_frames,
                GST_AUDIO_INFO_RATE (&GST_AUDIO_FILTER (bt)->info),
                bt->segment.position, &start, &dur))
          post_message (self, start, dur);
      }
      gst_master_align_reset (&self->align, g_atomic_int_get (&self->latency));
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_master_dyn_filter_parent_class)->
      sink_event (bt, event);
}

static gboolean
gst_master_dyn_filter_query (GstBaseTransform * bt, GstPadDirection direction,
    GstQuery * query)
{
  GstMasterDynFilter *self = GST_MASTER_DYN_FILTER (bt);
  gboolean res =
      GST_BASE_TRANSFORM_CLASS (gst_master_dyn_filter_parent_class)->query (bt,
      direction, query);

  if (res && direction == GST_PAD_SRC
      && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gint rate = GST_AUDIO_INFO_RATE (&GST_AUDIO_FILTER (bt)->info);
    guint frames = g_atomic_int_get (&self->latency);
    gst_master_latency_query_add (query,
        rate > 0 ? gst_util_uint64_scale_int (frames, GST_SECOND, rate) : 0);
  }
  return res;
}

static void
gst_master_dyn_filter_class_init (GstMasterDynFilterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBaseTransformClass *bt_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  gobject_class->set_property = gst_master_dyn_filter_set_property;
  gobject_class->get_property = gst_master_dyn_filter_get_property;

  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Interval of gain-reduction messages, ns (0 = only at EOS)",
          0, G_MAXUINT64, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  caps = gst_caps_from_string (CAPS_STR);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_dyn_filter_setup);
  bt_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_master_dyn_filter_transform_ip);
  bt_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_master_dyn_filter_before_transform);
  bt_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_dyn_filter_sink_event);
  bt_class->query = GST_DEBUG_FUNCPTR (gst_master_dyn_filter_query);
  bt_class->stop = GST_DEBUG_FUNCPTR (gst_master_dyn_filter_stop);
  /* passthrough (mastercomp when neutral) leaves the buffer alone */
  bt_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_DYN_FILTER, 0);
}

static void
gst_master_dyn_filter_init (GstMasterDynFilter * self)
{
  self->interval = DEFAULT_INTERVAL;
  self->interval_snap = DEFAULT_INTERVAL;
}
