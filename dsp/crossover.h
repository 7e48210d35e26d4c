/* gst-mastering: Linkwitz-Riley band splitter.
 *
 * Splits interleaved audio into 1..6 bands at ascending crossover
 * frequencies f[0] < f[1] < ... < f[n-2] (Hz; f[b] is the upper edge of band
 * b).  Each split is a Linkwitz-Riley pair: 24 dB/oct (two cascaded 2nd-order
 * Butterworth sections, LR4) or 48 dB/oct (two cascaded 4th-order
 * Butterworth, LR8).  Low-pass + high-pass of one split is exactly the
 * allpass D(-s)/D(s) of the Butterworth denominator D, so the high-pass is
 * formed as allpass(x) - lowpass(x).  Bands are split low first; band b is
 * passed through the allpasses of the splits above its own upper edge, so the
 * sum of all bands is the cascade of every split's allpass: magnitude flat
 * (to rounding), phase of that allpass (master_crossover_allpass_response()).
 *
 * Frequencies set with master_crossover_set_frequencies() glide to their new
 * value (one-pole in log frequency, 20 ms time constant, coefficients
 * recomputed every 32 frames), so they can move while playing without clicks.
 *
 * Filter state and coefficients are double; input must be finite (callers
 * sanitize); state that still turns non-finite is reset.
 */
#ifndef MASTER_CROSSOVER_H
#define MASTER_CROSSOVER_H

#ifdef __cplusplus
extern "C" {
#endif

#define MASTER_CROSSOVER_MAX_BANDS 6
#define MASTER_CROSSOVER_MAX_CHANNELS 8

typedef struct MasterCrossover MasterCrossover;

/* NULL on bad arguments (channels 1..8, rate 1000..1e6). Starts with 1 band. */
MasterCrossover *master_crossover_new (int channels, double rate);
void master_crossover_free (MasterCrossover ** x);

/* n_bands 1..6, slope_db 24 or 48, freqs: n_bands - 1 values in Hz (clamped
 * to 10 Hz .. 0.45 rate and made non-decreasing).  Sets frequencies at once
 * and clears the state.  Returns 0 on success, -1 on bad arguments. */
int master_crossover_configure (MasterCrossover * x, int n_bands, int slope_db,
    const double *freqs);

/* New target frequencies (n_bands - 1 values): the filters glide there. */
void master_crossover_set_frequencies (MasterCrossover * x,
    const double *freqs);

/* Current (possibly gliding) frequency of split i. */
double master_crossover_get_frequency (const MasterCrossover * x, int i);

int master_crossover_get_n_bands (const MasterCrossover * x);

void master_crossover_reset (MasterCrossover * x);

/* bands[b] (b < n_bands) receive n_frames interleaved frames each; they must
 * not alias src or each other. */
void master_crossover_process (MasterCrossover * x, double *const *bands,
    const double *src, int n_frames);

/* Complex response (re, im) at f Hz of the allpass the band sum equals,
 * for the current frequencies. */
void master_crossover_allpass_response (const MasterCrossover * x, double f,
    double *re, double *im);

#ifdef __cplusplus
}
#endif
#endif /* MASTER_CROSSOVER_H */
