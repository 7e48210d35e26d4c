/* gst-mastering: multiband compressor core.
 *
 *   input -> crossover (Linkwitz-Riley, 1..6 bands, sum = allpass)
 *         -> per band: dynamics (threshold/ratio/knee/attack/release/makeup,
 *            shared lookahead and mix; bypass = band mix 0)
 *         -> sum of bands (solo: only soloed bands, weights smoothed 10 ms)
 *         -> output gain (smoothed 10 ms) -> output
 *
 * With every band at ratio 1 and makeup 0 the output is the crossover's
 * allpass of the input (magnitude flat), delayed by the lookahead. */
#ifndef MASTER_MULTIBAND_H
#define MASTER_MULTIBAND_H

#include "crossover.h"
#include "dynamics.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  MasterDynamicsParams dyn;     /* threshold, ratio, knee, attack, release,
                                 * makeup (detector/link/... apply too) */
  double crossover_hz;          /* upper edge of the band (ignored for last) */
  int bypass;                   /* band passes uncompressed */
  int solo;                     /* if any band is soloed only those sound */
} MasterMultibandBand;

typedef struct MasterMultiband MasterMultiband;

MasterMultiband *master_multiband_new (int channels, double rate,
    double max_lookahead_ms);
void master_multiband_free (MasterMultiband ** m);

/* Structural: n_bands 1..6, slope 24/48, lookahead ms. Clears all state,
 * applies `bands` (n_bands entries) at once. Returns latency in frames, or
 * -1 on bad arguments. */
int master_multiband_configure (MasterMultiband * m, int n_bands,
    int slope_db, double lookahead_ms, const MasterMultibandBand * bands,
    double mix, double output_gain_db);

/* Non-structural changes while playing (smoothed; crossovers glide). */
void master_multiband_set_params (MasterMultiband * m,
    const MasterMultibandBand * bands, double mix, double output_gain_db);

int master_multiband_get_latency (const MasterMultiband * m);
int master_multiband_get_n_bands (const MasterMultiband * m);
void master_multiband_reset (MasterMultiband * m);

/* dst may equal src; returns the number of non-finite input samples
 * replaced by 0. */
int master_multiband_process_f32 (MasterMultiband * m, float *dst,
    const float *src, int n_frames);
int master_multiband_process_f64 (MasterMultiband * m, double *dst,
    const double *src, int n_frames);

/* Largest gain reduction of band b (dB, >= 0) since the last call. */
double master_multiband_take_gain_reduction_db (MasterMultiband * m, int b);

#ifdef __cplusplus
}
#endif
#endif /* MASTER_MULTIBAND_H */
