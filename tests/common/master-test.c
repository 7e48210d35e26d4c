/* Helpers for GstCheck element tests; see master-test.h. */
#include "master-test.h"

#include <gst/audio/audio.h>
#include <string.h>

GST_PLUGIN_STATIC_DECLARE (mastering);

void
master_test_register (void)
{
  static gsize once = 0;
  if (g_once_init_enter (&once)) {
    /* An installed libgstmastering.so found by the registry scan would
     * shadow (or clash with) the code under test: drop it first. */
    GstRegistry *reg = gst_registry_get ();
    GstPlugin *installed = gst_registry_find_plugin (reg, "mastering");
    if (installed) {
      g_printerr ("master-test: ignoring installed plugin %s\n",
          GST_STR_NULL (gst_plugin_get_filename (installed)));
      gst_registry_remove_plugin (reg, installed);
      gst_object_unref (installed);
    }
    GST_PLUGIN_STATIC_REGISTER (mastering);
    g_once_init_leave (&once, 1);
  }
}

static GstBuffer *
stamp (GstBuffer * buf, gsize n_frames, gint rate, guint64 offset_frames)
{
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (offset_frames, GST_SECOND, rate);
  GST_BUFFER_DURATION (buf) =
      gst_util_uint64_scale_int (offset_frames + n_frames, GST_SECOND, rate) - GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = offset_frames;
  GST_BUFFER_OFFSET_END (buf) = offset_frames + n_frames;
  return buf;
}

GstBuffer *
master_test_buffer_f32 (const float *data, gsize n_frames, gint channels,
    gint rate, guint64 offset_frames)
{
  gsize bytes = n_frames * channels * sizeof (float);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, bytes, NULL);
  gst_buffer_fill (buf, 0, data, bytes);
  return stamp (buf, n_frames, rate, offset_frames);
}

GstBuffer *
master_test_buffer_f64 (const float *data, gsize n_frames, gint channels,
    gint rate, guint64 offset_frames)
{
  gsize n = n_frames * channels;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, n * sizeof (double), NULL);
  GstMapInfo map;
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  double *d = (double *) map.data;
  for (gsize i = 0; i < n; i++)
    d[i] = data[i];
  gst_buffer_unmap (buf, &map);
  return stamp (buf, n_frames, rate, offset_frames);
}

gchar *
master_test_caps_string (const gchar * format, gint rate, gint channels)
{
  guint64 mask = 0;
  if (channels <= 8) {
    GstAudioChannelPosition pos[8];
    if (channels == 1) {
      return g_strdup_printf ("audio/x-raw,format=%s,layout=interleaved,rate=%d,channels=1",
          format, rate);
    }
    if (gst_audio_channel_positions_from_mask (channels, 0, pos) || TRUE) {
      /* default positions for the count (FL FR, 5.1, 7.1, ...) */
      mask = gst_audio_channel_get_fallback_mask (channels);
    }
  }
  return g_strdup_printf ("audio/x-raw,format=%s,layout=interleaved,rate=%d,"
      "channels=%d,channel-mask=(bitmask)0x%" G_GINT64_MODIFIER "x", format, rate,
      channels, mask);
}
