/* Enum types of the mastering plugin. */
#ifndef __GST_MASTER_ENUM_H__
#define __GST_MASTER_ENUM_H__

#include <glib-object.h>

G_BEGIN_DECLS

/* Registers the enum type `name` with `values` (static storage), or
 * returns the type of that name when it already exists. Two copies of this
 * plugin's code can live in one process (gst-master links a static copy as
 * its fallback while an installed libgstmastering.so is loaded from the
 * registry); g_enum_register_static() would return 0 for the second copy,
 * and a get_type() function passing 0 to g_once_init_leave() leaves every
 * later caller waiting forever. */
GType gst_master_enum_register (const gchar * name, const GEnumValue * values);

G_END_DECLS

#endif
