/* gst-mastering: mastermbcomp, multiband mastering compressor.
 *
 * SECTION:element-mastermbcomp
 * @title: mastermbcomp
 *
 * Splits the signal into 1..6 bands with Linkwitz-Riley crossovers (24 or
 * 48 dB/oct, allpass-compensated so that the bands sum flat), compresses each
 * band (threshold, ratio, knee, attack, release, makeup; same definitions as
 * mastercomp) and sums them. Bands are child objects band0..band5
 * (#GstChildProxy: `band1::threshold=-24`); only the first num-bands are
 * used. A band's crossover is its upper edge (ignored for the last band);
 * crossovers glide when changed while playing (no clicks). Solo lets only the
 * soloed bands through; bypass leaves a band uncompressed.
 *
 * Posts element messages named "mastermbcomp" every
 * #GstMasterDynFilter:interval nanoseconds (and at EOS) with timestamp,
 * stream-time, running-time, duration and gain-reduction: an array of
 * num-bands doubles, the largest gain reduction of each band during the
 * interval in dB (>= 0).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=mix.wav ! decodebin ! audioconvert ! \
 *   mastermbcomp num-bands=3 band0::crossover=150 band1::crossover=4000 \
 *   band0::threshold=-24 band0::ratio=3 band2::threshold=-30 \
 *   band2::ratio=2 ! audioconvert ! autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmastermbcomp.h"
#include "gstmasterenum.h"

#include <gst/audio/audio.h>
#include <gst/controller/controller.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (mastermbcomp_debug);
#define GST_CAT_DEFAULT mastermbcomp_debug

#define MAX_LOOKAHEAD_MS 20.0

static const gdouble default_crossover[GST_MASTER_MB_COMP_MAX_BANDS] = {
  100.0, 500.0, 2500.0, 8000.0, 14000.0, 20000.0
};

/* ---------------------------------------------------------------- band --- */

enum
{
  BAND_PROP_0,
  BAND_PROP_CROSSOVER,
  BAND_PROP_THRESHOLD,
  BAND_PROP_RATIO,
  BAND_PROP_KNEE,
  BAND_PROP_ATTACK,
  BAND_PROP_RELEASE,
  BAND_PROP_MAKEUP,
  BAND_PROP_BYPASS,
  BAND_PROP_SOLO
};

G_DEFINE_TYPE (GstMasterMbCompBand, gst_master_mb_comp_band, GST_TYPE_OBJECT);

static void
band_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstMasterMbCompBand *band = GST_MASTER_MB_COMP_BAND (object);
  MasterMultibandBand *s = &band->settings;

  GST_OBJECT_LOCK (band);
  switch (prop_id) {
    case BAND_PROP_CROSSOVER:
      s->crossover_hz = g_value_get_double (value);
      break;
    case BAND_PROP_THRESHOLD:
      s->dyn.threshold_db = g_value_get_double (value);
      break;
    case BAND_PROP_RATIO:
      s->dyn.ratio = g_value_get_double (value);
      break;
    case BAND_PROP_KNEE:
      s->dyn.knee_db = g_value_get_double (value);
      break;
    case BAND_PROP_ATTACK:
      s->dyn.attack_ms = g_value_get_double (value);
      break;
    case BAND_PROP_RELEASE:
      s->dyn.release_ms = g_value_get_double (value);
      break;
    case BAND_PROP_MAKEUP:
      s->dyn.makeup_db = g_value_get_double (value);
      break;
    case BAND_PROP_BYPASS:
      s->bypass = g_value_get_boolean (value);
      break;
    case BAND_PROP_SOLO:
      s->solo = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (band);
}

static void
band_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMasterMbCompBand *band = GST_MASTER_MB_COMP_BAND (object);
  const MasterMultibandBand *s = &band->settings;

  GST_OBJECT_LOCK (band);
  switch (prop_id) {
    case BAND_PROP_CROSSOVER:
      g_value_set_double (value, s->crossover_hz);
      break;
    case BAND_PROP_THRESHOLD:
      g_value_set_double (value, s->dyn.threshold_db);
      break;
    case BAND_PROP_RATIO:
      g_value_set_double (value, s->dyn.ratio);
      break;
    case BAND_PROP_KNEE:
      g_value_set_double (value, s->dyn.knee_db);
      break;
    case BAND_PROP_ATTACK:
      g_value_set_double (value, s->dyn.attack_ms);
      break;
    case BAND_PROP_RELEASE:
      g_value_set_double (value, s->dyn.release_ms);
      break;
    case BAND_PROP_MAKEUP:
      g_value_set_double (value, s->dyn.makeup_db);
      break;
    case BAND_PROP_BYPASS:
      g_value_set_boolean (value, s->bypass);
      break;
    case BAND_PROP_SOLO:
      g_value_set_boolean (value, s->solo);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (band);
}

static void
gst_master_mb_comp_band_class_init (GstMasterMbCompBandClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags ctl = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_CONTROLLABLE;

  gobject_class->set_property = band_set_property;
  gobject_class->get_property = band_get_property;

  g_object_class_install_property (gobject_class, BAND_PROP_CROSSOVER,
      g_param_spec_double ("crossover", "Crossover",
          "Upper edge of the band, Hz (ignored for the last band; glides "
          "when changed)", 10.0, 22000.0, 1000.0, ctl));
  g_object_class_install_property (gobject_class, BAND_PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Level where the band's compression starts, dBFS", -80.0, 0.0,
          -18.0, ctl));
  g_object_class_install_property (gobject_class, BAND_PROP_RATIO,
      g_param_spec_double ("ratio", "Ratio",
          "Compression ratio of the band (1 = none)", 1.0, 100.0, 1.0, ctl));
  g_object_class_install_property (gobject_class, BAND_PROP_KNEE,
      g_param_spec_double ("knee", "Knee",
          "Soft knee width, dB (0 = hard)", 0.0, 24.0, 6.0, ctl));
  g_object_class_install_property (gobject_class, BAND_PROP_ATTACK,
      g_param_spec_double ("attack", "Attack",
          "Attack time constant (63 % of a level step), ms", 0.01, 500.0,
          10.0, ctl));
  g_object_class_install_property (gobject_class, BAND_PROP_RELEASE,
      g_param_spec_double ("release", "Release",
          "Release time constant (63 % recovery), ms", 1.0, 5000.0, 100.0,
          ctl));
  g_object_class_install_property (gobject_class, BAND_PROP_MAKEUP,
      g_param_spec_double ("makeup", "Makeup",
          "Makeup gain of the band, dB", -24.0, 24.0, 0.0, ctl));
  g_object_class_install_property (gobject_class, BAND_PROP_BYPASS,
      g_param_spec_boolean ("bypass", "Bypass",
          "Leave the band uncompressed (boolean)", FALSE, ctl));
  g_object_class_install_property (gobject_class, BAND_PROP_SOLO,
      g_param_spec_boolean ("solo", "Solo",
          "Only soloed bands are heard (boolean)", FALSE, ctl));
}

static void
gst_master_mb_comp_band_init (GstMasterMbCompBand * band)
{
  master_dynamics_params_init (&band->settings.dyn);
  band->settings.dyn.ratio = 1.0;
  band->settings.crossover_hz = 1000.0;
}

/* ------------------------------------------------------------- element --- */

enum
{
  PROP_0,
  PROP_NUM_BANDS,
  PROP_SLOPE,
  PROP_MIX,
  PROP_OUTPUT_GAIN,
  PROP_LOOKAHEAD
};

static void gst_master_mb_comp_child_proxy_init (gpointer g_iface,
    gpointer iface_data);

G_DEFINE_TYPE_WITH_CODE (GstMasterMbComp, gst_master_mb_comp,
    GST_TYPE_MASTER_DYN_FILTER, G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY,
        gst_master_mb_comp_child_proxy_init));
GST_ELEMENT_REGISTER_DEFINE (mastermbcomp, "mastermbcomp", GST_RANK_NONE,
    GST_TYPE_MASTER_MB_COMP);

GType
gst_master_mb_comp_slope_get_type (void)
{
  static gsize id = 0;
  static const GEnumValue values[] = {
    {24, "24 dB/oct (Linkwitz-Riley 4th order)", "24"},
    {48, "48 dB/oct (Linkwitz-Riley 8th order)", "48"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&id)) {
    GType t = gst_master_enum_register ("GstMasterMbCompSlope", values);
    g_once_init_leave (&id, t);
  }
  return (GType) id;
}

static GObject *
child_proxy_get_child_by_index (GstChildProxy * proxy, guint index)
{
  GstMasterMbComp *self = GST_MASTER_MB_COMP (proxy);
  if (index >= GST_MASTER_MB_COMP_MAX_BANDS)
    return NULL;
  return g_object_ref (G_OBJECT (self->bands[index]));
}

static guint
child_proxy_get_children_count (GstChildProxy * proxy)
{
  return GST_MASTER_MB_COMP_MAX_BANDS;
}

static void
gst_master_mb_comp_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;
  iface->get_child_by_index = child_proxy_get_child_by_index;
  iface->get_children_count = child_proxy_get_children_count;
}

static void
gst_master_mb_comp_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterMbComp *self = GST_MASTER_MB_COMP (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_NUM_BANDS:
      self->settings.num_bands = g_value_get_int (value);
      break;
    case PROP_SLOPE:
      self->settings.slope = g_value_get_enum (value);
      break;
    case PROP_MIX:
      self->settings.mix = g_value_get_double (value);
      break;
    case PROP_OUTPUT_GAIN:
      self->settings.output_gain_db = g_value_get_double (value);
      break;
    case PROP_LOOKAHEAD:
      self->settings.lookahead_ms = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_mb_comp_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterMbComp *self = GST_MASTER_MB_COMP (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_NUM_BANDS:
      g_value_set_int (value, self->settings.num_bands);
      break;
    case PROP_SLOPE:
      g_value_set_enum (value, self->settings.slope);
      break;
    case PROP_MIX:
      g_value_set_double (value, self->settings.mix);
      break;
    case PROP_OUTPUT_GAIN:
      g_value_set_double (value, self->settings.output_gain_db);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_double (value, self->settings.lookahead_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_master_mb_comp_dispose (GObject * object)
{
  GstMasterMbComp *self = GST_MASTER_MB_COMP (object);
  gint b;
  for (b = 0; b < GST_MASTER_MB_COMP_MAX_BANDS; b++) {
    if (self->bands[b]) {
      gst_object_unparent (GST_OBJECT (self->bands[b]));
      self->bands[b] = NULL;
    }
  }
  G_OBJECT_CLASS (gst_master_mb_comp_parent_class)->dispose (object);
}

static void
gst_master_mb_comp_finalize (GObject * object)
{
  GstMasterMbComp *self = GST_MASTER_MB_COMP (object);
  master_multiband_free (&self->mb);
  G_OBJECT_CLASS (gst_master_mb_comp_parent_class)->finalize (object);
}

/* controller sync of the bands (no lock held; the base synced the element),
 * then snapshot settings; TRUE if changed */
static gboolean
snapshot (GstMasterMbComp * self, GstClockTime stream_time)
{
  MasterMultibandBand bands[GST_MASTER_MB_COMP_MAX_BANDS];
  GstMasterMbCompSettings s;
  gboolean changed;
  gint b;

  if (GST_CLOCK_TIME_IS_VALID (stream_time)) {
    for (b = 0; b < GST_MASTER_MB_COMP_MAX_BANDS; b++)
      gst_object_sync_values (GST_OBJECT (self->bands[b]), stream_time);
  }
  GST_OBJECT_LOCK (self);
  s = self->settings;
  GST_OBJECT_UNLOCK (self);
  for (b = 0; b < GST_MASTER_MB_COMP_MAX_BANDS; b++) {
    GST_OBJECT_LOCK (self->bands[b]);
    bands[b] = self->bands[b]->settings;
    GST_OBJECT_UNLOCK (self->bands[b]);
  }
  changed = memcmp (bands, self->band_snap, sizeof (bands)) != 0
      || s.mix != self->snap.mix
      || s.output_gain_db != self->snap.output_gain_db;
  memcpy (self->band_snap, bands, sizeof (bands));
  /* structural values change only in setup() */
  self->snap.mix = s.mix;
  self->snap.output_gain_db = s.output_gain_db;
  return changed;
}

static gint
process_f32 (GstMasterDynFilter * base, gpointer data, guint n)
{
  return master_multiband_process_f32 (GST_MASTER_MB_COMP (base)->mb, data,
      data, (int) n);
}

static gint
process_f64 (GstMasterDynFilter * base, gpointer data, guint n)
{
  return master_multiband_process_f64 (GST_MASTER_MB_COMP (base)->mb, data,
      data, (int) n);
}

static gboolean
gst_master_mb_comp_configure (GstMasterDynFilter * base,
    const GstAudioInfo * info, guint * latency)
{
  GstMasterMbComp *self = GST_MASTER_MB_COMP (base);
  gint frames;

  master_multiband_free (&self->mb);
  self->mb = master_multiband_new (GST_AUDIO_INFO_CHANNELS (info),
      GST_AUDIO_INFO_RATE (info), MAX_LOOKAHEAD_MS);
  if (!self->mb)
    return FALSE;

  GST_OBJECT_LOCK (self);
  self->snap = self->settings;
  GST_OBJECT_UNLOCK (self);
  snapshot (self, GST_CLOCK_TIME_NONE);
  frames = master_multiband_configure (self->mb, self->snap.num_bands,
      self->snap.slope, self->snap.lookahead_ms, self->band_snap,
      self->snap.mix, self->snap.output_gain_db);
  if (frames < 0)
    return FALSE;
  *latency = frames;
  GST_DEBUG_OBJECT (self, "setup: %d bands, slope %d, latency %d frames",
      self->snap.num_bands, self->snap.slope, frames);
  return TRUE;
}

static void
gst_master_mb_comp_release (GstMasterDynFilter * base)
{
  master_multiband_free (&GST_MASTER_MB_COMP (base)->mb);
}

static void
gst_master_mb_comp_reset (GstMasterDynFilter * base)
{
  master_multiband_reset (GST_MASTER_MB_COMP (base)->mb);
}

static void
gst_master_mb_comp_update (GstMasterDynFilter * base,
    GstClockTime stream_time)
{
  GstMasterMbComp *self = GST_MASTER_MB_COMP (base);

  if (snapshot (self, stream_time) && self->mb)
    master_multiband_set_params (self->mb, self->band_snap, self->snap.mix,
        self->snap.output_gain_db);
}

static void
gst_master_mb_comp_add_message_values (GstMasterDynFilter * base,
    GstStructure * s)
{
  GstMasterMbComp *self = GST_MASTER_MB_COMP (base);
  GValue arr = G_VALUE_INIT, v = G_VALUE_INIT;
  gint b, nb = self->mb ? master_multiband_get_n_bands (self->mb) : 0;

  g_value_init (&arr, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_DOUBLE);
  for (b = 0; b < nb; b++) {
    g_value_set_double (&v, master_multiband_take_gain_reduction_db (self->mb,
            b));
    gst_value_array_append_value (&arr, &v);
  }
  gst_structure_take_value (s, "gain-reduction", &arr);
  g_value_unset (&v);
}

static void
gst_master_mb_comp_class_init (GstMasterMbCompClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstMasterDynFilterClass *dyn_class = GST_MASTER_DYN_FILTER_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (mastermbcomp_debug, "mastermbcomp", 0,
      "multiband mastering compressor");

  gobject_class->set_property = gst_master_mb_comp_set_property;
  gobject_class->get_property = gst_master_mb_comp_get_property;
  gobject_class->dispose = gst_master_mb_comp_dispose;
  gobject_class->finalize = gst_master_mb_comp_finalize;

  g_object_class_install_property (gobject_class, PROP_NUM_BANDS,
      g_param_spec_int ("num-bands", "Number of bands",
          "Number of bands used, 1..6 (children band0..band<n-1>), count",
          1, GST_MASTER_MB_COMP_MAX_BANDS, 4,
          flags | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SLOPE,
      g_param_spec_enum ("crossover-slope", "Crossover slope",
          "Linkwitz-Riley crossover slope, dB/oct (24 or 48)",
          GST_TYPE_MASTER_MB_COMP_SLOPE, 24, flags | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MIX,
      g_param_spec_double ("mix", "Mix",
          "Dry/wet mix of every band, 0..1 (0 = uncompressed)", 0.0, 1.0, 1.0,
          flags | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_OUTPUT_GAIN,
      g_param_spec_double ("output-gain", "Output gain",
          "Gain after the band sum, dB", -24.0, 24.0, 0.0,
          flags | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD,
      g_param_spec_double ("lookahead", "Lookahead",
          "Lookahead of every band, ms (adds that much latency; output stays "
          "aligned)", 0.0, MAX_LOOKAHEAD_MS, 0.0,
          flags | GST_PARAM_MUTABLE_READY));
  /* "interval": GstMasterDynFilter */

  gst_element_class_set_static_metadata (element_class,
      "Multiband mastering compressor", "Filter/Effect/Audio",
      "Linkwitz-Riley band split (1..6 bands, flat sum) with a compressor "
      "per band, solo and bypass per band", "gst-mastering");

  dyn_class->message_name = "mastermbcomp";
  dyn_class->process_f32 = GST_DEBUG_FUNCPTR (process_f32);
  dyn_class->process_f64 = GST_DEBUG_FUNCPTR (process_f64);
  dyn_class->configure = GST_DEBUG_FUNCPTR (gst_master_mb_comp_configure);
  dyn_class->update = GST_DEBUG_FUNCPTR (gst_master_mb_comp_update);
  dyn_class->reset = GST_DEBUG_FUNCPTR (gst_master_mb_comp_reset);
  dyn_class->release = GST_DEBUG_FUNCPTR (gst_master_mb_comp_release);
  dyn_class->add_message_values =
      GST_DEBUG_FUNCPTR (gst_master_mb_comp_add_message_values);

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_MB_COMP_SLOPE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_MB_COMP_BAND, 0);
}

static void
gst_master_mb_comp_init (GstMasterMbComp * self)
{
  gint b;
  self->settings.num_bands = 4;
  self->settings.slope = 24;
  self->settings.mix = 1.0;
  self->settings.output_gain_db = 0.0;
  self->settings.lookahead_ms = 0.0;
  self->snap = self->settings;
  for (b = 0; b < GST_MASTER_MB_COMP_MAX_BANDS; b++) {
    gchar *name = g_strdup_printf ("band%d", b);
    self->bands[b] = g_object_new (GST_TYPE_MASTER_MB_COMP_BAND, "name", name,
        "crossover", default_crossover[b], NULL);
    g_free (name);
    gst_object_set_parent (GST_OBJECT (self->bands[b]), GST_OBJECT (self));
  }
}
