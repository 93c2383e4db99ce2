package dev.ferry.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the in-process benchmarks say about the machine beside their figures. */
final class Host {
    private Host() {}

    /** The CPU's model name from /proc/cpuinfo and the processors the JVM sees, e.g. "AMD EPYC x2". */
    static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown")
                + " x" + Runtime.getRuntime().availableProcessors();
    }

    /** /proc/loadavg's line: the machine's load while a figure was taken. */
    static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }
}
