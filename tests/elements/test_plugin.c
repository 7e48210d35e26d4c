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

/* Properties an element inherits from GStreamer base classes. */
static gboolean
is_base_property (GParamSpec * p)
{
  return p->owner_type == GST_TYPE_OBJECT || p->owner_type == GST_TYPE_ELEMENT
      || p->owner_type == GST_TYPE_BASE_TRANSFORM || p->owner_type == GST_TYPE_BIN;
}

/* Every property named in `obj` must appear as `name` in `section`. */
static guint
check_documented (GObject * obj, const gchar * section, const gchar * element,
    const gchar * prefix)
{
  guint np = 0, checked = 0;
  GParamSpec **props = g_object_class_list_properties (G_OBJECT_GET_CLASS (obj), &np);
  for (guint i = 0; i < np; i++) {
    if (is_base_property (props[i]))
      continue;
    gchar *quoted = g_strdup_printf ("`%s`", props[i]->name);
    fail_unless (strstr (section, quoted) != NULL,
        "README.md: section ### %s does not document %s%s", element, prefix, quoted);
    g_free (quoted);
    checked++;
  }
  g_free (props);
  return checked;
}

/* README.md keeps a `### <element>` section for every element, naming
 * each of its properties (and its band child properties) in backticks. */
GST_START_TEST (test_readme_documents_every_property)
{
  const gchar *root = g_getenv ("MASTER_SOURCE_ROOT");
  fail_unless (root != NULL, "MASTER_SOURCE_ROOT not set");
  gchar *path = g_build_filename (root, "README.md", NULL);
  gchar *readme = NULL;
  fail_unless (g_file_get_contents (path, &readme, NULL, NULL), "cannot read %s", path);

  GList *features = gst_registry_get_feature_list_by_plugin (gst_registry_get (),
      "mastering");
  guint n_elements = 0, n_props = 0;
  for (GList * l = features; l; l = l->next) {
    if (!GST_IS_ELEMENT_FACTORY (l->data))
      continue;
    const gchar *name = gst_plugin_feature_get_name (l->data);
    gchar *heading = g_strdup_printf ("\n### %s\n", name);
    const gchar *start = strstr (readme, heading);
    fail_unless (start != NULL, "README.md has no section '### %s'", name);
    start += strlen (heading);
    /* the section ends at the next heading of level 2 or 3 */
    const gchar *end2 = strstr (start, "\n## ");
    const gchar *end3 = strstr (start, "\n### ");
    const gchar *end = end2 && (!end3 || end2 < end3) ? end2 : end3;
    gchar *section = end ? g_strndup (start, end - start) : g_strdup (start);

    GstElement *e = gst_element_factory_make (name, NULL);
    n_props += check_documented (G_OBJECT (e), section, name, "");
    if (GST_IS_CHILD_PROXY (e) && !GST_IS_BIN (e)
        && gst_child_proxy_get_children_count (GST_CHILD_PROXY (e)) > 0) {
      GObject *band = gst_child_proxy_get_child_by_index (GST_CHILD_PROXY (e), 0);
      n_props += check_documented (band, section, name, "band0::");
      g_object_unref (band);
    }
    gst_object_unref (e);
    g_free (section);
    g_free (heading);
    n_elements++;
  }
  gst_plugin_feature_list_free (features);
  g_print ("README.md documents %u properties of %u elements\n", n_props, n_elements);
  fail_unless (n_elements > 0);
  g_free (readme);
  g_free (path);
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
  tcase_add_test (tc, test_readme_documents_every_property);
  return s;
}

GST_CHECK_MAIN (plugin);
