package dev.ferry.engine.grammar;

/**
 * One frame of a parse stack: a position in the {@link ByteRules} and the frame beneath it. Frames
 * are immutable and shared between stacks; the top frame's position is a byte set (the next byte
 * the stack can take), each frame beneath holds where to continue once the rule above it ends.
 * Equality is structural, so two stacks that were built apart but hold the same positions are equal.
 */
final class Frame implements Comparable<Frame> {

    final int position;
    /** Null at the bottom of the stack. */
    final Frame below;
    /** The number of frames from this one down, this one included. */
    final int depth;
    private final int hash;

    Frame(int position, Frame below) {
        this.position = position;
        this.below = below;
        this.depth = below == null ? 1 : below.depth + 1;
        this.hash = (below == null ? 0 : below.hash * 0x9E3779B1) + position * 31 + depth;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Frame)) {
            return false;
        }
        Frame a = this;
        Frame b = (Frame) o;
        while (a != b) {
            if (a == null || b == null || a.hash != b.hash || a.position != b.position) {
                return false;
            }
            a = a.below;
            b = b.below;
        }
        return true;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** Top position first, then the frames beneath: a total order, so a set of stacks has one canonical order. */
    @Override
    public int compareTo(Frame o) {
        Frame a = this;
        Frame b = o;
        while (a != b) {
            if (a == null || b == null) {
                return a == null ? -1 : 1;
            }
            if (a.position != b.position) {
                return Integer.compare(a.position, b.position);
            }
            a = a.below;
            b = b.below;
        }
        return 0;
    }
}
