package dev.ferry.server.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Just enough of a Kubernetes API server for {@code kubectl apply --dry-run=client}, which still
 * asks a server which resource serves each kind (discovery) and whether each object exists. It
 * lists the kinds docker/k8s uses under their real API groups and versions, so a wrong
 * apiVersion or kind fails as it would on a cluster, and it has no objects, so every one is
 * "created". A manifest of a new kind needs its resource added here.
 */
final class KubeApiStub implements AutoCloseable {
    /** API group/version to its resources, as plural name and kind. */
    private static final Map<String, Map<String, String>> RESOURCES = Map.of(
            "v1", Map.of("configmaps", "ConfigMap", "services", "Service",
                    "persistentvolumeclaims", "PersistentVolumeClaim"),
            "apps/v1", Map.of("deployments", "Deployment"),
            "policy/v1", Map.of("poddisruptionbudgets", "PodDisruptionBudget"),
            "autoscaling/v2", Map.of("horizontalpodautoscalers", "HorizontalPodAutoscaler"));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;

    KubeApiStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    /** A kubeconfig pointing kubectl at this stub. */
    Path kubeconfig(Path dir) throws IOException {
        return Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: stub, cluster: {server: "http://127.0.0.1:%d"}}]
                contexts: [{name: stub, context: {cluster: stub, namespace: default}}]
                current-context: stub
                users: []
                """.formatted(server.getAddress().getPort()));
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Object body = null;
        if (path.equals("/api")) {
            body = Map.of("kind", "APIVersions", "versions", List.of("v1"), "serverAddressByClientCIDRs",
                    List.of(Map.of("clientCIDR", "0.0.0.0/0", "serverAddress", "127.0.0.1")));
        } else if (path.equals("/apis")) {
            body = Map.of("kind", "APIGroupList", "apiVersion", "v1", "groups", RESOURCES.keySet().stream()
                    .filter(gv -> gv.contains("/")).map(KubeApiStub::group).toList());
        } else if (path.equals("/api/v1")) {
            body = resourceList("v1");
        } else if (path.startsWith("/apis/") && RESOURCES.containsKey(path.substring("/apis/".length()))) {
            body = resourceList(path.substring("/apis/".length()));
        }
        int status = body == null ? 404 : 200;
        byte[] bytes = JSON.writeValueAsString(body != null ? body
                : Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "reason", "NotFound", "code", 404))
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, Object> group(String groupVersion) {
        String[] gv = groupVersion.split("/");
        Map<String, String> version = Map.of("groupVersion", groupVersion, "version", gv[1]);
        return Map.of("name", gv[0], "versions", List.of(version), "preferredVersion", version);
    }

    private static Map<String, Object> resourceList(String groupVersion) {
        List<Map<String, Object>> resources = RESOURCES.get(groupVersion).entrySet().stream()
                .map(r -> Map.<String, Object>of("name", r.getKey(), "singularName", "", "namespaced", true,
                        "kind", r.getValue(), "verbs", List.of("create", "get", "list", "patch", "update", "delete")))
                .toList();
        return Map.of("kind", "APIResourceList", "apiVersion", "v1", "groupVersion", groupVersion,
                "resources", resources);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
