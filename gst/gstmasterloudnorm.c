/* masterloudnorm: loudness normalisation to a delivery target.
 *
 * SECTION:element-masterloudnorm
 * @title: masterloudnorm
 *
 * Brings programme loudness (BS.1770 / EBU R128 integrated loudness, LUFS) to
 * a target.
 *
 * In `static` mode it applies one gain, `target - measured-integrated`, where
 * `measured-integrated` comes from an earlier analysis pass (for example the
 * `integrated` field of mastermeter's final message). The result is exact.
 *
 * In `live` mode it is an automatic gain control for streams and radio: it
 * measures the input's momentary loudness every 100 ms, ignores silence
 * (below `gate`) and passages far below the programme (relative gate), keeps
 * a slow gated estimate of the programme loudness and moves the gain toward
 * `target - estimate` at no more than `max-rate` dB/s and never above
 * `max-gain`. It holds the gain during silence, GAP buffers and the first
 * second of a new track after silence, so it does not pump on track
 * boundaries.
 *
 * Gain changes are per-sample linear ramps (no zipper noise). The element
 * only sets loudness: the true-peak ceiling is masterlimiter's job; place one
 * after it (`preset-ceiling` gives the preset's ceiling).
 *
 * Every `interval` ns and at EOS it posts an element message
 * `masterloudnorm` with fields timestamp, stream-time, running-time,
 * duration (guint64 ns), gain (dB), loudness (LUFS: the live estimate, or
 * measured-integrated in static mode), momentary (LUFS, live input), target
 * (LUFS), holding (boolean, live gate closed).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m uridecodebin uri=file:///radio.ogg ! audioconvert ! \
 *     masterloudnorm mode=live preset=ebu-r128 ! masterlimiter ceiling=-1 ! \
 *     audioconvert ! autoaudiosink
 * gst-launch-1.0 filesrc location=in.wav ! wavparse ! audioconvert ! \
 *     masterloudnorm mode=static measured-integrated=-19.4 preset=streaming ! \
 *     masterlimiter ceiling=-1 ! audioconvert ! wavenc ! filesink location=out.wav
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>

#include "gstmasterloudnorm.h"
#include "gstmasterenum.h"
#include "gstmastermessage.h"

GST_DEBUG_CATEGORY_STATIC (master_loudnorm_debug);
#define GST_CAT_DEFAULT master_loudnorm_debug

#define DEFAULT_PRESET GST_MASTER_LOUDNORM_PRESET_STREAMING
#define DEFAULT_TARGET (-14.0)
#define DEFAULT_CEILING (-1.0)
#define DEFAULT_MODE MASTER_LOUDNORM_MODE_LIVE
#define DEFAULT_MEASURED (-14.0)
#define DEFAULT_MAX_GAIN 20.0
#define DEFAULT_MAX_RATE 3.0
#define DEFAULT_GATE (-50.0)
#define DEFAULT_INTERVAL (100 * GST_MSECOND)

enum
{
  PROP_0,
  PROP_TARGET,
  PROP_PRESET,
  PROP_PRESET_CEILING,
  PROP_MODE,
  PROP_MEASURED_INTEGRATED,
  PROP_MAX_GAIN,
  PROP_MAX_RATE,
  PROP_GATE,
  PROP_INTERVAL,
  PROP_GAIN,
};

#define ALLOWED_CAPS \
  "audio/x-raw, format = (string) { F32LE, F64LE }, " \
  "rate = (int) [ 8000, 384000 ], channels = (int) [ 1, 8 ], " \
  "layout = (string) interleaved"

G_DEFINE_TYPE (GstMasterLoudnorm, gst_master_loudnorm, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (masterloudnorm, "masterloudnorm", GST_RANK_NONE,
    GST_TYPE_MASTER_LOUDNORM);

/* ---- enums ---- */

static const struct
{
  GstMasterLoudnormPreset preset;
  gdouble target;               /* LUFS */
  gdouble ceiling;              /* dBTP */
} preset_table[] = {
  {GST_MASTER_LOUDNORM_PRESET_STREAMING, -14.0, -1.0},
  {GST_MASTER_LOUDNORM_PRESET_APPLE, -16.0, -1.0},
  {GST_MASTER_LOUDNORM_PRESET_EBU_R128, -23.0, -1.0},
  {GST_MASTER_LOUDNORM_PRESET_ATSC_A85, -24.0, -2.0},
  {GST_MASTER_LOUDNORM_PRESET_PODCAST, -16.0, -1.0},
};

GType
gst_master_loudnorm_preset_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MASTER_LOUDNORM_PRESET_CUSTOM, "Custom target", "custom"},
    {GST_MASTER_LOUDNORM_PRESET_STREAMING,
        "Streaming music (Spotify, YouTube, Amazon): -14 LUFS, -1 dBTP",
        "streaming"},
    {GST_MASTER_LOUDNORM_PRESET_APPLE,
        "Apple Music / AES TD1004: -16 LUFS, -1 dBTP", "apple"},
    {GST_MASTER_LOUDNORM_PRESET_EBU_R128,
        "EBU R128 broadcast: -23 LUFS, -1 dBTP", "ebu-r128"},
    {GST_MASTER_LOUDNORM_PRESET_ATSC_A85, "ATSC A/85: -24 LKFS, -2 dBTP",
        "atsc-a85"},
    {GST_MASTER_LOUDNORM_PRESET_PODCAST,
        "Podcast (AES TD1008): -16 LUFS, -1 dBTP", "podcast"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = gst_master_enum_register ("GstMasterLoudnormPreset", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_master_loudnorm_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {MASTER_LOUDNORM_MODE_STATIC,
        "One gain from measured-integrated (file mastering)", "static"},
    {MASTER_LOUDNORM_MODE_LIVE,
        "Automatic gain control for streams (rides the gain slowly)", "live"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = gst_master_enum_register ("GstMasterLoudnormMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

gboolean
gst_master_loudnorm_preset_values (GstMasterLoudnormPreset preset,
    gdouble * target_lufs, gdouble * ceiling_dbtp)
{
  for (guint i = 0; i < G_N_ELEMENTS (preset_table); i++) {
    if (preset_table[i].preset == preset) {
      if (target_lufs)
        *target_lufs = preset_table[i].target;
      if (ceiling_dbtp)
        *ceiling_dbtp = preset_table[i].ceiling;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
gst_master_loudnorm_preset_from_name (const gchar * name,
    GstMasterLoudnormPreset * preset)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_MASTER_LOUDNORM_PRESET);
  GEnumValue *v = g_enum_get_value_by_nick (klass, name);
  if (v && preset)
    *preset = (GstMasterLoudnormPreset) v->value;
  g_type_class_unref (klass);
  return v != NULL;
}

/* ---- properties ---- */

static void
gst_master_loudnorm_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterLoudnorm *self = GST_MASTER_LOUDNORM (object);
  gboolean notify_preset = FALSE, notify_target = FALSE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_TARGET:{
      gdouble t = g_value_get_double (value), pt;
      self->settings.target_lufs = t;
      if (self->preset != GST_MASTER_LOUDNORM_PRESET_CUSTOM
          && (!gst_master_loudnorm_preset_values (self->preset, &pt, NULL)
              || pt != t)) {
        self->preset = GST_MASTER_LOUDNORM_PRESET_CUSTOM;
        notify_preset = TRUE;
      }
      break;
    }
    case PROP_PRESET:{
      gdouble t;
      self->preset = g_value_get_enum (value);
      if (gst_master_loudnorm_preset_values (self->preset, &t, NULL)) {
        self->settings.target_lufs = t;
        notify_target = TRUE;
      }
      break;
    }
    case PROP_MODE:
      self->settings.mode = g_value_get_enum (value);
      break;
    case PROP_MEASURED_INTEGRATED:
      self->settings.measured_lufs = g_value_get_double (value);
      break;
    case PROP_MAX_GAIN:
      self->settings.max_gain_db = g_value_get_double (value);
      break;
    case PROP_MAX_RATE:
      self->settings.max_rate_db_s = g_value_get_double (value);
      break;
    case PROP_GATE:
      self->settings.gate_lufs = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  self->settings_dirty = TRUE;
  GST_OBJECT_UNLOCK (self);

  if (notify_preset)
    g_object_notify (object, "preset");
  if (notify_target) {
    g_object_notify (object, "target");
    g_object_notify (object, "preset-ceiling");
  }
}

static void
gst_master_loudnorm_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterLoudnorm *self = GST_MASTER_LOUDNORM (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_TARGET:
      g_value_set_double (value, self->settings.target_lufs);
      break;
    case PROP_PRESET:
      g_value_set_enum (value, self->preset);
      break;
    case PROP_PRESET_CEILING:{
      gdouble c = DEFAULT_CEILING;
      gst_master_loudnorm_preset_values (self->preset, NULL, &c);
      g_value_set_double (value, c);
      break;
    }
    case PROP_MODE:
      g_value_set_enum (value, self->settings.mode);
      break;
    case PROP_MEASURED_INTEGRATED:
      g_value_set_double (value, self->settings.measured_lufs);
      break;
    case PROP_MAX_GAIN:
      g_value_set_double (value, self->settings.max_gain_db);
      break;
    case PROP_MAX_RATE:
      g_value_set_double (value, self->settings.max_rate_db_s);
      break;
    case PROP_GATE:
      g_value_set_double (value, self->settings.gate_lufs);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, self->interval);
      break;
    case PROP_GAIN:
      g_value_set_double (value, self->last_gain_db);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- streaming ---- */

static gboolean
gst_master_loudnorm_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterLoudnorm *self = GST_MASTER_LOUDNORM (filter);
  gint channels = GST_AUDIO_INFO_CHANNELS (info);
  gint rate = GST_AUDIO_INFO_RATE (info);

  if (self->dsp)
    master_loudnorm_free (self->dsp);
  self->dsp = master_loudnorm_new (channels, rate);
  if (!self->dsp) {
    GST_ERROR_OBJECT (self, "cannot set up for %d channels at %d Hz",
        channels, rate);
    return FALSE;
  }
  /* BS.1770 channel weights for the live measurement: LFE excluded,
   * surrounds +1.5 dB. */
  for (gint c = 0; c < channels; c++) {
    MasterLoudnormChannel t = MASTER_LOUDNORM_CHANNEL_NORMAL;
    switch (GST_AUDIO_INFO_POSITION (info, c)) {
      case GST_AUDIO_CHANNEL_POSITION_LFE1:
      case GST_AUDIO_CHANNEL_POSITION_LFE2:
        t = MASTER_LOUDNORM_CHANNEL_UNUSED;
        break;
      case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
      case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
      case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
      case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
        t = MASTER_LOUDNORM_CHANNEL_SURROUND;
        break;
      default:
        break;
    }
    master_loudnorm_set_channel (self->dsp, c, t);
  }
  self->is_f64 = GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_F64LE;
  self->channels = channels;
  self->rate = rate;

  GST_OBJECT_LOCK (self);
  self->params = self->settings;
  self->settings_dirty = FALSE;
  GST_OBJECT_UNLOCK (self);
  master_loudnorm_set_params (self->dsp, &self->params);
  master_loudnorm_reset (self->dsp);
  self->msg_frames = 0;
  self->msg_start = GST_CLOCK_TIME_NONE;
  self->warned_nonfinite = FALSE;
  return TRUE;
}

static gboolean
gst_master_loudnorm_stop (GstBaseTransform * trans)
{
  GstMasterLoudnorm *self = GST_MASTER_LOUDNORM (trans);
  master_loudnorm_free (self->dsp);
  self->dsp = NULL;
  return TRUE;
}

/* Neutral: static mode at 0 dB with no ramp left and nothing automated. */
static void
update_passthrough (GstMasterLoudnorm * self)
{
  gboolean neutral = self->params.mode == MASTER_LOUDNORM_MODE_STATIC
      && master_loudnorm_static_gain_db (&self->params) == 0.0
      && master_loudnorm_get_gain_db (self->dsp) == 0.0
      && !gst_object_has_active_control_bindings (GST_OBJECT (self));
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), neutral);
}

static void
gst_master_loudnorm_before_transform (GstBaseTransform * trans,
    GstBuffer * buffer)
{
  GstMasterLoudnorm *self = GST_MASTER_LOUDNORM (trans);
  GstClockTime ts = GST_BUFFER_TIMESTAMP (buffer);

  if (GST_CLOCK_TIME_IS_VALID (ts)) {
    GstClockTime stream_time = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, ts);
    /* before taking our own lock: the controller calls set_property */
    if (GST_CLOCK_TIME_IS_VALID (stream_time))
      gst_object_sync_values (GST_OBJECT (self), stream_time);
  }

  gboolean dirty;
  GST_OBJECT_LOCK (self);
  dirty = self->settings_dirty;
  if (dirty) {
    self->params = self->settings;
    self->settings_dirty = FALSE;
  }
  GST_OBJECT_UNLOCK (self);

  if (!self->dsp)
    return;
  if (dirty)
    master_loudnorm_set_params (self->dsp, &self->params);
  update_passthrough (self);
}

static void
post_message (GstMasterLoudnorm * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime ts = self->msg_start;
  GstClockTime duration = gst_util_uint64_scale_int (self->msg_frames,
      GST_SECOND, self->rate);
  gdouble gain = master_loudnorm_get_gain_db (self->dsp);
  GstStructure *s = gst_master_message_structure_new (trans, "masterloudnorm",
      ts, duration);
  gst_structure_set (s,
      "gain", G_TYPE_DOUBLE, gain,
      "loudness", G_TYPE_DOUBLE, master_loudnorm_get_loudness (self->dsp),
      "momentary", G_TYPE_DOUBLE, master_loudnorm_get_momentary (self->dsp),
      "target", G_TYPE_DOUBLE, self->params.target_lufs,
      "holding", G_TYPE_BOOLEAN, master_loudnorm_is_holding (self->dsp),
      NULL);
  self->msg_frames = 0;
  self->msg_start = GST_CLOCK_TIME_NONE;
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
account_frames (GstMasterLoudnorm * self, GstBuffer * buf, guint frames)
{
  guint64 interval;

  if (!GST_CLOCK_TIME_IS_VALID (self->msg_start))
    self->msg_start = GST_BUFFER_TIMESTAMP (buf);
  self->msg_frames += frames;

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  self->last_gain_db = master_loudnorm_get_gain_db (self->dsp);
  GST_OBJECT_UNLOCK (self);

  if (interval > 0 && gst_util_uint64_scale_int (self->msg_frames,
          GST_SECOND, self->rate) >= interval)
    post_message (self);
}

static GstFlowReturn
gst_master_loudnorm_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasterLoudnorm *self = GST_MASTER_LOUDNORM (trans);
  GstMapInfo map;
  guint bpf = self->channels * (self->is_f64 ? 8 : 4);

  if (G_UNLIKELY (!self->dsp))
    return GST_FLOW_NOT_NEGOTIATED;

  if (gst_base_transform_is_passthrough (trans)) {
    /* neutral: the buffer is not ours to write; still count time */
    guint frames = gst_buffer_get_size (buf) / bpf;
    master_loudnorm_hold (self->dsp, frames);
    account_frames (self, buf, frames);
    return GST_FLOW_OK;
  }

  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    /* Silence that is not programme: hold the gain and the estimate. The
     * samples are zero, so the buffer needs no change. */
    guint frames = gst_buffer_get_size (buf) / bpf;
    master_loudnorm_hold (self->dsp, frames);
    account_frames (self, buf, frames);
    return GST_FLOW_OK;
  }

  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_FLOW_ERROR;
  guint frames = map.size / bpf;
  int flags;
  if (self->is_f64)
    flags = master_loudnorm_process_f64 (self->dsp, (double *) map.data,
        (const double *) map.data, (int) frames);
  else
    flags = master_loudnorm_process_f32 (self->dsp, (float *) map.data,
        (const float *) map.data, (int) frames);
  gst_buffer_unmap (buf, &map);

  if ((flags & MASTER_LOUDNORM_NONFINITE_INPUT) && !self->warned_nonfinite) {
    self->warned_nonfinite = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Input contains NaN or infinite samples"),
        ("non-finite samples are replaced by silence"));
  }
  account_frames (self, buf, frames);
  return GST_FLOW_OK;
}

static gboolean
gst_master_loudnorm_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasterLoudnorm *self = GST_MASTER_LOUDNORM (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      /* A seek: the programme estimate no longer applies. (A DISCONT keeps
       * it: the AGC has no filter history, only a slow estimate that is
       * still right after a dropped packet.) */
      if (self->dsp)
        master_loudnorm_reset (self->dsp);
      self->msg_frames = 0;
      self->msg_start = GST_CLOCK_TIME_NONE;
      self->warned_nonfinite = FALSE;
      break;
    case GST_EVENT_EOS:
      if (self->dsp)
        post_message (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_master_loudnorm_parent_class)->sink_event
      (trans, event);
}

/* ---- class ---- */

static void
gst_master_loudnorm_finalize (GObject * object)
{
  GstMasterLoudnorm *self = GST_MASTER_LOUDNORM (object);
  master_loudnorm_free (self->dsp);
  self->dsp = NULL;
  G_OBJECT_CLASS (gst_master_loudnorm_parent_class)->finalize (object);
}

static void
gst_master_loudnorm_class_init (GstMasterLoudnormClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (master_loudnorm_debug, "masterloudnorm", 0,
      "masterloudnorm: loudness normalisation");

  gobject_class->set_property = gst_master_loudnorm_set_property;
  gobject_class->get_property = gst_master_loudnorm_get_property;
  gobject_class->finalize = gst_master_loudnorm_finalize;

  g_object_class_install_property (gobject_class, PROP_TARGET,
      g_param_spec_double ("target", "Target",
          "Integrated loudness to reach, LUFS (setting it makes preset "
          "'custom' unless it equals the preset's)", -70.0, 0.0,
          DEFAULT_TARGET, rw | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_PRESET,
      g_param_spec_enum ("preset", "Preset",
          "Delivery target: sets target (LUFS) and preset-ceiling (dBTP)",
          GST_TYPE_MASTER_LOUDNORM_PRESET, DEFAULT_PRESET, rw));
  g_object_class_install_property (gobject_class, PROP_PRESET_CEILING,
      g_param_spec_double ("preset-ceiling", "Preset ceiling",
          "True-peak ceiling of the preset, dBTP, for a limiter after this "
          "element (custom: -1)", -20.0, 0.0, DEFAULT_CEILING,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "static: one gain from measured-integrated; live: slow AGC",
          GST_TYPE_MASTER_LOUDNORM_MODE, DEFAULT_MODE, rw));
  g_object_class_install_property (gobject_class, PROP_MEASURED_INTEGRATED,
      g_param_spec_double ("measured-integrated", "Measured integrated",
          "Integrated loudness of the input from an analysis pass, LUFS "
          "(static mode)", -120.0, 20.0, DEFAULT_MEASURED,
          rw | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_MAX_GAIN,
      g_param_spec_double ("max-gain", "Maximum gain",
          "Largest boost applied, dB", 0.0, 60.0, DEFAULT_MAX_GAIN,
          rw | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_MAX_RATE,
      g_param_spec_double ("max-rate", "Maximum rate",
          "Fastest gain change in live mode, dB/s", 0.01, 60.0,
          DEFAULT_MAX_RATE, rw | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_GATE,
      g_param_spec_double ("gate", "Gate",
          "Live mode: momentary loudness below this is silence and holds "
          "the gain, LUFS", -90.0, -10.0, DEFAULT_GATE,
          rw | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Time between element messages, ns (0 = only at EOS)", 0,
          G_MAXUINT64, DEFAULT_INTERVAL, rw));
  g_object_class_install_property (gobject_class, PROP_GAIN,
      g_param_spec_double ("gain", "Gain",
          "Gain being applied, dB", -200.0, 60.0, 0.0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class,
      "Loudness normaliser", "Filter/Effect/Audio",
      "Brings integrated loudness (EBU R128, LUFS) to a delivery target, "
      "exactly from a measurement or as a slow AGC for live streams",
      "gst-mastering");

  caps = gst_caps_from_string (ALLOWED_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_master_loudnorm_transform_ip);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_master_loudnorm_before_transform);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_loudnorm_sink_event);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_master_loudnorm_stop);
  trans_class->transform_ip_on_passthrough = TRUE;
  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_loudnorm_setup);

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_LOUDNORM_PRESET, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_LOUDNORM_MODE, 0);
}

static void
gst_master_loudnorm_init (GstMasterLoudnorm * self)
{
  master_loudnorm_params_init (&self->settings);
  self->preset = DEFAULT_PRESET;
  self->settings.mode = DEFAULT_MODE;
  self->settings.target_lufs = DEFAULT_TARGET;
  self->settings.measured_lufs = DEFAULT_MEASURED;
  self->settings.max_gain_db = DEFAULT_MAX_GAIN;
  self->settings.max_rate_db_s = DEFAULT_MAX_RATE;
  self->settings.gate_lufs = DEFAULT_GATE;
  self->interval = DEFAULT_INTERVAL;
  self->settings_dirty = TRUE;
  self->params = self->settings;
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
