/* gst-mastering: mastermeter, BS.1770 / EBU R128 loudness and true-peak meter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-mastermeter
 * @title: mastermeter
 *
 * Measures loudness as ITU-R BS.1770 / EBU R128 define it: momentary (400 ms)
 * and short-term (3 s) loudness, gated integrated loudness (LUFS), loudness
 * range (LU, EBU Tech 3342), sample peak (dBFS) and true peak (dBTP), using
 * the stream's channel positions for the BS.1770 channel weights (surround
 * channels +1.5 dB, LFE excluded). The audio passes through untouched
 * (in-place passthrough, bit-exact).
 *
 * Every #GstMasterMeter:interval nanoseconds of audio the element posts an
 * element message named `mastermeter`, and once more at EOS, before the EOS
 * event leaves the element, with `final` set to %TRUE. Fields:
 *
 * * `timestamp`, `stream-time`, `running-time`, `duration` (#GstClockTime):
 *   the stretch of audio since the previous message
 * * `momentary`, `short-term`, `integrated` (gdouble, LUFS)
 * * `max-momentary`, `max-short-term` (gdouble, LUFS): maxima since start or
 *   reset, sampled every 10 ms
 * * `loudness-range` (gdouble, LU; only when #GstMasterMeter:loudness-range)
 * * `sample-peak` (gdouble, dBFS), `true-peak` (gdouble, dBTP; only with
 *   #GstMasterMeter:true-peak): highest peak over all channels since the
 *   previous message; `sample-peak-ch`, `true-peak-ch` (#GstValueArray of
 *   gdouble): the same per channel
 * * `sample-peak-max` (dBFS), `true-peak-max` (dBTP): highest peak since
 *   start or reset; `sample-peak-max-ch`, `true-peak-max-ch` per channel
 * * `final` (gboolean): %TRUE in the message posted at EOS
 *
 * Memory does not grow with the programme: integrated loudness and loudness
 * range come from fine histograms of the gating / short-term blocks (exact
 * to well under 0.001 LU / 0.01 LU against libebur128). #GstMasterMeter:history
 * limits them to the most recent audio.
 *
 * Silence and not-yet-measurable values are reported as they are measured:
 * -infinity (a valid gdouble; gst_structure_to_string() writes "-inf").
 * Non-finite input samples are measured as 0 and one warning is posted per
 * stream.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m filesrc location=x.wav ! wavparse ! audioconvert ! mastermeter ! fakesink
 * ]| prints a `mastermeter` message every 100 ms and the final one at EOS.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmastermeter.h"
#include "gstmastermessage.h"

#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_master_meter_debug);
#define GST_CAT_DEFAULT gst_master_meter_debug

#define DEFAULT_INTERVAL (100 * GST_MSECOND)
#define DEFAULT_TRUE_PEAK TRUE
#define DEFAULT_LOUDNESS_RANGE TRUE
#define DEFAULT_HISTORY 0

enum
{
  PROP_0,
  PROP_INTERVAL,
  PROP_TRUE_PEAK,
  PROP_LOUDNESS_RANGE,
  PROP_HISTORY,
  PROP_INTEGRATED,
  PROP_LOUDNESS_RANGE_VALUE,
  PROP_MOMENTARY_MAX,
  PROP_SHORT_TERM_MAX,
  PROP_SAMPLE_PEAK_MAX,
  PROP_TRUE_PEAK_MAX,
};

enum
{
  SIGNAL_RESET,
  LAST_SIGNAL
};

static guint gst_master_meter_signals[LAST_SIGNAL];

#define CAPS_STR \
    "audio/x-raw, format = (string) { F32LE, F64LE }, " \
    "rate = (int) [ 8000, 384000 ], channels = (int) [ 1, 8 ], " \
    "layout = (string) interleaved"

G_DEFINE_TYPE (GstMasterMeter, gst_master_meter, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (mastermeter, "mastermeter", GST_RANK_NONE,
    GST_TYPE_MASTER_METER);

static void gst_master_meter_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_master_meter_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_master_meter_finalize (GObject * object);
static gboolean gst_master_meter_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_master_meter_start (GstBaseTransform * trans);
static gboolean gst_master_meter_stop (GstBaseTransform * trans);
static void gst_master_meter_before_transform (GstBaseTransform * trans,
    GstBuffer * buffer);
static GstFlowReturn gst_master_meter_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);
static gboolean gst_master_meter_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static void gst_master_meter_reset (GstMasterMeter * self);

static void
add_f32 (MasterLoudness * m, gconstpointer src, gsize n_frames)
{
  master_loudness_add_f32 (m, (const float *) src, n_frames);
}

static void
add_f64 (MasterLoudness * m, gconstpointer src, gsize n_frames)
{
  master_loudness_add_f64 (m, (const double *) src, n_frames);
}

static GParamSpec *
readonly_double (const gchar * name, const gchar * nick, const gchar * blurb)
{
  return g_param_spec_double (name, nick, blurb, -INFINITY, INFINITY,
      -INFINITY, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
}

static void
gst_master_meter_class_init (GstMasterMeterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  GST_DEBUG_CATEGORY_INIT (gst_master_meter_debug, "mastermeter", 0,
      "BS.1770 / EBU R128 loudness meter");

  gobject_class->set_property = gst_master_meter_set_property;
  gobject_class->get_property = gst_master_meter_get_property;
  gobject_class->finalize = gst_master_meter_finalize;

  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint64 ("interval", "Interval",
          "Audio time between mastermeter messages in nanoseconds "
          "(0 = only the final message at EOS)", 0, G_MAXUINT64,
          DEFAULT_INTERVAL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_TRUE_PEAK,
      g_param_spec_boolean ("true-peak", "True peak",
          "Measure true peak in dBTP (BS.1770 oversampled peak; "
          "takes effect at the next caps or reset)", DEFAULT_TRUE_PEAK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LOUDNESS_RANGE,
      g_param_spec_boolean ("loudness-range", "Loudness range",
          "Measure loudness range in LU (EBU Tech 3342; "
          "takes effect at the next caps or reset)", DEFAULT_LOUDNESS_RANGE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_HISTORY,
      g_param_spec_uint ("history", "History",
          "Integrated loudness and loudness range cover the last this many "
          "ms (0 = everything since start or reset; memory stays constant "
          "either way)", 0,
          G_MAXUINT, DEFAULT_HISTORY, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_INTEGRATED,
      readonly_double ("integrated", "Integrated loudness",
          "Gated integrated loudness since start or reset in LUFS "
          "(-inf until a block is above the -70 LUFS gate)"));
  g_object_class_install_property (gobject_class, PROP_LOUDNESS_RANGE_VALUE,
      readonly_double ("loudness-range-value", "Loudness range value",
          "Loudness range (LRA) since start or reset in LU "
          "(NaN when loudness-range is off)"));
  g_object_class_install_property (gobject_class, PROP_MOMENTARY_MAX,
      readonly_double ("momentary-max", "Maximum momentary loudness",
          "Highest momentary (400 ms) loudness since start or reset in LUFS, "
          "sampled every 10 ms"));
  g_object_class_install_property (gobject_class, PROP_SHORT_TERM_MAX,
      readonly_double ("short-term-max", "Maximum short-term loudness",
          "Highest short-term (3 s) loudness since start or reset in LUFS, "
          "sampled every 10 ms"));
  g_object_class_install_property (gobject_class, PROP_SAMPLE_PEAK_MAX,
      readonly_double ("sample-peak-max", "Maximum sample peak",
          "Highest sample peak of all channels since start or reset in dBFS"));
  g_object_class_install_property (gobject_class, PROP_TRUE_PEAK_MAX,
      readonly_double ("true-peak-max", "Maximum true peak",
          "Highest true peak of all channels since start or reset in dBTP "
          "(NaN when true-peak is off)"));

  /**
   * GstMasterMeter::reset:
   *
   * Action signal: forget everything measured so far (integrated loudness,
   * range, maxima, peaks) and start again, as for a new programme.
   */
  gst_master_meter_signals[SIGNAL_RESET] =
      g_signal_new_class_handler ("reset", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_master_meter_reset), NULL, NULL, NULL, G_TYPE_NONE, 0);

  gst_element_class_set_static_metadata (element_class,
      "Mastering loudness meter", "Filter/Analyzer/Audio",
      "Measures BS.1770 / EBU R128 loudness (momentary, short-term, "
      "integrated, LRA), sample peak and true peak; audio passes through",
      "gst-mastering");

  caps = gst_caps_from_string (CAPS_STR);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_master_meter_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_master_meter_stop);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_master_meter_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_master_meter_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_meter_sink_event);
  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_meter_setup);
}

static void
gst_master_meter_init (GstMasterMeter * self)
{
  self->interval = DEFAULT_INTERVAL;
  self->true_peak = DEFAULT_TRUE_PEAK;
  self->loudness_range = DEFAULT_LOUDNESS_RANGE;
  self->history = DEFAULT_HISTORY;
  g_mutex_init (&self->meter_lock);
  self->interval_start = GST_CLOCK_TIME_NONE;
  self->next_ts = GST_CLOCK_TIME_NONE;

  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_master_meter_finalize (GObject * object)
{
  GstMasterMeter *self = GST_MASTER_METER (object);

  master_loudness_clear (&self->loudness);
  g_mutex_clear (&self->meter_lock);
  G_OBJECT_CLASS (gst_master_meter_parent_class)->finalize (object);
}

static unsigned int
current_flags (GstMasterMeter * self)
{
  unsigned int flags = 0;

  GST_OBJECT_LOCK (self);
  if (self->true_peak)
    flags |= MASTER_LOUDNESS_TRUE_PEAK;
  if (self->loudness_range)
    flags |= MASTER_LOUDNESS_RANGE;
  GST_OBJECT_UNLOCK (self);
  return flags;
}

/* Called with meter_lock held: (re)build the measurement for the stored
 * format and the current settings. */
static gboolean
configure_locked (GstMasterMeter * self, unsigned int flags)
{
  guint history;

  if (master_loudness_init (&self->loudness, self->rate, self->channels,
          self->unpositioned ? NULL : self->positions, flags) < 0) {
    self->configured = FALSE;
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  history = self->history;
  GST_OBJECT_UNLOCK (self);
  master_loudness_set_history (&self->loudness, history);
  self->configured = TRUE;
  return TRUE;
}

static void
restart_interval (GstMasterMeter * self)
{
  self->frames_in_interval = 0;
  self->interval_start = GST_CLOCK_TIME_NONE;
  self->next_ts = GST_CLOCK_TIME_NONE;
}

/* The `reset` action: may be emitted from any thread. */
static void
gst_master_meter_reset (GstMasterMeter * self)
{
  unsigned int flags = current_flags (self);

  GST_DEBUG_OBJECT (self, "reset");
  g_mutex_lock (&self->meter_lock);
  if (self->configured && flags != self->loudness.flags)
    configure_locked (self, flags);
  else if (self->configured && master_loudness_reset (&self->loudness) < 0)
    self->configured = FALSE;
  g_mutex_unlock (&self->meter_lock);
  self->warned_nonfinite = FALSE;
}

/* BS.1770 weights depend on where a channel plays: map GStreamer's positions
 * to ours. Rear channels are the surrounds (+1.5 dB) of 4.0/5.x layouts; when
 * side channels exist too (7.1), the sides are the surrounds and the rear
 * pair sits at +-135..150 degrees, weight 1.0. */
static void
map_positions (const GstAudioInfo * info, MasterLoudnessPosition * out)
{
  gint c, channels = GST_AUDIO_INFO_CHANNELS (info);
  gboolean has_side = FALSE;

  for (c = 0; c < channels; c++) {
    GstAudioChannelPosition p = GST_AUDIO_INFO_POSITION (info, c);
    if (p == GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT ||
        p == GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT)
      has_side = TRUE;
  }

  for (c = 0; c < channels; c++) {
    MasterLoudnessPosition m;

    switch (GST_AUDIO_INFO_POSITION (info, c)) {
      case GST_AUDIO_CHANNEL_POSITION_MONO:
        m = MASTER_LOUDNESS_POS_MONO;
        break;
      case GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT:
        m = MASTER_LOUDNESS_POS_FRONT_LEFT;
        break;
      case GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT:
        m = MASTER_LOUDNESS_POS_FRONT_RIGHT;
        break;
      case GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER:
        m = MASTER_LOUDNESS_POS_FRONT_CENTER;
        break;
      case GST_AUDIO_CHANNEL_POSITION_LFE1:
      case GST_AUDIO_CHANNEL_POSITION_LFE2:
        m = MASTER_LOUDNESS_POS_LFE;
        break;
      case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
        m = has_side ? MASTER_LOUDNESS_POS_BACK_LEFT :
            MASTER_LOUDNESS_POS_SURROUND_LEFT;
        break;
      case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
        m = has_side ? MASTER_LOUDNESS_POS_BACK_RIGHT :
            MASTER_LOUDNESS_POS_SURROUND_RIGHT;
        break;
      case GST_AUDIO_CHANNEL_POSITION_SURROUND_LEFT:
        m = MASTER_LOUDNESS_POS_SURROUND_LEFT;
        break;
      case GST_AUDIO_CHANNEL_POSITION_SURROUND_RIGHT:
        m = MASTER_LOUDNESS_POS_SURROUND_RIGHT;
        break;
        /* +-90 and +-60 degrees: the 1.41 weight of BS.1770 */
      case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
      case GST_AUDIO_CHANNEL_POSITION_WIDE_LEFT:
        m = MASTER_LOUDNESS_POS_SIDE_LEFT;
        break;
      case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
      case GST_AUDIO_CHANNEL_POSITION_WIDE_RIGHT:
        m = MASTER_LOUDNESS_POS_SIDE_RIGHT;
        break;
      case GST_AUDIO_CHANNEL_POSITION_REAR_CENTER:
        m = MASTER_LOUDNESS_POS_BACK_CENTER;
        break;
      default:
        m = MASTER_LOUDNESS_POS_OTHER;
        break;
    }
    out[c] = m;
  }
}

static gboolean
gst_master_meter_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterMeter *self = GST_MASTER_METER (filter);
  MasterLoudnessPosition positions[8] = { 0 };
  GstMasterMeterAddFunc add;
  gboolean unpositioned, ok = TRUE;
  gint channels = GST_AUDIO_INFO_CHANNELS (info);
  gint rate = GST_AUDIO_INFO_RATE (info);
  unsigned int flags = current_flags (self);

  switch (GST_AUDIO_INFO_FORMAT (info)) {
    case GST_AUDIO_FORMAT_F32LE:
      add = add_f32;
      break;
    case GST_AUDIO_FORMAT_F64LE:
      add = add_f64;
      break;
    default:
      GST_ERROR_OBJECT (self, "unsupported format");
      return FALSE;
  }
  if (channels < 1 || channels > 8)
    return FALSE;

  unpositioned = GST_AUDIO_INFO_IS_UNPOSITIONED (info);
  if (!unpositioned)
    map_positions (info, positions);

  g_mutex_lock (&self->meter_lock);
  self->add = add;
  self->format = GST_AUDIO_INFO_FORMAT (info);
  /* a renegotiation to the same layout keeps the programme measurement */
  if (!self->configured || rate != self->rate || channels != self->channels
      || unpositioned != self->unpositioned
      || memcmp (positions, self->positions, sizeof (positions)) != 0) {
    self->rate = rate;
    self->channels = channels;
    self->unpositioned = unpositioned;
    memcpy (self->positions, positions, sizeof (positions));
    ok = configure_locked (self, flags);
    restart_interval (self);
  }
  g_mutex_unlock (&self->meter_lock);

  GST_DEBUG_OBJECT (self, "setup %d Hz, %d channels, %s: %s", rate, channels,
      gst_audio_format_to_string (GST_AUDIO_INFO_FORMAT (info)),
      ok ? "ok" : "failed");
  return ok;
}

static gboolean
gst_master_meter_start (GstBaseTransform * trans)
{
  GstMasterMeter *self = GST_MASTER_METER (trans);

  restart_interval (self);
  self->warned_nonfinite = FALSE;
  return TRUE;
}

static gboolean
gst_master_meter_stop (GstBaseTransform * trans)
{
  GstMasterMeter *self = GST_MASTER_METER (trans);

  g_mutex_lock (&self->meter_lock);
  master_loudness_clear (&self->loudness);
  self->configured = FALSE;
  g_mutex_unlock (&self->meter_lock);
  return TRUE;
}

static void
gst_master_meter_before_transform (GstBaseTransform * trans,
    GstBuffer * buffer)
{
  GstMasterMeter *self = GST_MASTER_METER (trans);
  GstClockTime ts = GST_BUFFER_PTS (buffer);
  guint64 interval;
  guint history;

  /* controller first, never under our own lock */
  if (GST_CLOCK_TIME_IS_VALID (ts)) {
    GstClockTime stream_time = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, ts);
    if (GST_CLOCK_TIME_IS_VALID (stream_time))
      gst_object_sync_values (GST_OBJECT (self), stream_time);
  }

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  history = self->history;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->meter_lock);
  if (self->configured && history != self->loudness.history_ms)
    master_loudness_set_history (&self->loudness, history);
  g_mutex_unlock (&self->meter_lock);

  if (self->rate > 0)
    self->interval_frames = interval ?
        MAX (1, gst_util_uint64_scale_round (interval, self->rate,
            GST_SECOND)) : 0;
}

static void
set_db (GstStructure * s, const gchar * field, double lin)
{
  gst_structure_set (s, field, G_TYPE_DOUBLE, master_loudness_lin_to_db (lin),
      NULL);
}

static void
set_db_array (GstStructure * s, const gchar * field, const double *lin,
    gint channels)
{
  GValue arr = G_VALUE_INIT, v = G_VALUE_INIT;
  gint c;

  g_value_init (&arr, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_DOUBLE);
  for (c = 0; c < channels; c++) {
    g_value_set_double (&v, master_loudness_lin_to_db (lin[c]));
    gst_value_array_append_value (&arr, &v);
  }
  gst_structure_take_value (s, field, &arr);
  g_value_unset (&v);
}

/* Called with meter_lock held: the message for the interval that just ended
 * (posted by the caller once the lock is released). */
static GstMessage *
build_message_locked (GstMasterMeter * self, gboolean final)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  MasterLoudness *m = &self->loudness;
  gboolean tp = (m->flags & MASTER_LOUDNESS_TRUE_PEAK) != 0;
  gdouble sp[8], tpk[8], spmax[8], tpmax[8];
  GstClockTime ts = self->interval_start, duration;
  GstStructure *s;
  gint c;

  duration = gst_util_uint64_scale_int_round (self->frames_in_interval,
      GST_SECOND, self->rate);
  master_loudness_take_interval_peaks (m, sp, tpk);
  for (c = 0; c < self->channels; c++) {
    spmax[c] = master_loudness_sample_peak (m, c);
    tpmax[c] = master_loudness_true_peak (m, c);
  }

  s = gst_master_message_structure_new (trans, "mastermeter", ts, duration);
  gst_structure_set (s,
      "momentary", G_TYPE_DOUBLE, master_loudness_momentary (m),
      "short-term", G_TYPE_DOUBLE, master_loudness_short_term (m),
      /* exact every time: readings from the histograms cost O(1) */
      "integrated", G_TYPE_DOUBLE, master_loudness_integrated (m),
      "max-momentary", G_TYPE_DOUBLE, master_loudness_momentary_max (m),
      "max-short-term", G_TYPE_DOUBLE, master_loudness_short_term_max (m),
      NULL);
  if (m->flags & MASTER_LOUDNESS_RANGE)
    gst_structure_set (s, "loudness-range", G_TYPE_DOUBLE,
        master_loudness_range (m), NULL);

  {
    double max = 0.0;
    for (c = 0; c < self->channels; c++)
      max = MAX (max, sp[c]);
    set_db (s, "sample-peak", max);
    set_db (s, "sample-peak-max", master_loudness_sample_peak (m, -1));
    set_db_array (s, "sample-peak-ch", sp, self->channels);
    set_db_array (s, "sample-peak-max-ch", spmax, self->channels);
    if (tp) {
      max = 0.0;
      for (c = 0; c < self->channels; c++)
        max = MAX (max, tpk[c]);
      set_db (s, "true-peak", max);
      set_db (s, "true-peak-max", master_loudness_true_peak (m, -1));
      set_db_array (s, "true-peak-ch", tpk, self->channels);
      set_db_array (s, "true-peak-max-ch", tpmax, self->channels);
    }
  }
  gst_structure_set (s, "final", G_TYPE_BOOLEAN, final, NULL);

  return gst_message_new_element (GST_OBJECT (self), s);
}

static void
post_messages (GstMasterMeter * self, GSList * msgs)
{
  GSList *l;

  msgs = g_slist_reverse (msgs);
  for (l = msgs; l; l = l->next)
    gst_element_post_message (GST_ELEMENT (self), GST_MESSAGE (l->data));
  g_slist_free (msgs);
}

static GstFlowReturn
gst_master_meter_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasterMeter *self = GST_MASTER_METER (trans);
  GstMapInfo map;
  GSList *msgs = NULL;
  gsize bpf, n_frames, pos = 0;
  GstClockTime ts;
  unsigned long long nonfinite;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_FLOW_ERROR;

  g_mutex_lock (&self->meter_lock);
  if (!self->configured) {
    g_mutex_unlock (&self->meter_lock);
    gst_buffer_unmap (buf, &map);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("meter not configured (no caps or out of memory)"));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  bpf = (gsize) self->channels *
      (self->format == GST_AUDIO_FORMAT_F64LE ? sizeof (double) :
      sizeof (float));
  n_frames = map.size / bpf;

  ts = GST_BUFFER_PTS (buf);
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    ts = self->next_ts;

  while (pos < n_frames) {
    gsize k = n_frames - pos;

    if (self->frames_in_interval == 0) {
      self->interval_start = GST_CLOCK_TIME_IS_VALID (ts) ?
          ts + gst_util_uint64_scale_int (pos, GST_SECOND, self->rate) :
          GST_CLOCK_TIME_NONE;
    }
    if (self->interval_frames > 0 &&
        self->interval_frames - self->frames_in_interval < k)
      k = self->interval_frames - self->frames_in_interval;

    self->add (&self->loudness, map.data + pos * bpf, k);
    self->frames_in_interval += k;
    pos += k;

    if (self->interval_frames > 0 &&
        self->frames_in_interval >= self->interval_frames) {
      msgs = g_slist_prepend (msgs, build_message_locked (self, FALSE));
      self->frames_in_interval = 0;
    }
  }
  nonfinite = self->loudness.n_nonfinite;
  g_mutex_unlock (&self->meter_lock);

  if (GST_CLOCK_TIME_IS_VALID (ts))
    self->next_ts = ts + gst_util_uint64_scale_int (n_frames, GST_SECOND,
        self->rate);
  gst_buffer_unmap (buf, &map);

  if (nonfinite > 0 && !self->warned_nonfinite) {
    self->warned_nonfinite = TRUE;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, (NULL),
        ("non-finite samples (NaN/Inf) in the input: measured as 0"));
  }
  post_messages (self, msgs);
  return GST_FLOW_OK;
}

static gboolean
gst_master_meter_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasterMeter *self = GST_MASTER_METER (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:{
      GstMessage *msg = NULL;

      /* the final message leaves before the EOS event does */
      g_mutex_lock (&self->meter_lock);
      if (self->frames_in_interval == 0)
        self->interval_start = self->next_ts;
      if (self->configured)
        msg = build_message_locked (self, TRUE);
      self->frames_in_interval = 0;
      g_mutex_unlock (&self->meter_lock);
      if (msg)
        gst_element_post_message (GST_ELEMENT (self), msg);
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      /* a flushing seek starts a new measurement */
      gst_master_meter_reset (self);
      restart_interval (self);
      break;
    case GST_EVENT_STREAM_START:
      self->warned_nonfinite = FALSE;
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_master_meter_parent_class)->sink_event
      (trans, event);
}

static void
gst_master_meter_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterMeter *self = GST_MASTER_METER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_INTERVAL:
      self->interval = g_value_get_uint64 (value);
      break;
    case PROP_TRUE_PEAK:
      self->true_peak = g_value_get_boolean (value);
      break;
    case PROP_LOUDNESS_RANGE:
      self->loudness_range = g_value_get_boolean (value);
      break;
    case PROP_HISTORY:
      self->history = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_meter_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterMeter *self = GST_MASTER_METER (object);
  MasterLoudness *m = &self->loudness;
  gdouble v = -INFINITY;

  switch (prop_id) {
    case PROP_INTERVAL:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->interval);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_TRUE_PEAK:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, self->true_peak);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_LOUDNESS_RANGE:
      GST_OBJECT_LOCK (self);
      g_value_set_boolean (value, self->loudness_range);
      GST_OBJECT_UNLOCK (self);
      return;
    case PROP_HISTORY:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->history);
      GST_OBJECT_UNLOCK (self);
      return;
    default:
      break;
  }

  g_mutex_lock (&self->meter_lock);
  switch (prop_id) {
    case PROP_INTEGRATED:
      if (self->configured)
        v = master_loudness_integrated (m);
      break;
    case PROP_LOUDNESS_RANGE_VALUE:
      v = self->configured ? master_loudness_range (m) : NAN;
      break;
    case PROP_MOMENTARY_MAX:
      if (self->configured)
        v = master_loudness_momentary_max (m);
      break;
    case PROP_SHORT_TERM_MAX:
      if (self->configured)
        v = master_loudness_short_term_max (m);
      break;
    case PROP_SAMPLE_PEAK_MAX:
      if (self->configured)
        v = master_loudness_lin_to_db (master_loudness_sample_peak (m, -1));
      break;
    case PROP_TRUE_PEAK_MAX:
      v = self->configured ?
          master_loudness_lin_to_db (master_loudness_true_peak (m, -1)) : NAN;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->meter_lock);
  g_value_set_double (value, v);
}
