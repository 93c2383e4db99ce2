package dev.ferry.server.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.config.ServingConfig;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Placement and KV slices of the served pool, without loading anything. */
class DevicePoolTest {
    private static final long MIB = 1 << 20;

    private static ServingConfig config(String properties) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(properties));
        return ServingConfig.parse(p);
    }

    @Test
    void replicasSpreadOverTheServersDevices() throws IOException {
        DevicePool pool = new DevicePool(List.of("gpu0", "gpu1"), d -> 100 * MIB);
        assertEquals(List.of("gpu0", "gpu1"), pool.reserve("large", config("replicas=2")));
        assertEquals(List.of("gpu0"), pool.reserve("small", config("")));
        assertEquals(List.of("gpu1"), pool.reserve("next", config("")));
        assertEquals(List.of("gpu1"), pool.reserve("pinned", config("device=cuda:1")));
        assertEquals(List.of("gpu0"), pool.reserve("small", config("device=gpu1")), "placed once, kept");
    }

    @Test
    void aDeviceTheServerDoesNotUseIsRefusedNamingTheKey() {
        DevicePool pool = new DevicePool(List.of("gpu0"), d -> 100 * MIB);
        var e = assertThrows(IllegalArgumentException.class, () -> pool.reserve("m", config("device=gpu0,gpu2")));
        assertTrue(e.getMessage().contains("key 'device'") && e.getMessage().contains("gpu2")
                && e.getMessage().contains("--device"), e.getMessage());
    }

    @Test
    void withoutServerDevicesAModelRunsWhereItsPropertiesSayElseOnTheCpu() throws IOException {
        DevicePool pool = new DevicePool(List.of(), d -> 100 * MIB);
        assertEquals(List.of("gpu1", "gpu1"), pool.reserve("a", config("device=gpu1\nreplicas=2")));
        assertEquals(List.of("cpu"), pool.reserve("b", config("")));
    }

    @Test
    void sharesSplitTheDeviceBudgetAndTheRestGoesEvenly() throws IOException {
        DevicePool pool = new DevicePool(List.of("cpu"), d -> 100 * MIB);
        pool.reserve("half", config("kv-cache-share=0.5"));
        pool.reserve("quarter", config("kv-cache-share=0.25"));
        pool.reserve("x", config(""));
        pool.reserve("y", config(""));
        assertEquals(50 * MIB, pool.ceiling("half", 0));
        assertEquals(25 * MIB, pool.ceiling("quarter", 0));
        assertEquals(25 * MIB / 2, pool.ceiling("x", 0));
        assertEquals(25 * MIB / 2, pool.ceiling("y", 0));
    }

    @Test
    void aModelWithItsOwnKvBudgetStaysOutOfTheSplitButCountsAsTaken() throws IOException {
        DevicePool pool = new DevicePool(List.of("cpu"), d -> 100 * MIB);
        pool.reserve("own", config("kv-cache-memory=30MiB"));
        pool.reserve("other", config(""));
        assertNull(pool.ceiling("own", 0));
        pool.loaded("own", 0, 30 * MIB);
        assertEquals(70 * MIB, pool.ceiling("other", 0));
    }

    @Test
    void aModelLoadedLaterGetsWhatIsFreeUntilTheOthersLeave() throws IOException {
        DevicePool pool = new DevicePool(List.of("cpu"), d -> 100 * MIB);
        pool.reserve("first", config(""));
        assertEquals(100 * MIB, pool.ceiling("first", 0));
        pool.loaded("first", 0, 80 * MIB);
        pool.reserve("hot", config(""));
        assertEquals(20 * MIB, pool.ceiling("hot", 0), "an even half, but only 20 MiB are free");
        pool.release("first");
        assertEquals(100 * MIB, pool.ceiling("hot", 0));
    }

    @Test
    void sharesBeyondTheBudgetAreRefused() throws IOException {
        DevicePool pool = new DevicePool(List.of("cpu"), d -> 100 * MIB);
        pool.reserve("greedy", config("kv-cache-share=1"));
        pool.reserve("late", config("kv-cache-share=0.5"));
        var e = assertThrows(IllegalArgumentException.class, () -> pool.ceiling("late", 0));
        assertTrue(e.getMessage().contains("adds up to 1.5"), e.getMessage());
    }

    @Test
    void aFullDeviceRefusesANewModel() throws IOException {
        DevicePool pool = new DevicePool(List.of("cpu"), d -> 100 * MIB);
        pool.reserve("own", config("kv-cache-memory=100MiB"));
        pool.loaded("own", 0, 100 * MIB);
        pool.reserve("late", config(""));
        var e = assertThrows(IllegalStateException.class, () -> pool.ceiling("late", 0));
        assertTrue(e.getMessage().contains("KV budget of cpu (100 MiB) is taken"), e.getMessage());
    }
}
