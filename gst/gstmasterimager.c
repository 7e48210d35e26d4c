/* gst-mastering: masterimager, stereo image control
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-masterimager
 * @title: masterimager
 *
 * Stereo image control in the mid/side domain, for **stereo streams only**
 * (the caps say `channels = 2`; put audioconvert in front for other
 * layouts). With M = (L + R) / 2 and S = (L - R) / 2:
 *
 * * #GstMasterImager:width scales the side signal: 0 folds to mono (L == R
 *   exactly), 1 leaves the image unchanged, 2 doubles the side level.
 * * #GstMasterImager:mid-gain and #GstMasterImager:side-gain (dB) scale mid
 *   and side.
 * * #GstMasterImager:bass-mono (Hz, 0 = off) removes side content below the
 *   frequency with a Linkwitz-Riley 4th-order high-pass on the side signal
 *   (LR4 low + high sums flat; the removed low band is discarded). One
 *   octave below the frequency side content is 24.6 dB down, at the
 *   frequency 6 dB, one octave above 0.5 dB. The mid signal passes through
 *   no filter: it is untouched, bit for bit.
 * * #GstMasterImager:balance (-1..1) attenuates the opposite channel
 *   linearly: +0.5 halves the left channel, +1 silences it.
 *
 * Mono compatibility: the mono fold-down (L + R) / 2 of the output is the
 * input's fold-down times the mid gain, whatever the width (measured:
 * 0.0000 dB difference at width 2). What widening adds is side energy, which
 * a mono listener never hears: on the test material the stereo-to-mono level
 * loss grows from 1.33 dB (input) to 3.85 dB at width 2.
 *
 * All parameters are controllable and smoothed with 20 ms linear ramps
 * (the bass-mono frequency glides in the log domain, and switching bass
 * mono on or off cross-fades). With width 1 and everything else at 0 the
 * element is a bit-exact null and works in passthrough unless a control
 * binding is active.
 *
 * Every #GstMasterImager:interval nanoseconds of audio, and at EOS for the
 * audio since the last message (if any; with interval 0 the whole stream),
 * with `final` = %TRUE, the element posts an element message `masterimager`
 * with
 * `timestamp`, `stream-time`, `running-time`, `duration` (#GstClockTime),
 * `correlation` (gdouble, -1..1: sum(LR) / sqrt(sum(L^2) sum(R^2)) of the
 * output; 0 when a channel is silent), `mid-level` and `side-level`
 * (gdouble, RMS dBFS of the output's mid and side, -inf for silence) and
 * `final` (gboolean).
 *
 * Non-finite input samples are replaced by 0 (filter state reset) and one
 * warning is posted per stream.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m filesrc location=in.wav ! wavparse ! audioconvert ! \
 *     masterimager width=1.3 bass-mono=120 interval=500000000 ! \
 *     audioconvert ! autoaudiosink
 * ]| widens by 30 %, keeps the bass below 120 Hz mono and posts correlation
 * and mid/side levels twice a second.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmasterimager.h"
#include "gstmastermessage.h"

#include <math.h>
#include <string.h>

#include "nonfinite.h"

GST_DEBUG_CATEGORY_STATIC (gst_master_imager_debug);
#define GST_CAT_DEFAULT gst_master_imager_debug

#define DEFAULT_WIDTH 1.0
#define DEFAULT_MID_GAIN 0.0
#define DEFAULT_SIDE_GAIN 0.0
#define DEFAULT_BASS_MONO 0.0
#define DEFAULT_BALANCE 0.0
#define DEFAULT_INTERVAL 0

enum
{
  PROP_0,
  PROP_WIDTH,
  PROP_MID_GAIN,
  PROP_SIDE_GAIN,
  PROP_BASS_MONO,
  PROP_BALANCE,
  PROP_INTERVAL,
};

#define CAPS_STR \
    "audio/x-raw, format = (string) { F32LE, F64LE }, " \
    "rate = (int) [ 8000, 384000 ], channels = (int) 2, " \
    "layout = (string) interleaved"

G_DEFINE_TYPE (GstMasterImager, gst_master_imager, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (masterimager, "masterimager", GST_RANK_NONE,
    GST_TYPE_MASTER_IMAGER);

static void gst_master_imager_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_master_imager_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gboolean gst_master_imager_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_master_imager_start (GstBaseTransform * trans);
static gboolean gst_master_imager_stop (GstBaseTransform * trans);
static void gst_master_imager_before_transform (GstBaseTransform * trans,
    GstBuffer * buffer);
static GstFlowReturn gst_master_imager_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static gboolean gst_master_imager_sink_event (GstBaseTransform * trans,
    GstEvent * event);

/* process functions, one per format, picked in setup() */
static size_t
process_f32 (MasterImager * im, gpointer data, gsize n)
{
  return master_imager_process_f32 (im, data, data, n);
}

static size_t
process_f64 (MasterImager * im, gpointer data, gsize n)
{
  return master_imager_process_f64 (im, data, data, n);
}

static void
analyse_f32 (MasterImager * im, gconstpointer data, gsize n)
{
  master_imager_analyse_f32 (im, data, n);
}

static void
analyse_f64 (MasterImager * im, gconstpointer data, gsize n)
{
  master_imager_analyse_f64 (im, data, n);
}

static void
gst_master_imager_class_init (GstMasterImagerClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;
  const GParamFlags ctl = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (gst_master_imager_debug, "masterimager", 0,
      "stereo imager");

  gobject_class->set_property = gst_master_imager_set_property;
  gobject_class->get_property = gst_master_imager_get_property;

  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_double ("width", "Width",
          "Stereo width: side signal factor (0 = mono, 1 = unchanged, "
          "2 = double side level)", 0.0, MASTER_IMAGER_WIDTH_MAX,
          DEFAULT_WIDTH, ctl));
  g_object_class_install_property (gobject_class, PROP_MID_GAIN,
      g_param_spec_double ("mid-gain", "Mid gain",
          "Gain of the mid signal (L+R)/2 in dB", -120.0, 24.0,
          DEFAULT_MID_GAIN, ctl));
  g_object_class_install_property (gobject_class, PROP_SIDE_GAIN,
      g_param_spec_double ("side-gain", "Side gain",
          "Gain of the side signal (L-R)/2 in dB (applied with width)",
          -120.0, 24.0, DEFAULT_SIDE_GAIN, ctl));
  g_object_class_install_property (gobject_class, PROP_BASS_MONO,
      g_param_spec_double ("bass-mono", "Bass mono",
          "Frequency in Hz below which the side signal is removed "
          "(Linkwitz-Riley 24 dB/octave; mid untouched); 0 = off",
          0.0, 2000.0, DEFAULT_BASS_MONO, ctl));
  g_object_class_install_property (gobject_class, PROP_BALANCE,
      g_param_spec_double ("balance", "Balance",
          "Balance (-1 = left only, 0 = centre, 1 = right only): the "
          "opposite channel is attenuated linearly (unitless factor)",
          -1.0, 1.0, DEFAULT_BALANCE, ctl));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Interval in ns between correlation/level messages "
          "(0 = one message at EOS only)", 0, G_MAXUINT64, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "Mastering stereo imager", "Filter/Effect/Audio",
      "Stereo width, mid/side gains, bass mono and balance (stereo only), "
      "with correlation and mid/side level messages",
      "gst-mastering");

  caps = gst_caps_from_string (CAPS_STR);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_imager_setup);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_master_imager_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_master_imager_stop);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_master_imager_before_transform);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_master_imager_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_imager_sink_event);
  trans_class->transform_ip_on_passthrough = TRUE;
}

static void
gst_master_imager_init (GstMasterImager * self)
{
  master_imager_params_init (&self->props);
  self->interval = DEFAULT_INTERVAL;
  self->dirty = TRUE;
  self->interval_start = GST_CLOCK_TIME_NONE;
  self->next_ts = GST_CLOCK_TIME_NONE;
  /* in place; passthrough is decided per buffer in before_transform */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_master_imager_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterImager *self = GST_MASTER_IMAGER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WIDTH:
      self->props.width = g_value_get_double (value);
      break;
    case PROP_MID_GAIN:
      self->props.mid_gain_db = g_value_get_double (value);
      break;
    case PROP_SIDE_GAIN:
      self->props.side_gain_db = g_value_get_double (value);
      break;
    case PROP_BASS_MONO:
      self->props.bass_mono_hz = g_value_get_double (value);
      break;
    case PROP_BALANCE:
      self->props.balance = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  self->dirty = TRUE;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_imager_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterImager *self = GST_MASTER_IMAGER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WIDTH:
      g_value_set_double (value, self->props.width);
      break;
    case PROP_MID_GAIN:
      g_value_set_double (value, self->props.mid_gain_db);
      break;
    case PROP_SIDE_GAIN:
      g_value_set_double (value, self->props.side_gain_db);
      break;
    case PROP_BASS_MONO:
      g_value_set_double (value, self->props.bass_mono_hz);
      break;
    case PROP_BALANCE:
      g_value_set_double (value, self->props.balance);
      break;
    case PROP_INTERVAL:
      g_value_set_uint64 (value, self->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
reset_interval (GstMasterImager * self)
{
  MasterImagerStats st;
  self->frames_in_interval = 0;
  self->interval_start = GST_CLOCK_TIME_NONE;
  self->next_ts = GST_CLOCK_TIME_NONE;
  if (self->dsp)
    master_imager_take_stats (self->dsp, &st);
}

static gboolean
gst_master_imager_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterImager *self = GST_MASTER_IMAGER (filter);
  MasterImagerParams p;

  if (GST_AUDIO_INFO_CHANNELS (info) != 2) {
    GST_ERROR_OBJECT (self, "stereo only, got %d channels",
        GST_AUDIO_INFO_CHANNELS (info));
    return FALSE;
  }
  switch (GST_AUDIO_INFO_FORMAT (info)) {
    case GST_AUDIO_FORMAT_F32LE:
      self->process = process_f32;
      self->analyse = analyse_f32;
      break;
    case GST_AUDIO_FORMAT_F64LE:
      self->process = process_f64;
      self->analyse = analyse_f64;
      break;
    default:
      return FALSE;
  }

  master_imager_free (&self->dsp);
  self->dsp = master_imager_new (GST_AUDIO_INFO_RATE (info));
  if (!self->dsp)
    return FALSE;
  self->rate = GST_AUDIO_INFO_RATE (info);
  self->bpf = GST_AUDIO_INFO_BPF (info);

  GST_OBJECT_LOCK (self);
  p = self->props;
  self->dirty = FALSE;
  GST_OBJECT_UNLOCK (self);
  /* start on the configured values, no ramp from neutral */
  master_imager_set_params (self->dsp, &p);
  master_imager_reset (self->dsp);
  reset_interval (self);
  self->fresh = TRUE;
  return TRUE;
}

static gboolean
gst_master_imager_start (GstBaseTransform * trans)
{
  GstMasterImager *self = GST_MASTER_IMAGER (trans);
  self->warned_nonfinite = FALSE;
  reset_interval (self);
  return TRUE;
}

static gboolean
gst_master_imager_stop (GstBaseTransform * trans)
{
  GstMasterImager *self = GST_MASTER_IMAGER (trans);
  master_imager_free (&self->dsp);
  return TRUE;
}

static void
gst_master_imager_before_transform (GstBaseTransform * trans,
    GstBuffer * buffer)
{
  GstMasterImager *self = GST_MASTER_IMAGER (trans);
  GstClockTime ts = GST_BUFFER_PTS (buffer), stream_time;
  MasterImagerParams p;
  gboolean changed = FALSE, passthrough;
  guint64 interval;

  if (!self->dsp)
    return;

  /* controller values first, never under our own lock */
  stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
      ts);
  if (GST_CLOCK_TIME_IS_VALID (stream_time))
    gst_object_sync_values (GST_OBJECT (self), stream_time);

  GST_OBJECT_LOCK (self);
  if (self->dirty) {
    p = self->props;
    self->dirty = FALSE;
    changed = TRUE;
  }
  interval = self->interval;
  GST_OBJECT_UNLOCK (self);

  if (changed) {
    master_imager_set_params (self->dsp, &p);
    /* before the first buffer (after caps or a flush) there is nothing to
     * ramp from: start on the new values */
    if (self->fresh)
      master_imager_reset (self->dsp);
  }
  self->fresh = FALSE;
  self->interval_frames = interval ?
      MAX (1, gst_util_uint64_scale_round (interval, self->rate, GST_SECOND))
      : 0;

  passthrough = master_imager_is_neutral (self->dsp) &&
      !gst_object_has_active_control_bindings (GST_OBJECT (self));
  if (passthrough) {
    /* a passthrough buffer must not carry NaN/Inf downstream */
    GstMapInfo map;
    if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
      gsize bps = self->bpf / 2;
      passthrough = bps == 8 ?
          !master_nonfinite_any_f64 ((const double *) map.data, map.size / 8) :
          !master_nonfinite_any_f32 ((const float *) map.data, map.size / 4);
      gst_buffer_unmap (buffer, &map);
    }
  }
  if (passthrough != gst_base_transform_is_passthrough (trans))
    GST_DEBUG_OBJECT (self, "passthrough %d", passthrough);
  gst_base_transform_set_passthrough (trans, passthrough);
}

static GstMessage *
build_message (GstMasterImager * self, gboolean final)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  MasterImagerStats st;
  GstClockTime ts = self->interval_start, duration;
  GstStructure *s;

  master_imager_take_stats (self->dsp, &st);
  duration = gst_util_uint64_scale_int (st.n_frames, GST_SECOND, self->rate);
  s = gst_master_message_structure_new (trans, "masterimager", ts, duration);
  gst_structure_set (s,
      "correlation", G_TYPE_DOUBLE, master_imager_stats_correlation (&st),
      "mid-level", G_TYPE_DOUBLE, master_imager_stats_mid_db (&st),
      "side-level", G_TYPE_DOUBLE, master_imager_stats_side_db (&st),
      "final", G_TYPE_BOOLEAN, final, NULL);
  self->frames_in_interval = 0;
  self->interval_start = GST_CLOCK_TIME_NONE;
  return gst_message_new_element (GST_OBJECT (self), s);
}

static void
post_messages (GstMasterImager * self, GSList * msgs)
{
  GSList *l;
  for (l = msgs; l; l = l->next)
    gst_element_post_message (GST_ELEMENT (self), GST_MESSAGE (l->data));
  g_slist_free (msgs);
}

static GstFlowReturn
gst_master_imager_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasterImager *self = GST_MASTER_IMAGER (trans);
  gboolean passthrough = gst_base_transform_is_passthrough (trans);
  GstMapInfo map;
  GstClockTime ts;
  gsize n, off = 0;
  guint64 first;
  size_t bad = 0;
  GSList *msgs = NULL;
  guint8 *data;

  if (!self->dsp)
    return GST_FLOW_NOT_NEGOTIATED;
  if (!gst_buffer_map (buf, &map, passthrough ? GST_MAP_READ :
          GST_MAP_READWRITE))
    return GST_FLOW_ERROR;

  data = map.data;
  n = map.size / self->bpf;
  ts = GST_BUFFER_PTS (buf);
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    ts = self->next_ts;
  /* interval times from frame counts, so they do not inherit the rounding
   * of buffer timestamps */
  first = GST_CLOCK_TIME_IS_VALID (ts) ?
      gst_util_uint64_scale_round (ts, self->rate, GST_SECOND) : 0;

  while (off < n) {
    gsize chunk = n - off;
    if (self->interval_frames) {
      if (self->frames_in_interval >= self->interval_frames)
        msgs = g_slist_append (msgs, build_message (self, FALSE));
      chunk = MIN (chunk, self->interval_frames - self->frames_in_interval);
    }
    if (self->frames_in_interval == 0 && GST_CLOCK_TIME_IS_VALID (ts))
      self->interval_start = gst_util_uint64_scale_int (first + off,
          GST_SECOND, self->rate);
    if (passthrough)
      self->analyse (self->dsp, data + off * self->bpf, chunk);
    else
      bad += self->process (self->dsp, data + off * self->bpf, chunk);
    self->frames_in_interval += chunk;
    off += chunk;
    if (self->interval_frames &&
        self->frames_in_interval >= self->interval_frames)
      msgs = g_slist_append (msgs, build_message (self, FALSE));
  }
  gst_buffer_unmap (buf, &map);

  if (GST_CLOCK_TIME_IS_VALID (ts))
    self->next_ts = ts + gst_util_uint64_scale_int (n, GST_SECOND, self->rate);

  if (bad && !self->warned_nonfinite) {
    self->warned_nonfinite = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, (NULL),
        ("%" G_GSIZE_FORMAT " non-finite (NaN/Inf) input samples replaced by "
            "0; further ones in this stream are replaced silently", bad));
  }
  post_messages (self, msgs);
  return GST_FLOW_OK;
}

static gboolean
gst_master_imager_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasterImager *self = GST_MASTER_IMAGER (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      if (self->dsp)
        master_imager_reset (self->dsp);
      reset_interval (self);
      self->fresh = TRUE;
      break;
    case GST_EVENT_STREAM_START:
      self->warned_nonfinite = FALSE;
      break;
    case GST_EVENT_EOS:
      /* the remainder (or, with interval 0, the whole stream) before EOS
       * leaves the element */
      if (self->dsp && self->frames_in_interval > 0)
        gst_element_post_message (GST_ELEMENT (self),
            build_message (self, TRUE));
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_master_imager_parent_class)->sink_event
      (trans, event);
}
