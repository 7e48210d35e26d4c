/* masterchain: the whole mastering chain in one bin. */
#ifndef GST_MASTER_CHAIN_H
#define GST_MASTER_CHAIN_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MASTER_CHAIN (gst_master_chain_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterChain, gst_master_chain, GST, MASTER_CHAIN, GstBin)

/* Delivery presets (same nicks and values as masterloudnorm's). */
typedef enum {
  GST_MASTER_CHAIN_PRESET_CUSTOM,
  GST_MASTER_CHAIN_PRESET_STREAMING,
  GST_MASTER_CHAIN_PRESET_APPLE,
  GST_MASTER_CHAIN_PRESET_EBU_R128,
  GST_MASTER_CHAIN_PRESET_ATSC_A85,
  GST_MASTER_CHAIN_PRESET_PODCAST,
} GstMasterChainPreset;

typedef enum {
  GST_MASTER_CHAIN_MODE_STATIC,
  GST_MASTER_CHAIN_MODE_LIVE,
} GstMasterChainMode;

/* Character presets: GstPreset names in GstMasterChain.prs. */
typedef enum {
  GST_MASTER_CHAIN_CHARACTER_NONE,
  GST_MASTER_CHAIN_CHARACTER_TRANSPARENT,
  GST_MASTER_CHAIN_CHARACTER_WARM,
  GST_MASTER_CHAIN_CHARACTER_LOUD,
  GST_MASTER_CHAIN_CHARACTER_BROADCAST_SAFE,
  GST_MASTER_CHAIN_CHARACTER_SPEECH,
} GstMasterChainCharacter;

/* Stages in signal order; child names as used with GstChildProxy
 * (`eq::band0::gain`, `limiter::ceiling`). */
typedef enum {
  GST_MASTER_CHAIN_EQ,
  GST_MASTER_CHAIN_COMP,
  GST_MASTER_CHAIN_SATURATOR,
  GST_MASTER_CHAIN_IMAGER,
  GST_MASTER_CHAIN_LOUDNORM,
  GST_MASTER_CHAIN_LIMITER,
  GST_MASTER_CHAIN_METER,
  GST_MASTER_CHAIN_N_STAGES
} GstMasterChainStage;

struct _GstMasterChain
{
  GstBin parent;

  /* children, in order (a stage whose element is not installed is an
   * `identity` placeholder with the same name, see `missing`) */
  GstElement *stage[GST_MASTER_CHAIN_N_STAGES];
  gboolean missing[GST_MASTER_CHAIN_N_STAGES];
  GstPad *sinkpad, *srcpad;     /* ghost pads */

  /* settings (object lock) */
  GstMasterChainPreset preset;
  gdouble target;               /* LUFS */
  GstMasterChainMode mode;
  gdouble measured;             /* LUFS, static mode */
  GstMasterChainCharacter character;
  gboolean multiband;
  gboolean metering;            /* FALSE: the meter is out of the path */

  /* imager bypass for non-stereo streams (streaming thread, under
   * `relink_lock`) */
  GMutex relink_lock;
  gboolean imager_linked;
};

GST_ELEMENT_REGISTER_DECLARE (masterchain);

G_END_DECLS

#endif
