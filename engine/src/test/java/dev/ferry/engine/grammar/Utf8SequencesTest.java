package dev.ferry.engine.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Byte-range sequences spell exactly the UTF-8 encodings of a set's code points; sets never hold surrogates. */
class Utf8SequencesTest {

    @Test
    void sequencesSpellExactlyTheSetsEncodings() {
        Random rnd = new Random(2);
        List<CodePointSet> sets = new java.util.ArrayList<>(List.of(
                CodePointSet.ALL,
                CodePointSet.of('"', '"', '\\', '\\', 0, 0x1F).negate(),
                CodePointSet.of(0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0xD7FF, 0xE000, 0x10FFFF, 0x10FFFF),
                CodePointSet.of(0x3B1, 0x3C9, 0x4E00, 0x9FFF, 0x1F600, 0x1F64F)));
        for (int i = 0; i < 6; i++) {
            int[] pairs = new int[2 * (1 + rnd.nextInt(4))];
            for (int k = 0; k < pairs.length; k += 2) {
                int lo = rnd.nextInt(CodePointSet.MAX_CODE_POINT + 1);
                pairs[k] = lo;
                pairs[k + 1] = Math.min(CodePointSet.MAX_CODE_POINT, lo + rnd.nextInt(rnd.nextBoolean() ? 300 : 200_000));
            }
            sets.add(CodePointSet.of(pairs));
        }
        for (CodePointSet set : sets) {
            BitSet spelled = new BitSet();
            for (int[] seq : Utf8Sequences.of(set)) {
                spell(seq, new byte[seq.length / 2], 0, set, spelled);
            }
            int members = 0;
            for (int r = 0; r < set.rangeCount(); r++) {
                members += set.hi(r) - set.lo(r) + 1;
            }
            assertEquals(members, spelled.cardinality());
        }
    }

    /** Every byte string of {@code seq} decodes to one member, and no member is spelled twice. */
    private static void spell(int[] seq, byte[] bytes, int at, CodePointSet set, BitSet spelled) {
        if (at == bytes.length) {
            int cp = decode(bytes);
            if (!set.contains(cp) || spelled.get(cp)) {
                throw new AssertionError(Integer.toHexString(cp) + (spelled.get(cp) ? " spelled twice" : " not in the set"));
            }
            spelled.set(cp);
            return;
        }
        for (int b = seq[2 * at]; b <= seq[2 * at + 1]; b++) {
            bytes[at] = (byte) b;
            spell(seq, bytes, at + 1, set, spelled);
        }
    }

    /** Strict UTF-8: a malformed sequence or an encoded surrogate decodes to U+FFFD, which does not encode back the same. */
    private static int decode(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        if (s.codePointCount(0, s.length()) != 1 || !Arrays.equals(bytes, s.getBytes(StandardCharsets.UTF_8))) {
            throw new AssertionError("malformed UTF-8: " + Arrays.toString(bytes));
        }
        return s.codePointAt(0);
    }

    @Test
    void setsAreCanonicalAndSkipSurrogates() {
        assertEquals(CodePointSet.of('a', 'c', 'd', 'f'), CodePointSet.of('a', 'f'));
        assertEquals(CodePointSet.of('e', 'f', 'a', 'c', 'b', 'd'), CodePointSet.of('a', 'f'));
        assertEquals(CodePointSet.of(0xD000, 0xDFFF), CodePointSet.of(0xD000, 0xD7FF));
        assertTrue(CodePointSet.of(0xD800, 0xDFFF).isEmpty());
        assertFalse(CodePointSet.ALL.contains(0xDC00));
        assertEquals(CodePointSet.ALL.rangeCount(), 2);
        assertEquals(CodePointSet.of('a', 'z'), CodePointSet.of('a', 'z').negate().negate());
        assertEquals(CodePointSet.of('a', 'c', 'x', 'z'), CodePointSet.of('a', 'z').minus(CodePointSet.of('d', 'w')));
        assertTrue(CodePointSet.of(0, 0x7F).isAscii());
        assertFalse(CodePointSet.of(0, 0x80).isAscii());
    }
}
