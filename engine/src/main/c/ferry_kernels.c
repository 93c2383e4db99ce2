/*
 * Ferry's native CPU kernels, loaded through JNA by dev.ferry.engine.model.cpu.NativeKernels.
 *
 * The one-row product y = alpha * W x + beta * y streams the whole weight once and does two flops
 * per float, so it runs at the speed the cores can pull memory in. What decides that is how many
 * lines each core has in flight: the loop asks for the lines 2 KiB ahead of the ones it reads
 * (software prefetch) on top of what the hardware prefetcher guesses. Measured on the 2-core EPYC
 * machine, small preset, batch-1 decode steps in interleaved rounds of one process against
 * OpenBLAS 0.3.21's sgemv (same parts, same partner thread; bench/one-row.sh): where the host's
 * memory probe read 40-50 GB/s, 10.50 against 11.20 ms (faster in 106 of 121 rounds); where it
 * read 60 or more, 8.27 against 9.91 ms (16 of 16). Without the prefetch the same loop was 3%
 * slower than OpenBLAS in the first kind of phase, though 17% faster in the second; prefetching
 * 1, 3 or 4 KiB ahead measured within 1% of 2 KiB. The Java Vector API version of the loop (JDK 17) reads no faster
 * than OpenBLAS, and Java has no prefetch instruction.
 *
 * Built by build.sh with the system C compiler. The loop is written once on GCC's vector types;
 * on x86-64 the compiler makes an AVX-512, an AVX2 and a baseline copy of it and the loader picks
 * the widest the CPU has (target_clones), so one build runs on any x86-64, and the same source
 * builds plainly elsewhere.
 */
#include <stddef.h>

/* How far ahead of the loads the loop prefetches, in bytes: about what one core must have in flight. */
#define PREFETCH_AHEAD 2048

#if defined(__x86_64__)
#define CLONED __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONED
#endif

/* 16 floats; alignment 4 so that a pointer to it may load from any float of a row. */
typedef float lanes __attribute__((vector_size(64), aligned(4)));
typedef float half_lanes __attribute__((vector_size(32)));
typedef float quarter_lanes __attribute__((vector_size(16)));
#define LANES 16

/* The sum of v's lanes by halving: depth 4, where adding lane after lane is a chain of 15 adds. */
static inline float sum_lanes(const lanes *v) {
    half_lanes h = __builtin_shufflevector(*v, *v, 0, 1, 2, 3, 4, 5, 6, 7)
            + __builtin_shufflevector(*v, *v, 8, 9, 10, 11, 12, 13, 14, 15);
    quarter_lanes q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    return (q[0] + q[2]) + (q[1] + q[3]);
}

/*
 * y[r] = alpha * (W[r, :] . x) + beta * y[r] for r in [0, rows); W row-major [rows, in]. Four
 * accumulators, four independent multiply-add chains. The prefetch runs past the end of a row into
 * the next one, which is where the stream goes; past the last row it is harmless (a prefetch never
 * faults). beta 0 never reads y: a fresh output holds whatever the allocator left there, NaN
 * included.
 */
CLONED
void ferry_sgemv(const float *w, const float *x, float *y, int rows, int in, float alpha, float beta) {
    int wide = in & ~(4 * LANES - 1);
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t) r * in;
        lanes a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        int c = 0;
        for (; c < wide; c += 4 * LANES) {
            const char *ahead = (const char *) (row + c) + PREFETCH_AHEAD;
            __builtin_prefetch(ahead);
            __builtin_prefetch(ahead + 64);
            __builtin_prefetch(ahead + 128);
            __builtin_prefetch(ahead + 192);
            a0 += *(const lanes *) (row + c) * *(const lanes *) (x + c);
            a1 += *(const lanes *) (row + c + LANES) * *(const lanes *) (x + c + LANES);
            a2 += *(const lanes *) (row + c + 2 * LANES) * *(const lanes *) (x + c + 2 * LANES);
            a3 += *(const lanes *) (row + c + 3 * LANES) * *(const lanes *) (x + c + 3 * LANES);
        }
        lanes sum = (a0 + a1) + (a2 + a3);
        float dot = sum_lanes(&sum);
        for (; c < in; c++) {
            dot += row[c] * x[c];
        }
        y[r] = beta == 0.0f ? alpha * dot : alpha * dot + beta * y[r];
    }
}

/* The copy of ferry_sgemv the loader picks here, by the same rule as target_clones. */
const char *ferry_kernels_isa(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        return "avx512f";
    }
    if (__builtin_cpu_supports("avx2")) {
        return "avx2";
    }
#endif
    return "baseline";
}

/* Each row's sum of squares of x[rows, in], accumulated in double (an RMSNorm's denominator). */
void ferry_row_sums_of_squares(const float *x, int rows, int in, double *sums) {
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t) r * in;
        double s = 0;
        for (int c = 0; c < in; c++) {
            s += (double) row[c] * row[c];
        }
        sums[r] = s;
    }
}

/* Reads one float per 64-byte line of [at, at + bytes), bringing those lines into the caches. */
float ferry_touch(const float *at, long bytes) {
    float sum = 0;
    for (long i = 0; i < bytes / 4; i += 16) {
        sum += at[i];
    }
    return sum;
}
