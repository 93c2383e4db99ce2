package dev.ferry.server.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server process a test starts (Ferry, nginx, Prometheus), its output in a log file, and ways to
 * wait for it to come up. Closing it stops it (SIGTERM, SIGKILL after 5 s), so a failed test
 * leaves nothing running; SIGTERM first because nginx's workers outlive a killed master.
 */
final class Daemon implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private Daemon(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Runs {@code command}, its stdout and stderr going to {@code <dir>/<name>.log}. */
    static Daemon start(String name, Path dir, List<String> command) throws IOException {
        Path log = dir.resolve(name + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Daemon(name, p, log);
    }

    /** Waits for a log line matching {@code pattern} and gives its match. A process that fails to come up is stopped. */
    Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : lines()) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            check(end, "a log line matching /" + pattern + "/");
        }
    }

    /** Waits until each of {@code ports} on loopback accepts connections. */
    Daemon awaitPorts(Duration timeout, int... ports) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        for (int port : ports) {
            while (!accepts(port)) {
                check(end, "port " + port);
            }
        }
        return this;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Fails, stopping the process, when it exited or the time is up; a process that never came up is of no use. */
    private void check(long end, String what) throws InterruptedException {
        String failure = !process.isAlive() ? name + " exited with " + process.exitValue() + " before " + what
                + " showed up" : System.nanoTime() > end ? name + " did not show " + what + " in time" : null;
        if (failure != null) {
            close();
            throw new IllegalStateException(failure + ":\n" + log());
        }
        Thread.sleep(50);
    }

    /** SIGTERM: the graceful stop a container runtime sends. */
    void terminate() {
        process.destroy();
    }

    /** The exit status, once it has exited within {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " still runs " + timeout.toSeconds() + " s after SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    List<String> lines() {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList(); // lenient decoding
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String log() {
        return name + " log (" + log + "):\n" + String.join("\n", lines());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
