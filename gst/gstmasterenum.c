/* Enum types of the mastering plugin; see gstmasterenum.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmasterenum.h"

GType
gst_master_enum_register (const gchar * name, const GEnumValue * values)
{
  GType t = g_type_from_name (name);
  if (t != 0) {
    g_return_val_if_fail (G_TYPE_IS_ENUM (t), 0);
    return t;
  }
  return g_enum_register_static (name, values);
}
