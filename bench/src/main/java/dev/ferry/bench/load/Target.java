package dev.ferry.bench.load;

import java.net.URI;
import java.net.URISyntaxException;

/** The server under load: {@code grpc://HOST:PORT} or {@code http://HOST:PORT}, and the client that speaks to it. */
record Target(String scheme, String host, int port) {

    static Target parse(String text) {
        try {
            URI uri = new URI(text);
            if (("grpc".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getPort() > 0 && (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
                return new Target(uri.getScheme(), uri.getHost(), uri.getPort());
            }
        } catch (URISyntaxException e) {
            // the message below says what is expected
        }
        throw new IllegalArgumentException("--target: expected grpc://HOST:PORT or http://HOST:PORT, got '" + text + "'");
    }

    /** @param httpClient "jdk" or "netty": which client speaks to an http:// target */
    LoadClient client(String httpClient, String model, float temperature, String apiKey) {
        if (scheme.equals("grpc")) {
            return new GrpcLoadClient(host, port, model, temperature, apiKey);
        }
        return httpClient.equals("netty") ? new NettyHttpLoadClient(host, port, model, temperature, apiKey)
                : new HttpLoadClient(host, port, model, temperature, apiKey);
    }

    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port;
    }
}
