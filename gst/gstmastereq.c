/* gst-mastering: mastereq, mastering parametric equaliser.
 *
 * SECTION:element-mastereq
 * @title: mastereq
 *
 * A parametric equaliser of 1..32 bands whose bells, shelves and tilt follow
 * their analog prototypes up to 20 kHz (within 0.2 dB at 44.1 and 48 kHz:
 * each band is one biquad whose five coefficients are fitted to the analog
 * magnitude, two jointly fitted biquads for shelves with Q > 2; see
 * dsp/eqdesign.h), with Butterworth and Linkwitz-Riley
 * low/high-pass filters of 6..48 dB/oct, band-pass and notch.  Each band can
 * act on all channels, on the left or right channel only, or on the mid or
 * side signal of a stereo pair.
 *
 * Bands are child objects (GstChildProxy), named band0, band1, ...; every
 * band property and the element's output-gain are controllable
 * (GstController).  Parameter changes are smoothed: frequency (in octaves),
 * gain (in dB) and Q (in octaves) glide to the new value over the longer of
 * one buffer and 20 ms, the coefficients are redesigned every ~1.3 ms during
 * the glide and interpolated sample by sample in between; changes of type,
 * slope, channels or enabled crossfade (20 ms) between the old and the new
 * filter set.  With every band neutral (0 dB or disabled) and output-gain 0
 * dB the element is a bit-exact null, and passthrough unless a control
 * binding is active.
 *
 * Presets (GstPreset, gst/presets/GstMasterEq.prs) set band0..band3 and
 * output-gain: rumble-cut, dc-and-rumble-cut, air, de-mud, presence,
 * warmth, de-ess-soft, loudness-smile.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=in.wav ! wavparse ! audioconvert ! \
 *     mastereq num-bands=4 band0::type=high-pass band0::freq=30 \
 *     band0::slope=24 band1::type=low-shelf band1::freq=120 band1::gain=1.5 \
 *     band2::freq=350 band2::gain=-2 band2::q=1.2 \
 *     band3::type=high-shelf band3::freq=12000 band3::gain=2 ! \
 *     audioconvert ! autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmastereq.h"
#include "gstmasterenum.h"

#include <math.h>
#include <string.h>

#include <gst/controller/controller.h>
#include "master-orc.h"
#include "kernels-ref.h"

GST_DEBUG_CATEGORY_STATIC (master_eq_debug);
#define GST_CAT_DEFAULT master_eq_debug

/* frames processed per inner step (scratch buffers have this size) */
#define CHUNK 1024

#define DEFAULT_NUM_BANDS 4
#define DEFAULT_OUTPUT_GAIN 0.0
#define DEFAULT_TYPE MASTER_EQ_BELL
#define DEFAULT_GAIN 0.0
#define DEFAULT_Q 0.7071
#define DEFAULT_SLOPE 12
#define DEFAULT_SLOPE_TYPE MASTER_EQ_BUTTERWORTH
#define DEFAULT_CHANNELS GST_MASTER_EQ_CHANNELS_ALL
#define DEFAULT_ENABLED TRUE

#define MIN_FREQ 10.0
#define MAX_FREQ 96000.0
#define SMOOTH_SECONDS 0.020
#define FADE_SECONDS 0.020

/* ---------------------------------------------------------------------- */
/* enums */

#define GST_TYPE_MASTER_EQ_BAND_TYPE (gst_master_eq_band_type_get_type ())
static GType
gst_master_eq_band_type_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {MASTER_EQ_BELL, "Bell (peaking)", "bell"},
    {MASTER_EQ_LOW_SHELF, "Low shelf", "low-shelf"},
    {MASTER_EQ_HIGH_SHELF, "High shelf", "high-shelf"},
    {MASTER_EQ_LOW_PASS, "Low-pass", "low-pass"},
    {MASTER_EQ_HIGH_PASS, "High-pass", "high-pass"},
    {MASTER_EQ_BAND_PASS, "Band-pass (0 dB at freq)", "band-pass"},
    {MASTER_EQ_NOTCH, "Notch", "notch"},
    {MASTER_EQ_TILT, "Tilt (first order, -gain/2 .. +gain/2 around freq)",
        "tilt"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type)) {
    GType t = gst_master_enum_register ("GstMasterEqBandType", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_MASTER_EQ_SLOPE_TYPE (gst_master_eq_slope_type_get_type ())
static GType
gst_master_eq_slope_type_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {MASTER_EQ_BUTTERWORTH, "Butterworth (-3 dB at freq)", "butterworth"},
    {MASTER_EQ_LINKWITZ_RILEY,
        "Linkwitz-Riley (-6 dB at freq; 12/24/36/48 dB/oct)", "linkwitz-riley"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type)) {
    GType t = gst_master_enum_register ("GstMasterEqSlopeType", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_MASTER_EQ_CHANNELS (gst_master_eq_channels_get_type ())
static GType
gst_master_eq_channels_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MASTER_EQ_CHANNELS_ALL, "All channels", "all"},
    {GST_MASTER_EQ_CHANNELS_LEFT, "Left (first) channel", "left"},
    {GST_MASTER_EQ_CHANNELS_RIGHT, "Right (second) channel", "right"},
    {GST_MASTER_EQ_CHANNELS_MID, "Mid (L+R)/2 of the first pair", "mid"},
    {GST_MASTER_EQ_CHANNELS_SIDE, "Side (L-R)/2 of the first pair", "side"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type)) {
    GType t = gst_master_enum_register ("GstMasterEqChannels", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---------------------------------------------------------------------- */
/* band object */

enum
{
  PROP_BAND_0,
  PROP_BAND_TYPE,
  PROP_BAND_FREQ,
  PROP_BAND_GAIN,
  PROP_BAND_Q,
  PROP_BAND_SLOPE,
  PROP_BAND_SLOPE_TYPE,
  PROP_BAND_CHANNELS,
  PROP_BAND_ENABLED
};

G_DEFINE_TYPE (GstMasterEqBand, gst_master_eq_band, GST_TYPE_OBJECT);

static void
gst_master_eq_band_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterEqBand *band = GST_MASTER_EQ_BAND (object);

  GST_OBJECT_LOCK (band);
  switch (prop_id) {
    case PROP_BAND_TYPE:
      band->s.design.type = g_value_get_enum (value);
      break;
    case PROP_BAND_FREQ:
      band->s.design.freq = g_value_get_double (value);
      break;
    case PROP_BAND_GAIN:
      band->s.design.gain_db = g_value_get_double (value);
      break;
    case PROP_BAND_Q:
      band->s.design.q = g_value_get_double (value);
      break;
    case PROP_BAND_SLOPE:
      /* multiples of 6 dB/oct (filter order = slope / 6) */
      band->s.design.slope = CLAMP (6 * ((g_value_get_int (value) + 3) / 6),
          6, 48);
      break;
    case PROP_BAND_SLOPE_TYPE:
      band->s.design.slope_type = g_value_get_enum (value);
      break;
    case PROP_BAND_CHANNELS:
      band->s.channels = g_value_get_enum (value);
      break;
    case PROP_BAND_ENABLED:
      band->s.enabled = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (band);
}

static void
gst_master_eq_band_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterEqBand *band = GST_MASTER_EQ_BAND (object);

  GST_OBJECT_LOCK (band);
  switch (prop_id) {
    case PROP_BAND_TYPE:
      g_value_set_enum (value, band->s.design.type);
      break;
    case PROP_BAND_FREQ:
      g_value_set_double (value, band->s.design.freq);
      break;
    case PROP_BAND_GAIN:
      g_value_set_double (value, band->s.design.gain_db);
      break;
    case PROP_BAND_Q:
      g_value_set_double (value, band->s.design.q);
      break;
    case PROP_BAND_SLOPE:
      g_value_set_int (value, band->s.design.slope);
      break;
    case PROP_BAND_SLOPE_TYPE:
      g_value_set_enum (value, band->s.design.slope_type);
      break;
    case PROP_BAND_CHANNELS:
      g_value_set_enum (value, band->s.channels);
      break;
    case PROP_BAND_ENABLED:
      g_value_set_boolean (value, band->s.enabled);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (band);
}

static void
gst_master_eq_band_class_init (GstMasterEqBandClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_master_eq_band_set_property;
  gobject_class->get_property = gst_master_eq_band_get_property;

  g_object_class_install_property (gobject_class, PROP_BAND_TYPE,
      g_param_spec_enum ("type", "Type", "Filter type of the band",
          GST_TYPE_MASTER_EQ_BAND_TYPE, DEFAULT_TYPE, flags));
  g_object_class_install_property (gobject_class, PROP_BAND_FREQ,
      g_param_spec_double ("freq", "Frequency",
          "Centre, shelf midpoint or corner frequency in Hz (limited to "
          "0.495 x sample rate for pass filters)", MIN_FREQ, MAX_FREQ, 1000.0,
          flags));
  g_object_class_install_property (gobject_class, PROP_BAND_GAIN,
      g_param_spec_double ("gain", "Gain",
          "Gain in dB (bell, shelves, tilt: tilt goes from -gain/2 dB at low "
          "to +gain/2 dB at high frequencies)", -24.0, 24.0, DEFAULT_GAIN,
          flags));
  g_object_class_install_property (gobject_class, PROP_BAND_Q,
      g_param_spec_double ("q", "Q",
          "Quality factor (bell: bandwidth, shelves: 0.707 = no overshoot; "
          "band-pass, notch), dimensionless", 0.1, 20.0, DEFAULT_Q, flags));
  g_object_class_install_property (gobject_class, PROP_BAND_SLOPE,
      g_param_spec_int ("slope", "Slope",
          "Low/high-pass slope in dB/oct (6, 12, 18, 24, 36 or 48; rounded "
          "to a multiple of 6)", 6, 48, DEFAULT_SLOPE, flags));
  g_object_class_install_property (gobject_class, PROP_BAND_SLOPE_TYPE,
      g_param_spec_enum ("slope-type", "Slope type",
          "Low/high-pass family (Linkwitz-Riley needs 12, 24, 36 or 48 dB/oct,"
          " otherwise Butterworth is used)", GST_TYPE_MASTER_EQ_SLOPE_TYPE,
          DEFAULT_SLOPE_TYPE, flags));
  g_object_class_install_property (gobject_class, PROP_BAND_CHANNELS,
      g_param_spec_enum ("channels", "Channels",
          "Channels the band acts on (mid/side use the first two channels; "
          "in mono, mid is the channel and side does nothing)",
          GST_TYPE_MASTER_EQ_CHANNELS, DEFAULT_CHANNELS, flags));
  g_object_class_install_property (gobject_class, PROP_BAND_ENABLED,
      g_param_spec_boolean ("enabled", "Enabled", "Band is active (boolean)",
          DEFAULT_ENABLED, flags));
}

static void
gst_master_eq_band_init (GstMasterEqBand * band)
{
  band->s.design.type = DEFAULT_TYPE;
  band->s.design.freq = 1000.0;
  band->s.design.gain_db = DEFAULT_GAIN;
  band->s.design.q = DEFAULT_Q;
  band->s.design.slope = DEFAULT_SLOPE;
  band->s.design.slope_type = DEFAULT_SLOPE_TYPE;
  band->s.channels = DEFAULT_CHANNELS;
  band->s.enabled = DEFAULT_ENABLED;
}

/* ---------------------------------------------------------------------- */
/* engine: the cascades for one structure (which bands, where) */

typedef struct
{
  gint band;                    /* band index */
  gboolean ms;                  /* in the mid/side cascade */
  gint first, n;                /* sections */
  guint mask;                   /* channels of that cascade it acts on */
} EngineMap;

/* the part of the settings that decides the layout */
typedef struct
{
  gint enabled, type, n_sections, channels, slope, slope_type;
} EngineKey;

struct _GstMasterEqEngine
{
  MasterBiquad lr;              /* all channels; section 0 = output gain */
  MasterBiquad ms;              /* mid, side of the first pair */
  gboolean has_ms;
  gint n_map;
  EngineMap map[GST_MASTER_EQ_MAX_BANDS];
  guint n_keys;
  EngineKey key[GST_MASTER_EQ_MAX_BANDS];
};

static void
engine_key (const GstMasterEqBandSettings * s, gint channels, EngineKey * k)
{
  memset (k, 0, sizeof (*k));
  k->enabled = s->enabled;
  if (!s->enabled)
    return;
  k->type = s->design.type;
  k->n_sections = master_eqdesign_n_sections (&s->design);
  k->channels = s->channels;
  if (s->design.type == MASTER_EQ_LOW_PASS
      || s->design.type == MASTER_EQ_HIGH_PASS) {
    /* a different family or order crossfades instead of gliding */
    k->slope = s->design.slope;
    k->slope_type = s->design.slope_type;
  }
  /* in mono, mid acts on the channel, side and right do nothing */
  if (channels == 1) {
    if (k->channels == GST_MASTER_EQ_CHANNELS_MID)
      k->channels = GST_MASTER_EQ_CHANNELS_ALL;
    if (k->channels == GST_MASTER_EQ_CHANNELS_SIDE
        || k->channels == GST_MASTER_EQ_CHANNELS_RIGHT)
      k->enabled = FALSE;
  }
  if (!k->enabled)
    memset (k, 0, sizeof (*k));
}

static void
engine_free (GstMasterEqEngine * e)
{
  if (!e)
    return;
  master_biquad_clear (&e->lr);
  master_biquad_clear (&e->ms);
  g_free (e);
}

static GstMasterEqEngine *
engine_new (const EngineKey * keys, guint n_keys, gint channels)
{
  GstMasterEqEngine *e = g_new0 (GstMasterEqEngine, 1);
  gint n_lr = 1, n_ms = 0;
  guint i;

  e->n_keys = n_keys;
  memcpy (e->key, keys, sizeof (EngineKey) * n_keys);
  for (i = 0; i < n_keys; i++) {
    const EngineKey *k = &keys[i];
    EngineMap *m;
    if (!k->enabled)
      continue;
    m = &e->map[e->n_map++];
    m->band = i;
    m->n = k->n_sections;
    switch (k->channels) {
      case GST_MASTER_EQ_CHANNELS_MID:
      case GST_MASTER_EQ_CHANNELS_SIDE:
        m->ms = TRUE;
        m->mask = k->channels == GST_MASTER_EQ_CHANNELS_MID ? 1 : 2;
        m->first = n_ms;
        n_ms += m->n;
        break;
      case GST_MASTER_EQ_CHANNELS_LEFT:
        m->mask = 1;
        m->first = n_lr;
        n_lr += m->n;
        break;
      case GST_MASTER_EQ_CHANNELS_RIGHT:
        m->mask = 2;
        m->first = n_lr;
        n_lr += m->n;
        break;
      default:
        m->mask = (1u << channels) - 1;
        m->first = n_lr;
        n_lr += m->n;
        break;
    }
  }
  e->has_ms = n_ms > 0;
  if (master_biquad_init (&e->lr, n_lr, channels) ||
      master_biquad_init (&e->ms, n_ms, 2)) {
    engine_free (e);
    return NULL;
  }
  return e;
}

static void
engine_reset (GstMasterEqEngine * e)
{
  if (e) {
    master_biquad_reset (&e->lr);
    master_biquad_reset (&e->ms);
  }
}

/* designs band m with the current smoothed parameters and stores the
 * sections as targets */
static void
engine_design_band (GstMasterEq * self, GstMasterEqEngine * e,
    const EngineMap * m)
{
  GstMasterEqBandState *bs = &self->bst[m->band];
  MasterEqBand b = bs->target.design;
  MasterBiquadCoeffs c[MASTER_EQDESIGN_MAX_SECTIONS], id;
  MasterBiquad *bq = m->ms ? &e->ms : &e->lr;
  gint n, s, ch;

  b.freq = exp2 (bs->cur_lf);
  b.gain_db = bs->cur_gain;
  b.q = exp2 (bs->cur_lq);
  /* m->n from the target settings; during a glide of Q across the
   * one/two-section boundary the design follows the layout */
  n = master_eqdesign_band (c, m->n, &b, self->rate);
  master_biquad_coeffs_identity (&id);
  for (s = 0; s < m->n; s++)
    for (ch = 0; ch < bq->n_channels; ch++)
      master_biquad_set_target (bq, m->first + s, ch,
          (s < n && (m->mask & (1u << ch))) ? &c[s] : &id);
}

static void
engine_design_gain (GstMasterEq * self, GstMasterEqEngine * e)
{
  MasterBiquadCoeffs c;
  master_biquad_coeffs_identity (&c);
  if (self->gain_cur != 0.0)
    c.b0 = pow (10.0, self->gain_cur / 20.0);
  master_biquad_set_target (&e->lr, 0, -1, &c);
}

/* ---------------------------------------------------------------------- */
/* element */

enum
{
  PROP_0,
  PROP_NUM_BANDS,
  PROP_OUTPUT_GAIN
};

static void gst_master_eq_child_proxy_init (gpointer g_iface,
    gpointer iface_data);

#define gst_master_eq_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMasterEq, gst_master_eq, GST_TYPE_AUDIO_FILTER,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY,
        gst_master_eq_child_proxy_init)
    G_IMPLEMENT_INTERFACE (GST_TYPE_PRESET, NULL)
    GST_DEBUG_CATEGORY_INIT (master_eq_debug, "mastereq", 0,
        "mastering parametric equaliser"));

GST_ELEMENT_REGISTER_DEFINE (mastereq, "mastereq", GST_RANK_NONE,
    GST_TYPE_MASTER_EQ);

#define CAPS_STR GST_AUDIO_CAPS_MAKE ("{ F32LE, F64LE }") \
    ", layout = (string) interleaved, rate = (int) [ 8000, 384000 ], " \
    "channels = (int) [ 1, 8 ]"

static void gst_master_eq_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_master_eq_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_master_eq_finalize (GObject * object);
static gboolean gst_master_eq_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_master_eq_stop (GstBaseTransform * trans);
static gboolean gst_master_eq_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static void gst_master_eq_before_transform (GstBaseTransform * trans,
    GstBuffer * buf);
static GstFlowReturn gst_master_eq_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);

/* child proxy: bands by index; the array only changes in READY/NULL and
 * always under the object lock, readers take a reference under it */
static GObject *
gst_master_eq_child_proxy_get_child_by_index (GstChildProxy * proxy,
    guint index)
{
  GstMasterEq *self = GST_MASTER_EQ (proxy);
  GObject *ret = NULL;

  GST_OBJECT_LOCK (self);
  if (index < self->num_bands)
    ret = G_OBJECT (gst_object_ref (self->bands[index]));
  GST_OBJECT_UNLOCK (self);
  return ret;
}

static guint
gst_master_eq_child_proxy_get_children_count (GstChildProxy * proxy)
{
  GstMasterEq *self = GST_MASTER_EQ (proxy);
  guint n;

  GST_OBJECT_LOCK (self);
  n = self->num_bands;
  GST_OBJECT_UNLOCK (self);
  return n;
}

static void
gst_master_eq_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;
  iface->get_child_by_index = gst_master_eq_child_proxy_get_child_by_index;
  iface->get_children_count = gst_master_eq_child_proxy_get_children_count;
}

static void
gst_master_eq_class_init (GstMasterEqClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  gobject_class->set_property = gst_master_eq_set_property;
  gobject_class->get_property = gst_master_eq_get_property;
  gobject_class->finalize = gst_master_eq_finalize;

  g_object_class_install_property (gobject_class, PROP_NUM_BANDS,
      g_param_spec_uint ("num-bands", "Number of bands",
          "Number of bands (count, 1..32; changeable in NULL/READY only)", 1,
          GST_MASTER_EQ_MAX_BANDS, DEFAULT_NUM_BANDS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_OUTPUT_GAIN,
      g_param_spec_double ("output-gain", "Output gain",
          "Gain applied after the bands, in dB", -24.0, 24.0,
          DEFAULT_OUTPUT_GAIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "Mastering parametric equaliser", "Filter/Effect/Audio",
      "Parametric EQ (bells, shelves, tilt, Butterworth/Linkwitz-Riley "
      "pass filters, per channel or mid/side) following the analog "
      "prototypes up to 20 kHz", "gst-mastering");

  caps = gst_caps_from_string (CAPS_STR);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  filter_class->setup = GST_DEBUG_FUNCPTR (gst_master_eq_setup);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_master_eq_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_master_eq_sink_event);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_master_eq_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_master_eq_transform_ip);
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_EQ_BAND, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_EQ_BAND_TYPE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_EQ_SLOPE_TYPE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_EQ_CHANNELS, 0);
}

/* default frequency of band i of n: log-spaced 100 Hz .. 10 kHz */
static gdouble
default_freq (guint i, guint n)
{
  if (n <= 1)
    return 1000.0;
  return 100.0 * pow (100.0, (gdouble) i / (n - 1));
}

static void
gst_master_eq_set_num_bands (GstMasterEq * self, guint n)
{
  GstMasterEqBand *added[GST_MASTER_EQ_MAX_BANDS];
  GstMasterEqBand *removed[GST_MASTER_EQ_MAX_BANDS];
  guint n_added = 0, n_removed = 0, i, old;

  GST_OBJECT_LOCK (self);
  old = self->num_bands;
  GST_OBJECT_UNLOCK (self);

  /* create new bands outside the lock */
  for (i = old; i < n; i++) {
    gchar *name = g_strdup_printf ("band%u", i);
    GstMasterEqBand *band = g_object_new (GST_TYPE_MASTER_EQ_BAND, "name",
        name, NULL);
    g_free (name);
    band->s.design.freq = default_freq (i, n);
    added[n_added++] = band;
  }

  GST_OBJECT_LOCK (self);
  for (i = n; i < old; i++)
    removed[n_removed++] = self->bands[i];
  for (i = 0; i < n_added; i++)
    self->bands[old + i] = added[i];
  for (i = n; i < old; i++)
    self->bands[i] = NULL;
  self->num_bands = n;
  GST_OBJECT_UNLOCK (self);

  for (i = 0; i < n_added; i++) {
    gst_object_set_parent (GST_OBJECT (added[i]), GST_OBJECT (self));
    gst_child_proxy_child_added (GST_CHILD_PROXY (self), G_OBJECT (added[i]),
        GST_OBJECT_NAME (added[i]));
  }
  for (i = 0; i < n_removed; i++) {
    gst_child_proxy_child_removed (GST_CHILD_PROXY (self),
        G_OBJECT (removed[i]), GST_OBJECT_NAME (removed[i]));
    gst_object_unparent (GST_OBJECT (removed[i]));
  }
}

static void
gst_master_eq_init (GstMasterEq * self)
{
  self->output_gain = DEFAULT_OUTPUT_GAIN;
  gst_master_eq_set_num_bands (self, DEFAULT_NUM_BANDS);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_gap_aware (GST_BASE_TRANSFORM (self), FALSE);
}

static void
gst_master_eq_free_streaming (GstMasterEq * self)
{
  engine_free (self->engine);
  engine_free (self->old_engine);
  self->engine = self->old_engine = NULL;
  g_free (self->scratch_ms);
  g_free (self->scratch_in);
  self->scratch_ms = self->scratch_in = NULL;
  self->primed = FALSE;
}

static void
gst_master_eq_finalize (GObject * object)
{
  GstMasterEq *self = GST_MASTER_EQ (object);
  guint i;

  gst_master_eq_free_streaming (self);
  for (i = 0; i < self->num_bands; i++) {
    gst_object_unparent (GST_OBJECT (self->bands[i]));
    self->bands[i] = NULL;
  }
  self->num_bands = 0;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_master_eq_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterEq *self = GST_MASTER_EQ (object);

  switch (prop_id) {
    case PROP_NUM_BANDS:{
      GstState state;
      GST_OBJECT_LOCK (self);
      state = GST_STATE (self);
      GST_OBJECT_UNLOCK (self);
      if (state > GST_STATE_READY) {
        g_warning ("mastereq: num-bands can only change in NULL or READY");
        break;
      }
      gst_master_eq_set_num_bands (self, g_value_get_uint (value));
      break;
    }
    case PROP_OUTPUT_GAIN:
      GST_OBJECT_LOCK (self);
      self->output_gain = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_master_eq_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMasterEq *self = GST_MASTER_EQ (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_NUM_BANDS:
      g_value_set_uint (value, self->num_bands);
      break;
    case PROP_OUTPUT_GAIN:
      g_value_set_double (value, self->output_gain);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---------------------------------------------------------------------- */
/* processing */

/* mid/side cascade on the first channel pair, in place */
#define DEFINE_MS(T, SUF, ENC, DEC)                                          \
static int                                                                   \
ms_##SUF (GstMasterEqEngine * e, T * data, gint n, gint C, T * scratch)      \
{                                                                            \
  gint i, resets;                                                            \
  if (C == 2) {                                                              \
    ENC (scratch, data, n);                                                  \
  } else {                                                                   \
    for (i = 0; i < n; i++) {                                                \
      T l = data[(gsize) i * C], r = data[(gsize) i * C + 1];                \
      scratch[2 * i] = (l + r) * (T) 0.5;                                    \
      scratch[2 * i + 1] = (l - r) * (T) 0.5;                                \
    }                                                                        \
  }                                                                          \
  resets = master_biquad_process_##SUF (&e->ms, scratch, scratch, n);        \
  if (C == 2) {                                                              \
    DEC (data, scratch, n);                                                  \
  } else {                                                                   \
    for (i = 0; i < n; i++) {                                                \
      T m = scratch[2 * i], s = scratch[2 * i + 1];                          \
      data[(gsize) i * C] = m + s;                                           \
      data[(gsize) i * C + 1] = m - s;                                       \
    }                                                                        \
  }                                                                          \
  return resets;                                                             \
}

DEFINE_MS (float, f32, master_orc_ms_encode_f32, master_orc_ms_decode_f32)
DEFINE_MS (double, f64, master_ms_encode_f64, master_ms_decode_f64)

/* One step of at most CHUNK frames through the current engine (and the old
 * one while crossfading). */
#define DEFINE_STEP(T, SUF)                                                  \
static int                                                                   \
step_##SUF (GstMasterEq * self, T * data, gint n)                            \
{                                                                            \
  GstMasterEqEngine *e = self->engine, *o = self->old_engine;                \
  const gint C = self->channels;                                             \
  T *in = self->scratch_in, *ms = self->scratch_ms;                          \
  int resets = 0;                                                            \
                                                                             \
  if (o)                                                                     \
    memcpy (in, data, sizeof (T) * (gsize) n * C);                           \
  resets += master_biquad_process_##SUF (&e->lr, data, data, n);             \
  if (e->has_ms)                                                             \
    resets += ms_##SUF (e, data, n, C, ms);                                  \
  if (o) {                                                                   \
    gint i, c;                                                               \
    const double inv = 1.0 / self->fade_frames;                              \
    master_biquad_process_##SUF (&o->lr, in, in, n);                         \
    if (o->has_ms)                                                           \
      ms_##SUF (o, in, n, C, ms);                                            \
    for (i = 0; i < n; i++) {                                                \
      double t = (self->fade_pos + i + 1) * inv;                             \
      if (t > 1.0)                                                           \
        t = 1.0;                                                             \
      for (c = 0; c < C; c++) {                                              \
        gsize k = (gsize) i * C + c;                                         \
        data[k] = (T) (in[k] + (data[k] - in[k]) * t);                       \
      }                                                                      \
    }                                                                        \
    self->fade_pos += n;                                                     \
    if (self->fade_pos >= self->fade_frames) {                               \
      engine_free (o);                                                       \
      self->old_engine = NULL;                                               \
    }                                                                        \
  }                                                                          \
  return resets;                                                             \
}

DEFINE_STEP (float, f32)
DEFINE_STEP (double, f64)

/* advances the parameter glides by n frames; redesigns what moved and
 * starts the coefficient ramps over the same n frames */
static void
advance_glides (GstMasterEq * self, gint n)
{
  GstMasterEqEngine *e = self->engine;
  gboolean any = FALSE;
  gint i;

  if (self->gain_left > 0) {
    gint k = MIN (n, self->gain_left);
    self->gain_left -= k;
    self->gain_cur = self->gain_left ? self->gain_cur + self->gain_d * k :
        self->gain_tgt;
    engine_design_gain (self, e);
    any = TRUE;
  }
  for (i = 0; i < e->n_map; i++) {
    GstMasterEqBandState *bs = &self->bst[e->map[i].band];
    gint k;
    if (bs->ramp_left <= 0)
      continue;
    k = MIN (n, bs->ramp_left);
    bs->ramp_left -= k;
    if (bs->ramp_left) {
      bs->cur_lf += bs->d_lf * k;
      bs->cur_gain += bs->d_gain * k;
      bs->cur_lq += bs->d_lq * k;
    } else {
      bs->cur_lf = log2 (bs->target.design.freq);
      bs->cur_gain = bs->target.design.gain_db;
      bs->cur_lq = log2 (bs->target.design.q);
    }
    engine_design_band (self, e, &e->map[i]);
    any = TRUE;
  }
  if (any) {
    master_biquad_ramp (&e->lr, n);
    master_biquad_ramp (&e->ms, n);
  }
}

static gboolean
glides_running (GstMasterEq * self)
{
  gint i;
  if (self->gain_left > 0)
    return TRUE;
  if (!self->engine)
    return FALSE;
  for (i = 0; i < self->engine->n_map; i++)
    if (self->bst[self->engine->map[i].band].ramp_left > 0)
      return TRUE;
  return FALSE;
}

#define DEFINE_PROCESS(T, SUF)                                               \
static void                                                                  \
process_##SUF (GstMasterEq * self, gpointer data, gint n_frames)             \
{                                                                            \
  T *d = data;                                                               \
  gint done = 0, resets = 0;                                                 \
  while (done < n_frames) {                                                  \
    gint n = MIN (n_frames - done, CHUNK);                                   \
    if (glides_running (self)) {                                             \
      n = MIN (n, self->ctrl_frames);                                        \
      advance_glides (self, n);                                              \
    }                                                                        \
    resets += step_##SUF (self, d + (gsize) done * self->channels, n);       \
    done += n;                                                               \
  }                                                                          \
  if (resets && !self->warned) {                                             \
    self->warned = TRUE;                                                     \
    GST_ELEMENT_WARNING (self, STREAM, FAILED,                               \
        ("Non-finite samples (NaN/Inf) in the input"),                       \
        ("mastereq: filter state reset, the affected samples were "          \
            "replaced by silence"));                                         \
  }                                                                          \
}

DEFINE_PROCESS (float, f32)
DEFINE_PROCESS (double, f64)

static gboolean
gst_master_eq_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstMasterEq *self = GST_MASTER_EQ (filter);
  gsize sample;

  gst_master_eq_free_streaming (self);
  self->channels = GST_AUDIO_INFO_CHANNELS (info);
  self->rate = GST_AUDIO_INFO_RATE (info);
  switch (GST_AUDIO_INFO_FORMAT (info)) {
    case GST_AUDIO_FORMAT_F32LE:
      self->process = process_f32;
      sample = sizeof (float);
      break;
    case GST_AUDIO_FORMAT_F64LE:
      self->process = process_f64;
      sample = sizeof (double);
      break;
    default:
      return FALSE;
  }
  /* redesign interval during glides: ~1.3 ms (64 frames at 48 kHz) */
  self->ctrl_frames = CLAMP (self->rate / 750, 16, 512);
  self->fade_frames = MAX (1, (gint) (self->rate * FADE_SECONDS));
  self->scratch_ms = g_malloc0 (sample * 2 * CHUNK);
  self->scratch_in = g_malloc0 (sample * self->channels * CHUNK);
  self->primed = FALSE;
  return TRUE;
}

static gboolean
gst_master_eq_stop (GstBaseTransform * trans)
{
  GstMasterEq *self = GST_MASTER_EQ (trans);
  gst_master_eq_free_streaming (self);
  self->warned = FALSE;
  return TRUE;
}

static gboolean
gst_master_eq_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstMasterEq *self = GST_MASTER_EQ (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      engine_reset (self->engine);
      engine_free (self->old_engine);
      self->old_engine = NULL;
      break;
    case GST_EVENT_STREAM_START:
      self->warned = FALSE;
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
band_is_neutral (const GstMasterEqBandSettings * s)
{
  if (!s->enabled)
    return TRUE;
  switch (s->design.type) {
    case MASTER_EQ_BELL:
    case MASTER_EQ_LOW_SHELF:
    case MASTER_EQ_HIGH_SHELF:
    case MASTER_EQ_TILT:
      return s->design.gain_db == 0.0;
    default:
      return FALSE;
  }
}

static void
set_glide (GstMasterEqBandState * bs, const GstMasterEqBandSettings * s,
    gint frames)
{
  double lf = log2 (CLAMP (s->design.freq, MIN_FREQ, MAX_FREQ));
  double lq = log2 (MAX (s->design.q, 0.01));
  bs->target = *s;
  bs->d_lf = (lf - bs->cur_lf) / frames;
  bs->d_gain = (s->design.gain_db - bs->cur_gain) / frames;
  bs->d_lq = (lq - bs->cur_lq) / frames;
  bs->ramp_left = frames;
}

static void
jump_to (GstMasterEqBandState * bs, const GstMasterEqBandSettings * s)
{
  bs->target = *s;
  bs->cur_lf = log2 (CLAMP (s->design.freq, MIN_FREQ, MAX_FREQ));
  bs->cur_gain = s->design.gain_db;
  bs->cur_lq = log2 (MAX (s->design.q, 0.01));
  bs->ramp_left = 0;
}

static void
gst_master_eq_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  /* unchecked casts on this per-buffer path: with six bands the checked
   * ones were 14 type lookups per buffer (a visible share at 1 ms buffers) */
  GstMasterEq *self = (GstMasterEq *) trans;
  GstMasterEqBand *bands[GST_MASTER_EQ_MAX_BANDS];
  GstMasterEqBandSettings snap[GST_MASTER_EQ_MAX_BANDS];
  EngineKey keys[GST_MASTER_EQ_MAX_BANDS];
  GstClockTime ts;
  guint n, i;
  gdouble out_gain;
  gboolean bindings, band_bindings, neutral, rebuild, passthrough;
  gint frames, glide;

  if (!self->process)
    return;

  /* 1. controller values: element and every band, no lock held. An object
   * without an active (enabled) binding has nothing to sync (disabled
   * bindings are skipped by the sync too): asking that first saves a lock
   * round trip per object and buffer (seven objects with six bands) */
  ts = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
      GST_BUFFER_TIMESTAMP (buf));
  bindings = gst_object_has_active_control_bindings (GST_OBJECT_CAST (self));
  if (bindings && GST_CLOCK_TIME_IS_VALID (ts))
    gst_object_sync_values (GST_OBJECT_CAST (self), ts);
  GST_OBJECT_LOCK (self);
  n = self->num_bands;
  band_bindings = FALSE;
  for (i = 0; i < n; i++)
    band_bindings |= gst_object_has_active_control_bindings (GST_OBJECT_CAST
        (self->bands[i]));
  if (!band_bindings) {
    /* 2. snapshot, the usual case: no band to sync, so the bands are read
     * right here, without taking a reference on each (twelve atomic
     * reference changes per buffer). Band locks nest inside the element's:
     * no band code takes the element's lock. */
    out_gain = self->output_gain;
    for (i = 0; i < n; i++) {
      GST_OBJECT_LOCK (self->bands[i]);
      snap[i] = self->bands[i]->s;
      GST_OBJECT_UNLOCK (self->bands[i]);
    }
    GST_OBJECT_UNLOCK (self);
  } else {
    for (i = 0; i < n; i++)
      bands[i] = gst_object_ref (self->bands[i]);
    GST_OBJECT_UNLOCK (self);
    bindings = TRUE;
    for (i = 0; i < n; i++) {
      if (GST_CLOCK_TIME_IS_VALID (ts)
          && gst_object_has_active_control_bindings (GST_OBJECT_CAST (bands[i])))
        gst_object_sync_values (GST_OBJECT_CAST (bands[i]), ts);
    }

    /* 2. snapshot */
    GST_OBJECT_LOCK (self);
    out_gain = self->output_gain;
    GST_OBJECT_UNLOCK (self);
    for (i = 0; i < n; i++) {
      GST_OBJECT_LOCK (bands[i]);
      snap[i] = bands[i]->s;
      GST_OBJECT_UNLOCK (bands[i]);
      gst_object_unref (bands[i]);
    }
  }

  /* 3. streaming state */
  frames = gst_buffer_get_size (buf) / GST_AUDIO_INFO_BPF (&self->parent.info);
  glide = MAX (frames, (gint) (self->rate * SMOOTH_SECONDS));
  neutral = out_gain == 0.0;
  for (i = 0; i < n; i++) {
    engine_key (&snap[i], self->channels, &keys[i]);
    neutral &= band_is_neutral (&snap[i]);
  }
  rebuild = !self->engine || self->engine->n_keys != n
      || memcmp (self->engine->key, keys, sizeof (EngineKey) * n) != 0;

  if (GST_BUFFER_IS_DISCONT (buf) && self->engine) {
    engine_reset (self->engine);
    engine_free (self->old_engine);
    self->old_engine = NULL;
  }

  if (!self->primed) {
    /* first buffer: no glide from defaults */
    for (i = 0; i < n; i++)
      jump_to (&self->bst[i], &snap[i]);
    self->gain_cur = self->gain_tgt = out_gain;
    self->gain_left = 0;
  } else {
    for (i = 0; i < n; i++) {
      GstMasterEqBandState *bs = &self->bst[i];
      if (i >= self->snap_bands || (rebuild
              && (i >= self->engine->n_keys
                  || memcmp (&self->engine->key[i], &keys[i],
                      sizeof (EngineKey)) != 0))) {
        /* new layout for this band: the crossfade covers the change */
        jump_to (bs, &snap[i]);
      } else if (snap[i].design.freq != bs->target.design.freq
          || snap[i].design.gain_db != bs->target.design.gain_db
          || snap[i].design.q != bs->target.design.q
          || snap[i].design.slope_type != bs->target.design.slope_type
          || snap[i].design.slope != bs->target.design.slope) {
        set_glide (bs, &snap[i], glide);
      }
    }
    if (out_gain != self->gain_tgt) {
      self->gain_tgt = out_gain;
      self->gain_left = glide;
      self->gain_d = (out_gain - self->gain_cur) / glide;
    }
  }
  self->snap_bands = n;

  if (rebuild) {
    GstMasterEqEngine *e = engine_new (keys, n, self->channels);
    if (e) {
      /* crossfade from the old layout; after passthrough the old one is
       * neutral (identity sections) with stale state: reset it */
      gboolean fade = self->primed && self->engine;
      engine_free (self->old_engine);
      self->old_engine = NULL;
      if (fade) {
        self->old_engine = self->engine;
        self->fade_pos = 0;
        if (self->was_passthrough)
          engine_reset (self->old_engine);
      } else {
        engine_free (self->engine);
      }
      self->engine = e;
      for (i = 0; i < (guint) e->n_map; i++)
        engine_design_band (self, e, &e->map[i]);
      engine_design_gain (self, e);
      master_biquad_jump (&e->lr);
      master_biquad_jump (&e->ms);
    }
  }
  self->primed = self->engine != NULL;

  passthrough = neutral && !bindings && !glides_running (self)
      && !self->old_engine;
  if (self->was_passthrough && !passthrough)
    engine_reset (self->engine);
  self->was_passthrough = passthrough;
  gst_base_transform_set_passthrough (trans, passthrough);
}

static GstFlowReturn
gst_master_eq_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstMasterEq *self = GST_MASTER_EQ (trans);
  GstMapInfo map;
  gint frames;

  if (gst_base_transform_is_passthrough (trans) || !self->engine)
    return GST_FLOW_OK;
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_FLOW_ERROR;
  frames = map.size / GST_AUDIO_FILTER_BPF (self);
  self->process (self, map.data, frames);
  gst_buffer_unmap (buf, &map);
  return GST_FLOW_OK;
}
