/* Helpers for GstCheck element tests.
 *
 * master_test_register() registers the `mastering` plugin statically (the
 * test binary links the plugin's objects), once; call it from the suite
 * function, after GST_CHECK_MAIN's gst_check_init(). */
#ifndef MASTER_TEST_H
#define MASTER_TEST_H

#include <gst/gst.h>

void master_test_register (void);

/* A buffer of interleaved F32 frames copied from `data`, with PTS/duration
 * for `offset_frames` at `rate`. */
GstBuffer *master_test_buffer_f32 (const float *data, gsize n_frames,
    gint channels, gint rate, guint64 offset_frames);
/* The same for F64, converting from float. */
GstBuffer *master_test_buffer_f64 (const float *data, gsize n_frames,
    gint channels, gint rate, guint64 offset_frames);

/* Caps string for interleaved F32LE/F64LE audio. */
gchar *master_test_caps_string (const gchar * format, gint rate, gint channels);

#endif
