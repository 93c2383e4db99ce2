package dev.ferry.server.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementTest {
    @Test
    void replicasSpreadOverTheAllowedDevices() {
        assertEquals(List.of("gpu0", "gpu1"), Placement.place(2, List.of("gpu0", "gpu1"), Map.of()));
        assertEquals(List.of("gpu0", "gpu1", "gpu0"), Placement.place(3, List.of("gpu0", "gpu1"), Map.of()));
    }

    @Test
    void aReplicaGoesWhereTheFewestAlreadyRun() {
        assertEquals(List.of("gpu1"), Placement.place(1, List.of("gpu0", "gpu1"), Map.of("gpu0", 1)));
        assertEquals(List.of("gpu2", "gpu1"), Placement.place(2, List.of("gpu0", "gpu1", "gpu2"),
                Map.of("gpu0", 2, "gpu1", 1)));
    }

    @Test
    void severalReplicasMayShareOneDevice() {
        assertEquals(List.of("cpu", "cpu"), Placement.place(2, List.of("cpu"), Map.of("cpu", 3)));
    }
}
