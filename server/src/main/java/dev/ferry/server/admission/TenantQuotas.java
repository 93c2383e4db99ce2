package dev.ferry.server.admission;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant token budgets: a token bucket per tenant, charged the prompt tokens plus max_tokens of
 * each request at admission. Tenants without limits of their own share the default limits, each
 * with a bucket of its own; with no default they are unlimited. The number of buckets is bounded:
 * beyond it, unknown tenants share one "other" bucket.
 */
public final class TenantQuotas {
    /** @param burst the most tokens a tenant can spend at once (the bucket's size) */
    public record Limits(double tokensPerSecond, double burst) {
        public Limits {
            if (!(tokensPerSecond > 0) || !(burst > 0)) {
                throw new IllegalArgumentException("tenant limits must be positive");
            }
        }
    }

    static final int MAX_BUCKETS = 10_000;
    private static final String OTHER = "other";

    private final Limits defaults;
    private final Map<String, Limits> perTenant;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param defaults limits of tenants not listed, or null for unlimited */
    public TenantQuotas(Limits defaults, Map<String, Limits> perTenant) {
        this.defaults = defaults;
        this.perTenant = Map.copyOf(perTenant);
    }

    public static TenantQuotas unlimited() {
        return new TenantQuotas(null, Map.of());
    }

    /**
     * Gives back a charge of {@link #acquire} for a request that did not run after all (refused
     * further on, or sent to another model), so only what runs is paid for.
     */
    public void refund(String tenant, long tokens) {
        // the bucket acquire charged: the tenant's own, or the shared one once there were too many
        Bucket b = buckets.getOrDefault(tenant, buckets.get(OTHER));
        if (b != null) {
            b.give(tokens);
        }
    }

    /** Charges {@code tokens} to the tenant, or refuses with the time after which they would fit. */
    public void acquire(String tenant, long tokens) {
        Limits limits = perTenant.getOrDefault(tenant, defaults);
        if (limits == null) {
            return;
        }
        refuseBeyondBurst(tenant, limits, tokens);
        String key = perTenant.containsKey(tenant) || buckets.containsKey(tenant) || buckets.size() < MAX_BUCKETS
                ? tenant : OTHER;
        long waitMillis = buckets.computeIfAbsent(key, k -> new Bucket(limits)).take(tokens);
        if (waitMillis > 0) {
            throw overQuota(tenant, limits, waitMillis);
        }
    }

    /**
     * Refuses, charging nothing, when the tenant's bucket holds fewer than {@code tokens} now (or
     * could never hold them): a request that costs at least that would be refused by {@link #acquire}.
     * An estimate, as the bucket may refill or be charged meanwhile; {@link #acquire} decides.
     */
    public void refuseIfShort(String tenant, long tokens) {
        Limits limits = perTenant.getOrDefault(tenant, defaults);
        if (limits == null) {
            return;
        }
        refuseBeyondBurst(tenant, limits, tokens);
        Bucket b = buckets.get(tenant);
        if (b == null && !perTenant.containsKey(tenant) && buckets.size() >= MAX_BUCKETS) {
            b = buckets.get(OTHER); // where acquire would charge it
        }
        long waitMillis = b == null ? 0 : b.waitFor(tokens); // no bucket yet: a full one
        if (waitMillis > 0) {
            throw overQuota(tenant, limits, waitMillis);
        }
    }

    private static void refuseBeyondBurst(String tenant, Limits limits, long tokens) {
        if (tokens > limits.burst()) {
            throw new AdmissionRejected(RejectReason.TENANT_QUOTA, "the request needs " + tokens
                    + " tokens (prompt plus max_tokens), more than tenant '" + tenant + "' may spend at once ("
                    + (long) limits.burst() + ")", 0);
        }
    }

    private static AdmissionRejected overQuota(String tenant, Limits limits, long waitMillis) {
        return new AdmissionRejected(RejectReason.TENANT_QUOTA, "tenant '" + tenant + "' is over its quota of "
                + (long) limits.tokensPerSecond() + " tokens/s", waitMillis);
    }

    /** One tenant's bucket; a lock per tenant is uncontended unless that tenant floods. */
    private static final class Bucket {
        private final Limits limits;
        private double tokens;
        private long lastNanos = System.nanoTime();

        Bucket(Limits limits) {
            this.limits = limits;
            this.tokens = limits.burst();
        }

        /** Takes the tokens and gives 0, or gives the milliseconds until they would be there. */
        synchronized long take(long n) {
            long wait = waitFor(n);
            if (wait == 0) {
                tokens -= n;
            }
            return wait;
        }

        /** 0 when the bucket holds {@code n} tokens now, else the milliseconds until it would. */
        synchronized long waitFor(long n) {
            long now = System.nanoTime();
            tokens = Math.min(limits.burst(), tokens + (now - lastNanos) / 1e9 * limits.tokensPerSecond());
            lastNanos = now;
            return tokens >= n ? 0 : Math.max(1, (long) Math.ceil((n - tokens) / limits.tokensPerSecond() * 1000));
        }

        synchronized void give(long n) {
            tokens = Math.min(limits.burst(), tokens + n);
        }
    }
}
