package dev.ferry.server.deploy;

import dev.ferry.server.Executables;
import dev.ferry.server.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real nginx, run as the current user, in front of Ferry replicas on loopback, configured from
 * the files compose uses: docker/nginx/ferry.conf.template rendered with test ports, and
 * docker/nginx/upstreams.conf with the compose host names swapped for the replicas' addresses.
 * Only the outer nginx.conf is the test's own (pid, logs and temp files in a temp folder), since
 * the stock one writes to /var and /run.
 */
final class Nginx implements AutoCloseable {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}");
    private static final Pattern ACCESS = Pattern.compile(
            "\"\\S+ (\\S+) [^\"]*\" \\d+ \\d+ rid=(\\S+) key=\\S* upstream=([^ ,]+(?:, [^ ,]+)*) ");

    /**
     * One line of the access log (docker/nginx's log format).
     *
     * @param upstreams every replica tried, in order: more than one when nginx retried
     */
    record Access(String path, String requestId, List<String> upstreams) {
        String servedBy() {
            return upstreams.get(upstreams.size() - 1);
        }
    }

    final int httpPort;
    final int grpcPort;
    private final Path accessLog;
    private final Daemon daemon;

    private Nginx(int httpPort, int grpcPort, Path accessLog, Daemon daemon) {
        this.httpPort = httpPort;
        this.grpcPort = grpcPort;
        this.accessLog = accessLog;
        this.daemon = daemon;
    }

    /** The installed binary; fails saying how to install it when there is none. */
    static Path binary() {
        return Executables.require("nginx", "nginx-light", "the scale-out test runs a real one in front of Ferry");
    }

    static Nginx start(Path dockerDir, Path dir, List<FerryProcess> replicas) throws IOException, InterruptedException {
        Path nginx = binary();
        int http = RedisServer.freePort();
        int grpc = RedisServer.freePort();
        Path accessLog = dir.resolve("access.log");
        Files.writeString(dir.resolve("ferry.conf"), render(Files.readString(dockerDir.resolve("nginx/ferry.conf.template")),
                Map.of("NGINX_HTTP_LISTEN", "127.0.0.1:" + http, "NGINX_GRPC_LISTEN", "127.0.0.1:" + grpc,
                        "NGINX_ACCESS_LOG", accessLog.toString())));
        Files.writeString(dir.resolve("ferry-upstreams.conf"),
                upstreams(Files.readString(dockerDir.resolve("nginx/upstreams.conf")), replicas));
        for (String temp : List.of("body", "proxy", "fastcgi", "uwsgi", "scgi")) {
            Files.createDirectories(dir.resolve("temp").resolve(temp));
        }
        Files.writeString(dir.resolve("nginx.conf"), """
                daemon off;
                worker_processes 1;
                user %s;
                pid %2$s/nginx.pid;
                error_log stderr info;
                events { worker_connections 512; }
                http {
                    client_body_temp_path %2$s/temp/body;
                    proxy_temp_path %2$s/temp/proxy;
                    fastcgi_temp_path %2$s/temp/fastcgi;
                    uwsgi_temp_path %2$s/temp/uwsgi;
                    scgi_temp_path %2$s/temp/scgi;
                    include ferry.conf;
                }
                """.formatted(System.getProperty("user.name"), dir));
        // -e: the errors of reading the configuration, before error_log applies, go to the log too
        Daemon d = Daemon.start("nginx", dir, List.of(nginx.toString(), "-p", dir.toString(),
                "-c", dir.resolve("nginx.conf").toString(), "-e", "stderr"));
        return new Nginx(http, grpc, accessLog, d.awaitPorts(Duration.ofSeconds(10), http, grpc));
    }

    /** Fills in ${NAME}s as the nginx image's envsubst step does; a name left unset is an error here. */
    static String render(String template, Map<String, String> values) {
        Matcher m = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException("the template uses ${" + m.group(1) + "}, which the test does not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }

    /** compose's ferry-N:8080 and ferry-N:50051 become replica N's loopback addresses. */
    static String upstreams(String composeUpstreams, List<FerryProcess> replicas) {
        String out = composeUpstreams;
        for (int i = 0; i < replicas.size(); i++) {
            String host = "ferry-" + (i + 1);
            for (String[] swap : List.of(new String[] {host + ":8080", replicas.get(i).httpAddress()},
                    new String[] {host + ":50051", replicas.get(i).grpcAddress()})) {
                if (!out.contains(swap[0])) {
                    throw new IllegalStateException("docker/nginx/upstreams.conf no longer lists " + swap[0]);
                }
                out = out.replace(swap[0], swap[1]);
            }
        }
        return out;
    }

    String accessLogText() throws IOException {
        return Files.readString(accessLog);
    }

    List<Access> accessLog() throws IOException {
        return Files.readAllLines(accessLog).stream().map(ACCESS::matcher).filter(Matcher::find)
                .map(m -> new Access(m.group(1), m.group(2), List.of(m.group(3).split(", ")))).toList();
    }

    /** The replica address that answered the request sent with {@code x-request-id: requestId}. */
    String upstreamOf(String requestId) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < end) { // nginx logs a request once its response is complete
            Optional<Access> found = accessLog().stream().filter(a -> a.requestId().equals(requestId)).findFirst();
            if (found.isPresent()) {
                return found.get().servedBy();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nginx logged no request " + requestId + ":\n" + accessLogText());
    }

    @Override
    public void close() {
        daemon.close();
    }
}
