/* gst-mastering: masterfade, sample-accurate fades
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-masterfade
 * @title: masterfade
 *
 * Fades in at the start of a stream and out at its end, sample-accurately,
 * for 1 to 8 channels of F32LE or F64LE audio. Positions are stream time
 * (from the segment), so seeks and segments are handled: after a seek into
 * the middle of a file there is no fade-in, and the fade-out still ends at
 * the end of the file.
 *
 * * #GstMasterFade:fade-in: seconds of fade-in from stream time 0. The first
 *   sample (stream time 0) is exactly 0.
 * * #GstMasterFade:fade-out: seconds of fade-out ending at
 *   #GstMasterFade:fade-out-end (stream time in ns). By default (-1) the end
 *   is the stream's duration: the element asks upstream with a DURATION
 *   query at the first buffer after each segment (and retries once per
 *   second of stream while it is unknown), then falls back to the segment's
 *   duration field and to the segment stop. The last sample before the end
 *   (the last sample of the file when the end is its duration) is exactly 0
 *   and everything after it is silent. An EOS position cannot be used: a
 *   fade-out must start before the end is reached and a file pipeline
 *   would have to buffer the whole fade-out; when no duration is known the
 *   fade-out is skipped (set fade-out-end, or use the signals).
 * * #GstMasterFade:curve: the gain C(x) for the fade position x (0 = silent
 *   end, 1 = full level; x = (p - start) / length for a fade-in and
 *   (end - p) / length for a fade-out, p = stream sample):
 *   `linear` C = x;
 *   `logarithmic` C = log10(1 + 999 x) / 3 (fast rise, -0.9 dB half-way);
 *   `exponential` C = (10^(3x) - 1) / 999 (linear in dB over about 60 dB,
 *   -30.3 dB half-way);
 *   `s-curve` C = (1 - cos(pi x)) / 2 (raised cosine);
 *   `equal-power` C = sin(pi x / 2) (C(x)^2 + C(1-x)^2 = 1, -3 dB half-way).
 *   The applied gain matches the formula within 1e-6 (measured 3e-8 for F32,
 *   5e-15 for F64).
 *
 * Live streams: the action signal `start-fade-out` starts a fade-out of
 * #GstMasterFade:fade-out seconds at the next buffer, continuing from the
 * current gain (no jump); afterwards the output stays silent. With
 * #GstMasterFade:eos-after-fade-out the element then ends the stream: the
 * buffer that contains the end is cut after its last (zero) sample, EOS is
 * sent downstream and upstream gets GST_FLOW_EOS. `start-fade-in` starts a
 * fade-in of #GstMasterFade:fade-in seconds from the current gain (from
 * silence after a fade-out). After a signal the properties no longer drive
 * the fades until the next flush. eos-after-fade-out also applies to the
 * property-driven fade-out (cut a file at fade-out-end).
 *
 * Property changes while a fade runs are de-clicked: a jump of the gain is
 * spread over 5 ms. Non-finite input samples are replaced by 0 and one
 * warning is posted per stream. Outside the fades the element is a
 * passthrough (bit-exact). Reverse playback is not supported (positions
 * assume rate > 0).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=in.wav ! wavparse ! audioconvert ! \
 *     masterfade fade-in=2 fade-out=5 curve=s-curve ! audioconvert ! \
 *     wavenc ! filesink location=out.wav
 * ]| fades the file in over 2 s and out over its last 5 s.
 * |[
 * gst-launch-1.0 filesrc location=in.wav ! wavparse ! audioconvert ! \
 *     masterfade fade-out=3 fade-out-end=30000000000 eos-after-fade-out=true ! \
 *     audioconvert ! wavenc ! filesink location=first-30s.wav
 * ]| keeps the first 30 s with a 3 s fade-out ending at 30 s.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmasterfade.h"
#include "gstmasterenum.h"

#include <math.h>
#include <string.h>

#include "nonfinite.h"

GST_DEBUG_CATEGORY_STATIC (gst_master_fade_debug);
#define GST_CAT_DEFAULT gst_master_fade_debug

#define DEFAULT_FADE_IN 0.0
#define DEFAULT_FADE_OUT 0.0
#define DEFAULT_CURVE MASTER_FADE_CURVE_LINEAR
#define DEFAULT_FADE_OUT_END GST_CLOCK_TIME_NONE
#define DEFAULT_EOS_AFTER_FADE_OUT FALSE
#define MAX_FADE_SECONDS 3600.0

enum
{
  PROP_0,
  PROP_FADE_IN,
  PROP_FADE_OUT,
  PROP_CURVE,
  PROP_FADE_OUT_END,
  PROP_EOS_AFTER_FADE_OUT,
};

enum
{
  SIGNAL_START_FADE_OUT,
  SIGNAL_START_FADE_IN,
  LAST_SIGNAL
};

static guint gst_master_fade_signals[LAST_SIGNAL];

#define CAPS_STR \
    "audio/x-raw, format = (string) { F32LE, F64LE }, " \
    "rate = (int) [ 8000, 384000 ], channels = (int) [ 1, 8 ], " \
    "layout = (string) interleaved"

GType
gst_master_fade_curve_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {MASTER_FADE_CURVE_LINEAR, "Linear: C = x", "linear"},
    {MASTER_FADE_CURVE_LOGARITHMIC,
        "Logarithmic: C = log10(1 + 999x) / 3", "logarithmic"},
    {MASTER_FADE_CURVE_EXPONENTIAL,
        "Exponential: C = (10^(3x) - 1) / 999", "exponential"},
    {MASTER_FADE_CURVE_S_CURVE, "S-curve: C = (1 - cos(pi x)) / 2",
        "s-curve"},
    {MASTER_FADE_CURVE_EQUAL_POWER, "Equal power: C = sin(pi x / 2)",
        "equal-power"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&id)) {
    GType t = gst_master_enum_register ("GstMasterFadeCurve", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

G_DEFINE_TYPE (GstMasterFade, gst_master_fade, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (masterfade, "masterfade", GST_RANK_NONE,
    GST_TYPE_MASTER_FADE);

static void gst_master_fade_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_master_fade_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gboolean gst_master_fade_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_master_fade_start (GstBaseTransform * trans);
static gboolean gst_master_fade_stop (GstBaseTransform * trans);
static void gst_master_fade_before_transform (GstBaseTransform * trans,
    GstBuffer * buffer);
static GstFlowReturn gst_master_fade_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_master_fade_generate_output (GstBaseTransform *
    trans, GstBuffer ** outbuf);
static gboolean gst_master_fade_sink_event (GstBaseTransform * trans,
    GstEvent * event);

static size_t
process_f32 (MasterFade * f, gpointer data, gsize n, gint64 pos)
{
  return master_fade_process_f32 (f, data, data, n, pos);
}

static size_t
process_f64 (MasterFade * f, gpointer data, gsize n, gint64 pos)
{
  return master_fade_process_f64 (f, data, data, n, pos);
}

static void
start_fade_out (GstMasterFade * self)
{
  GST_OBJECT_LOCK (self);
  self->pending_fade_out = TRUE;
  self->pending_fade_in = FALSE;
  GST_OBJECT_UNLOCK (self);
}

static void
start_fade_in (GstMasterFade * self)
{
  GST_OBJECT_LOCK (self);
  self->pending_fade_in = TRUE;
  self->pending_fade_out = FALSE;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_fade_class_init (GstMasterFadeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (gst_master_fade_debug, "masterfade", 0,
      "sample-accurate fades");

  gobject_class->set_property = gst_master_fade_set_property;
  gobject_class->get_property = gst_master_fade_get_property;

  g_object_class_install_property (gobject_class, PROP_FADE_IN,
      g_param_spec_double ("fade-in", "Fade-in",
          "Fade-in length in seconds from stream time 0 (also the length "
          "used by start-fade-in); 0 = none", 0.0, MAX_FADE_SECONDS,
          DEFAULT_FADE_IN, rw | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_FADE_OUT,
      g_param_spec_double ("fade-out", "Fade-out",
          "Fade-out length in seconds ending at fade-out-end (also the "
          "length used by start-fade-out); 0 = none", 0.0, MAX_FADE_SECONDS,
          DEFAULT_FADE_OUT, rw | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_CURVE,
      g_param_spec_enum ("curve", "Curve",
          "Fade curve (gain as a function of the fade position, unitless)",
          GST_TYPE_MASTER_FADE_CURVE, DEFAULT_CURVE, rw));
  g_object_class_install_property (gobject_class, PROP_FADE_OUT_END,
      g_param_spec_uint64 ("fade-out-end", "Fade-out end",
          "Stream time in ns where the fade-out ends (-1 = the stream "
          "duration from an upstream duration query)", 0, G_MAXUINT64,
          DEFAULT_FADE_OUT_END, rw));
  g_object_class_install_property (gobject_class, PROP_EOS_AFTER_FADE_OUT,
      g_param_spec_boolean ("eos-after-fade-out", "EOS after fade-out",
          "End the stream (cut the buffer, send EOS) when a fade-out "
          "reaches its end (boolean)", DEFAULT_EOS_AFTER_FADE_OUT, rw));

  /**
   * GstMasterFade::start-fade-out:
   *
   * Starts a fade-out of #GstMasterFade:fade-out seconds at the next
   * buffer, from the current gain; with #GstMasterFade:eos-after-fade-out
   * the stream ends with it.
   */
  gst_master_fade_signals[SIGNAL_START_FADE_OUT] =
      g_signal_new_class_handler ("start-fade-out",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (start_fade_out), NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GstMasterFade::start-fade-in:
   *
   * Starts a fade-in of #GstMasterFade:fade-in seconds at the next buffer,
   * from the current gain (from silence after a fade-out).
   */
  gst_master_fade_signals[SIGNAL_START_FADE_IN] =
      g_signal_new_class_handler ("start-fade-in",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (start_fade_in), NULL, NULL, NULL, G_TYPE_NONE, 0);

  gst_element_class_set_static_metadata (element_class,
      "Mastering fade", "Filter/Effect/Audio",
      "Sample-accurate fade-in and fade-out with five curves, for files "
      "(stream duration) and live streams (action signals)",
      "gst-mastering");

  caps = gst_caps_from_string (CAPS_STR);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_fade_setup);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_master_fade_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_master_fade_stop);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_master_fade_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_master_fade_transform_ip);
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_master_fade_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_fade_sink_event);
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_FADE_CURVE, 0);
  (void) gst_master_fade_signals;
}

static void
gst_master_fade_init (GstMasterFade * self)
{
  self->fade_in = DEFAULT_FADE_IN;
  self->fade_out = DEFAULT_FADE_OUT;
  self->curve = DEFAULT_CURVE;
  self->fade_out_end = DEFAULT_FADE_OUT_END;
  self->eos_after_fade_out = DEFAULT_EOS_AFTER_FADE_OUT;
  self->next_pos = -1;
  self->duration = GST_CLOCK_TIME_NONE;
  self->need_duration = TRUE;
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_master_fade_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterFade *self = GST_MASTER_FADE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_FADE_IN:
      self->fade_in = g_value_get_double (value);
      break;
    case PROP_FADE_OUT:
      self->fade_out = g_value_get_double (value);
      break;
    case PROP_CURVE:
      self->curve = g_value_get_enum (value);
      break;
    case PROP_FADE_OUT_END:
      self->fade_out_end = g_value_get_uint64 (value);
      break;
    case PROP_EOS_AFTER_FADE_OUT:
      self->eos_after_fade_out = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_fade_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterFade *self = GST_MASTER_FADE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_FADE_IN:
      g_value_set_double (value, self->fade_in);
      break;
    case PROP_FADE_OUT:
      g_value_set_double (value, self->fade_out);
      break;
    case PROP_CURVE:
      g_value_set_enum (value, self->curve);
      break;
    case PROP_FADE_OUT_END:
      g_value_set_uint64 (value, self->fade_out_end);
      break;
    case PROP_EOS_AFTER_FADE_OUT:
      g_value_set_boolean (value, self->eos_after_fade_out);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* forget positions and live overrides: flush, (re)start */
static void
reset_stream (GstMasterFade * self)
{
  if (self->dsp)
    master_fade_reset (self->dsp);
  self->manual = FALSE;
  self->next_pos = -1;
  self->need_duration = TRUE;
  self->duration_retry_pos = 0;
  self->eos_due = FALSE;
  self->eos_sent = FALSE;
  GST_OBJECT_LOCK (self);
  self->pending_fade_in = self->pending_fade_out = FALSE;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_master_fade_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterFade *self = GST_MASTER_FADE (filter);
  gint ch = GST_AUDIO_INFO_CHANNELS (info);

  switch (GST_AUDIO_INFO_FORMAT (info)) {
    case GST_AUDIO_FORMAT_F32LE:
      self->process = process_f32;
      break;
    case GST_AUDIO_FORMAT_F64LE:
      self->process = process_f64;
      break;
    default:
      return FALSE;
  }
  /* a rate change needs new positions; same rate and channels keep the
   * running fade */
  if (!self->dsp || self->rate != GST_AUDIO_INFO_RATE (info)
      || self->channels != ch) {
    master_fade_free (&self->dsp);
    self->dsp = master_fade_new (GST_AUDIO_INFO_RATE (info), ch);
    if (!self->dsp)
      return FALSE;
    self->rate = GST_AUDIO_INFO_RATE (info);
    self->channels = ch;
    self->next_pos = -1;
  }
  self->bpf = GST_AUDIO_INFO_BPF (info);
  return TRUE;
}

static gboolean
gst_master_fade_start (GstBaseTransform * trans)
{
  GstMasterFade *self = GST_MASTER_FADE (trans);
  self->warned_nonfinite = FALSE;
  self->duration = GST_CLOCK_TIME_NONE;
  reset_stream (self);
  return TRUE;
}

static gboolean
gst_master_fade_stop (GstBaseTransform * trans)
{
  GstMasterFade *self = GST_MASTER_FADE (trans);
  master_fade_free (&self->dsp);
  self->rate = self->channels = 0;
  return TRUE;
}

/* Stream duration (stream time, ns): upstream DURATION query, then the
 * segment's duration, then the segment stop. */
static GstClockTime
find_duration (GstMasterFade * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  gint64 d = -1;
  if (gst_pad_peer_query_duration (GST_BASE_TRANSFORM_SINK_PAD (trans),
          GST_FORMAT_TIME, &d) && d > 0)
    return (GstClockTime) d;
  if (trans->segment.format == GST_FORMAT_TIME) {
    if (GST_CLOCK_TIME_IS_VALID (trans->segment.duration))
      return trans->segment.duration;
    if (GST_CLOCK_TIME_IS_VALID (trans->segment.stop))
      return gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
          trans->segment.stop);
  }
  return GST_CLOCK_TIME_NONE;
}

static void
gst_master_fade_before_transform (GstBaseTransform * trans,
    GstBuffer * buffer)
{
  GstMasterFade *self = GST_MASTER_FADE (trans);
  GstClockTime ts = GST_BUFFER_PTS (buffer), stream_time;
  gdouble fade_in, fade_out;
  MasterFadeCurve curve;
  GstClockTime end;
  gboolean eos_after, want_out, want_in, passthrough;
  gint64 pos;
  gsize n;
  const MasterFadeSchedule *cur;

  if (!self->dsp)
    return;

  stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
      ts);
  /* controller values first, never under our own lock */
  if (GST_CLOCK_TIME_IS_VALID (stream_time))
    gst_object_sync_values (GST_OBJECT (self), stream_time);

  GST_OBJECT_LOCK (self);
  fade_in = self->fade_in;
  fade_out = self->fade_out;
  curve = self->curve;
  end = self->fade_out_end;
  eos_after = self->eos_after_fade_out;
  want_out = self->pending_fade_out;
  want_in = self->pending_fade_in;
  self->pending_fade_out = self->pending_fade_in = FALSE;
  GST_OBJECT_UNLOCK (self);

  /* stream sample position of the first frame: from the timestamp, kept
   * contiguous with the previous buffer when within one sample */
  n = gst_buffer_get_size (buffer) / self->bpf;
  if (GST_CLOCK_TIME_IS_VALID (stream_time)) {
    pos = (gint64) gst_util_uint64_scale_round (stream_time, self->rate,
        GST_SECOND);
    if (self->next_pos >= 0 && !GST_BUFFER_IS_DISCONT (buffer)
        && ABS (pos - self->next_pos) <= 1)
      pos = self->next_pos;
  } else {
    pos = self->next_pos >= 0 ? self->next_pos : 0;
  }
  self->next_pos = pos + (gint64) n;

  /* the fade-out end of a file: the stream duration, looked up at the first
   * buffer of each segment and retried every second while unknown */
  if (self->need_duration || (!GST_CLOCK_TIME_IS_VALID (self->duration)
          && pos >= self->duration_retry_pos)) {
    GstClockTime d = find_duration (self);
    if (GST_CLOCK_TIME_IS_VALID (d))
      self->duration = d;
    self->need_duration = FALSE;
    self->duration_retry_pos = pos + self->rate;
    GST_DEBUG_OBJECT (self, "duration %" GST_TIME_FORMAT,
        GST_TIME_ARGS (self->duration));
  }
  if (!GST_CLOCK_TIME_IS_VALID (end))
    end = self->duration;

  if (want_out) {
    master_fade_start_out (self->dsp, pos, fade_out * self->rate, curve);
    self->manual = TRUE;
  } else if (want_in) {
    master_fade_start_in (self->dsp, pos, fade_in * self->rate, curve);
    self->manual = TRUE;
  } else if (!self->manual) {
    MasterFadeSchedule s;
    memset (&s, 0, sizeof (s));
    s.curve = curve;
    s.has_in = fade_in > 0.0;
    s.in_start = 0.0;
    s.in_len = fade_in * self->rate;
    s.has_out = fade_out > 0.0 && GST_CLOCK_TIME_IS_VALID (end);
    if (s.has_out) {
      /* last sample inside [0, end): exactly 0 */
      s.out_end = (double) gst_util_uint64_scale_ceil (end, self->rate,
          GST_SECOND) - 1.0;
      s.out_len = fade_out * self->rate;
    }
    master_fade_set_schedule (self->dsp, &s, pos);
  }

  /* end of stream after the fade-out: keep the frames up to the first
   * zero-gain sample */
  cur = master_fade_get_schedule (self->dsp);
  self->eos_due = FALSE;
  if (eos_after && cur->has_out) {
    double first_zero = ceil (cur->out_end);
    if (first_zero < (double) (pos + (gint64) n)) {
      double keep = first_zero - (double) pos + 1.0;
      self->eos_due = TRUE;
      self->eos_keep = keep <= 0.0 ? 0 : (gsize) keep;
    }
  }

  passthrough = !self->eos_due && master_fade_is_unity (self->dsp, pos, n)
      && !gst_object_has_active_control_bindings (GST_OBJECT (self));
  if (passthrough) {
    GstMapInfo map;
    if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
      gsize bps = self->bpf / self->channels;
      passthrough = bps == 8 ?
          !master_nonfinite_any_f64 ((const double *) map.data, map.size / 8) :
          !master_nonfinite_any_f32 ((const float *) map.data, map.size / 4);
      gst_buffer_unmap (buffer, &map);
    }
  }
  gst_base_transform_set_passthrough (trans, passthrough);
}

static GstFlowReturn
gst_master_fade_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasterFade *self = GST_MASTER_FADE (trans);
  GstMapInfo map;
  gsize n;
  size_t bad;
  gint64 pos;

  if (!self->dsp)
    return GST_FLOW_NOT_NEGOTIATED;
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_FLOW_ERROR;
  n = map.size / self->bpf;
  pos = self->next_pos - (gint64) n;
  bad = self->process (self->dsp, map.data, n, pos);
  gst_buffer_unmap (buf, &map);

  if (self->eos_due && self->eos_keep < n) {
    gst_buffer_resize (buf, 0, self->eos_keep * self->bpf);
    if (GST_BUFFER_PTS_IS_VALID (buf))
      GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (self->eos_keep,
          GST_SECOND, self->rate);
    if (GST_BUFFER_OFFSET_IS_VALID (buf))
      GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET (buf) + self->eos_keep;
  }

  if (bad && !self->warned_nonfinite) {
    self->warned_nonfinite = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, (NULL),
        ("%" G_GSIZE_FORMAT " non-finite (NaN/Inf) input samples replaced by "
            "0; further ones in this stream are replaced silently", bad));
  }
  return GST_FLOW_OK;
}

/* Ends the stream after the buffer that completes a fade-out when
 * eos-after-fade-out is set: push that buffer ourselves, then EOS, and
 * answer upstream with GST_FLOW_EOS from then on. */
static GstFlowReturn
gst_master_fade_generate_output (GstBaseTransform * trans,
    GstBuffer ** outbuf)
{
  GstMasterFade *self = GST_MASTER_FADE (trans);
  GstFlowReturn ret;

  if (self->eos_sent) {
    gst_buffer_replace (&trans->queued_buf, NULL);
    *outbuf = NULL;
    return GST_FLOW_EOS;
  }
  ret = GST_BASE_TRANSFORM_CLASS (gst_master_fade_parent_class)->
      generate_output (trans, outbuf);
  if (ret != GST_FLOW_OK || !self->eos_due)
    return ret;

  self->eos_due = FALSE;
  self->eos_sent = TRUE;
  if (*outbuf) {
    if (gst_buffer_get_size (*outbuf) > 0)
      ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (trans), *outbuf);
    else
      gst_buffer_unref (*outbuf);
    *outbuf = NULL;
  }
  GST_DEBUG_OBJECT (self, "fade-out complete, sending EOS");
  gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (trans), gst_event_new_eos ());
  return ret == GST_FLOW_OK ? GST_FLOW_EOS : ret;
}

static gboolean
gst_master_fade_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasterFade *self = GST_MASTER_FADE (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      reset_stream (self);
      break;
    case GST_EVENT_SEGMENT:
      /* positions may jump: take them from the timestamps again and ask for
       * the duration again */
      self->next_pos = -1;
      self->need_duration = TRUE;
      if (self->dsp)
        master_fade_reset (self->dsp);
      break;
    case GST_EVENT_STREAM_START:
      self->warned_nonfinite = FALSE;
      break;
    case GST_EVENT_EOS:
      if (self->eos_sent) {
        /* we ended the stream already */
        gst_event_unref (event);
        return TRUE;
      }
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_master_fade_parent_class)->sink_event
      (trans, event);
}
