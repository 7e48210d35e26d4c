/* gst-mastering: equaliser filter design (band settings -> biquad sections).
 *
 * Bells, shelves and tilt follow their analog prototype (QUALITY.md
 * "Filters") up to 20 kHz: the five coefficients of one biquad are fitted to
 * the analog magnitude on a log-frequency grid (Sanathanan-Koerner iterated
 * least squares on |H|^2 in Vicanek's sin^2(w/2) basis, started from the
 * magnitude-matched design, followed by Lawson reweighting towards minimax),
 * then spectrally factored into a minimum-phase, stable section.  If the fit
 * fails any check the magnitude-matched design (Vicanek 2016) is used.
 * Resonant shelves (Q > MASTER_EQDESIGN_SHELF_Q_TWO) use two sections whose
 * ten coefficients are fitted jointly (quartic N/D, split by its roots).
 *
 * Analog prototypes (s = j f / f0, A = 10^(gain/40)):
 *   bell        (s^2 + s A/Q + 1) / (s^2 + s/(A Q) + 1)
 *   low shelf   A (s^2 + s sqrt(A)/Q + A) / (A s^2 + s sqrt(A)/Q + 1)
 *   high shelf  A (A s^2 + s sqrt(A)/Q + 1) / (s^2 + s sqrt(A)/Q + A)
 *   tilt        (g s + 1) / (s + g), g = 10^(gain/40): first order,
 *               -gain/2 dB at DC, 0 dB at f0, +gain/2 dB towards high
 *               frequencies (a "tilt" of gain dB between the extremes)
 *   band-pass   (s/Q) / (s^2 + s/Q + 1)   (0 dB at f0; matched design)
 *   notch       (s^2 + 1) / (s^2 + s/Q + 1)  (exact zero at f0; matched poles)
 * Low/high-pass: Butterworth of order slope/6 (6..48 dB/oct) or
 * Linkwitz-Riley (squared Butterworth: 12, 24, 36, 48 dB/oct; 6 and 18 fall
 * back to Butterworth), bilinear transform with the corner pre-warped.
 *
 * Plain C, no GLib.  A design takes a few tens of microseconds.
 */
#ifndef MASTER_EQDESIGN_H
#define MASTER_EQDESIGN_H

#include "biquad.h"

#ifdef __cplusplus
extern "C" {
#endif

/* most sections one band needs (48 dB/oct) */
#define MASTER_EQDESIGN_MAX_SECTIONS 4

/* shelves with Q above this use two jointly fitted sections */
#define MASTER_EQDESIGN_SHELF_Q_TWO 2.0

typedef enum {
  MASTER_EQ_BELL = 0,
  MASTER_EQ_LOW_SHELF,
  MASTER_EQ_HIGH_SHELF,
  MASTER_EQ_LOW_PASS,
  MASTER_EQ_HIGH_PASS,
  MASTER_EQ_BAND_PASS,
  MASTER_EQ_NOTCH,
  MASTER_EQ_TILT
} MasterEqType;

typedef enum {
  MASTER_EQ_BUTTERWORTH = 0,
  MASTER_EQ_LINKWITZ_RILEY
} MasterEqSlopeType;

typedef struct {
  MasterEqType type;
  double freq;                  /* Hz: centre / corner / shelf midpoint */
  double gain_db;               /* dB: bell, shelves, tilt */
  double q;                     /* bell, shelves, band-pass, notch */
  int slope;                    /* dB/oct: low/high-pass (6..48, step 6) */
  MasterEqSlopeType slope_type; /* low/high-pass */
} MasterEqBand;

/* Number of sections the band needs (depends on type/slope only, so the
 * cascade layout stays fixed while freq/gain/q move). */
int master_eqdesign_n_sections (const MasterEqBand * band);

/* Designs the band for sample rate; writes master_eqdesign_n_sections()
 * sections and returns how many it wrote, or -1 if max_sections is too
 * small (exception: a resonant shelf with max_sections 1 gets the
 * one-section fit).  Bell/shelf/tilt with gain 0 dB give exact identity
 * sections.  Bells, shelves and tilt below rate/1000 use the pre-warped
 * bilinear transform (cramping there is < 0.01 dB). */
int master_eqdesign_band (MasterBiquadCoeffs * out, int max_sections,
    const MasterEqBand * band, double rate);

/* Magnitude in dB of the band's analog prototype at freq Hz (the reference
 * the designs are measured against). */
double master_eqdesign_analog_db (const MasterEqBand * band, double freq);

/* Pass filters for reuse (crossovers, side-chain filters).  order 1..8.
 * Returns the number of sections written (or -1). */
int master_eqdesign_butterworth (MasterBiquadCoeffs * out, int max_sections,
    int highpass, int order, double freq, double rate);
/* Linkwitz-Riley of order 2, 4, 6 or 8 (Butterworth order/2 squared):
 * low-pass + high-pass sum to an allpass (order 4, 8: in phase; order 2, 6:
 * subtract instead of add). */
int master_eqdesign_linkwitz_riley (MasterBiquadCoeffs * out, int max_sections,
    int highpass, int order, double freq, double rate);
/* The allpass that a Linkwitz-Riley low+high pair of this order and freq sums
 * to (for phase compensation of other bands in a multi-way split). */
int master_eqdesign_linkwitz_riley_allpass (MasterBiquadCoeffs * out,
    int max_sections, int order, double freq, double rate);

#ifdef __cplusplus
}
#endif
#endif /* MASTER_EQDESIGN_H */
