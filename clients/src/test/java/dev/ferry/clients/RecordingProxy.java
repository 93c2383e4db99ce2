package dev.ferry.clients;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server in front of the Ferry server that forwards each request as it came and
 * keeps what a client sent: the exact request body, and the status and ignored-fields header it got
 * back. Responses are streamed through as they arrive, so server-sent events reach the client as
 * events.
 */
final class RecordingProxy implements AutoCloseable {
    /** The header in which the server names request fields it did not know and ignored. */
    static final String IGNORED_FIELDS = "x-ferry-ignored-fields";
    /** Request headers worth passing on; the JDK client sets the connection ones itself. */
    private static final List<String> FORWARDED = List.of("content-type", "accept", "authorization");

    /** One request as the client sent it and the answer's head as the server gave it. */
    record Exchange(String method, String path, String body, int status, Optional<String> ignoredFields) {
    }

    private final String target;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Exchange> exchanges = new ArrayList<>();

    /** @param target the server's root URL, {@code http://host:port} */
    RecordingProxy(String target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::forward);
        server.setExecutor(threads);
        server.start();
    }

    /** The proxy's root URL; {@code /v1} after it is the OpenAI base URL. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Everything recorded since the last call, oldest first, and forgets it. */
    synchronized List<Exchange> drain() {
        List<Exchange> out = List.copyOf(exchanges);
        exchanges.clear();
        return out;
    }

    private synchronized void record(Exchange e) {
        exchanges.add(e);
    }

    private void forward(HttpExchange in) throws IOException {
        try (in) {
            byte[] body = in.getRequestBody().readAllBytes();
            URI uri = URI.create(target + in.getRequestURI());
            HttpRequest.Builder out = HttpRequest.newBuilder(uri)
                    .method(in.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            for (String name : FORWARDED) {
                String value = in.getRequestHeaders().getFirst(name);
                if (value != null) {
                    out.header(name, value);
                }
            }
            HttpResponse<InputStream> answer = upstream.send(out.build(), HttpResponse.BodyHandlers.ofInputStream());
            Optional<String> ignored = answer.headers().firstValue(IGNORED_FIELDS);
            record(new Exchange(in.getRequestMethod(), in.getRequestURI().getPath(),
                    new String(body, StandardCharsets.UTF_8), answer.statusCode(), ignored));
            answer.headers().firstValue("content-type").ifPresent(v -> in.getResponseHeaders().set("content-type", v));
            ignored.ifPresent(v -> in.getResponseHeaders().set(IGNORED_FIELDS, v));
            in.sendResponseHeaders(answer.statusCode(), 0); // chunked: the length of a stream is not known
            try (InputStream from = answer.body(); OutputStream to = in.getResponseBody()) {
                byte[] buffer = new byte[8192];
                for (int n; (n = from.read(buffer)) >= 0; ) {
                    to.write(buffer, 0, n);
                    to.flush(); // each event as it comes
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
