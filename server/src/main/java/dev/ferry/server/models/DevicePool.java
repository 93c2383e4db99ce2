package dev.ferry.server.models;

import dev.ferry.engine.LoadedModel;
import dev.ferry.server.placement.KvSplit;
import dev.ferry.server.placement.Placement;
import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.config.ServingConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The devices the server runs models on and the KV budget of each, shared by the replicas placed
 * there ({@link Placement}, {@link KvSplit}). A model reserves its replicas' places before it loads,
 * so that the even split counts every model the store holds; each replica's cache is then capped
 * at its slice, or at what is still free when models loaded earlier took more of an older split.
 */
public final class DevicePool {
    /** One replica's place: its device, its share (null: an even part), its own kv-cache-memory, and the bytes it holds once loaded. */
    private record Slot(String model, String device, Double share, boolean ownBudget, long bytes) {}

    private final List<String> devices;
    private final ToLongFunction<String> deviceBudget;
    private final Map<String, Long> budgets = new HashMap<>();
    private final Map<String, List<Slot>> slots = new LinkedHashMap<>();

    /**
     * @param devices where models may run (canonical names); empty lets each model run where its
     *     ferry.properties says, else on the CPU
     * @param budget every device's KV budget: a size, or a fraction of its free memory; null for the
     *     default (90% of a GPU's free memory, 1 GiB on a CPU)
     */
    public DevicePool(List<String> devices, MemoryBudget budget) {
        this(devices, d -> LoadedModel.deviceKvBudget(budget, d));
    }

    /** With {@code deviceBudget} in place of asking the device (tests of the arithmetic). */
    DevicePool(List<String> devices, ToLongFunction<String> deviceBudget) {
        this.devices = List.copyOf(devices);
        this.deviceBudget = deviceBudget;
    }

    /** Places {@code model}'s replicas, unless they are placed already; returns their devices. */
    public synchronized List<String> reserve(String model, ServingConfig config) {
        List<Slot> mine = slots.get(model);
        if (mine == null) {
            Map<String, Integer> held = new HashMap<>();
            slots.values().forEach(list -> list.forEach(s -> held.merge(s.device(), 1, Integer::sum)));
            int replicas = config.replicas() != null ? config.replicas() : 1;
            boolean own = config.kvCacheMemory() != null;
            mine = new ArrayList<>();
            for (String d : Placement.place(replicas, allowed(config), held)) {
                mine.add(new Slot(model, d, config.kvCacheShare(), own, 0));
            }
            slots.put(model, mine);
        }
        return mine.stream().map(Slot::device).toList();
    }

    /**
     * The most KV cache replica {@code replica} of {@code model} may take: its slice of its device's
     * budget, at most what the device has free; null when the model brings its own kv-cache-memory.
     */
    public synchronized Long ceiling(String model, int replica) {
        Slot me = slots.get(model).get(replica);
        if (me.ownBudget()) {
            return null;
        }
        long total = budgets.computeIfAbsent(me.device(), deviceBudget::applyAsLong);
        List<Slot> there = onDevice(me.device());
        List<Slot> sharing = there.stream().filter(s -> !s.ownBudget()).toList();
        long[] slices = KvSplit.split(me.device(), total, sharing.stream()
                .map(s -> new KvSplit.Claim(s.model(), s.share())).toList());
        long taken = there.stream().filter(s -> s != me).mapToLong(Slot::bytes).sum();
        if (taken >= total) {
            throw new IllegalStateException("the KV budget of " + me.device() + " (" + (total >> 20)
                    + " MiB) is taken by the models loaded there; unload one, or set kv-cache-share");
        }
        return Math.min(slices[indexOf(sharing, me)], total - taken);
    }

    /** Records the bytes the replica's KV cache took, so later slices count only what is left. */
    public synchronized void loaded(String model, int replica, long bytes) {
        List<Slot> mine = slots.get(model);
        Slot s = mine.get(replica);
        mine.set(replica, new Slot(s.model(), s.device(), s.share(), s.ownBudget(), bytes));
    }

    /** Gives the model's places and memory back (it failed, or was unloaded). */
    public synchronized void release(String model) {
        slots.remove(model);
    }

    private List<String> allowed(ServingConfig config) {
        if (config.devices().isEmpty()) {
            return devices.isEmpty() ? List.of("cpu") : devices;
        }
        for (String d : config.devices()) {
            if (!devices.isEmpty() && !devices.contains(d)) {
                throw new IllegalArgumentException(ServingConfig.FILE + ": key 'device': " + d
                        + " is not one of the server's devices " + devices + " (--device)");
            }
        }
        return config.devices();
    }

    /** By identity: two unloaded replicas of one model on one device are equal records. */
    private static int indexOf(List<Slot> list, Slot slot) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == slot) {
                return i;
            }
        }
        throw new IllegalStateException("slot not on its device");
    }

    private List<Slot> onDevice(String device) {
        List<Slot> out = new ArrayList<>();
        slots.values().forEach(list -> list.stream().filter(s -> s.device().equals(device)).forEach(out::add));
        return out;
    }
}
