package dev.ferry.server.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which device each replica of a model runs on: every replica goes to the allowed device that holds
 * the fewest replicas so far (the first listed on a tie), so replicas and models spread over the
 * devices, and a model with more replicas than devices wraps round.
 */
public final class Placement {
    private Placement() {}

    /**
     * @param allowed the devices the model may use, in preference order
     * @param held replicas already on each device (absent: none)
     */
    public static List<String> place(int replicas, List<String> allowed, Map<String, Integer> held) {
        if (allowed.isEmpty()) {
            throw new IllegalArgumentException("no device to place the model on");
        }
        int[] counts = new int[allowed.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = held.getOrDefault(allowed.get(i), 0);
        }
        List<String> out = new ArrayList<>(replicas);
        for (int r = 0; r < replicas; r++) {
            int best = 0;
            for (int i = 1; i < counts.length; i++) {
                if (counts[i] < counts[best]) {
                    best = i;
                }
            }
            counts[best]++;
            out.add(allowed.get(best));
        }
        return out;
    }
}
