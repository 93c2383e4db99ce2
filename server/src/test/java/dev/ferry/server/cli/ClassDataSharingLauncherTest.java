package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's Class Data Sharing ({@code launcher/class-data-sharing.sh}, sourced by {@code
 * ./ferry}) with a probe jar that prints the archive its JVM mapped: the first run writes the
 * archive under FERRY_HOME, the next maps it, a rebuilt jar gets an archive of its own, and a
 * failed run keeps none.
 */
class ClassDataSharingLauncherTest {
    private static final Path SCRIPT = Path.of("..", "launcher", "class-data-sharing.sh").toAbsolutePath().normalize();
    private static final String PROBE = """
            public class Probe {
                public static void main(String[] args) {
                    var vm = java.lang.management.ManagementFactory.getPlatformMXBean(
                            com.sun.management.HotSpotDiagnosticMXBean.class);
                    System.out.println("archive=" + vm.getVMOption("SharedArchiveFile").getValue());
                    System.exit(Integer.parseInt(args[0]));
                }
            }
            """;

    /** The probe jar, compiled once; each test runs a copy of its own (one rebuilds it). */
    @TempDir
    static Path built;
    @TempDir
    Path dir;
    Path jar;
    Path home;

    record Run(int exit, String out) {}

    @BeforeAll
    static void buildProbeJar() throws IOException {
        Path src = built.resolve("Probe.java");
        Files.writeString(src, PROBE);
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", built.toString(), src.toString()));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Probe");
        try (OutputStream file = Files.newOutputStream(built.resolve("probe.jar"));
             JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry("Probe.class"));
            out.write(Files.readAllBytes(built.resolve("Probe.class")));
            out.closeEntry();
        }
    }

    @BeforeEach
    void copyProbe() throws IOException {
        jar = Files.copy(built.resolve("probe.jar"), dir.resolve("probe.jar"));
        home = dir.resolve("home");
    }

    private Run launch(int exit) throws Exception {
        ProcessBuilder b = new ProcessBuilder("bash", "-c", "source \"$1\"; shift; run_with_cds \"$@\"", "launch",
                SCRIPT.toString(), "probe", jar.toString(), "-Xmx64m", "--", String.valueOf(exit))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        b.environment().put("FERRY_HOME", home.toString());
        Process p = b.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    private List<Path> cacheFiles() throws IOException {
        Path cds = home.resolve("cache/cds");
        if (!Files.isDirectory(cds)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(cds)) {
            return files.sorted().toList();
        }
    }

    @Test
    void theFirstRunWritesTheArchiveAndTheNextMapsIt() throws Exception {
        Run first = launch(0);
        assertEquals(new Run(0, "archive=\n"), first, "stdout carries the program's output alone");
        List<Path> files = cacheFiles();
        assertEquals(1, files.size(), files.toString());
        assertTrue(files.get(0).getFileName().toString().matches("probe-[0-9a-f]{16}\\.jsa"), files.toString());

        assertEquals(new Run(0, "archive=" + files.get(0) + "\n"), launch(0));
        assertEquals(files, cacheFiles());
    }

    @Test
    void aRebuiltJarGetsAnArchiveOfItsOwn() throws Exception {
        launch(0);
        Path old = cacheFiles().get(0);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 10_000));
        assertEquals(new Run(0, "archive=\n"), launch(0), "the old build's archive is not mapped");
        List<Path> files = cacheFiles();
        assertEquals(2, files.size(), files.toString());
        Path rebuilt = files.get(0).equals(old) ? files.get(1) : files.get(0);
        assertNotEquals(old, rebuilt);
        assertEquals(new Run(0, "archive=" + rebuilt + "\n"), launch(0));
    }

    @Test
    void aFailedRunPassesItsStatusOnAndKeepsNoArchive() throws Exception {
        assertEquals(new Run(3, "archive=\n"), launch(3));
        assertEquals(List.of(), cacheFiles(), "neither an archive nor a temporary file");
    }
}
