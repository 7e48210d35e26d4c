/* gst-mastering: mastermbcomp, multiband mastering compressor. */
#ifndef __GST_MASTER_MB_COMP_H__
#define __GST_MASTER_MB_COMP_H__

#include <gst/gst.h>

#include "multiband.h"
#include "gstmasterdynfilter.h"

G_BEGIN_DECLS

#define GST_MASTER_MB_COMP_MAX_BANDS MASTER_CROSSOVER_MAX_BANDS

/* one band: a child object band0..band5 (GstChildProxy) */
#define GST_TYPE_MASTER_MB_COMP_BAND (gst_master_mb_comp_band_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterMbCompBand, gst_master_mb_comp_band, GST,
    MASTER_MB_COMP_BAND, GstObject);

struct _GstMasterMbCompBand
{
  GstObject parent;
  MasterMultibandBand settings; /* band's object lock */
};

#define GST_TYPE_MASTER_MB_COMP (gst_master_mb_comp_get_type ())
G_DECLARE_FINAL_TYPE (GstMasterMbComp, gst_master_mb_comp, GST,
    MASTER_MB_COMP, GstMasterDynFilter);

#define GST_TYPE_MASTER_MB_COMP_SLOPE (gst_master_mb_comp_slope_get_type ())
GType gst_master_mb_comp_slope_get_type (void);

/* properties, guarded by the object lock ("interval": the base class) */
typedef struct
{
  gint num_bands;
  gint slope;                   /* 24 or 48 dB/oct */
  gdouble mix;
  gdouble output_gain_db;
  gdouble lookahead_ms;
} GstMasterMbCompSettings;

struct _GstMasterMbComp
{
  GstMasterDynFilter parent;

  GstMasterMbCompBand *bands[GST_MASTER_MB_COMP_MAX_BANDS];
  GstMasterMbCompSettings settings;     /* object lock */

  /* streaming state */
  GstMasterMbCompSettings snap;
  MasterMultibandBand band_snap[GST_MASTER_MB_COMP_MAX_BANDS];
  MasterMultiband *mb;
};

GST_ELEMENT_REGISTER_DECLARE (mastermbcomp);

G_END_DECLS

#endif
