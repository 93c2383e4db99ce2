/*
 * Ferry's native CPU kernels, loaded through JNA by dev.ferry.engine.model.cpu.NativeKernels.
 *
 * A decode step's matrix-vector products stream each weight once and do two flops per weight, so
 * they run at the speed the cores can pull memory in, and the only way to run faster is to read
 * fewer bytes: fp16 or bf16 weights (half the bytes of fp32) and int8 weights with one fp32 scale
 * per output row (a quarter). Each weight is widened to fp32 in registers and multiplied with the
 * fp32 input, so the int8 product is exact for the dequantized weight (no rounding of x to int8),
 * and the bf16 one for the bf16 weight: a bf16 is the high half of a float, so widening it is a
 * 16-bit shift (no AVX512-BF16 needed; its dot product instruction would round x to bf16 too). That
 * costs nothing here: on one core of the 2-core EPYC (Zen 3), with the weight in cache the AVX2 int8
 * loop widens and multiplies 20 G weights/s, streamed from memory it gets 9 G/s, against 2.3-2.9 G
 * floats/s for fp32 (4096 x 8192, best of 10). Integer dot products on x rounded to int8 per block
 * (maddubs or VNNI, as llama.cpp's Q8_0) would add x's rounding error for speed the memory cannot feed.
 * Measured again on a host of the same type with faster memory: an int8 maddubs loop and an int16
 * madd one (x to 15 bits per block of 128) ran 30-44 GB/s of weight in cache on one core against
 * this loop's 20-24, yet streamed from memory on two threads all three read 24-27 GB/s.
 *
 * What decides the speed is how many lines each core has in flight: the loops ask for the lines
 * 2 KiB ahead of the ones they read (software prefetch) on top of what the hardware prefetcher
 * guesses. Measured on the 2-core EPYC machine, small preset, batch-1 decode steps in interleaved
 * rounds of one process against OpenBLAS 0.3.21's sgemv (same parts, same partner thread;
 * bench/one-row.sh): where the host's memory probe read 40-50 GB/s, 10.50 against 11.20 ms (faster
 * in 106 of 121 rounds); where it read 60 or more, 8.27 against 9.91 ms (16 of 16). Without the
 * prefetch the fp32 loop was 3% slower than OpenBLAS in the first kind of phase, though 17% faster
 * in the second; prefetching 1, 3 or 4 KiB ahead measured within 1% of 2 KiB. The one-row loops
 * have since moved to four weight rows at a time, each asking for the next four rows' lines at the
 * pace it reads these (sgemv_rows, narrow_one_row_avx2); the many-row loops keep the 2 KiB. Without
 * that prefetch an int8 batch-1 step ran 0.66x and an fp16 one 0.87x (fp32 even; in turns in one
 * process, on a host whose memory read 25-35 GB/s), though a C harness without the engine's partner
 * thread streamed a little faster without it; asking 2, 4 or 8 blocks ahead measured within the noise.
 *
 * Built by build.sh with the system C compiler and no -march: each kernel exists once per
 * instruction-set level (portable C, AVX2+FMA+F16C, AVX-512F), chosen when the library loads by
 * what the CPU has (cpuid), and lowered on request (ferry_kernels_select: tests of every level, a
 * host whose wide units clock down). One build runs on any x86-64; elsewhere only the portable
 * level is compiled.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define X86 1
#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define TARGET_AVX512 __attribute__((target("avx512f")))
#else
#define X86 0
#endif
#define INLINE static inline __attribute__((always_inline))

/* How far ahead of the loads the loops prefetch, in bytes: about what one core must have in flight. */
#define PREFETCH_AHEAD 2048

/* Most input rows one pass over a weight serves: 8 accumulators fit AVX2's 16 registers with room to spare. */
#define MAX_ROWS 8

enum level { PORTABLE, AVX2, AVX512 };
static const char *const LEVEL_NAMES[] = {"portable", "avx2", "avx512"};

/* ------------------------------------------------------------------------------------------------
 * fp32: y[r] = alpha * (W[r, :] . x) + beta * y[r], one input row.
 * ---------------------------------------------------------------------------------------------- */

/* 16 floats; alignment 4 so that a pointer to it may load from any float of a row. */
typedef float lanes __attribute__((vector_size(64), aligned(4)));
typedef float half_lanes __attribute__((vector_size(32)));
typedef float quarter_lanes __attribute__((vector_size(16)));
#define LANES 16

/* The sum of v's lanes by halving: depth 4, where adding lane after lane is a chain of 15 adds. */
INLINE float sum_lanes(const lanes *v) {
    half_lanes h = __builtin_shufflevector(*v, *v, 0, 1, 2, 3, 4, 5, 6, 7)
            + __builtin_shufflevector(*v, *v, 8, 9, 10, 11, 12, 13, 14, 15);
    quarter_lanes q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    return (q[0] + q[2]) + (q[1] + q[3]);
}

/* The helpers below return vectors; always inlined, they never pass one across a call, so the ABI
 * note GCC gives for such returns without AVX (the portable level) does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"

#define HALF_LANES 8

INLINE float sum_half_lanes(half_lanes v) {
    quarter_lanes q = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    return (q[0] + q[2]) + (q[1] + q[3]);
}

INLINE half_lanes load_half(const float *at) {
    half_lanes v;
    memcpy(&v, at, sizeof v);
    return v;
}

INLINE void store_half(float *at, half_lanes v) {
    memcpy(at, &v, sizeof v);
}

/* Adds row[from..in) . x[from..in) to dot, then stores alpha * dot (+ beta * *y) in *y. */
INLINE void finish_gemv_row(const float *row, const float *x, float *y, int from, int in, float dot, float alpha,
                            float beta) {
    for (int t = from; t < in; t++) {
        dot += row[t] * x[t];
    }
    *y = beta == 0.0f ? alpha * dot : alpha * dot + beta * *y;
}

/*
 * Written once on GCC's vector types and inlined into each level's function, which the compiler
 * then builds for that level's registers. Four weight rows at a time, two multiply-add chains each
 * (eight independent chains), every load of x serving all four rows; each step consumes 16 floats
 * of each row and asks for as many bytes of the next four rows' block, so the prefetch keeps pace
 * with the loads whatever the width (past the last block it is harmless: a prefetch never faults).
 * One row at a time (four chains, x loaded per row, the lanes summed once per row) streamed
 * 0.83-0.88 of what a plain read of the same memory gets on two cores of the Zen 3 EPYC, four rows
 * at a time 0.95-0.99 (768 and 2048 wide; both libraries in one process in turns;
 * docs/quantization.md). beta 0 never reads y: a fresh output holds whatever the allocator left
 * there, NaN included.
 */
INLINE void sgemv_rows(const float *w, const float *x, float *y, int rows, int in, float alpha, float beta) {
    int wide = in & ~(2 * HALF_LANES - 1);
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *row = w + (size_t) r * in;
        const char *next = (const char *) (row + 4 * (size_t) in);
        half_lanes acc[4][2] = {{{0}}};
        int c = 0;
        for (; c < wide; c += 2 * HALF_LANES) {
            const char *ahead = next + (size_t) c * 4 * sizeof(float); /* 4 rows x 16 floats consumed */
            __builtin_prefetch(ahead);
            __builtin_prefetch(ahead + 64);
            __builtin_prefetch(ahead + 128);
            __builtin_prefetch(ahead + 192);
            half_lanes x0 = load_half(x + c);
            half_lanes x1 = load_half(x + c + HALF_LANES);
            for (int k = 0; k < 4; k++) {
                const float *at = row + (size_t) k * in + c;
                acc[k][0] += load_half(at) * x0;
                acc[k][1] += load_half(at + HALF_LANES) * x1;
            }
        }
        for (int k = 0; k < 4; k++) {
            finish_gemv_row(row + (size_t) k * in, x, y + r + k, c, in, sum_half_lanes(acc[k][0] + acc[k][1]), alpha,
                            beta);
        }
    }
    for (; r < rows; r++) { /* the last rows < 4: all in the scalar tail */
        finish_gemv_row(w + (size_t) r * in, x, y + r, 0, in, 0.0f, alpha, beta);
    }
}

static void sgemv_portable(const float *w, const float *x, float *y, int rows, int in, float alpha, float beta) {
    sgemv_rows(w, x, y, rows, in, alpha, beta);
}

#if X86
/* Without FMA, as this loop has always been built: contracting the products would change fp32 results. */
__attribute__((target("avx2")))
static void sgemv_avx2(const float *w, const float *x, float *y, int rows, int in, float alpha, float beta) {
    sgemv_rows(w, x, y, rows, in, alpha, beta);
}

TARGET_AVX512
static void sgemv_avx512(const float *w, const float *x, float *y, int rows, int in, float alpha, float beta) {
    sgemv_rows(w, x, y, rows, in, alpha, beta);
}
#endif

/* ------------------------------------------------------------------------------------------------
 * Many input rows on an fp32 weight: y[j, r] = alpha[j] * (W[r, :] . x[j, :]) + beta * y[j, r].
 * A register block of 4 weight rows by 3 input rows (12 accumulators, 7 loads per 12 multiply-adds)
 * keeps the FMA units rather than the loads busy. The 4 weight rows (4 x in floats) stay in L1
 * while every input row passes by them from L2, so the weight streams from memory once per call
 * and needs no packing; while one block runs, its first two passes ask for the next block's lines.
 * OpenBLAS's GEMM packs the weight on every call, which at a decode step's few dozen rows costs as
 * much as the product: on one core of the 2-core EPYC (Zen 3), 33 rows x 768 in x 2048 out ran at
 * 90 GFLOP/s here against OpenBLAS 0.3.21's 57, 129 rows at 83 against 76.
 * ---------------------------------------------------------------------------------------------- */

#define SGEMM_WROWS 4
#define SGEMM_XROWS 3

/*
 * One block of wr weight rows by xr input rows (both compile-time constants in each inlined copy,
 * so the accumulators stay in registers), over vectors of type V holding width floats.
 */
#define SGEMM_BLOCK(name, V, width, attributes, reduce)                                                        \
    attributes INLINE void name(const float *w, const float *x, float *y, int r, int in, int j, int ldy,       \
                                const int wr, const int xr, const float *alpha, float beta,                     \
                                const char *next_lines) {                                                       \
        V acc[SGEMM_WROWS][SGEMM_XROWS];                                                                        \
        _Pragma("GCC unroll 4") for (int a = 0; a < wr; a++)                                                                            \
            _Pragma("GCC unroll 4") for (int b = 0; b < xr; b++)                                                                        \
                acc[a][b] = (V) {0};                                                                            \
        int wide = in - in % (width);                                                                           \
        int c = 0;                                                                                              \
        for (; c < wide; c += (width)) {                                                                        \
            if (next_lines) { /* 8 x width bytes a step: half the next block over one pass */                   \
                __builtin_prefetch(next_lines + (size_t) c * 8);                                                \
                if ((width) > 8) {                                                                              \
                    __builtin_prefetch(next_lines + (size_t) c * 8 + 64);                                       \
                }                                                                                               \
            }                                                                                                   \
            V xv[SGEMM_XROWS];                                                                                  \
            _Pragma("GCC unroll 4") for (int b = 0; b < xr; b++) {                                                                      \
                memcpy(&xv[b], x + (size_t) (j + b) * in + c, sizeof(V));                                       \
            }                                                                                                   \
            _Pragma("GCC unroll 4") for (int a = 0; a < wr; a++) {                                                                      \
                V wv;                                                                                           \
                memcpy(&wv, w + (size_t) (r + a) * in + c, sizeof(V));                                          \
                _Pragma("GCC unroll 4") for (int b = 0; b < xr; b++) {                                                                  \
                    acc[a][b] += wv * xv[b];                                                                    \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
        _Pragma("GCC unroll 4") for (int a = 0; a < wr; a++) {                                                                          \
            const float *wrow = w + (size_t) (r + a) * in;                                                      \
            _Pragma("GCC unroll 4") for (int b = 0; b < xr; b++) {                                                                      \
                const float *xrow = x + (size_t) (j + b) * in;                                                  \
                float dot = reduce(acc[a][b]);                                                                  \
                for (int k = c; k < in; k++) {                                                                  \
                    dot += wrow[k] * xrow[k];                                                                   \
                }                                                                                               \
                float v = (alpha ? alpha[j + b] : 1.0f) * dot;                                                  \
                float *out = y + (size_t) (j + b) * ldy + r + a;                                                \
                *out = beta == 0.0f ? v : v + beta * *out;                                                      \
            }                                                                                                   \
        }                                                                                                       \
    }

/*
 * The whole product at one level: PACKED_MIN_ROWS input rows or more by the packed form below;
 * fewer in chunks that stay in L2; per chunk, blocks of 4 weight rows; for each, the chunk's input
 * rows in blocks of 3.
 * Rows left over (fewer than 4 weight rows, fewer than 3 input rows) take narrower copies of the block.
 */
#define SGEMM_ENTRY(name, block, packed, attributes)                                                            \
    attributes static void name(const float *w, const float *x, float *y, int rows, int in, int n, int ldy,      \
                                const float *alpha, float beta) {                                               \
        if (n >= PACKED_MIN_ROWS) {                                                                             \
            packed(w, x, y, rows, in, n, ldy, alpha, beta);                                                     \
            return;                                                                                             \
        }                                                                                                       \
        int chunk = sgemm_input_chunk(in);                                                                      \
        for (int j0 = 0; j0 < n; j0 += chunk) {                                                                 \
            int jn = n - j0 < chunk ? n : j0 + chunk;                                                           \
            int r = 0;                                                                                          \
            for (; r + SGEMM_WROWS <= rows; r += SGEMM_WROWS) {                                                 \
                const float *next = w + (size_t) (r + SGEMM_WROWS) * in;                                        \
                int j = j0;                                                                                     \
                for (; j + SGEMM_XROWS <= jn; j += SGEMM_XROWS) {                                               \
                    /* the first two passes over the block cover the next block's 4 x in floats */              \
                    int pass = (j - j0) / SGEMM_XROWS;                                                          \
                    const char *lines = pass < 2 && r + 2 * SGEMM_WROWS <= rows                                 \
                            ? (const char *) next + (size_t) pass * in * 8 : NULL;                              \
                    block(w, x, y, r, in, j, ldy, SGEMM_WROWS, SGEMM_XROWS, alpha, beta, lines);                \
                }                                                                                               \
                if (jn - j == 2) block(w, x, y, r, in, j, ldy, SGEMM_WROWS, 2, alpha, beta, NULL);              \
                if (jn - j == 1) block(w, x, y, r, in, j, ldy, SGEMM_WROWS, 1, alpha, beta, NULL);              \
            }                                                                                                   \
            for (; r < rows; r++) {                                                                             \
                int j = j0;                                                                                     \
                for (; j + SGEMM_XROWS <= jn; j += SGEMM_XROWS) {                                               \
                    block(w, x, y, r, in, j, ldy, 1, SGEMM_XROWS, alpha, beta, NULL);                           \
                }                                                                                               \
                for (; j < jn; j++) {                                                                           \
                    block(w, x, y, r, in, j, ldy, 1, 1, alpha, beta, NULL);                                     \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

/*
 * Input rows per chunk: as many as fill about half of a core's L2 (256 KiB), in whole blocks of 3,
 * so that every pass of a weight block over them reads from L2 (a prefill's hundreds of rows would
 * otherwise come from L3 on every pass).
 */
static inline int sgemm_input_chunk(int in) {
    long rows = (256L << 10) / ((long) in * (long) sizeof(float));
    rows -= rows % SGEMM_XROWS;
    return rows < SGEMM_XROWS ? SGEMM_XROWS : (int) rows;
}

INLINE float sum_lanes_value(const lanes v) {
    return sum_lanes(&v);
}

/* ------------------------------------------------------------------------------------------------
 * Many input rows (a prefill, an encoder's batch): the outer-product form of BLIS and OpenBLAS.
 * The block above loads a vector of both operands for every 12 multiply-adds, 96 bytes of input
 * rows from L2 among them; here a panel of 2 x width weight rows is first transposed (packed) into
 * a cache-resident buffer, [k][2 x width], and each step of k multiplies its two vectors by 6 input
 * values broadcast from their rows: 12 multiply-adds for 2 vector loads and 24 bytes of input, and
 * no lane sums at the end. A panel's depth goes in blocks of PACKED_DEPTH (a 16 KiB buffer at AVX2)
 * against all input rows before the next panel, so the panel's outputs stay in cache between blocks,
 * and each block asks for the next block's lines while it runs. Both cores of the Zen 3 EPYC,
 * weight rows halved between them, against the library before this form (best of 16, the two in
 * turns in one process, three runs): 128 input rows on 4096 x 768 at 80-112 GFLOP/s against 73-85,
 * on 768 x 2048 at 115-135 against 100-122 (1.09-1.44x over four shapes); 512 rows 1.22-1.31x. The
 * transposition costs a pass over the weight per call, which few rows do not repay: at 48 rows
 * the packed form measured 1.01-1.14x, at 32 the block form was as fast or faster (0.81-1.08x).
 * ---------------------------------------------------------------------------------------------- */

#define PACKED_MIN_ROWS 48
#define PACKED_XROWS 6
#define PACKED_DEPTH 256

/* s in every lane; one per level, since built without the level's target a splat is a chain of inserts */
INLINE half_lanes splat_portable(float s) {
    return (half_lanes) {s, s, s, s, s, s, s, s};
}

#if X86
TARGET_AVX2 INLINE half_lanes splat_avx2(float s) {
    return (half_lanes) {s, s, s, s, s, s, s, s};
}

TARGET_AVX512 INLINE lanes splat_avx512(float s) {
    return (lanes) {s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s};
}
#endif

/* 8 weight rows by 8 columns from w (rows in apart) into out, column after column (panel apart). */
INLINE void transpose_8x8(const float *w, int in, float *out, int panel) {
    half_lanes a[8];
    for (int i = 0; i < 8; i++) {
        a[i] = load_half(w + (size_t) i * in);
    }
    half_lanes t[8], u[8];
    for (int i = 0; i < 8; i += 2) { /* pairs of rows interleaved */
        t[i] = __builtin_shufflevector(a[i], a[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(a[i], a[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 8; i += 4) { /* then pairs of pairs */
        for (int h = 0; h < 2; h++) {
            u[i + 2 * h] = __builtin_shufflevector(t[i + h], t[i + h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
            u[i + 2 * h + 1] = __builtin_shufflevector(t[i + h], t[i + h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        }
    }
    for (int c = 0; c < 4; c++) { /* columns c and c + 4: the low and high halves of the four-row groups */
        store_half(out + (size_t) c * panel, __builtin_shufflevector(u[c], u[c + 4], 0, 1, 2, 3, 8, 9, 10, 11));
        store_half(out + (size_t) (c + 4) * panel, __builtin_shufflevector(u[c], u[c + 4], 4, 5, 6, 7, 12, 13, 14, 15));
    }
}

/*
 * Weight rows [r, r + nr) by columns [c, c + depth) into packed[k * panel + row], rows past nr zero
 * (a short last panel computes them and stores none).
 */
INLINE void pack_panel(const float *w, int in, int r, int nr, int c, int depth, float *packed, int panel) {
    int k = 0;
    if (nr == panel) {
        for (; k + 8 <= depth; k += 8) {
            for (int i = 0; i < panel; i += 8) {
                transpose_8x8(w + (size_t) (r + i) * in + c + k, in, packed + (size_t) k * panel + i, panel);
            }
        }
    }
    for (; k < depth; k++) {
        for (int i = 0; i < panel; i++) {
            packed[(size_t) k * panel + i] = i < nr ? w[(size_t) (r + i) * in + c + k] : 0.0f;
        }
    }
}

/*
 * One register block: m input rows (a constant in each inlined copy) by a packed panel of 2 x width
 * weight rows, over depth; the first block of the depth writes y (alpha, beta), the later ones add.
 */
#define PACKED_TILE(name, V, width, splat, attributes)                                                         \
    attributes INLINE void name(const float *packed, const float *x, int in, int depth, float *y, int ldy,      \
                                int nr, const int m, const float *alpha, float beta, int first) {               \
        V acc[PACKED_XROWS][2];                                                                                 \
        _Pragma("GCC unroll 6") for (int i = 0; i < m; i++) {                                                   \
            acc[i][0] = acc[i][1] = (V) {0};                                                                    \
        }                                                                                                       \
        for (int k = 0; k < depth; k++) {                                                                       \
            V b0, b1;                                                                                           \
            memcpy(&b0, packed + (size_t) k * 2 * (width), sizeof b0);                                          \
            memcpy(&b1, packed + (size_t) k * 2 * (width) + (width), sizeof b1);                                \
            _Pragma("GCC unroll 6") for (int i = 0; i < m; i++) {                                               \
                V a = splat(x[(size_t) i * in + k]);                                                            \
                acc[i][0] += a * b0;                                                                            \
                acc[i][1] += a * b1;                                                                            \
            }                                                                                                   \
        }                                                                                                       \
        _Pragma("GCC unroll 6") for (int i = 0; i < m; i++) {                                                   \
            float *out = y + (size_t) i * ldy;                                                                  \
            float factor = alpha ? alpha[i] : 1.0f;                                                             \
            V lo = acc[i][0] * factor, hi = acc[i][1] * factor;                                                 \
            if (nr == 2 * (width)) { /* beta 0 never reads y, as everywhere */                                  \
                V was_lo, was_hi;                                                                               \
                memcpy(&was_lo, out, sizeof(V));                                                                \
                memcpy(&was_hi, out + (width), sizeof(V));                                                      \
                if (!first) {                                                                                   \
                    lo += was_lo;                                                                               \
                    hi += was_hi;                                                                               \
                } else if (beta != 0.0f) {                                                                      \
                    lo += beta * was_lo;                                                                        \
                    hi += beta * was_hi;                                                                        \
                }                                                                                               \
                memcpy(out, &lo, sizeof(V));                                                                    \
                memcpy(out + (width), &hi, sizeof(V));                                                          \
            } else {                                                                                            \
                float sums[2 * (width)];                                                                        \
                memcpy(sums, &lo, sizeof(V));                                                                   \
                memcpy(sums + (width), &hi, sizeof(V));                                                         \
                for (int c = 0; c < nr; c++) {                                                                  \
                    out[c] = !first ? out[c] + sums[c] : beta == 0.0f ? sums[c] : sums[c] + beta * out[c];      \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

/* The whole product, panel after panel of weight rows; the caller gives it PACKED_MIN_ROWS input rows or more. */
#define SGEMM_PACKED(name, tile, width, attributes)                                                            \
    attributes static void name(const float *w, const float *x, float *y, int rows, int in, int n, int ldy,      \
                                const float *alpha, float beta) {                                               \
        enum { PANEL = 2 * (width) };                                                                           \
        float packed[PACKED_DEPTH * PANEL] __attribute__((aligned(64)));                                        \
        for (int r = 0; r < rows; r += PANEL) {                                                                 \
            int nr = rows - r < PANEL ? rows - r : PANEL;                                                       \
            for (int c = 0; c < in; c += PACKED_DEPTH) {                                                        \
                int depth = in - c < PACKED_DEPTH ? in - c : PACKED_DEPTH;                                      \
                pack_panel(w, in, r, nr, c, depth, packed, PANEL);                                              \
                int first = c == 0;                                                                             \
                /* the next block's lines (the next panel's first after the last block), spread over the tiles */ \
                int next_r = c + depth < in ? r : r + PANEL, next_c = c + depth < in ? c + depth : 0;           \
                int next_depth = in - next_c < PACKED_DEPTH ? in - next_c : PACKED_DEPTH;                       \
                int row_lines = (next_depth * (int) sizeof(float) + 63) / 64;                                   \
                int next_rows = next_r >= rows ? 0 : rows - next_r < PANEL ? rows - next_r : PANEL;             \
                int lines = next_rows * row_lines, per_tile = (lines + n / PACKED_XROWS - 1) / (n / PACKED_XROWS); \
                int line = 0, j = 0;                                                                            \
                for (; j + PACKED_XROWS <= n; j += PACKED_XROWS) {                                              \
                    for (int end = line + per_tile; line < end && line < lines; line++) {                       \
                        __builtin_prefetch(w + (size_t) (next_r + line / row_lines) * in + next_c + (line % row_lines) * 16); \
                    }                                                                                           \
                    tile(packed, x + (size_t) j * in + c, in, depth, y + (size_t) j * ldy + r, ldy, nr, PACKED_XROWS, \
                         alpha ? alpha + j : NULL, beta, first);                                                \
                }                                                                                               \
                const float *xj = x + (size_t) j * in + c;                                                      \
                float *yj = y + (size_t) j * ldy + r;                                                           \
                const float *aj = alpha ? alpha + j : NULL;                                                     \
                switch (n - j) { /* the last rows, fewer than a block's */                                      \
                case 5: tile(packed, xj, in, depth, yj, ldy, nr, 5, aj, beta, first); break;                   \
                case 4: tile(packed, xj, in, depth, yj, ldy, nr, 4, aj, beta, first); break;                   \
                case 3: tile(packed, xj, in, depth, yj, ldy, nr, 3, aj, beta, first); break;                   \
                case 2: tile(packed, xj, in, depth, yj, ldy, nr, 2, aj, beta, first); break;                   \
                case 1: tile(packed, xj, in, depth, yj, ldy, nr, 1, aj, beta, first); break;                   \
                default: break;                                                                                 \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

SGEMM_BLOCK(sgemm_block_portable, half_lanes, 8, , sum_half_lanes)
PACKED_TILE(packed_tile_portable, half_lanes, 8, splat_portable, )
SGEMM_PACKED(sgemm_packed_portable, packed_tile_portable, 8, )
SGEMM_ENTRY(sgemm_portable, sgemm_block_portable, sgemm_packed_portable, )
#if X86
SGEMM_BLOCK(sgemm_block_avx2, half_lanes, 8, TARGET_AVX2, sum_half_lanes)
PACKED_TILE(packed_tile_avx2, half_lanes, 8, splat_avx2, TARGET_AVX2)
SGEMM_PACKED(sgemm_packed_avx2, packed_tile_avx2, 8, TARGET_AVX2)
SGEMM_ENTRY(sgemm_avx2, sgemm_block_avx2, sgemm_packed_avx2, TARGET_AVX2)
SGEMM_BLOCK(sgemm_block_avx512, lanes, 16, TARGET_AVX512, sum_lanes_value)
PACKED_TILE(packed_tile_avx512, lanes, 16, splat_avx512, TARGET_AVX512)
SGEMM_PACKED(sgemm_packed_avx512, packed_tile_avx512, 16, TARGET_AVX512)
SGEMM_ENTRY(sgemm_avx512, sgemm_block_avx512, sgemm_packed_avx512, TARGET_AVX512)
#endif

/* ------------------------------------------------------------------------------------------------
 * Narrow weights: y[j, r] = alpha[j] * scale[r] * (W[r, :] . x[j, :]) + beta * y[j, r] for input
 * rows j < n, W int8 (with a scale per row), IEEE fp16 or bfloat16 (scale 1). Up to MAX_ROWS input
 * rows share one pass over the weight, so a small batch reads it once; more take one pass per MAX_ROWS.
 * ---------------------------------------------------------------------------------------------- */

/* How a weight is stored; a constant in each inlined copy of the loops, so the choice costs nothing. */
enum wtype { Q8, F16, BF16 };

/* Bytes per weight of a type. */
#define WBYTES(type) ((type) == Q8 ? 1 : 2)

/* IEEE binary16 to binary32, every case: zeros, subnormals, infinities and NaNs. */
static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t) (h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1f;
    uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0) {
        float magnitude = (float) mantissa * (1.0f / 16777216.0f); /* mantissa * 2^-24 */
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* bfloat16 to binary32: the bf16 is the float's high half, every case included. */
static inline float bf16_to_float(uint16_t b) {
    uint32_t bits = (uint32_t) b << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Weight c of a row as a float. */
INLINE float weight_at(const void *row, enum wtype type, int c) {
    switch (type) {
        case Q8: return (float) ((const int8_t *) row)[c];
        case F16: return half_to_float(((const uint16_t *) row)[c]);
        default: return bf16_to_float(((const uint16_t *) row)[c]);
    }
}

/* Stores row r of each input row's output, after the vector part of the dots: the tail, the factors, beta. */
INLINE void finish_row(const void *row, enum wtype type, float scale, const float *x, float *y, int r, int in,
                       int from, int nr, int ldy, const float *alpha, float beta, const float *dots) {
    for (int j = 0; j < nr; j++) {
        float dot = dots[j];
        const float *xj = x + (size_t) j * in;
        for (int c = from; c < in; c++) {
            dot += weight_at(row, type, c) * xj[c];
        }
        float v = (alpha ? alpha[j] : 1.0f) * scale * dot;
        float *yj = y + (size_t) j * ldy + r;
        *yj = beta == 0.0f ? v : v + beta * *yj;
    }
}

/* The portable level: plain C (the compiler vectorizes what it can without reordering sums). */
INLINE void narrow_rows_portable(const void *w, enum wtype type, const float *scales, const float *x, float *y,
                                 int rows, int in, int nr, int ldy, const float *alpha, float beta) {
    float dots[MAX_ROWS] = {0};
    for (int r = 0; r < rows; r++) {
        finish_row((const char *) w + (size_t) r * in * WBYTES(type), type, scales ? scales[r] : 1.0f, x, y, r, in, 0,
                   nr, ldy, alpha, beta, dots);
    }
}

#if X86
TARGET_AVX2 INLINE float sum8(__m256 v) {
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
}

/* Eight weights from memory as floats: sign-extended int8, fp16 through F16C, bf16 zero-extended and shifted. */
TARGET_AVX2 INLINE __m256 load8(const void *p, enum wtype type) {
    switch (type) {
        case Q8: return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) p)));
        case F16: return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p));
        default: {
            __m256i widened = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *) p));
            return _mm256_castsi256_ps(_mm256_slli_epi32(widened, 16));
        }
    }
}

/*
 * Each step of the loop widens 4 x 8 weights and multiplies each into every input row. One input
 * row keeps four accumulators (four multiply-add chains, as the fp32 loop), two rows two each, more
 * one each: enough independent chains to hide the FMA's latency in every case.
 */
TARGET_AVX2 INLINE void narrow_rows_avx2(const void *w, enum wtype type, const float *scales, const float *x, float *y,
                                         int rows, int in, const int nr, int ldy, const float *alpha, float beta) {
    const int chains = nr >= 4 ? 1 : 4 / nr;
    const int wbytes = WBYTES(type);
    const int step_bytes = 32 * wbytes;
    int wide = in & ~31;
    for (int r = 0; r < rows; r++) {
        const char *row = (const char *) w + (size_t) r * in * wbytes;
        __m256 acc[MAX_ROWS];
        for (int a = 0; a < nr * chains; a++) {
            acc[a] = _mm256_setzero_ps();
        }
        int c = 0;
        for (; c < wide; c += 32) {
            const char *at = row + (size_t) c * wbytes;
            for (int line = 0; line < step_bytes; line += 64) {
                _mm_prefetch(at + PREFETCH_AHEAD + line, _MM_HINT_T0);
            }
            for (int k = 0; k < 4; k++) {
                __m256 wk = load8(at + 8 * k * wbytes, type);
                for (int j = 0; j < nr; j++) {
                    int a = j * chains + k % chains;
                    acc[a] = _mm256_fmadd_ps(wk, _mm256_loadu_ps(x + (size_t) j * in + c + 8 * k), acc[a]);
                }
            }
        }
        float dots[MAX_ROWS];
        for (int j = 0; j < nr; j++) {
            __m256 s = acc[j * chains];
            for (int a = 1; a < chains; a++) {
                s = _mm256_add_ps(s, acc[j * chains + a]);
            }
            dots[j] = sum8(s);
        }
        finish_row(row, type, scales ? scales[r] : 1.0f, x, y, r, in, c, nr, ldy, alpha, beta, dots);
    }
}

/*
 * One input row (a decode step's batch 1), four weight rows at a time: each step widens 16 weights
 * of each of the four rows and multiplies them into the same 16 inputs, eight independent
 * multiply-add chains in all, and the four dots are summed together at the end. One row at a time
 * (narrow_rows_avx2 with nr 1) runs four chains of one multiply-add per 32 weights, bound by the
 * FMA's latency to 8 weights a cycle, and sums its lanes once per row: for a 768-wide int8 row
 * that is about as long as the cache lines take to arrive, so the loop cannot keep ahead of the
 * memory. The four rows are one contiguous block: the loop reads the next block's lines ahead at
 * the pace it consumes this one's.
 */
TARGET_AVX2 INLINE void narrow_one_row_avx2(const void *w, enum wtype type, const float *scales, const float *x,
                                            float *y, int rows, int in, const float *alpha, float beta) {
    const int wbytes = WBYTES(type);
    const size_t row_bytes = (size_t) in * wbytes;
    int wide = in & ~15;
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const char *row = (const char *) w + r * row_bytes;
        const char *next = row + 4 * row_bytes;
        __m256 acc[4][2];
        for (int a = 0; a < 4; a++) {
            acc[a][0] = _mm256_setzero_ps();
            acc[a][1] = _mm256_setzero_ps();
        }
        int c = 0;
        for (; c < wide; c += 16) {
            /* 4 rows x 16 weights consumed: as many bytes of the next block asked for */
            const char *ahead = next + (size_t) c * 4 * wbytes;
            _mm_prefetch(ahead, _MM_HINT_T0);
            if (wbytes > 1) {
                _mm_prefetch(ahead + 64, _MM_HINT_T0);
            }
            __m256 x0 = _mm256_loadu_ps(x + c);
            __m256 x1 = _mm256_loadu_ps(x + c + 8);
            for (int a = 0; a < 4; a++) {
                const char *at = row + a * row_bytes + (size_t) c * wbytes;
                acc[a][0] = _mm256_fmadd_ps(load8(at, type), x0, acc[a][0]);
                acc[a][1] = _mm256_fmadd_ps(load8(at + 8 * wbytes, type), x1, acc[a][1]);
            }
        }
        float dots[4];
        for (int a = 0; a < 4; a++) {
            dots[a] = sum8(_mm256_add_ps(acc[a][0], acc[a][1]));
        }
        for (int a = 0; a < 4; a++) {
            finish_row(row + a * row_bytes, type, scales ? scales[r + a] : 1.0f, x, y, r + a, in, c, 1, 0, alpha,
                       beta, &dots[a]);
        }
    }
    if (r < rows) {
        narrow_rows_avx2((const char *) w + r * row_bytes, type, scales ? scales + r : NULL, x, y + r, rows - r, in, 1,
                         0, alpha, beta);
    }
}

/* Sixteen weights from memory as floats. */
TARGET_AVX512 INLINE __m512 load16(const void *p, enum wtype type) {
    switch (type) {
        case Q8: return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) p)));
        case F16: return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) p));
        default: {
            __m512i widened = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *) p));
            return _mm512_castsi512_ps(_mm512_slli_epi32(widened, 16));
        }
    }
}

/* narrow_rows_avx2 at twice the width: 4 x 16 weights a step. */
TARGET_AVX512 INLINE void narrow_rows_avx512(const void *w, enum wtype type, const float *scales, const float *x,
                                             float *y, int rows, int in, const int nr, int ldy, const float *alpha,
                                             float beta) {
    const int chains = nr >= 4 ? 1 : 4 / nr;
    const int wbytes = WBYTES(type);
    const int step_bytes = 64 * wbytes;
    int wide = in & ~63;
    for (int r = 0; r < rows; r++) {
        const char *row = (const char *) w + (size_t) r * in * wbytes;
        __m512 acc[MAX_ROWS];
        for (int a = 0; a < nr * chains; a++) {
            acc[a] = _mm512_setzero_ps();
        }
        int c = 0;
        for (; c < wide; c += 64) {
            const char *at = row + (size_t) c * wbytes;
            for (int line = 0; line < step_bytes; line += 64) {
                _mm_prefetch(at + PREFETCH_AHEAD + line, _MM_HINT_T0);
            }
            for (int k = 0; k < 4; k++) {
                __m512 wk = load16(at + 16 * k * wbytes, type);
                for (int j = 0; j < nr; j++) {
                    int a = j * chains + k % chains;
                    acc[a] = _mm512_fmadd_ps(wk, _mm512_loadu_ps(x + (size_t) j * in + c + 16 * k), acc[a]);
                }
            }
        }
        float dots[MAX_ROWS];
        for (int j = 0; j < nr; j++) {
            __m512 s = acc[j * chains];
            for (int a = 1; a < chains; a++) {
                s = _mm512_add_ps(s, acc[j * chains + a]);
            }
            dots[j] = _mm512_reduce_add_ps(s);
        }
        finish_row(row, type, scales ? scales[r] : 1.0f, x, y, r, in, c, nr, ldy, alpha, beta, dots);
    }
}
#endif

/*
 * One level's entry point for each weight type: the input rows in blocks of MAX_ROWS, each block's
 * row count a constant in its own inlined copy of the loop (so its accumulators stay in registers).
 */
#define NARROW_ENTRY(name, attributes, rows_fn, ctype, type)                                                  \
    attributes static void name(const ctype *w, const float *scales, const float *x, float *y, int rows,      \
                                int in, int n, int ldy, const float *alpha, float beta) {                     \
        for (int j0 = 0; j0 < n; j0 += MAX_ROWS) {                                                            \
            int nr = n - j0 < MAX_ROWS ? n - j0 : MAX_ROWS;                                                   \
            const float *xb = x + (size_t) j0 * in;                                                           \
            float *yb = y + (size_t) j0 * ldy;                                                                \
            const float *ab = alpha ? alpha + j0 : NULL;                                                      \
            switch (nr) {                                                                                     \
                case 1: rows_fn(w, type, scales, xb, yb, rows, in, 1, ldy, ab, beta); break;                  \
                case 2: rows_fn(w, type, scales, xb, yb, rows, in, 2, ldy, ab, beta); break;                  \
                case 3: rows_fn(w, type, scales, xb, yb, rows, in, 3, ldy, ab, beta); break;                  \
                case 4: rows_fn(w, type, scales, xb, yb, rows, in, 4, ldy, ab, beta); break;                  \
                case 5: rows_fn(w, type, scales, xb, yb, rows, in, 5, ldy, ab, beta); break;                  \
                case 6: rows_fn(w, type, scales, xb, yb, rows, in, 6, ldy, ab, beta); break;                  \
                case 7: rows_fn(w, type, scales, xb, yb, rows, in, 7, ldy, ab, beta); break;                  \
                default: rows_fn(w, type, scales, xb, yb, rows, in, 8, ldy, ab, beta); break;                 \
            }                                                                                                 \
        }                                                                                                     \
    }

NARROW_ENTRY(q8_portable, , narrow_rows_portable, int8_t, Q8)
NARROW_ENTRY(f16_portable, , narrow_rows_portable, uint16_t, F16)
NARROW_ENTRY(bf16_portable, , narrow_rows_portable, uint16_t, BF16)
#if X86
/* narrow_rows_avx2, but one input row by narrow_one_row_avx2. */
TARGET_AVX2 INLINE void narrow_avx2(const void *w, enum wtype type, const float *scales, const float *x, float *y,
                                    int rows, int in, const int nr, int ldy, const float *alpha, float beta) {
    if (nr == 1) {
        narrow_one_row_avx2(w, type, scales, x, y, rows, in, alpha, beta);
    } else {
        narrow_rows_avx2(w, type, scales, x, y, rows, in, nr, ldy, alpha, beta);
    }
}

NARROW_ENTRY(q8_avx2, TARGET_AVX2, narrow_avx2, int8_t, Q8)
NARROW_ENTRY(f16_avx2, TARGET_AVX2, narrow_avx2, uint16_t, F16)
NARROW_ENTRY(bf16_avx2, TARGET_AVX2, narrow_avx2, uint16_t, BF16)
NARROW_ENTRY(q8_avx512, TARGET_AVX512, narrow_rows_avx512, int8_t, Q8)
NARROW_ENTRY(f16_avx512, TARGET_AVX512, narrow_rows_avx512, uint16_t, F16)
NARROW_ENTRY(bf16_avx512, TARGET_AVX512, narrow_rows_avx512, uint16_t, BF16)
#endif

/* ------------------------------------------------------------------------------------------------
 * Encoder self-attention over a packed batch: each input's tokens attend to that input's tokens
 * only (all real, so no mask). One call replaces the dozen libtorch ops per input per layer that
 * it took before (views, transposes, two batched products, a softmax, a concatenation). On one core
 * of the 2-vCPU EPYC (Zen 3, AVX2), 16 inputs of 10-256 tokens (2,220 tokens, MiniLM's 12 heads of
 * 32) take 21 ms a layer, 30 GFLOP/s, against 27-29 ms of CPU for the libtorch ops. The portable
 * level is correct but slow (8-float vectors spill without AVX); the engine uses it for nothing.
 *
 * Per input and head, the keys are copied once into a transposed block kt[c][j], so that a score
 * is a multiply-add over a vector of keys with the query's value broadcast (no horizontal sums),
 * for 4 queries at a time; the context then adds probability-scaled value rows, a vector of the
 * head's dimensions at a time. Written once on 8-float vectors and inlined into each level.
 * ---------------------------------------------------------------------------------------------- */

typedef int32_t half_ints __attribute__((vector_size(32)));
/* Queries whose scores one pass over the keys computes: 4 x 2 vectors of accumulators. */
#define QUERY_BLOCK 4
/* Keys per step of the score loop, and the multiple the transposed keys are padded to. */
#define KEY_STEP (2 * HALF_LANES)

/* v in every lane, as a shuffle of lane 0: one broadcast with AVX2 (a lane-by-lane initializer
 * compiled to a chain of inserts that took most of the score loop's time) */
INLINE half_lanes splat(float v) {
    quarter_lanes q = {v};
    return __builtin_shufflevector(q, q, 0, 0, 0, 0, 0, 0, 0, 0);
}

INLINE half_lanes select_lanes(half_ints mask, half_lanes yes, half_lanes no) {
    return (half_lanes) (((half_ints) yes & mask) | ((half_ints) no & ~mask));
}

/*
 * e^x for x <= 0, as Cephes' expf (within 2 ulp of the exact value; below -87, where e^x is under
 * fp32's normal range, some value under 1e-37): x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its
 * polynomial, then 2^n added to the exponent bits. n comes from adding 1.5 * 2^23, which leaves
 * round(x log2 e) in the low bits of the sum's mantissa.
 */
INLINE half_lanes exp_nonpositive(half_lanes x) {
    x = select_lanes(x < splat(-87.0f), splat(-87.0f), x);
    half_lanes t = x * 1.44269504088896341f + 12582912.0f;
    half_lanes n = t - 12582912.0f;
    half_lanes r = x - n * 0.693359375f + n * 2.12194440e-4f;
    half_lanes p = splat(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    half_ints scaled = (half_ints) p + (((half_ints) t - 0x4B400000) << 23);
    return (half_lanes) scaled;
}

/*
 * Row b of scores[QUERY_BLOCK][stride] (keys [0, n), the rest up to stride padding) becomes
 * e^(s - max s): its probabilities before division by their sum, which is returned.
 */
INLINE float exponentiate_row(float *row, int n, int stride) {
    for (int j = n; j < stride; j++) {
        row[j] = -87.0f * 4; /* padding: after the shift below -87, so e^x is (next to) zero */
    }
    half_lanes m = load_half(row);
    for (int j = HALF_LANES; j < stride; j += HALF_LANES) {
        half_lanes v = load_half(row + j);
        m = select_lanes(v > m, v, m);
    }
    float max = m[0];
    for (int l = 1; l < HALF_LANES; l++) {
        max = m[l] > max ? m[l] : max;
    }
    half_lanes sum = {0};
    for (int j = 0; j < stride; j += HALF_LANES) {
        half_lanes e = exp_nonpositive(load_half(row + j) - max);
        store_half(row + j, e);
        sum += e;
    }
    for (int j = n; j < stride; j++) {
        sum[j % HALF_LANES] -= row[j]; /* what the padding added, near 1e-38 per key, taken back exactly */
        row[j] = 0.0f;
    }
    return sum_half_lanes(sum);
}

/*
 * scores[b * stride + j] = qrow[b] . k_j for the QUERY_BLOCK query rows and keys [0, len) (a multiple
 * of KEY_STEP) of kt, keys transposed [d][stride]: vectors of keys times a query value broadcast,
 * 4 x 2 vectors of accumulators and no lane sums.
 */
INLINE void block_scores(const float *kt, int stride, int len, const float *const *qrow, int d, float *scores) {
    for (int j = 0; j < len; j += KEY_STEP) {
        half_lanes acc[QUERY_BLOCK][2] = {{{0}}};
        for (int c = 0; c < d; c++) {
            half_lanes k0 = load_half(kt + (size_t) c * stride + j);
            half_lanes k1 = load_half(kt + (size_t) c * stride + j + HALF_LANES);
            _Pragma("GCC unroll 4") for (int b = 0; b < QUERY_BLOCK; b++) {
                half_lanes qc = splat(qrow[b][c]);
                acc[b][0] += k0 * qc;
                acc[b][1] += k1 * qc;
            }
        }
        for (int b = 0; b < QUERY_BLOCK; b++) {
            store_half(scores + (size_t) b * stride + j, acc[b][0]);
            store_half(scores + (size_t) b * stride + j + HALF_LANES, acc[b][1]);
        }
    }
}

/*
 * out row b (rows out_stride floats apart) = inverse[b] * sum_j p_bj v_j for the block's first
 * `block` queries, p_bj = scores[b * stride + j] (0 past a query's keys): value j at byte rows[j]
 * of values, or with rows null at byte j * row_bytes; query b reads values [0, visible[b]), the
 * vector part all of [0, seen). The head's dimensions go in pairs of vectors, the rest one by one.
 */
INLINE void block_context(const char *values, const int *rows, size_t row_bytes, int seen, const int *visible,
                          const float *scores, int stride, const float *inverse, int block, float *out,
                          size_t out_stride, int d) {
    int wide = d - d % KEY_STEP;
    for (int c = 0; c < wide; c += KEY_STEP) {
        half_lanes acc[QUERY_BLOCK][2] = {{{0}}};
        for (int j = 0; j < seen; j++) {
            const float *v = (const float *) (values + (rows ? (size_t) rows[j] : j * row_bytes)) + c;
            half_lanes v0 = load_half(v);
            half_lanes v1 = load_half(v + HALF_LANES);
            _Pragma("GCC unroll 4") for (int b = 0; b < QUERY_BLOCK; b++) {
                half_lanes p = splat(scores[(size_t) b * stride + j]);
                acc[b][0] += v0 * p;
                acc[b][1] += v1 * p;
            }
        }
        for (int b = 0; b < block; b++) {
            float *o = out + (size_t) b * out_stride + c;
            store_half(o, acc[b][0] * inverse[b]);
            store_half(o + HALF_LANES, acc[b][1] * inverse[b]);
        }
    }
    for (int b = 0; b < block; b++) {
        const float *p = scores + (size_t) b * stride;
        float *o = out + (size_t) b * out_stride;
        for (int c = wide; c < d; c++) {
            float sum = 0.0f;
            for (int j = 0; j < visible[b]; j++) {
                sum += p[j] * ((const float *) (values + (rows ? (size_t) rows[j] : j * row_bytes)))[c];
            }
            o[c] = sum * inverse[b];
        }
    }
}

/*
 * One head of one input: q, k and v point at the input's first row's head (rows `width` floats
 * apart), out at its first context row's head (rows `hidden` apart); kt holds d x stride floats and
 * scores QUERY_BLOCK x stride, stride = n rounded up to KEY_STEP.
 */
INLINE void attend_head(const float *q, const float *k, const float *v, float *out, int n, int d, int width,
                        int hidden, float *kt, float *scores) {
    int stride = (n + KEY_STEP - 1) / KEY_STEP * KEY_STEP;
    for (int c = 0; c < d; c++) {
        float *column = kt + (size_t) c * stride;
        for (int j = 0; j < n; j++) {
            column[j] = k[(size_t) j * width + c];
        }
        for (int j = n; j < stride; j++) {
            column[j] = 0.0f;
        }
    }
    int all[QUERY_BLOCK] = {n, n, n, n}; /* every query sees every key */
    for (int i0 = 0; i0 < n; i0 += QUERY_BLOCK) {
        int queries = n - i0 < QUERY_BLOCK ? n - i0 : QUERY_BLOCK;
        const float *qrow[QUERY_BLOCK];
        for (int b = 0; b < QUERY_BLOCK; b++) {
            qrow[b] = q + (size_t) (i0 + (b < queries ? b : queries - 1)) * width; /* a short block repeats its last */
        }
        block_scores(kt, stride, stride, qrow, d, scores);
        float inverse[QUERY_BLOCK];
        for (int b = 0; b < QUERY_BLOCK; b++) {
            inverse[b] = 1.0f / exponentiate_row(scores + (size_t) b * stride, n, stride);
        }
        block_context((const char *) v, NULL, (size_t) width * sizeof(float), n, all, scores, stride, inverse,
                      queries, out + (size_t) i0 * hidden, hidden, d);
    }
}

/*
 * Heads [first_head, first_head + head_count) of every input: qkv [tokens, 3 * heads * d] holds each
 * token's queries (already scaled by 1/sqrt(d)), keys and values, head by head; context [tokens,
 * heads * d]. Returns 0, or -1 when scratch memory could not be had (nothing then written).
 */
INLINE int packed_attention(const float *qkv, float *context, const int *starts, const int *lengths, int inputs,
                            int heads, int d, int first_head, int head_count) {
    int longest = 0;
    for (int r = 0; r < inputs; r++) {
        longest = lengths[r] > longest ? lengths[r] : longest;
    }
    size_t stride = (size_t) (longest + KEY_STEP - 1) / KEY_STEP * KEY_STEP;
    float *scratch = malloc(((size_t) d + QUERY_BLOCK) * stride * sizeof(float));
    if (!scratch) {
        return -1;
    }
    int hidden = heads * d;
    int width = 3 * hidden;
    for (int r = 0; r < inputs; r++) {
        const float *rows = qkv + (size_t) starts[r] * width;
        for (int h = first_head; h < first_head + head_count; h++) {
            attend_head(rows + (size_t) h * d, rows + (size_t) (heads + h) * d, rows + (size_t) (2 * heads + h) * d,
                        context + (size_t) starts[r] * hidden + (size_t) h * d, lengths[r], d, width, hidden,
                        scratch, scratch + (size_t) d * stride);
        }
    }
    free(scratch);
    return 0;
}

typedef int attention_fn(const float *, float *, const int *, const int *, int, int, int, int, int);

static int attention_portable(const float *qkv, float *context, const int *starts, const int *lengths, int inputs,
                              int heads, int d, int first_head, int head_count) {
    return packed_attention(qkv, context, starts, lengths, inputs, heads, d, first_head, head_count);
}
#if X86
TARGET_AVX2 static int attention_avx2(const float *qkv, float *context, const int *starts, const int *lengths,
                                      int inputs, int heads, int d, int first_head, int head_count) {
    return packed_attention(qkv, context, starts, lengths, inputs, heads, d, first_head, head_count);
}
TARGET_AVX512 static int attention_avx512(const float *qkv, float *context, const int *starts, const int *lengths,
                                          int inputs, int heads, int d, int first_head, int head_count) {
    return packed_attention(qkv, context, starts, lengths, inputs, heads, d, first_head, head_count);
}
#endif

/* ------------------------------------------------------------------------------------------------
 * Decode attention: one token's query heads that share a KV head, on keys and values where they
 * lie in the paged KV pool (nothing gathered). Four query heads go through together, so that each
 * key and value row is loaded once per four heads; every row is prefetched a few keys ahead, as the
 * rows of a paged pool are scattered and the weights streamed since the last step have evicted them.
 * ---------------------------------------------------------------------------------------------- */

/* Keys ahead of the one being read whose rows are prefetched. */
#define ROWS_AHEAD 6

INLINE void prefetch_row(const char *row, int bytes) {
    for (int at = 0; at < bytes; at += 64) {
        __builtin_prefetch(row + at);
    }
}

/*
 * Heads [0, tile) of q (rows of d floats) attend to n keys: scores[b * stride + j] = q_b . k_j, then
 * their softmax, then out_b = sum_j p_bj v_j. Key j lies at byte rows[j] of keys, its value at the
 * same byte of values; tile <= QUERY_BLOCK, and a shorter tile repeats its first head; stride is n
 * rounded up to HALF_LANES (exponentiate_row's padding).
 */
INLINE void decode_tile(const char *keys, const char *values, const int *rows, int n, const float *q, float *out,
                        int tile, int d, float *scores, int stride) {
    int row_bytes = d * (int) sizeof(float);
    int wide = d - d % HALF_LANES;
    const float *qb[QUERY_BLOCK];
    for (int b = 0; b < QUERY_BLOCK; b++) {
        qb[b] = q + (size_t) (b < tile ? b : 0) * d;
    }
    for (int j = 0; j < n; j++) {
        if (j + ROWS_AHEAD < n) {
            prefetch_row(keys + rows[j + ROWS_AHEAD], row_bytes);
        }
        const float *k = (const float *) (keys + rows[j]);
        half_lanes acc[QUERY_BLOCK] = {{0}};
        for (int c = 0; c < wide; c += HALF_LANES) {
            half_lanes kc = load_half(k + c);
            _Pragma("GCC unroll 4") for (int b = 0; b < QUERY_BLOCK; b++) {
                acc[b] += load_half(qb[b] + c) * kc;
            }
        }
        for (int b = 0; b < tile; b++) {
            float dot = sum_half_lanes(acc[b]);
            for (int c = wide; c < d; c++) {
                dot += qb[b][c] * k[c];
            }
            scores[(size_t) b * stride + j] = dot;
        }
    }
    float inverse[QUERY_BLOCK];
    for (int b = 0; b < tile; b++) {
        inverse[b] = 1.0f / exponentiate_row(scores + (size_t) b * stride, n, stride);
    }
    const float *pb[QUERY_BLOCK];
    for (int b = 0; b < QUERY_BLOCK; b++) {
        pb[b] = scores + (size_t) (b < tile ? b : 0) * stride;
    }
    int pairs = d - d % KEY_STEP;
    for (int c = 0; c < pairs; c += KEY_STEP) {
        half_lanes acc[QUERY_BLOCK][2] = {{{0}}};
        for (int j = 0; j < n; j++) {
            if (c == 0 && j + ROWS_AHEAD < n) {
                prefetch_row(values + rows[j + ROWS_AHEAD], row_bytes);
            }
            const float *v = (const float *) (values + rows[j]) + c;
            half_lanes v0 = load_half(v);
            half_lanes v1 = load_half(v + HALF_LANES);
            _Pragma("GCC unroll 4") for (int b = 0; b < QUERY_BLOCK; b++) {
                half_lanes p = splat(pb[b][j]);
                acc[b][0] += v0 * p;
                acc[b][1] += v1 * p;
            }
        }
        for (int b = 0; b < tile; b++) {
            store_half(out + (size_t) b * d + c, acc[b][0] * inverse[b]);
            store_half(out + (size_t) b * d + c + HALF_LANES, acc[b][1] * inverse[b]);
        }
    }
    for (int b = 0; b < tile; b++) {
        for (int c = pairs; c < d; c++) {
            float sum = 0.0f;
            for (int j = 0; j < n; j++) {
                sum += pb[b][j] * ((const float *) (values + rows[j]))[c];
            }
            out[(size_t) b * d + c] = sum * inverse[b];
        }
    }
}

/*
 * `group` query heads (rows of d floats from q, pre-scaled) that share one KV head attend to n keys:
 * key j at byte rows[j] of keys, its value at the same byte of values. Returns 0, or -1 when scratch
 * memory could not be had (nothing then written).
 */
INLINE int decode_attention(const char *keys, const char *values, const int *rows, int n, const float *q, float *out,
                            int group, int d) {
    int stride = n > 0 ? (n + HALF_LANES - 1) / HALF_LANES * HALF_LANES : HALF_LANES;
    float *scores = malloc((size_t) QUERY_BLOCK * stride * sizeof(float));
    if (!scores) {
        return -1;
    }
    for (int first = 0; first < group; first += QUERY_BLOCK) {
        int tile = group - first < QUERY_BLOCK ? group - first : QUERY_BLOCK;
        decode_tile(keys, values, rows, n, q + (size_t) first * d, out + (size_t) first * d, tile, d, scores, stride);
    }
    free(scores);
    return 0;
}

typedef int decode_attention_fn(const char *, const char *, const int *, int, const float *, float *, int, int);

static int decode_attention_portable(const char *keys, const char *values, const int *rows, int n, const float *q,
                                     float *out, int group, int d) {
    return decode_attention(keys, values, rows, n, q, out, group, d);
}
#if X86
TARGET_AVX2 static int decode_attention_avx2(const char *keys, const char *values, const int *rows, int n,
                                             const float *q, float *out, int group, int d) {
    return decode_attention(keys, values, rows, n, q, out, group, d);
}
TARGET_AVX512 static int decode_attention_avx512(const char *keys, const char *values, const int *rows, int n,
                                                 const float *q, float *out, int group, int d) {
    return decode_attention(keys, values, rows, n, q, out, group, d);
}
#endif

/* ------------------------------------------------------------------------------------------------
 * Prefill attention: the last `queries` tokens of one sequence attend causally to its n keys in the
 * paged pool, for the query heads that share one KV head. The decode kernel's way (per token, one
 * pass over the keys per four heads, a horizontal sum per key and head) ran a 128-token prefill's
 * attention at 1.75 ms a layer (small preset, 12 heads of 64, 2-vCPU EPYC): a tenth of the
 * prefill. Here, as in the packed encoder kernel, the KV head's keys are transposed once into
 * kt[c][j] and shared by all its query heads and tokens, and four query tokens go through each pass
 * over them as vectors of keys times a broadcast query value; each token stops at its own position.
 * ---------------------------------------------------------------------------------------------- */

/*
 * Query token i (row i of q and out, q_stride and out_stride floats apart, `group` heads of d floats
 * each from there, pre-scaled) sits at position n - queries + i and sees keys [0, n - queries + i].
 * Key j lies at byte rows[j] of keys, its value at the same byte of values. Returns 0, or -1 when
 * scratch memory could not be had (nothing then written).
 */
INLINE int prefill_attention(const char *keys, const char *values, const int *rows, int n, int queries,
                             const float *q, int q_stride, float *out, int out_stride, int group, int d) {
    int stride = (n + KEY_STEP - 1) / KEY_STEP * KEY_STEP;
    float *kt = malloc(((size_t) d + QUERY_BLOCK) * stride * sizeof(float));
    if (!kt) {
        return -1;
    }
    float *scores = kt + (size_t) d * stride;
    for (int j = 0; j < n; j++) {
        const float *k = (const float *) (keys + rows[j]);
        for (int c = 0; c < d; c++) {
            kt[(size_t) c * stride + j] = k[c];
        }
    }
    for (int c = 0; c < d; c++) {
        for (int j = n; j < stride; j++) {
            kt[(size_t) c * stride + j] = 0.0f;
        }
    }
    int first = n - queries; /* query 0's position */
    for (int h = 0; h < group; h++) {
        for (int i0 = 0; i0 < queries; i0 += QUERY_BLOCK) {
            int block = queries - i0 < QUERY_BLOCK ? queries - i0 : QUERY_BLOCK;
            int seen = first + i0 + block; /* keys the block's last token sees */
            int len = (seen + KEY_STEP - 1) / KEY_STEP * KEY_STEP;
            const float *qrow[QUERY_BLOCK];
            int visible[QUERY_BLOCK];
            for (int b = 0; b < QUERY_BLOCK; b++) {
                int i = i0 + (b < block ? b : block - 1); /* a short block repeats its last token */
                qrow[b] = q + (size_t) i * q_stride + (size_t) h * d;
                visible[b] = first + i + 1;
            }
            block_scores(kt, stride, len, qrow, d, scores);
            float inverse[QUERY_BLOCK];
            for (int b = 0; b < QUERY_BLOCK; b++) { /* keys past a token's position come out 0 */
                inverse[b] = 1.0f / exponentiate_row(scores + (size_t) b * stride, visible[b], len);
            }
            block_context(values, rows, 0, seen, visible, scores, stride, inverse, block,
                          out + (size_t) i0 * out_stride + (size_t) h * d, out_stride, d);
        }
    }
    free(kt);
    return 0;
}

typedef int prefill_attention_fn(const char *, const char *, const int *, int, int, const float *, int, float *, int,
                                 int, int);

static int prefill_attention_portable(const char *keys, const char *values, const int *rows, int n, int queries,
                                      const float *q, int q_stride, float *out, int out_stride, int group, int d) {
    return prefill_attention(keys, values, rows, n, queries, q, q_stride, out, out_stride, group, d);
}
#if X86
TARGET_AVX2 static int prefill_attention_avx2(const char *keys, const char *values, const int *rows, int n,
                                              int queries, const float *q, int q_stride, float *out, int out_stride,
                                              int group, int d) {
    return prefill_attention(keys, values, rows, n, queries, q, q_stride, out, out_stride, group, d);
}
TARGET_AVX512 static int prefill_attention_avx512(const char *keys, const char *values, const int *rows, int n,
                                                  int queries, const float *q, int q_stride, float *out,
                                                  int out_stride, int group, int d) {
    return prefill_attention(keys, values, rows, n, queries, q, q_stride, out, out_stride, group, d);
}
#endif

/* ------------------------------------------------------------------------------------------------
 * SwiGLU: out = silu(gate) * up over a fused gate/up product's rows, with exp_nonpositive (2 ulp)
 * on e^-|g|: silu(g) = g / (1 + e^-g) for g >= 0, g e^g / (1 + e^g) below. The Java Vector API's
 * EXP ran a batch-1 step's 2,048 gates in 12-25 us a layer on the Zen 3 EPYC.
 * ---------------------------------------------------------------------------------------------- */

INLINE half_lanes silu_times(half_lanes g, half_lanes u) {
    half_lanes magnitude = select_lanes(g < 0.0f, -g, g);
    half_lanes e = exp_nonpositive(-magnitude);
    half_lanes numerator = select_lanes(g < 0.0f, e, splat(1.0f));
    return g * numerator / (1.0f + e) * u;
}

/* Rows t < tokens of gate_up [tokens, 2 * inter] (gates, then ups) into out [tokens, inter]. */
INLINE void swiglu(const float *gate_up, float *out, int tokens, int inter) {
    int wide = inter - inter % HALF_LANES;
    for (int t = 0; t < tokens; t++) {
        const float *g = gate_up + (size_t) t * 2 * inter;
        const float *u = g + inter;
        float *o = out + (size_t) t * inter;
        for (int i = 0; i < wide; i += HALF_LANES) {
            store_half(o + i, silu_times(load_half(g + i), load_half(u + i)));
        }
        if (wide < inter) { /* the last few through one padded vector */
            float gs[HALF_LANES] = {0}, us[HALF_LANES] = {0}, os[HALF_LANES];
            memcpy(gs, g + wide, (size_t) (inter - wide) * sizeof(float));
            memcpy(us, u + wide, (size_t) (inter - wide) * sizeof(float));
            store_half(os, silu_times(load_half(gs), load_half(us)));
            memcpy(o + wide, os, (size_t) (inter - wide) * sizeof(float));
        }
    }
}

typedef void swiglu_fn(const float *, float *, int, int);

static void swiglu_portable(const float *gate_up, float *out, int tokens, int inter) {
    swiglu(gate_up, out, tokens, inter);
}
#if X86
TARGET_AVX2 static void swiglu_avx2(const float *gate_up, float *out, int tokens, int inter) {
    swiglu(gate_up, out, tokens, inter);
}
TARGET_AVX512 static void swiglu_avx512(const float *gate_up, float *out, int tokens, int inter) {
    swiglu(gate_up, out, tokens, inter);
}
#endif

/* ------------------------------------------------------------------------------------------------
 * The level in use, and the exported calls.
 * ---------------------------------------------------------------------------------------------- */

typedef void sgemv_fn(const float *, const float *, float *, int, int, float, float);
typedef void sgemm_fn(const float *, const float *, float *, int, int, int, int, const float *, float);
typedef void q8_fn(const int8_t *, const float *, const float *, float *, int, int, int, int, const float *, float);
typedef void f16_fn(const uint16_t *, const float *, const float *, float *, int, int, int, int, const float *, float);
typedef f16_fn bf16_fn;

static struct {
    enum level level;
    sgemv_fn *sgemv;
    sgemm_fn *sgemm;
    q8_fn *q8;
    f16_fn *f16;
    bf16_fn *bf16;
    attention_fn *attention;
    decode_attention_fn *decode_attention;
    prefill_attention_fn *prefill_attention;
    swiglu_fn *swiglu;
} active;

/* The widest level this CPU (and the kernel, which must save its registers) supports. */
int ferry_kernels_supported(void) {
#if X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        return AVX512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
        return AVX2;
    }
#endif
    return PORTABLE;
}

/* Uses the requested level, or the widest supported one below it; returns the level now in use. */
int ferry_kernels_select(int requested) {
    int level = ferry_kernels_supported();
    if (requested < level) {
        level = requested < PORTABLE ? PORTABLE : requested;
    }
    active.level = (enum level) level;
    active.sgemv = sgemv_portable;
    active.sgemm = sgemm_portable;
    active.q8 = q8_portable;
    active.f16 = f16_portable;
    active.bf16 = bf16_portable;
    active.attention = attention_portable;
    active.decode_attention = decode_attention_portable;
    active.prefill_attention = prefill_attention_portable;
    active.swiglu = swiglu_portable;
#if X86
    if (level == AVX2) {
        active.sgemv = sgemv_avx2;
        active.sgemm = sgemm_avx2;
        active.q8 = q8_avx2;
        active.f16 = f16_avx2;
        active.bf16 = bf16_avx2;
        active.attention = attention_avx2;
        active.decode_attention = decode_attention_avx2;
        active.prefill_attention = prefill_attention_avx2;
        active.swiglu = swiglu_avx2;
    } else if (level == AVX512) {
        active.sgemv = sgemv_avx512;
        active.sgemm = sgemm_avx512;
        active.q8 = q8_avx512;
        active.f16 = f16_avx512;
        active.bf16 = bf16_avx512;
        active.attention = attention_avx512;
        active.decode_attention = decode_attention_avx512;
        active.prefill_attention = prefill_attention_avx512;
        active.swiglu = swiglu_avx512;
    }
#endif
    return level;
}

/* The widest level is in use from the moment the library loads. */
__attribute__((constructor)) static void select_widest(void) {
    ferry_kernels_select(AVX512);
}

/* The name of the level in use: portable, avx2 or avx512. */
const char *ferry_kernels_isa(void) {
    return LEVEL_NAMES[active.level];
}

/*
 * y[j * ldy + r] = alpha[j] * (W[r, :] . x[j, :]) + beta * y[j * ldy + r] for r < rows, j < n; W fp32
 * [rows, in], x fp32 [n, in], alpha null for all ones, beta 0 (y not read) or any.
 */
void ferry_sgemm(const float *w, const float *x, float *y, int rows, int in, int n, int ldy, const float *alpha,
                 float beta) {
    active.sgemm(w, x, y, rows, in, n, ldy, alpha, beta);
}

/* The products ferry_product_parts runs; numbered as NativeKernels.Product declares them. */
enum product_kind { SGEMV, SGEMM, Q8GEMM, F16GEMM, BF16GEMM };

/*
 * One product in parts of part_rows weight rows, each part claimed from *next by whichever thread
 * gets to it first: the engine thread and its partner call this with the same counter (set to 0
 * before), so a part costs them an atomic increment rather than a call from Java each (about 0.6
 * us through JNA on the Zen 3 EPYC, against parts of 10-40 us). Each computes y[j * ldy + r] =
 * alpha[j] * scale[r] * (W[r, :] . x[j, :]) + beta * y[j * ldy + r] for r < rows, j < n: W [rows, in]
 * fp32 (SGEMV: n 1 and the streaming loop; SGEMM: ferry_sgemm's product), int8 with scales, fp16 or
 * bfloat16 (scale 1); alpha null for all ones, beta 0 (y not read) or any.
 */
void ferry_product_parts(int kind, const void *w, const float *scales, const float *x, float *y, int rows, int in,
                         int n, int ldy, const float *alpha, float beta, int *next, int part_rows) {
    const size_t row_bytes = (size_t) in * (kind == Q8GEMM ? 1 : kind == F16GEMM || kind == BF16GEMM ? 2 : 4);
    for (long part; (part = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED)) * (long) part_rows < rows;) {
        int from = (int) (part * part_rows);
        int count = rows - from < part_rows ? rows - from : part_rows;
        const void *wp = (const char *) w + from * row_bytes;
        float *yp = y + from;
        switch (kind) {
            case SGEMV: active.sgemv(wp, x, yp, count, in, alpha ? alpha[0] : 1.0f, beta); break;
            case SGEMM: active.sgemm(wp, x, yp, count, in, n, ldy, alpha, beta); break;
            case Q8GEMM: active.q8(wp, scales + from, x, yp, count, in, n, ldy, alpha, beta); break;
            case F16GEMM: active.f16(wp, NULL, x, yp, count, in, n, ldy, alpha, beta); break;
            default: active.bf16(wp, NULL, x, yp, count, in, n, ldy, alpha, beta); break;
        }
    }
}

/*
 * Self-attention of a packed encoder batch, heads [first_head, first_head + head_count): input r
 * is rows [starts[r], starts[r] + lengths[r]) of qkv [tokens, 3 * heads * head_dim] (queries
 * pre-scaled, then keys, then values) and of context [tokens, heads * head_dim]. Returns 0, or -1
 * when out of memory.
 */
int ferry_packed_attention(const float *qkv, float *context, const int *starts, const int *lengths, int inputs,
                           int heads, int head_dim, int first_head, int head_count) {
    return active.attention(qkv, context, starts, lengths, inputs, heads, head_dim, first_head, head_count);
}

/*
 * One decode token's `group` query heads that share a KV head, attending in the paged KV pool: q
 * and out hold the group's heads (rows of head_dim floats, q pre-scaled), key j of the KV head lies
 * at byte key_at + rows[j] of pool and its value at value_at + rows[j]. Returns 0, or -1 when out
 * of memory.
 */
int ferry_decode_attention(const char *pool, long key_at, long value_at, const int *rows, int n, const float *q,
                           float *out, int group, int head_dim) {
    return active.decode_attention(pool + key_at, pool + value_at, rows, n, q, out, group, head_dim);
}

/*
 * The last `queries` of a sequence's n tokens, `group` query heads of one KV head: query token i at
 * row i of q and out (q_stride and out_stride floats apart), key j and its value at byte rows[j] of
 * the pool from key_at and value_at; see prefill_attention. Returns 0, or -1 without scratch memory.
 */
int ferry_prefill_attention(const char *pool, long key_at, long value_at, const int *rows, int n, int queries,
                            const float *q, int q_stride, float *out, int out_stride, int group, int head_dim) {
    return active.prefill_attention(pool + key_at, pool + value_at, rows, n, queries, q, q_stride, out, out_stride,
                                    group, head_dim);
}

/* out [tokens, inter] = silu(gate) * up of gate_up [tokens, 2 * inter], gates first; see swiglu. */
void ferry_swiglu(const float *gate_up, float *out, int tokens, int inter) {
    active.swiglu(gate_up, out, tokens, inter);
}

/*
 * RoPE and the KV write of a few tokens, on the rows of their q/k/v product (qkv [tokens, heads +
 * 2 kv_heads, d]: queries, keys, values): the queries and keys of token t turn in place, dims i and
 * half + i (i < half) as x * cos + rotate_half(x) * sin with cos_sin[t] (d cosines, then d sines),
 * then its keys and values are copied into the pool: head h's key at byte slot_at[t] + h *
 * head_bytes, its value value_bytes further. The rotation is RopeTables.rotateOnHost's float
 * arithmetic in its order, which gives libtorch's rotation bit for bit; no FMA may contract it (the
 * baseline x86-64 this function is built for has none, and contraction is off besides). In Java it
 * took about 5 us a token a layer (a 128-token prefill: 7-8 ms of its 150-190).
 */
__attribute__((optimize("fp-contract=off")))
void ferry_rope_kv_write(float *qkv, int tokens, int heads, int kv_heads, int d, int half, const float *cos_sin,
                         char *pool, const long *slot_at, long head_bytes, long value_bytes) {
    size_t width = (size_t) (heads + 2 * kv_heads) * d;
    for (int t = 0; t < tokens; t++) {
        float *x = qkv + t * width;
        const float *cos = cos_sin + (size_t) t * 2 * d;
        const float *sin = cos + d;
        for (int h = 0; h < heads + kv_heads; h++) {
            float *head = x + (size_t) h * d;
            for (int i = 0; i < half; i++) {
                float x1 = head[i];
                float x2 = head[half + i];
                head[i] = x1 * cos[i] + -x2 * sin[i];
                head[half + i] = x2 * cos[half + i] + x1 * sin[half + i];
            }
        }
        for (int h = 0; h < kv_heads; h++) {
            char *key = pool + slot_at[t] + h * head_bytes;
            memcpy(key, x + (size_t) (heads + h) * d, (size_t) d * sizeof(float));
            memcpy(key + value_bytes, x + (size_t) (heads + kv_heads + h) * d, (size_t) d * sizeof(float));
        }
    }
}

/* out[r, c] = scales[r] * W[r, c]: a block of an int8 weight in fp32, for a BLAS product of many input rows. */
void ferry_q8_dequantize(const int8_t *w, const float *scales, int rows, int in, float *out) {
    for (int r = 0; r < rows; r++) {
        const int8_t *row = w + (size_t) r * in;
        float *o = out + (size_t) r * in;
        float s = scales[r];
        for (int c = 0; c < in; c++) {
            o[c] = s * (float) row[c];
        }
    }
}

/* out[r, c] = W[r, c]: a block of a bfloat16 weight in fp32 (exact), for a BLAS product of many input rows. */
void ferry_bf16_widen(const uint16_t *w, int rows, int in, float *out) {
    size_t n = (size_t) rows * in;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = (uint32_t) w[i] << 16; /* a shift on integers, which the compiler vectorizes */
        memcpy(out + i, &bits, sizeof bits);
    }
}

/* Each row's sum of squares of x[rows, in], accumulated in double (an RMSNorm's denominator). */
void ferry_row_sums_of_squares(const float *x, int rows, int in, double *sums) {
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t) r * in;
        /* eight sums, each its own chain: the compiler keeps them in vector registers, where one
         * chain waited out an add's latency per float (128 x 768, a 128-token prefill's norm input:
         * 23 against 102 us on the Zen 3 EPYC; 25 such calls a prefill) */
        double part[8] = {0};
        int c = 0;
        for (; c + 8 <= in; c += 8) {
            for (int k = 0; k < 8; k++) {
                part[k] += (double) row[c + k] * row[c + k];
            }
        }
        double s = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
        for (; c < in; c++) {
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
