/* gst-mastering: mastercomp, mastering compressor.
 *
 * SECTION:element-mastercomp
 * @title: mastercomp
 *
 * A feed-forward compressor for mastering: peak or RMS detection, threshold,
 * ratio and soft knee in dB, attack and release as one-pole time constants
 * (the gain reduction covers 63 % of a level step in that time), optional
 * program-dependent release, lookahead with constant latency (output stays
 * time-aligned: same timestamps and sample count as the input), stereo link,
 * mid/side operation, a sidechain high-pass filter, makeup (manual and
 * automatic) and dry/wet mix for parallel compression.
 *
 * Posts element messages named "mastercomp" every #GstMasterComp:interval
 * nanoseconds (and at EOS) with the fields timestamp, stream-time,
 * running-time, duration (GstClockTime) and gain-reduction (double, dB, the
 * largest reduction during the interval, >= 0).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=mix.wav ! decodebin ! audioconvert ! \
 *   mastercomp threshold=-20 ratio=3 knee=6 attack=15 release=150 \
 *   auto-makeup=true lookahead=2 ! audioconvert ! autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmastercomp.h"
#include "gstmasterenum.h"
#include "gstmastermessage.h"

#include <gst/audio/audio.h>
#include <gst/controller/controller.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (mastercomp_debug);
#define GST_CAT_DEFAULT mastercomp_debug

#define MAX_LOOKAHEAD_MS 20.0

enum
{
  PROP_0,
  PROP_THRESHOLD,
  PROP_RATIO,
  PROP_KNEE,
  PROP_ATTACK,
  PROP_RELEASE,
  PROP_AUTO_RELEASE,
  PROP_LOOKAHEAD,
  PROP_DETECTOR,
  PROP_LINK,
  PROP_MODE,
  PROP_SIDECHAIN_HPF,
  PROP_MAKEUP,
  PROP_AUTO_MAKEUP,
  PROP_MIX,
  PROP_INTERVAL
};

#define DEFAULT_INTERVAL (100 * GST_MSECOND)

#define CAPS_STR \
  "audio/x-raw, format = (string) { " GST_AUDIO_NE (F32) ", " \
  GST_AUDIO_NE (F64) " }, rate = (int) [ 8000, 384000 ], " \
  "channels = (int) [ 1, 8 ], layout = (string) interleaved"

G_DEFINE_TYPE (GstMasterComp, gst_master_comp, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (mastercomp, "mastercomp", GST_RANK_NONE,
    GST_TYPE_MASTER_COMP);

GType
gst_master_comp_detector_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {MASTER_DYNAMICS_DETECTOR_PEAK, "Sample peak", "peak"},
    {MASTER_DYNAMICS_DETECTOR_RMS, "RMS over 20 ms, sine-referenced (+3 dB)",
        "rms"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&id)) {
    GType t = gst_master_enum_register ("GstMasterCompDetector", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

GType
gst_master_comp_mode_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {MASTER_DYNAMICS_MODE_STEREO, "Channels as they are", "stereo"},
    {MASTER_DYNAMICS_MODE_MID_SIDE, "Mid/side (2 channels only)",
        "mid-side"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&id)) {
    GType t = gst_master_enum_register ("GstMasterCompMode", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

static int
process_f32 (MasterDynamics * d, gpointer dst, gconstpointer src, int n)
{
  return master_dynamics_process_f32 (d, dst, src, n);
}

static int
process_f64 (MasterDynamics * d, gpointer dst, gconstpointer src, int n)
{
  return master_dynamics_process_f64 (d, dst, src, n);
}

static void
gst_master_comp_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterComp *self = GST_MASTER_COMP (object);
  MasterDynamicsParams *p = &self->settings.dyn;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      p->threshold_db = g_value_get_double (value);
      break;
    case PROP_RATIO:
      p->ratio = g_value_get_double (value);
      break;
    case PROP_KNEE:
      p->knee_db = g_value_get_double (value);
      break;
    case PROP_ATTACK:
      p->attack_ms = g_value_get_double (value);
      break;
    case PROP_RELEASE:
      p->release_ms = g_value_get_double (value);
      break;
    case PROP_AUTO_RELEASE:
      p->auto_release = g_value_get_boolean (value);
      break;
    case PROP_LOOKAHEAD:
      self->settings.lookahead_ms = g_value_get_double (value);
      break;
    case PROP_DETECTOR:
      p->detector = g_value_get_enum (value);
      break;
    case PROP_LINK:
      p->link = g_value_get_double (value);
      break;
    case PROP_MODE:
      p->mode = g_value_get_enum (value);
      break;
    case PROP_SIDECHAIN_HPF:
      p->sidechain_hpf_hz = g_value_get_double (value);
      break;
    case PROP_MAKEUP:
      p->makeup_db = g_value_get_double (value);
      break;
    case PROP_AUTO_MAKEUP:
      p->auto_makeup = g_value_get_boolean (value);
      break;
    case PROP_MIX:
      p->mix = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      self->settings.interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  self->dirty = TRUE;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_comp_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterComp *self = GST_MASTER_COMP (object);
  const MasterDynamicsParams *p = &self->settings.dyn;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      g_value_set_double (value, p->threshold_db);
      break;
    case PROP_RATIO:
      g_value_set_double (value, p->ratio);
      break;
    case PROP_KNEE:
      g_value_set_double (value, p->knee_db);
      break;
    case PROP_ATTACK:
      g_value_set_double (value, p->attack_ms);
      break;
    case PROP_RELEASE:
      g_value_set_double (value, p->release_ms);
      break;
    case PROP_AUTO_RELEASE:
      g_value_set_boolean (value, p->auto_release);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_double (value, self->settings.lookahead_ms);
      break;
    case PROP_DETECTOR:
      g_value_set_enum (value, p->detector);
      break;
    case PROP_LINK:
      g_value_set_double (value, p->link);
      break;
    case PROP_MODE:
      g_value_set_enum (value, p->mode);
      break;
    case PROP_SIDECHAIN_HPF:
      g_value_set_double (value, p->sidechain_hpf_hz);
      break;
    case PROP_MAKEUP:
      g_value_set_double (value, p->makeup_db);
      break;
    case PROP_AUTO_MAKEUP:
      g_value_set_boolean (value, p->auto_makeup);
      break;
    case PROP_MIX:
      g_value_set_double (value, p->mix);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, self->settings.interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_comp_finalize (GObject * object)
{
  GstMasterComp *self = GST_MASTER_COMP (object);
  master_dynamics_free (&self->dyn);
  G_OBJECT_CLASS (gst_master_comp_parent_class)->finalize (object);
}

static gboolean
gst_master_comp_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterComp *self = GST_MASTER_COMP (filter);
  guint old_latency = g_atomic_int_get (&self->latency);
  guint latency;

  master_dynamics_free (&self->dyn);
  self->dyn = master_dynamics_new (GST_AUDIO_INFO_CHANNELS (info),
      GST_AUDIO_INFO_RATE (info), MAX_LOOKAHEAD_MS);
  if (!self->dyn)
    return FALSE;
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
  GST_OBJECT_LOCK (self);
  self->snap = self->settings;
  self->dirty = FALSE;
  GST_OBJECT_UNLOCK (self);

  master_dynamics_set_params (self->dyn, &self->snap.dyn);
  latency = master_dynamics_set_lookahead (self->dyn, self->snap.lookahead_ms);
  master_dynamics_reset (self->dyn);
  gst_master_align_reset (&self->align, latency);
  g_atomic_int_set (&self->latency, latency);
  self->msg_frames = 0;
  self->was_passthrough = FALSE;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  GST_DEBUG_OBJECT (self, "setup: %d ch, %d Hz, latency %u frames",
      GST_AUDIO_INFO_CHANNELS (info), GST_AUDIO_INFO_RATE (info), latency);
  if (latency != old_latency)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

static gboolean
gst_master_comp_stop (GstBaseTransform * bt)
{
  GstMasterComp *self = GST_MASTER_COMP (bt);
  master_dynamics_free (&self->dyn);
  return TRUE;
}

static void account_messages (GstMasterComp * self, GstClockTime end_ts,
    guint n, gint rate);

static void
gst_master_comp_before_transform (GstBaseTransform * bt, GstBuffer * buf)
{
  GstMasterComp *self = GST_MASTER_COMP (bt);
  GstClockTime ts = gst_segment_to_stream_time (&bt->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf));
  gboolean changed = FALSE, neutral;

  /* controller first, never under our own lock */
  if (GST_CLOCK_TIME_IS_VALID (ts))
    gst_object_sync_values (GST_OBJECT (self), ts);

  GST_OBJECT_LOCK (self);
  if (self->dirty) {
    gdouble la = self->snap.lookahead_ms;
    self->snap = self->settings;
    self->snap.lookahead_ms = la;       /* structural: applied in setup() */
    self->dirty = FALSE;
    changed = TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  if (!self->dyn)
    return;
  if (changed)
    master_dynamics_set_params (self->dyn, &self->snap.dyn);

  neutral = self->snap.dyn.ratio <= 1.0
      && master_dynamics_makeup_total_db (&self->snap.dyn) == 0.0
      && g_atomic_int_get (&self->latency) == 0
      && master_dynamics_is_transparent (self->dyn)
      && !gst_object_has_active_control_bindings (GST_OBJECT (self));
  if (neutral != self->was_passthrough) {
    if (!neutral)
      master_dynamics_reset (self->dyn);
    self->was_passthrough = neutral;
    gst_base_transform_set_passthrough (bt, neutral);
  }
  if (neutral) {
    /* transform_ip() is skipped: keep the messages coming (no reduction) */
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

static void
post_message (GstMasterComp * self, GstClockTime ts, GstClockTime duration)
{
  GstBaseTransform *bt = GST_BASE_TRANSFORM (self);
  gdouble gr = self->dyn ? master_dynamics_take_gain_reduction_db (self->dyn)
      : 0.0;
  GstStructure *s = gst_master_message_structure_new (bt, "mastercomp", ts,
      duration);
  gst_structure_set (s, "gain-reduction", G_TYPE_DOUBLE, gr, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* count frames; post a message for every completed interval */
static void
account_messages (GstMasterComp * self, GstClockTime end_ts, guint n,
    gint rate)
{
  GstClockTime start, dur;
  if (gst_master_message_interval_add (&self->msg_frames, n, rate,
          self->snap.interval, end_ts, &start, &dur))
    post_message (self, start, dur);
}

static GstFlowReturn
gst_master_comp_transform_ip (GstBaseTransform * bt, GstBuffer * buf)
{
  GstMasterComp *self = GST_MASTER_COMP (bt);
  GstAudioFilter *filter = GST_AUDIO_FILTER (bt);
  gint bpf = GST_AUDIO_INFO_BPF (&filter->info);
  gint rate = GST_AUDIO_INFO_RATE (&filter->info);
  GstMapInfo map;
  guint n;
  int bad;
  GstClockTime end_ts = GST_CLOCK_TIME_NONE;

  if (!self->dyn || bpf == 0)
    return GST_FLOW_NOT_NEGOTIATED;
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_FLOW_ERROR;
  n = map.size / bpf;
  gst_master_align_input (&self->align, buf, n, rate);
  bad = self->process (self->dyn, map.data, map.data, (int) n);
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

  if (!gst_master_align_output (&self->align, buf, n, rate, bpf))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  return GST_FLOW_OK;
}

static void
drain_process (gpointer user_data, gpointer data, guint n)
{
  GstMasterComp *self = user_data;
  self->process (self->dyn, data, data, (int) n);
}

static void
drain (GstMasterComp * self)
{
  GstAudioFilter *filter = GST_AUDIO_FILTER (self);

  if (self->dyn)
    gst_master_align_drain (&self->align, GST_BASE_TRANSFORM_SRC_PAD (self),
        GST_AUDIO_INFO_RATE (&filter->info), GST_AUDIO_INFO_BPF (&filter->info),
        drain_process, self);
}

static gboolean
gst_master_comp_sink_event (GstBaseTransform * bt, GstEvent * event)
{
  GstMasterComp *self = GST_MASTER_COMP (bt);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      if (self->dyn)
        master_dynamics_reset (self->dyn);
      gst_master_align_reset (&self->align, g_atomic_int_get (&self->latency));
      self->msg_frames = 0;
      break;
    case GST_EVENT_STREAM_START:
      self->warned_nonfinite = FALSE;
      break;
    case GST_EVENT_EOS:
      if (!gst_base_transform_is_passthrough (bt))
        drain (self);
      if (self->dyn) {
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
  return GST_BASE_TRANSFORM_CLASS (gst_master_comp_parent_class)->sink_event
      (bt, event);
}

static gboolean
gst_master_comp_query (GstBaseTransform * bt, GstPadDirection direction,
    GstQuery * query)
{
  GstMasterComp *self = GST_MASTER_COMP (bt);
  gboolean res = GST_BASE_TRANSFORM_CLASS (gst_master_comp_parent_class)->query
      (bt, direction, query);

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
gst_master_comp_class_init (GstMasterCompClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *bt_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags ctl = flags | GST_PARAM_CONTROLLABLE;

  GST_DEBUG_CATEGORY_INIT (mastercomp_debug, "mastercomp", 0,
      "mastering compressor");

  gobject_class->set_property = gst_master_comp_set_property;
  gobject_class->get_property = gst_master_comp_get_property;
  gobject_class->finalize = gst_master_comp_finalize;

  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Level where compression starts (centre of the knee), dBFS",
          -80.0, 0.0, -18.0, ctl));
  g_object_class_install_property (gobject_class, PROP_RATIO,
      g_param_spec_double ("ratio", "Ratio",
          "Compression ratio above the threshold, input dB : output dB "
          "(1 = no compression)", 1.0, 100.0, 2.0, ctl));
  g_object_class_install_property (gobject_class, PROP_KNEE,
      g_param_spec_double ("knee", "Knee",
          "Width of the soft knee around the threshold, dB (0 = hard knee)",
          0.0, 24.0, 6.0, ctl));
  g_object_class_install_property (gobject_class, PROP_ATTACK,
      g_param_spec_double ("attack", "Attack",
          "Attack time constant, ms: the gain reduction covers 63 % of a "
          "level step in this time", 0.01, 500.0, 10.0, ctl));
  g_object_class_install_property (gobject_class, PROP_RELEASE,
      g_param_spec_double ("release", "Release",
          "Release time constant, ms: the gain reduction recovers 63 % in "
          "this time (sustained part when auto-release is on)", 1.0, 5000.0,
          100.0, ctl));
  g_object_class_install_property (gobject_class, PROP_AUTO_RELEASE,
      g_param_spec_boolean ("auto-release", "Auto release",
          "Program-dependent release: short peaks recover in release/5 ms, "
          "sustained reduction in release ms (boolean)", FALSE, ctl));
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD,
      g_param_spec_double ("lookahead", "Lookahead",
          "Lookahead, ms (adds that much latency; output stays aligned)",
          0.0, MAX_LOOKAHEAD_MS, 0.0, flags | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_DETECTOR,
      g_param_spec_enum ("detector", "Detector",
          "Level detector: sample peak, or RMS over 20 ms (sine-referenced, "
          "dBFS)", GST_TYPE_MASTER_COMP_DETECTOR,
          MASTER_DYNAMICS_DETECTOR_PEAK, flags));
  g_object_class_install_property (gobject_class, PROP_LINK,
      g_param_spec_double ("link", "Stereo link",
          "Channel link, 0..1 (0 = each channel on its own level, 1 = all "
          "channels follow the loudest)", 0.0, 1.0, 1.0, ctl));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Stereo (channels as they are) or mid-side (2 channels only; "
          "other counts use stereo)", GST_TYPE_MASTER_COMP_MODE,
          MASTER_DYNAMICS_MODE_STEREO, flags));
  g_object_class_install_property (gobject_class, PROP_SIDECHAIN_HPF,
      g_param_spec_double ("sidechain-hpf", "Sidechain high-pass",
          "Cutoff of the 12 dB/oct high-pass in the detector path, Hz "
          "(0 = off)", 0.0, 2000.0, 0.0, ctl));
  g_object_class_install_property (gobject_class, PROP_MAKEUP,
      g_param_spec_double ("makeup", "Makeup gain",
          "Makeup gain applied to the compressed signal, dB", -24.0, 24.0,
          0.0, ctl));
  g_object_class_install_property (gobject_class, PROP_AUTO_MAKEUP,
      g_param_spec_boolean ("auto-makeup", "Automatic makeup",
          "Add half the gain reduction a 0 dBFS signal gets, dB (boolean)",
          FALSE, flags));
  g_object_class_install_property (gobject_class, PROP_MIX,
      g_param_spec_double ("mix", "Mix",
          "Dry/wet mix for parallel compression, 0..1 (0 = dry, 1 = "
          "compressed)", 0.0, 1.0, 1.0, ctl));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Interval of gain-reduction messages, ns (0 = only at EOS)",
          0, G_MAXUINT64, DEFAULT_INTERVAL, flags));

  gst_element_class_set_static_metadata (element_class,
      "Mastering compressor", "Filter/Effect/Audio",
      "Compressor with soft knee, peak/RMS detection, lookahead, stereo "
      "link, mid/side, sidechain high-pass, makeup and dry/wet mix",
      "gst-mastering");

  caps = gst_caps_from_string (CAPS_STR);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_comp_setup);
  bt_class->transform_ip = GST_DEBUG_FUNCPTR (gst_master_comp_transform_ip);
  bt_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_master_comp_before_transform);
  bt_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_comp_sink_event);
  bt_class->query = GST_DEBUG_FUNCPTR (gst_master_comp_query);
  bt_class->stop = GST_DEBUG_FUNCPTR (gst_master_comp_stop);
  bt_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_COMP_DETECTOR, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_COMP_MODE, 0);
}

static void
gst_master_comp_init (GstMasterComp * self)
{
  master_dynamics_params_init (&self->settings.dyn);
  self->settings.lookahead_ms = 0.0;
  self->settings.interval = DEFAULT_INTERVAL;
  self->snap = self->settings;
  self->dirty = TRUE;
}
