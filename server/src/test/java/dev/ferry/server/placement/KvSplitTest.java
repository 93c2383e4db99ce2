package dev.ferry.server.placement;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.placement.KvSplit.Claim;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvSplitTest {
    private static final long MIB = 1 << 20;

    @Test
    void sharesTakeTheirFractionAndTheRestSplitEvenly() {
        long[] slices = KvSplit.split("gpu0", 1000 * MIB, List.of(new Claim("large", 0.5), new Claim("a", null),
                new Claim("small", 0.2), new Claim("b", null)));
        assertArrayEquals(new long[] {500 * MIB, 150 * MIB, 200 * MIB, 150 * MIB}, slices);
    }

    @Test
    void withoutSharesTheBudgetSplitsEvenly() {
        assertArrayEquals(new long[] {4 * MIB, 4 * MIB, 4 * MIB},
                KvSplit.split("cpu", 12 * MIB, List.of(new Claim("a", null), new Claim("b", null), new Claim("c", null))));
        assertArrayEquals(new long[] {12 * MIB}, KvSplit.split("cpu", 12 * MIB, List.of(new Claim("a", null))));
    }

    @Test
    void sharesThatAddUpToOneAreWholeDespiteRounding() {
        long[] slices = KvSplit.split("cpu", 10 * MIB, List.of(new Claim("a", 0.7), new Claim("b", 0.2),
                new Claim("c", 0.1)));
        assertArrayEquals(new long[] {7 * MIB, 2 * MIB, MIB}, slices);
    }

    @Test
    void sharesBeyondTheBudgetAreRefusedNamingTheModels() {
        var e = assertThrows(IllegalArgumentException.class, () -> KvSplit.split("gpu1", MIB,
                List.of(new Claim("large", 0.8), new Claim("small", 0.4))));
        assertTrue(e.getMessage().contains("gpu1") && e.getMessage().contains("1.2")
                && e.getMessage().contains("large 0.8") && e.getMessage().contains("small 0.4"), e.getMessage());
    }

    @Test
    void sharesLeavingNothingForTheOthersAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> KvSplit.split("cpu", MIB,
                List.of(new Claim("large", 1.0), new Claim("small", null))));
        assertTrue(e.getMessage().contains("small (no share)"), e.getMessage());
    }
}
