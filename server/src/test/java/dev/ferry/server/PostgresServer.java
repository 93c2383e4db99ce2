package dev.ferry.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL cluster of its own (Debian's {@code postgresql} package): initdb in a temp
 * folder, the server on a free loopback port with its socket in that folder, trust authentication,
 * no fsync. As root it runs as {@code nobody}, since PostgreSQL refuses to run as root. A test can
 * kill it (SIGKILL, a crash) and start it again on the same port with its data. Tests that need it
 * fail (never skip) when PostgreSQL is not installed.
 */
public final class PostgresServer implements AutoCloseable {
    private static final String USER = "ferry";
    private static final String RUN_AS = "nobody";

    private final Path bin;
    private final Path dir;
    private final int port;
    private Process process;

    private PostgresServer(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** A fresh cluster, started, accepting connections. */
    public static PostgresServer start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("ferry-pg");
        PostgresServer pg = new PostgresServer(binaries(), dir, RedisServer.freePort());
        try {
            if (isRoot()) {
                giveTo(dir, RUN_AS);
            }
            pg.run(List.of(pg.bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", USER,
                    "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"));
            pg.restart();
            return pg;
        } catch (IOException | RuntimeException e) {
            pg.close();
            throw e;
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + USER;
    }

    /** Creates an empty database and gives its JDBC URL. */
    public String createDatabase(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl()); var s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name + "?user=" + USER;
    }

    /** Kills the server with SIGKILL, as a crash would: no goodbye to its clients. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    /**
     * Starts the server on its port (its data kept) and waits until it accepts a session. After a
     * kill, the orphaned backends may hold the shared memory a moment: it is tried again until they left.
     */
    public void restart() throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            process = command(List.of(bin.resolve("postgres").toString(), "-D", dir.resolve("data").toString(),
                    "-p", String.valueOf(port), "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1",
                    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("postgres.log").toFile()).start();
            if (awaitSession(end)) {
                return;
            }
            if (System.nanoTime() > end) {
                String log = Files.readString(dir.resolve("postgres.log"));
                close();
                throw new IOException("postgres did not start on port " + port + ": " + log);
            }
            Thread.sleep(200);
        }
    }

    /** True once a session opens; false when the process died first (tried again by the caller). */
    private boolean awaitSession(long endNanos) throws InterruptedException {
        while (process.isAlive() && System.nanoTime() < endNanos) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                try (Connection c = DriverManager.getConnection(jdbcUrl())) {
                    return true;
                }
            } catch (IOException | SQLException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    private void run(List<String> args) throws IOException, InterruptedException {
        Path log = dir.resolve("initdb.log");
        Process p = command(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(args.get(0) + " failed: " + Files.readString(log));
        }
    }

    /** As root, the command runs as nobody; {@code setpriv} execs it, so killing the process kills the server. */
    private ProcessBuilder command(List<String> args) {
        List<String> all = new ArrayList<>();
        if (isRoot()) {
            all.addAll(List.of(Executables.require("setpriv", "util-linux", "PostgreSQL refuses to run as root")
                    .toString(), "--reuid=" + RUN_AS, "--regid=nogroup", "--clear-groups", "--"));
        }
        all.addAll(args);
        return new ProcessBuilder(all).directory(dir.toFile());
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void giveTo(Path dir, String user) throws IOException {
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        view.setOwner(users.lookupPrincipalByName(user));
        GroupPrincipal group = users.lookupPrincipalByGroupName("nogroup");
        view.setGroup(group);
    }

    /** Debian keeps the server's programs out of PATH, in /usr/lib/postgresql/VERSION/bin: the newest one. */
    private static Path binaries() throws IOException {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Path newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/postgres")))
                        .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D", "0"))))
                        .orElse(null);
                if (newest != null) {
                    return newest.resolve("bin");
                }
            }
        }
        return Executables.require("initdb", "postgresql", "the results store's tests run against a real PostgreSQL")
                .getParent();
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }
}
