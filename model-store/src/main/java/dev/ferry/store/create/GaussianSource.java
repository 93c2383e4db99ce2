package dev.ferry.store.create;

import dev.ferry.store.safetensors.SafetensorsWriter;
import java.nio.charset.StandardCharsets;
import java.util.stream.LongStream;
import java.util.zip.CRC32;

/**
 * A tensor's deterministic random values, {@code mean + scale * N(0,1)}, generated on demand. Element
 * i depends only on the seed, the tensor's name and i: the tensor is cut into fixed blocks of
 * {@link #BLOCK} elements, each with its own generator seeded from (seed, crc32(name), block), so
 * blocks can be generated in parallel and any range in any chunking gives the same values.
 * SplitMix64 and the polar method with {@link StrictMath#log} are written out here, rather than
 * taken from the JDK, so that the files stay identical across JDK versions and CPUs.
 */
final class GaussianSource implements SafetensorsWriter.FloatSource {
    static final int BLOCK = 1 << 16;
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long streamSeed;
    private final double mean;
    private final double scale;

    GaussianSource(long seed, String name, double mean, double scale) {
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        this.streamSeed = mix64(mix64(seed) ^ crc.getValue());
        this.mean = mean;
        this.scale = scale;
    }

    @Override
    public void fill(long start, float[] dst, int count) {
        if (count <= 0) {
            return;
        }
        long end = start + count;
        LongStream blocks = LongStream.rangeClosed(start / BLOCK, (end - 1) / BLOCK);
        (count > BLOCK ? blocks.parallel() : blocks).forEach(b -> {
            long blockStart = b * BLOCK;
            int from = (int) (Math.max(start, blockStart) - blockStart);
            int to = (int) (Math.min(end, blockStart + BLOCK) - blockStart);
            generate(b, from, to, dst, (int) (blockStart + from - start));
        });
    }

    /** Writes elements [from, to) of block {@code b} to {@code dst[off..]}; earlier ones are drawn and dropped. */
    private void generate(long b, int from, int to, float[] dst, int off) {
        long state = mix64(streamSeed ^ mix64(b + GOLDEN_GAMMA));
        for (int i = 0; i < to; i += 2) {
            double u;
            double v;
            double s;
            do { // Marsaglia's polar method: a point uniform in the unit disc gives two independent normals
                state += GOLDEN_GAMMA;
                u = 2 * unit(mix64(state)) - 1;
                state += GOLDEN_GAMMA;
                v = 2 * unit(mix64(state)) - 1;
                s = u * u + v * v;
            } while (s >= 1 || s == 0);
            double m = Math.sqrt(-2 * StrictMath.log(s) / s); // sqrt is correctly rounded everywhere
            if (i >= from) {
                dst[off + i - from] = (float) (mean + scale * u * m);
            }
            if (i + 1 >= from && i + 1 < to) {
                dst[off + i + 1 - from] = (float) (mean + scale * v * m);
            }
        }
    }

    /** A double uniform in [0, 1) from the top 53 bits. */
    private static double unit(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's output function (Stafford's Mix13): a bijective, well-avalanched 64-bit hash. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
