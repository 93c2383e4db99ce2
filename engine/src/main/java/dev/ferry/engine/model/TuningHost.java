package dev.ferry.engine.model;

import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the tuner's timings depend on besides the layer: the CPU (its model name and its flags, which
 * decide the kernels' instruction sets), the threads a product may use, and the kernels' version.
 * A cached choice is only reused on a host with the same key.
 *
 * @param kernelVersion {@link LinearTuner#KERNEL_VERSION} when the choices were made
 */
public record TuningHost(String cpu, String cpuFlags, int threads, int kernelVersion) {
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    /** This process's host: {@code /proc/cpuinfo}'s first processor (the JVM's os.arch elsewhere) and libtorch's thread count. */
    public static TuningHost current() {
        List<String> lines = readCpuinfo();
        String cpu = field(lines, "model name").orElse(System.getProperty("os.arch"));
        String flags = field(lines, "flags").or(() -> field(lines, "Features")).orElse("");
        return new TuningHost(cpu, flags, JniUtils.getNumThreads(), LinearTuner.KERNEL_VERSION);
    }

    private static List<String> readCpuinfo() {
        try {
            return Files.readAllLines(CPUINFO);
        } catch (IOException | SecurityException e) {
            return List.of(); // not Linux: the architecture alone names the host
        }
    }

    private static Optional<String> field(List<String> cpuinfo, String name) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                return Optional.of(line.substring(colon + 1).trim());
            }
        }
        return Optional.empty();
    }
}
