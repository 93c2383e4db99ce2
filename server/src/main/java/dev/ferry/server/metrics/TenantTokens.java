package dev.ferry.server.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Prompt and completion tokens of finished requests by model and tenant. The first
 * {@value #MAX_TENANTS} tenants seen get a label of their own; later ones are counted as
 * {@value #OTHER}, so a client inventing tenants cannot grow the scrape without bound.
 */
final class TenantTokens {
    static final int MAX_TENANTS = 100;
    static final String OTHER = "other";

    private record Key(String model, String tenant) {}

    private record Tokens(LongAdder prompt, LongAdder completion) {}

    private final Set<String> tenants = ConcurrentHashMap.newKeySet();
    private final Map<Key, Tokens> counts = new ConcurrentHashMap<>();

    void add(String model, String tenant, int promptTokens, int completionTokens) {
        Tokens t = counts.computeIfAbsent(new Key(model, label(tenant)),
                k -> new Tokens(new LongAdder(), new LongAdder()));
        t.prompt().add(promptTokens);
        t.completion().add(completionTokens);
    }

    private String label(String tenant) {
        if (tenants.contains(tenant)) {
            return tenant;
        }
        synchronized (tenants) { // only when a tenant is new
            if (tenants.size() < MAX_TENANTS) {
                tenants.add(tenant);
                return tenant;
            }
        }
        return OTHER;
    }

    List<MetricSnapshot> snapshots() {
        Map<Labels, Long> prompt = new TreeMap<>();
        Map<Labels, Long> completion = new TreeMap<>();
        counts.forEach((k, t) -> {
            Labels labels = Labels.of("model", k.model(), "tenant", k.tenant());
            prompt.put(labels, t.prompt().sum());
            completion.put(labels, t.completion().sum());
        });
        return List.of(
                Snapshots.counter("ferry_tenant_prompt_tokens", "Prompt tokens of finished requests, by tenant", prompt),
                Snapshots.counter("ferry_tenant_completion_tokens", "Tokens sent to finished requests, by tenant",
                        completion));
    }
}
