package dev.ferry.engine.grammar;

import java.util.Arrays;

/**
 * Where matching stands after some text: the parse stacks still alive, in canonical order (so equal
 * states are equal objects once interned), and whether the text so far is complete (some stack has
 * emptied). Immutable apart from its transition cache, which only an interned state has.
 */
final class ParseState {

    /** No stack alive, not accepting: the text so far cannot be continued or ended. */
    static final ParseState DEAD = new ParseState(new Frame[0], false, null);

    /** Sorted, no two equal. */
    final Frame[] stacks;
    final boolean accepting;
    /**
     * The state after each byte class, filled as asked for (null: not yet known), or null when this
     * state is not interned. Written without locks: two threads that race compute the same state,
     * and a state's fields are final, so any reference read here is a complete state.
     */
    final ParseState[] next;
    private final int hash;

    ParseState(Frame[] stacks, boolean accepting, ParseState[] next) {
        this.stacks = stacks;
        this.accepting = accepting;
        this.next = next;
        this.hash = Arrays.hashCode(stacks) * 2 + (accepting ? 1 : 0);
    }

    /** The same state with a transition cache of {@code classCount} entries, to be interned. */
    ParseState cacheable(int classCount) {
        return new ParseState(stacks, accepting, new ParseState[classCount]);
    }

    boolean isCached() {
        return next != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParseState s && s.hash == hash && s.accepting == accepting && Arrays.equals(s.stacks, stacks);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
