/* masterchain: the whole mastering chain in one bin.
 *
 * SECTION:element-masterchain
 * @title: masterchain
 *
 * A bin holding the stages in mastering order:
 *
 *   mastereq ! mastercomp (or mastermbcomp) ! mastersaturator ! masterimager !
 *   masterloudnorm ! masterlimiter ! mastermeter
 *
 * The children are named `eq`, `comp`, `saturator`, `imager`, `loudnorm`,
 * `limiter` and `meter` and are reachable with GstChildProxy, so gst-launch
 * lines can set any stage: `eq::band0::gain=2`, `limiter::ceiling=-1.5`.
 * Stages left at neutral settings run in passthrough and cost nothing.
 *
 * `preset`, `target`, `mode` and `measured-integrated` are forwarded to the
 * loudness stage (see masterloudnorm); `preset` also sets the limiter's
 * ceiling to the preset's true-peak ceiling. Set `limiter::ceiling` after
 * `preset` to override it. `character` loads a GstPreset from
 * GstMasterChain.prs (transparent, warm, loud, broadcast-safe, speech) that
 * sets the tone and dynamics stages; characters never change the delivery
 * target or ceiling. `multiband` swaps the compressor for the 4-band
 * mastermbcomp (only in NULL or READY). `metering=false` (NULL or READY)
 * takes the meter out of the signal path, for applications that measure the
 * output themselves (gst-master does): it then costs nothing and posts no
 * messages.
 *
 * Channels: every stage but the imager handles 1..8 channels. masterimager
 * is a stereo tool, so for streams that are not stereo the chain takes it
 * out of the signal path when the caps arrive (and puts it back for stereo);
 * its settings are kept. The chain therefore accepts 1..8 channels.
 *
 * Latency: the bin reports the sum of its children's latencies (limiter
 * lookahead, oversampling filters), and the output stays time-aligned with
 * the input: same timestamps and sample count (the lookahead stages drain
 * their tail at EOS).
 *
 * Messages: each stage posts its own element messages (masterloudnorm's gain,
 * mastermeter's loudness and true peak ...) which the bin forwards.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 uridecodebin uri=file:///in.flac ! audioconvert ! \
 *     masterchain mode=live preset=streaming character=warm limiter::ceiling=-1.5 ! \
 *     audioconvert ! wavenc ! filesink location=out.wav
 * gst-launch-1.0 -m audiotestsrc wave=pink-noise is-live=true ! audioconvert ! \
 *     masterchain preset=ebu-r128 eq::band0::gain=2 ! audioconvert ! autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstmasterchain.h"
#include "gstmasterenum.h"

GST_DEBUG_CATEGORY_STATIC (master_chain_debug);
#define GST_CAT_DEFAULT master_chain_debug

#define DEFAULT_PRESET GST_MASTER_CHAIN_PRESET_STREAMING
#define DEFAULT_TARGET (-14.0)
#define DEFAULT_MODE GST_MASTER_CHAIN_MODE_LIVE
#define DEFAULT_MEASURED (-14.0)
#define DEFAULT_CHARACTER GST_MASTER_CHAIN_CHARACTER_NONE
#define DEFAULT_MULTIBAND FALSE
#define DEFAULT_METERING TRUE

#define PRESET_FILE "GstMasterChain.prs"

enum
{
  PROP_0,
  PROP_PRESET,
  PROP_TARGET,
  PROP_MODE,
  PROP_MEASURED_INTEGRATED,
  PROP_CHARACTER,
  PROP_MULTIBAND,
  PROP_METERING,
};

/* Factory and child name of each stage, in signal order. */
static const struct
{
  const gchar *factory;
  const gchar *name;
} stage_info[GST_MASTER_CHAIN_N_STAGES] = {
  {"mastereq", "eq"},
  {"mastercomp", "comp"},
  {"mastersaturator", "saturator"},
  {"masterimager", "imager"},
  {"masterloudnorm", "loudnorm"},
  {"masterlimiter", "limiter"},
  {"mastermeter", "meter"},
};

/* Delivery targets: integrated loudness (LUFS) and true-peak ceiling (dBTP). */
static const struct
{
  gdouble target, ceiling;
} preset_values[] = {
  [GST_MASTER_CHAIN_PRESET_CUSTOM] = {-14.0, -1.0},
  [GST_MASTER_CHAIN_PRESET_STREAMING] = {-14.0, -1.0},
  [GST_MASTER_CHAIN_PRESET_APPLE] = {-16.0, -1.0},
  [GST_MASTER_CHAIN_PRESET_EBU_R128] = {-23.0, -1.0},
  [GST_MASTER_CHAIN_PRESET_ATSC_A85] = {-24.0, -2.0},
  [GST_MASTER_CHAIN_PRESET_PODCAST] = {-16.0, -1.0},
};

static GType
gst_master_chain_preset_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MASTER_CHAIN_PRESET_CUSTOM, "Custom target (the target property)", "custom"},
    {GST_MASTER_CHAIN_PRESET_STREAMING, "Streaming: -14 LUFS, -1 dBTP", "streaming"},
    {GST_MASTER_CHAIN_PRESET_APPLE, "Apple Music: -16 LUFS, -1 dBTP", "apple"},
    {GST_MASTER_CHAIN_PRESET_EBU_R128, "EBU R128: -23 LUFS, -1 dBTP", "ebu-r128"},
    {GST_MASTER_CHAIN_PRESET_ATSC_A85, "ATSC A/85: -24 LKFS, -2 dBTP", "atsc-a85"},
    {GST_MASTER_CHAIN_PRESET_PODCAST, "Podcast: -16 LUFS, -1 dBTP", "podcast"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = gst_master_enum_register ("GstMasterChainPreset", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GType
gst_master_chain_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MASTER_CHAIN_MODE_STATIC,
        "One gain from measured-integrated (file mastering, second pass)", "static"},
    {GST_MASTER_CHAIN_MODE_LIVE, "Loudness AGC for streams and one-pass use", "live"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = gst_master_enum_register ("GstMasterChainMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GType
gst_master_chain_character_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MASTER_CHAIN_CHARACTER_NONE, "None (stage defaults)", "none"},
    {GST_MASTER_CHAIN_CHARACTER_TRANSPARENT,
        "Transparent: loudness and true-peak limiting only", "transparent"},
    {GST_MASTER_CHAIN_CHARACTER_WARM,
        "Warm: gentle low/high shelving, slow glue compression, tape saturation", "warm"},
    {GST_MASTER_CHAIN_CHARACTER_LOUD,
        "Loud: firmer compression, saturation and limiting for dense masters", "loud"},
    {GST_MASTER_CHAIN_CHARACTER_BROADCAST_SAFE,
        "Broadcast safe: controlled dynamics, no added saturation", "broadcast-safe"},
    {GST_MASTER_CHAIN_CHARACTER_SPEECH,
        "Speech: rumble cut, presence, levelling compression, narrow image", "speech"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = gst_master_enum_register ("GstMasterChainCharacter", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_MASTER_CHAIN_PRESET (gst_master_chain_preset_get_type ())
#define GST_TYPE_MASTER_CHAIN_MODE (gst_master_chain_mode_get_type ())
#define GST_TYPE_MASTER_CHAIN_CHARACTER (gst_master_chain_character_get_type ())

static void gst_master_chain_preset_init (GstPresetInterface * iface);

G_DEFINE_TYPE_WITH_CODE (GstMasterChain, gst_master_chain, GST_TYPE_BIN,
    G_IMPLEMENT_INTERFACE (GST_TYPE_PRESET, gst_master_chain_preset_init));
GST_ELEMENT_REGISTER_DEFINE (masterchain, "masterchain", GST_RANK_NONE,
    GST_TYPE_MASTER_CHAIN);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) { F32LE, F64LE }, "
        "rate = (int) [ 8000, 384000 ], channels = (int) [ 1, 8 ], "
        "layout = (string) interleaved"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) { F32LE, F64LE }, "
        "rate = (int) [ 8000, 384000 ], channels = (int) [ 1, 8 ], "
        "layout = (string) interleaved"));

/* ---- children ---- */

static GstElement *
make_stage (GstMasterChain * self, GstMasterChainStage i, const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, stage_info[i].name);
  self->missing[i] = (e == NULL);
  if (!e) {
    /* Only while the project's stages are being developed: keeps the chain
     * usable (and its structure fixed) without one of them. */
    GST_WARNING_OBJECT (self, "element %s not available, stage '%s' is a "
        "passthrough placeholder", factory, stage_info[i].name);
    e = gst_element_factory_make ("identity", stage_info[i].name);
    g_object_set (e, "silent", TRUE, NULL);
  }
  return e;
}

static GstPad *
stage_pad (GstMasterChain * self, GstMasterChainStage i, const gchar * name)
{
  return gst_element_get_static_pad (self->stage[i], name);
}

/* Links stage i's src to stage j's sink, skipping caps checks (the streaming
 * thread may be the caller, see caps_probe). */
static gboolean
link_stages (GstMasterChain * self, GstMasterChainStage i, GstMasterChainStage j)
{
  GstPad *src = stage_pad (self, i, "src"), *sink = stage_pad (self, j, "sink");
  GstPadLinkReturn r = gst_pad_link_full (src, sink, GST_PAD_LINK_CHECK_NOTHING);
  gst_object_unref (src);
  gst_object_unref (sink);
  if (r != GST_PAD_LINK_OK)
    GST_ERROR_OBJECT (self, "cannot link %s to %s: %s", stage_info[i].name,
        stage_info[j].name, gst_pad_link_get_name (r));
  return r == GST_PAD_LINK_OK;
}

static void
unlink_stages (GstMasterChain * self, GstMasterChainStage i, GstMasterChainStage j)
{
  GstPad *src = stage_pad (self, i, "src"), *sink = stage_pad (self, j, "sink");
  gst_pad_unlink (src, sink);
  gst_object_unref (src);
  gst_object_unref (sink);
}

/* Puts the imager in or takes it out of the path saturator -> loudnorm. */
static void
set_imager_linked (GstMasterChain * self, gboolean linked)
{
  if (linked == self->imager_linked)
    return;
  GST_INFO_OBJECT (self, "%s the stereo imager", linked ? "inserting" : "bypassing");
  if (linked) {
    unlink_stages (self, GST_MASTER_CHAIN_SATURATOR, GST_MASTER_CHAIN_LOUDNORM);
    link_stages (self, GST_MASTER_CHAIN_SATURATOR, GST_MASTER_CHAIN_IMAGER);
    link_stages (self, GST_MASTER_CHAIN_IMAGER, GST_MASTER_CHAIN_LOUDNORM);
  } else {
    unlink_stages (self, GST_MASTER_CHAIN_SATURATOR, GST_MASTER_CHAIN_IMAGER);
    unlink_stages (self, GST_MASTER_CHAIN_IMAGER, GST_MASTER_CHAIN_LOUDNORM);
    link_stages (self, GST_MASTER_CHAIN_SATURATOR, GST_MASTER_CHAIN_LOUDNORM);
  }
  self->imager_linked = linked;
}

/* On the saturator's src pad: CAPS events decide the route. Stereo goes
 * through the imager, anything else bypasses it. Relinking here is safe: once
 * the probe returns, the event is pushed to the new peer, preceded by the
 * sticky events it has not seen. */
static GstPadProbeReturn
caps_event_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstMasterChain *self = GST_MASTER_CHAIN (user_data);
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gint channels = 0;
    gst_event_parse_caps (event, &caps);
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "channels", &channels);
    g_mutex_lock (&self->relink_lock);
    set_imager_linked (self, channels == 2);
    g_mutex_unlock (&self->relink_lock);
  }
  return GST_PAD_PROBE_OK;
}

/* On the imager's pads: CAPS and ACCEPT_CAPS queries reaching the imager
 * from either side are answered by the stage on its other side (the
 * loudness stage downstream, the saturator upstream), which take every
 * channel count. The imager keeps stereo unchanged, so what they accept is
 * what the chain accepts, and negotiation of a mono or 5.1 stream does not
 * stop at the stereo-only imager. */
static GstPadProbeReturn
caps_query_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstMasterChain *self = GST_MASTER_CHAIN (user_data);
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);

  if (GST_QUERY_TYPE (query) != GST_QUERY_CAPS
      && GST_QUERY_TYPE (query) != GST_QUERY_ACCEPT_CAPS)
    return GST_PAD_PROBE_OK;
  GstPad *other = GST_PAD_IS_SINK (pad)
      ? stage_pad (self, GST_MASTER_CHAIN_LOUDNORM, "sink")
      : stage_pad (self, GST_MASTER_CHAIN_SATURATOR, "src");
  gboolean ok = gst_pad_query (other, query);
  GST_LOG_OBJECT (self, "%s query around the imager: %d %" GST_PTR_FORMAT,
      GST_QUERY_TYPE_NAME (query), ok, query);
  if (!ok) {
    if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
      GstCaps *empty = gst_caps_new_empty ();
      gst_query_set_caps_result (query, empty);
      gst_caps_unref (empty);
    } else {
      gst_query_set_accept_caps_result (query, FALSE);
    }
  }
  gst_object_unref (other);
  return GST_PAD_PROBE_HANDLED;
}

static gboolean
child_has_property (GstMasterChain * self, GstMasterChainStage i, const gchar * prop)
{
  return !self->missing[i]
      && g_object_class_find_property (G_OBJECT_GET_CLASS (self->stage[i]), prop) != NULL;
}

/* Sets a child property from its string form (enums by nick), if the child
 * has it. */
static void
set_child_arg (GstMasterChain * self, GstMasterChainStage i, const gchar * prop,
    const gchar * value)
{
  if (child_has_property (self, i, prop))
    gst_util_set_object_arg (G_OBJECT (self->stage[i]), prop, value);
  else
    GST_DEBUG_OBJECT (self, "%s has no property %s", stage_info[i].name, prop);
}

static void
set_child_double (GstMasterChain * self, GstMasterChainStage i, const gchar * prop,
    gdouble value)
{
  if (child_has_property (self, i, prop))
    g_object_set (self->stage[i], prop, value, NULL);
}

/* The chain starts with every tone and dynamics stage neutral, so that only
 * loudness and the limiter act until a character or child property says
 * otherwise: six neutral EQ bands, the compressor at ratio 1 (passthrough), the saturator fully
 * dry (mix 0, bit-exact) without oversampling (no latency, little cost; the
 * character presets that saturate raise it, and a user who sets
 * saturator::mix should set saturator::oversampling=2 or more too, in
 * READY). The EQ, imager and meter are neutral by their own defaults. */
static void
neutral_defaults (GstMasterChain * self)
{
  /* six EQ bands (all neutral) so that gst-launch lines can address
   * eq::band0..band5 directly: gst-launch applies child properties in no
   * particular order, so eq::num-bands on the same line may come too late */
  if (child_has_property (self, GST_MASTER_CHAIN_EQ, "num-bands"))
    g_object_set (self->stage[GST_MASTER_CHAIN_EQ], "num-bands", 6u, NULL);
  set_child_double (self, GST_MASTER_CHAIN_COMP, "ratio", 1.0);
  set_child_double (self, GST_MASTER_CHAIN_SATURATOR, "mix", 0.0);
  if (child_has_property (self, GST_MASTER_CHAIN_SATURATOR, "oversampling"))
    g_object_set (self->stage[GST_MASTER_CHAIN_SATURATOR], "oversampling", 1u, NULL);
}

/* Swaps the compressor stage (single band <-> multiband); NULL/READY only. */
static void
replace_comp (GstMasterChain * self, gboolean multiband)
{
  GstElement *old = self->stage[GST_MASTER_CHAIN_COMP];
  unlink_stages (self, GST_MASTER_CHAIN_EQ, GST_MASTER_CHAIN_COMP);
  unlink_stages (self, GST_MASTER_CHAIN_COMP, GST_MASTER_CHAIN_SATURATOR);
  gst_element_set_state (old, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self), old);
  self->stage[GST_MASTER_CHAIN_COMP] = make_stage (self, GST_MASTER_CHAIN_COMP,
      multiband ? "mastermbcomp" : "mastercomp");
  gst_bin_add (GST_BIN (self), self->stage[GST_MASTER_CHAIN_COMP]);
  link_stages (self, GST_MASTER_CHAIN_EQ, GST_MASTER_CHAIN_COMP);
  link_stages (self, GST_MASTER_CHAIN_COMP, GST_MASTER_CHAIN_SATURATOR);
  /* mastercomp is neutral at ratio 1; mastermbcomp's bands default to it */
  set_child_double (self, GST_MASTER_CHAIN_COMP, "ratio", 1.0);
  gst_element_sync_state_with_parent (self->stage[GST_MASTER_CHAIN_COMP]);
}

/* Puts the meter in or takes it out of the path limiter -> src ghost pad;
 * NULL/READY only. Out of the path it stays in the bin (reachable as
 * "meter"), its pads unlinked: gst_bin_find_unlinked_pad() (and so
 * gst_parse_bin_from_description() with ghost pads) would find them, so an
 * application building a bin around the chain sets metering=false after
 * the ghost pads are made. */
static void
set_metering (GstMasterChain * self, gboolean on)
{
  if (on == self->metering)
    return;
  /* the ghost pad's target is linked to its proxy pad: retarget first
   * when the limiter's src pad moves to the meter */
  GstPad *target = stage_pad (self, on ? GST_MASTER_CHAIN_METER :
      GST_MASTER_CHAIN_LIMITER, "src");
  if (on) {
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), target);
    link_stages (self, GST_MASTER_CHAIN_LIMITER, GST_MASTER_CHAIN_METER);
  } else {
    unlink_stages (self, GST_MASTER_CHAIN_LIMITER, GST_MASTER_CHAIN_METER);
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), target);
  }
  gst_object_unref (target);
  self->metering = on;
}

/* ---- character presets (GstPreset) ---- */

/* Preset files in search order: the user's, GST_PRESET_PATH, the installed
 * one, then the source tree's (uninstalled use). */
static GPtrArray *
preset_files (void)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (files, g_build_filename (g_get_user_data_dir (),
          "gstreamer-1.0", "presets", PRESET_FILE, NULL));
  const gchar *env = g_getenv ("GST_PRESET_PATH");
  if (env) {
    gchar **dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
    for (gchar ** d = dirs; *d; d++)
      if (**d)
        g_ptr_array_add (files, g_build_filename (*d, PRESET_FILE, NULL));
    g_strfreev (dirs);
  }
#ifdef MASTER_PRESETS_INSTALL_DIR
  g_ptr_array_add (files, g_build_filename (MASTER_PRESETS_INSTALL_DIR, PRESET_FILE, NULL));
#endif
#ifdef MASTER_PRESETS_SOURCE_DIR
  g_ptr_array_add (files, g_build_filename (MASTER_PRESETS_SOURCE_DIR, PRESET_FILE, NULL));
#endif
  return files;
}

/* The first preset file that has group `name` (NULL name: the first file
 * that loads). */
static GKeyFile *
preset_keyfile_with (const gchar * name)
{
  GPtrArray *files = preset_files ();
  GKeyFile *found = NULL;
  for (guint i = 0; i < files->len && !found; i++) {
    GKeyFile *kf = g_key_file_new ();
    if (g_key_file_load_from_file (kf, g_ptr_array_index (files, i),
            G_KEY_FILE_KEEP_COMMENTS, NULL) && (!name || g_key_file_has_group (kf, name)))
      found = kf;
    else
      g_key_file_free (kf);
  }
  g_ptr_array_unref (files);
  return found;
}

static gchar **
gst_master_chain_get_preset_names (GstPreset * preset)
{
  GPtrArray *files = preset_files ();
  GPtrArray *names = g_ptr_array_new ();
  for (guint i = 0; i < files->len; i++) {
    GKeyFile *kf = g_key_file_new ();
    if (g_key_file_load_from_file (kf, g_ptr_array_index (files, i), 0, NULL)) {
      gchar **groups = g_key_file_get_groups (kf, NULL);
      for (gchar ** g = groups; *g; g++) {
        gboolean dup = !strcmp (*g, "_presets_");
        for (guint k = 0; k < names->len && !dup; k++)
          dup = !strcmp (g_ptr_array_index (names, k), *g);
        if (!dup)
          g_ptr_array_add (names, g_strdup (*g));
      }
      g_strfreev (groups);
    }
    g_key_file_free (kf);
  }
  g_ptr_array_unref (files);
  g_ptr_array_add (names, NULL);
  return (gchar **) g_ptr_array_free (names, FALSE);
}

/* Sets every key of the group: own properties by name, children's through
 * GstChildProxy paths (`eq::band1::gain`). Keys the chain cannot resolve
 * (a stage missing) are skipped with a warning. */
static gboolean
gst_master_chain_load_preset (GstPreset * preset, const gchar * name)
{
  GstMasterChain *self = GST_MASTER_CHAIN (preset);
  GKeyFile *kf = preset_keyfile_with (name);
  if (!kf) {
    GST_WARNING_OBJECT (self, "no preset named '%s' in any %s", name, PRESET_FILE);
    return FALSE;
  }
  gchar **keys = g_key_file_get_keys (kf, name, NULL, NULL);
  for (gchar ** k = keys; k && *k; k++) {
    if (g_str_has_prefix (*k, "_meta/"))
      continue;
    GObject *target = NULL;
    GParamSpec *pspec = NULL;
    if (!gst_child_proxy_lookup (GST_CHILD_PROXY (self), *k, &target, &pspec)) {
      GST_WARNING_OBJECT (self, "preset '%s': no property %s", name, *k);
      continue;
    }
    gchar *str = g_key_file_get_value (kf, name, *k, NULL);
    GValue v = G_VALUE_INIT;
    g_value_init (&v, pspec->value_type);
    if (str && gst_value_deserialize (&v, str))
      g_object_set_property (target, pspec->name, &v);
    else
      GST_WARNING_OBJECT (self, "preset '%s': bad value '%s' for %s", name, str, *k);
    g_value_unset (&v);
    g_free (str);
    g_object_unref (target);
  }
  g_strfreev (keys);
  g_key_file_free (kf);
  return TRUE;
}

static void
gst_master_chain_preset_init (GstPresetInterface * iface)
{
  iface->get_preset_names = gst_master_chain_get_preset_names;
  iface->load_preset = gst_master_chain_load_preset;
}

/* ---- properties ---- */

static void
apply_preset (GstMasterChain * self, GstMasterChainPreset preset)
{
  GEnumValue *ev = g_enum_get_value (g_type_class_peek (GST_TYPE_MASTER_CHAIN_PRESET), preset);
  set_child_arg (self, GST_MASTER_CHAIN_LOUDNORM, "preset", ev->value_nick);
  if (preset != GST_MASTER_CHAIN_PRESET_CUSTOM) {
    self->target = preset_values[preset].target;
    set_child_double (self, GST_MASTER_CHAIN_LOUDNORM, "target", self->target);
    set_child_double (self, GST_MASTER_CHAIN_LIMITER, "ceiling", preset_values[preset].ceiling);
  }
}

static void
gst_master_chain_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMasterChain *self = GST_MASTER_CHAIN (object);

  switch (prop_id) {
    case PROP_PRESET:
      self->preset = g_value_get_enum (value);
      apply_preset (self, self->preset);
      break;
    case PROP_TARGET:
      self->target = g_value_get_double (value);
      if (self->preset != GST_MASTER_CHAIN_PRESET_CUSTOM
          && self->target != preset_values[self->preset].target)
        self->preset = GST_MASTER_CHAIN_PRESET_CUSTOM;
      set_child_double (self, GST_MASTER_CHAIN_LOUDNORM, "target", self->target);
      break;
    case PROP_MODE:{
      self->mode = g_value_get_enum (value);
      GEnumValue *ev = g_enum_get_value (g_type_class_peek (GST_TYPE_MASTER_CHAIN_MODE),
          self->mode);
      set_child_arg (self, GST_MASTER_CHAIN_LOUDNORM, "mode", ev->value_nick);
      break;
    }
    case PROP_MEASURED_INTEGRATED:
      self->measured = g_value_get_double (value);
      set_child_double (self, GST_MASTER_CHAIN_LOUDNORM, "measured-integrated", self->measured);
      break;
    case PROP_CHARACTER:{
      self->character = g_value_get_enum (value);
      if (self->character != GST_MASTER_CHAIN_CHARACTER_NONE) {
        GEnumValue *ev = g_enum_get_value (g_type_class_peek (GST_TYPE_MASTER_CHAIN_CHARACTER),
            self->character);
        if (!gst_preset_load_preset (GST_PRESET (self), ev->value_nick))
          GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
              ("Character preset '%s' not found", ev->value_nick),
              ("looked for %s in the user's, GST_PRESET_PATH's and the installed presets",
                  PRESET_FILE));
      }
      break;
    }
    case PROP_MULTIBAND:{
      gboolean mb = g_value_get_boolean (value);
      GstState state;
      GST_OBJECT_LOCK (self);
      state = GST_STATE (self);
      GST_OBJECT_UNLOCK (self);
      if (state > GST_STATE_READY) {
        GST_WARNING_OBJECT (self, "multiband can only change in NULL or READY");
        break;
      }
      if (mb != self->multiband) {
        self->multiband = mb;
        replace_comp (self, mb);
      }
      break;
    }
    case PROP_METERING:{
      GstState state;
      GST_OBJECT_LOCK (self);
      state = GST_STATE (self);
      GST_OBJECT_UNLOCK (self);
      if (state > GST_STATE_READY) {
        GST_WARNING_OBJECT (self, "metering can only change in NULL or READY");
        break;
      }
      set_metering (self, g_value_get_boolean (value));
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* Reads an enum property of a child as our own enum (same nicks). */
static gint
child_enum (GstMasterChain * self, GstMasterChainStage i, const gchar * prop,
    GType ours, gint fallback)
{
  if (!child_has_property (self, i, prop))
    return fallback;
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (self->stage[i]), prop);
  if (!G_IS_PARAM_SPEC_ENUM (ps))
    return fallback;
  GValue v = G_VALUE_INIT;
  g_value_init (&v, ps->value_type);
  g_object_get_property (G_OBJECT (self->stage[i]), prop, &v);
  GEnumValue *theirs = g_enum_get_value (g_type_class_peek (ps->value_type), g_value_get_enum (&v));
  GEnumValue *mine = theirs ? g_enum_get_value_by_nick (g_type_class_peek (ours),
      theirs->value_nick) : NULL;
  g_value_unset (&v);
  return mine ? mine->value : fallback;
}

static gdouble
child_double (GstMasterChain * self, GstMasterChainStage i, const gchar * prop,
    gdouble fallback)
{
  gdouble d = fallback;
  if (child_has_property (self, i, prop))
    g_object_get (self->stage[i], prop, &d, NULL);
  return d;
}

static void
gst_master_chain_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMasterChain *self = GST_MASTER_CHAIN (object);

  /* The loudness stage is the truth (it may have been set directly as
   * loudnorm::target); the stored values stand in while it is missing. */
  switch (prop_id) {
    case PROP_PRESET:
      g_value_set_enum (value, child_enum (self, GST_MASTER_CHAIN_LOUDNORM, "preset",
              GST_TYPE_MASTER_CHAIN_PRESET, self->preset));
      break;
    case PROP_TARGET:
      g_value_set_double (value, child_double (self, GST_MASTER_CHAIN_LOUDNORM, "target",
              self->target));
      break;
    case PROP_MODE:
      g_value_set_enum (value, child_enum (self, GST_MASTER_CHAIN_LOUDNORM, "mode",
              GST_TYPE_MASTER_CHAIN_MODE, self->mode));
      break;
    case PROP_MEASURED_INTEGRATED:
      g_value_set_double (value, child_double (self, GST_MASTER_CHAIN_LOUDNORM,
              "measured-integrated", self->measured));
      break;
    case PROP_CHARACTER:
      g_value_set_enum (value, self->character);
      break;
    case PROP_MULTIBAND:
      g_value_set_boolean (value, self->multiband);
      break;
    case PROP_METERING:
      g_value_set_boolean (value, self->metering);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* ---- object ---- */

static void
gst_master_chain_init (GstMasterChain * self)
{
  GstBin *bin = GST_BIN (self);

  g_mutex_init (&self->relink_lock);
  self->preset = DEFAULT_PRESET;
  self->target = DEFAULT_TARGET;
  self->mode = DEFAULT_MODE;
  self->measured = DEFAULT_MEASURED;
  self->character = DEFAULT_CHARACTER;
  self->multiband = DEFAULT_MULTIBAND;
  self->metering = DEFAULT_METERING;

  for (gint i = 0; i < GST_MASTER_CHAIN_N_STAGES; i++) {
    self->stage[i] = make_stage (self, i, stage_info[i].factory);
    gst_bin_add (bin, self->stage[i]);
  }
  for (gint i = 0; i + 1 < GST_MASTER_CHAIN_N_STAGES; i++)
    link_stages (self, i, i + 1);
  self->imager_linked = TRUE;

  GstPad *target = stage_pad (self, GST_MASTER_CHAIN_EQ, "sink");
  self->sinkpad = gst_ghost_pad_new_from_template ("sink", target,
      gst_static_pad_template_get (&sink_template));
  gst_object_unref (target);
  target = stage_pad (self, GST_MASTER_CHAIN_METER, "src");
  self->srcpad = gst_ghost_pad_new_from_template ("src", target,
      gst_static_pad_template_get (&src_template));
  gst_object_unref (target);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  if (!self->missing[GST_MASTER_CHAIN_IMAGER]) {
    GstPad *pad = stage_pad (self, GST_MASTER_CHAIN_SATURATOR, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, caps_event_probe, self, NULL);
    gst_object_unref (pad);
    pad = stage_pad (self, GST_MASTER_CHAIN_IMAGER, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, caps_query_probe, self, NULL);
    gst_object_unref (pad);
    pad = stage_pad (self, GST_MASTER_CHAIN_IMAGER, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM, caps_query_probe, self, NULL);
    gst_object_unref (pad);
  }

  /* Neutral tone/dynamics stages, live loudness AGC toward the streaming
   * target under its ceiling. */
  neutral_defaults (self);
  apply_preset (self, self->preset);
  {
    GEnumValue *ev = g_enum_get_value (g_type_class_peek (GST_TYPE_MASTER_CHAIN_MODE),
        self->mode);
    set_child_arg (self, GST_MASTER_CHAIN_LOUDNORM, "mode", ev->value_nick);
  }
}

static void
gst_master_chain_finalize (GObject * object)
{
  GstMasterChain *self = GST_MASTER_CHAIN (object);
  g_mutex_clear (&self->relink_lock);
  G_OBJECT_CLASS (gst_master_chain_parent_class)->finalize (object);
}

static void
gst_master_chain_class_init (GstMasterChainClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (master_chain_debug, "masterchain", 0,
      "masterchain: the whole mastering chain");

  gobject_class->set_property = gst_master_chain_set_property;
  gobject_class->get_property = gst_master_chain_get_property;
  gobject_class->finalize = gst_master_chain_finalize;

  g_object_class_install_property (gobject_class, PROP_PRESET,
      g_param_spec_enum ("preset", "Preset",
          "Delivery target: sets the loudness target (LUFS) and the limiter "
          "ceiling (dBTP)", GST_TYPE_MASTER_CHAIN_PRESET, DEFAULT_PRESET, rw));
  g_object_class_install_property (gobject_class, PROP_TARGET,
      g_param_spec_double ("target", "Target",
          "Integrated loudness to reach, LUFS (a value other than the preset's "
          "makes the preset 'custom')", -70.0, 0.0, DEFAULT_TARGET, rw));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Loudness stage mode: static (one gain from measured-integrated, "
          "LUFS) or live (AGC)", GST_TYPE_MASTER_CHAIN_MODE, DEFAULT_MODE, rw));
  g_object_class_install_property (gobject_class, PROP_MEASURED_INTEGRATED,
      g_param_spec_double ("measured-integrated", "Measured integrated",
          "Integrated loudness of the loudness stage's input from an analysis "
          "pass, LUFS (static mode)", -99.0, 10.0, DEFAULT_MEASURED, rw));
  g_object_class_install_property (gobject_class, PROP_CHARACTER,
      g_param_spec_enum ("character", "Character",
          "Character preset loaded into the EQ, dynamics, saturation and "
          "imaging stages (GstMasterChain.prs; none keeps the stages' own "
          "settings)", GST_TYPE_MASTER_CHAIN_CHARACTER, DEFAULT_CHARACTER, rw));
  g_object_class_install_property (gobject_class, PROP_MULTIBAND,
      g_param_spec_boolean ("multiband", "Multiband",
          "Use the 4-band compressor mastermbcomp instead of mastercomp "
          "(child 'comp'; its settings restart from defaults)", DEFAULT_MULTIBAND,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_METERING,
      g_param_spec_boolean ("metering", "Metering",
          "Measure the output with the meter stage (child 'meter'); false "
          "takes the meter out of the signal path (no cost, no meter "
          "messages)", DEFAULT_METERING, rw | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Mastering chain", "Filter/Effect/Audio/Bin",
      "EQ, compression, saturation, stereo imaging, loudness normalisation, "
      "true-peak limiting and metering in mastering order, set from a "
      "delivery preset and a character preset",
      "gst-mastering");

  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_CHAIN_PRESET, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_CHAIN_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MASTER_CHAIN_CHARACTER, 0);
}
