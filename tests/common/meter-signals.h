/* Test signals of EBU Tech 3341/3342: sequences of 1 kHz tone segments. */
#ifndef MASTER_TEST_METER_SIGNALS_H
#define MASTER_TEST_METER_SIGNALS_H

#include <stddef.h>

typedef struct {
  double seconds;
  double dbfs;                  /* peak level of the 1 kHz sine; <= -200: silence */
} ToneSegment;

#define SILENCE (-1000.0)

/* Allocates (free()) and fills interleaved frames: each segment a 1 kHz sine
 * at its level, the same on every channel. Returns frames in *n_frames. */
float *tone_segments (const ToneSegment * seg, int n_seg, int channels,
    int rate, size_t * n_frames);

#endif
