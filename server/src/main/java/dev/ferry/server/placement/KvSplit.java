package dev.ferry.server.placement;

import java.util.List;

/**
 * How one device's KV budget is divided among the replicas placed on it: a replica with a
 * configured share takes that fraction of the budget; the replicas without one split what the
 * shares leave evenly. Pure arithmetic, so the rules can be read and tested apart from loading.
 */
public final class KvSplit {
    private KvSplit() {}

    /** One replica's claim on a device: {@code share} is its configured fraction, or null for an even part of the rest. */
    public record Claim(String model, Double share) {}

    /**
     * The bytes of {@code budget} each claim gets, in the claims' order. Fails, naming the models,
     * when the shares add up to more than the whole budget, or leave nothing for the claims without one.
     */
    public static long[] split(String device, long budget, List<Claim> claims) {
        double shared = 0;
        int unshared = 0;
        for (Claim c : claims) {
            if (c.share() != null) {
                shared += c.share();
            } else {
                unshared++;
            }
        }
        // a sum such as 0.7 + 0.2 + 0.1 may round above 1; a millionth of slack keeps it whole
        if (shared > 1 + 1e-6) {
            throw new IllegalArgumentException("kv-cache-share of the replicas on " + device + " adds up to "
                    + round(shared) + ", more than the whole budget: " + describe(claims));
        }
        long rest = Math.max(0, (long) (budget * (1 - Math.min(1, shared))));
        if (unshared > 0 && rest == 0) {
            throw new IllegalArgumentException("kv-cache-share of the replicas on " + device + " leaves no KV "
                    + "budget for the models without a share: " + describe(claims));
        }
        long[] out = new long[claims.size()];
        for (int i = 0; i < out.length; i++) {
            Double share = claims.get(i).share();
            out[i] = share != null ? (long) (budget * share) : rest / unshared;
        }
        return out;
    }

    private static String describe(List<Claim> claims) {
        return String.join(", ", claims.stream()
                .map(c -> c.model() + (c.share() != null ? " " + round(c.share()) : " (no share)")).toList());
    }

    private static String round(double v) {
        return String.valueOf(Math.round(v * 1000) / 1000.0);
    }
}
