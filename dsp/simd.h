/* gst-mastering: compiler support for the vectorised hot loops.
 *
 * MASTER_CLONES_V3 puts an x86-64-v3 (AVX2, FMA) clone of a function beside
 * the default one; MASTER_CLONES_V4 adds an x86-64-v4 (AVX-512) clone too.
 * The loader picks one per process (an ifunc), so one binary runs on any
 * x86-64 and uses what the CPU has. Only with GCC on x86-64, and not under
 * AddressSanitizer (which does not support ifuncs): there, and elsewhere,
 * only the default version is built, which is what the sanitizer build
 * tests.
 *
 * MASTER_ALWAYS_INLINE is for small helpers that take or return GCC vector
 * types: inlined into each clone, no vector crosses a call boundary between
 * code built for different instruction sets. */
#ifndef MASTER_SIMD_H
#define MASTER_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define MASTER_CLONES_V3 \
  __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#define MASTER_CLONES_V4 \
  __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MASTER_CLONES_V3
#define MASTER_CLONES_V4
#endif

#define MASTER_ALWAYS_INLINE static inline __attribute__ ((always_inline))

#endif /* MASTER_SIMD_H */
