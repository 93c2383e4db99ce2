package dev.ferry.server;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server on a free loopback port, without persistence, that a test can kill and start
 * again on the same port. Tests that need it fail (never skip) when redis-server is not installed.
 */
public final class RedisServer implements AutoCloseable {
    private final Path binary;
    private final int port;
    private Process process;
    private RedisClient client;

    private RedisServer(Path binary, int port) {
        this.binary = binary;
        this.port = port;
    }

    public static RedisServer start() throws IOException, InterruptedException {
        RedisServer r = new RedisServer(binary(), freePort());
        r.restart();
        return r;
    }

    /** A port nothing listens on (for a Redis that is never there). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** A client of its own, to look at what Ferry stored or to pause Redis. */
    public synchronized RedisCommands<String, String> commands() {
        if (client == null) {
            client = RedisClient.create(url());
        }
        return client.connect().sync();
    }

    /** Kills it with SIGKILL, as a crash would: no goodbye to its clients. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    /** Starts it (empty) on its port and waits until it accepts connections. */
    public void restart() throws IOException, InterruptedException {
        process = new ProcessBuilder(binary.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > end) {
                    close();
                    throw new IOException("redis-server did not start on port " + port + " (exit "
                            + (process.isAlive() ? "none" : process.exitValue()) + ")", e);
                }
                Thread.sleep(20);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.shutdown();
        }
        if (process != null) {
            process.destroyForcibly();
        }
    }

    private static Path binary() {
        return Executables.require("redis-server", "redis-server", "the response cache tests run against a real one");
    }
}
