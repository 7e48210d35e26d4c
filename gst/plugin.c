/* gst-mastering: the `mastering` plugin.
 *
 * Registers every element of the project. The same objects are linked both
 * into libgstmastering.so and into a static library used by the tests and by
 * gst-master (which call gst_plugin_mastering_register()). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

/* --- meter --- */
#include "gstmastermeter.h"
/* --- eq --- */
#include "gstmastereq.h"
/* --- comp --- */
#include "gstmastercomp.h"
#include "gstmastermbcomp.h"
/* --- limiter --- */
#include "gstmasterlimiter.h"
/* --- loudnorm --- */
#include "gstmasterloudnorm.h"
/* --- saturator --- */
#include "gstmastersaturator.h"
/* --- imager / fade --- */
#include "gstmasterimager.h"
#include "gstmasterfade.h"
/* --- chain --- */

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = TRUE;

  /* --- meter --- */
  ok &= GST_ELEMENT_REGISTER (mastermeter, plugin);
  /* --- eq --- */
  ok &= GST_ELEMENT_REGISTER (mastereq, plugin);
  /* --- comp --- */
  ok &= GST_ELEMENT_REGISTER (mastercomp, plugin);
  ok &= GST_ELEMENT_REGISTER (mastermbcomp, plugin);
  /* --- limiter --- */
  ok &= GST_ELEMENT_REGISTER (masterlimiter, plugin);
  /* --- loudnorm --- */
  ok &= GST_ELEMENT_REGISTER (masterloudnorm, plugin);
  /* --- saturator --- */
  ok &= GST_ELEMENT_REGISTER (mastersaturator, plugin);
  /* --- imager / fade --- */
  ok &= GST_ELEMENT_REGISTER (masterimager, plugin);
  ok &= GST_ELEMENT_REGISTER (masterfade, plugin);
  /* --- chain --- */

  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mastering,
    "Audio mastering: EQ, dynamics, saturation, imaging, fades, true-peak "
    "limiting, loudness normalisation and metering",
    plugin_init, PACKAGE_VERSION, GST_LICENSE, GST_PACKAGE_NAME,
    GST_PACKAGE_ORIGIN)
