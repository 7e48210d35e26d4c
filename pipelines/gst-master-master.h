/* gst-master master: master files to a loudness target, exactly. */
#ifndef GST_MASTER_MASTER_H
#define GST_MASTER_MASTER_H

/* `gst-master master [options] IN OUT` (argv[0] is "master"). With no files,
 * masters a built-in demo signal. Returns the process exit status. Expects
 * gst_init() done; registers the static plugin if needed. */
int gm_master_main (int argc, char **argv);

/* `gst-master demo [options]`: the same as `master` with no files. */
int gm_demo_main (int argc, char **argv);

#endif
