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
 * Posts element messages named "mastercomp" every
 * #GstMasterDynFilter:interval nanoseconds (and at EOS) with the fields
 * timestamp, stream-time, running-time, duration (GstClockTime) and
 * gain-reduction (double, dB, the largest reduction during the interval,
 * >= 0).
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

#include <gst/audio/audio.h>
#include <gst/controller/controller.h>

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
  PROP_MIX
};

G_DEFINE_TYPE (GstMasterComp, gst_master_comp, GST_TYPE_MASTER_DYN_FILTER);
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

static gint
process_f32 (GstMasterDynFilter * base, gpointer data, guint n)
{
  return master_dynamics_process_f32 (GST_MASTER_COMP (base)->dyn, data, data,
      (int) n);
}

static gint
process_f64 (GstMasterDynFilter * base, gpointer data, guint n)
{
  return master_dynamics_process_f64 (GST_MASTER_COMP (base)->dyn, data, data,
      (int) n);
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
gst_master_comp_configure (GstMasterDynFilter * base,
    const GstAudioInfo * info, guint * latency)
{
  GstMasterComp *self = GST_MASTER_COMP (base);

  master_dynamics_free (&self->dyn);
  self->dyn = master_dynamics_new (GST_AUDIO_INFO_CHANNELS (info),
      GST_AUDIO_INFO_RATE (info), MAX_LOOKAHEAD_MS);
  if (!self->dyn)
    return FALSE;
  GST_OBJECT_LOCK (self);
  self->snap = self->settings;
  self->dirty = FALSE;
  GST_OBJECT_UNLOCK (self);

  master_dynamics_set_params (self->dyn, &self->snap.dyn);
  *latency = master_dynamics_set_lookahead (self->dyn,
      self->snap.lookahead_ms);
  master_dynamics_reset (self->dyn);
  self->was_passthrough = FALSE;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  GST_DEBUG_OBJECT (self, "setup: %d ch, %d Hz, latency %u frames",
      GST_AUDIO_INFO_CHANNELS (info), GST_AUDIO_INFO_RATE (info), *latency);
  return TRUE;
}

static void
gst_master_comp_release (GstMasterDynFilter * base)
{
  master_dynamics_free (&GST_MASTER_COMP (base)->dyn);
}

static void
gst_master_comp_reset (GstMasterDynFilter * base)
{
  master_dynamics_reset (GST_MASTER_COMP (base)->dyn);
}

static void
gst_master_comp_update (GstMasterDynFilter * base, GstClockTime stream_time)
{
  GstMasterComp *self = GST_MASTER_COMP (base);
  gboolean changed = FALSE, neutral;

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

  /* neutral: passthrough (the base keeps the messages coming) */
  neutral = self->snap.dyn.ratio <= 1.0
      && master_dynamics_makeup_total_db (&self->snap.dyn) == 0.0
      && g_atomic_int_get (&base->latency) == 0
      && master_dynamics_is_transparent (self->dyn)
      && !gst_object_has_active_control_bindings (GST_OBJECT (self));
  if (neutral != self->was_passthrough) {
    if (!neutral)
      master_dynamics_reset (self->dyn);
    self->was_passthrough = neutral;
    gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), neutral);
  }
}

static void
gst_master_comp_add_message_values (GstMasterDynFilter * base,
    GstStructure * s)
{
  GstMasterComp *self = GST_MASTER_COMP (base);
  gdouble gr = self->dyn ? master_dynamics_take_gain_reduction_db (self->dyn)
      : 0.0;

  gst_structure_set (s, "gain-reduction", G_TYPE_DOUBLE, gr, NULL);
}

static void
gst_master_comp_class_init (GstMasterCompClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstMasterDynFilterClass *dyn_class = GST_MASTER_DYN_FILTER_CLASS (klass);
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
  /* "interval": GstMasterDynFilter */

  gst_element_class_set_static_metadata (element_class,
      "Mastering compressor", "Filter/Effect/Audio",
      "Compressor with soft knee, peak/RMS detection, lookahead, stereo "
      "link, mid/side, sidechain high-pass, makeup and dry/wet mix",
      "gst-mastering");

  dyn_class->message_name = "mastercomp";
  dyn_class->process_f32 = GST_DEBUG_FUNCPTR (process_f32);
  dyn_class->process_f64 = GST_DEBUG_FUNCPTR (process_f64);
  dyn_class->configure = GST_DEBUG_FUNCPTR (gst_master_comp_configure);
  dyn_class->update = GST_DEBUG_FUNCPTR (gst_master_comp_update);
  dyn_class->reset = GST_DEBUG_FUNCPTR (gst_master_comp_reset);
  dyn_class->release = GST_DEBUG_FUNCPTR (gst_master_comp_release);
  dyn_class->add_message_values =
      GST_DEBUG_FUNCPTR (gst_master_comp_add_message_values);

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_COMP_DETECTOR, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_COMP_MODE, 0);
}

static void
gst_master_comp_init (GstMasterComp * self)
{
  master_dynamics_params_init (&self->settings.dyn);
  self->settings.lookahead_ms = 0.0;
  self->snap = self->settings;
  self->dirty = TRUE;
}
