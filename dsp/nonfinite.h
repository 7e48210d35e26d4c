/* masterdsp: detection and replacement of non-finite samples (NaN, +-Inf)
 *
 * A sample is non-finite when all its exponent bits are set. The tests work
 * on the bit patterns with integer OR/add reductions, which the compiler
 * vectorises without -ffast-math (a float reduction would be a serial chain
 * of additions). Used by every stage that must keep NaN/Inf out of its state
 * and output: detect per block, replace by 0 only when there are any. */
#ifndef MASTER_NONFINITE_H
#define MASTER_NONFINITE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when any of the n samples is NaN or infinite */
int master_nonfinite_any_f32 (const float *s, size_t n);
int master_nonfinite_any_f64 (const double *s, size_t n);

/* dst = src with non-finite samples replaced by 0 (dst may equal src);
 * returns the number replaced */
size_t master_nonfinite_zero_f32 (float *dst, const float *src, size_t n);
size_t master_nonfinite_zero_f64 (double *dst, const double *src, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* MASTER_NONFINITE_H */
