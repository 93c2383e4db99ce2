package dev.ferry.engine.grammar;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The states a grammar's matching can reach, computed as asked for: the start, and the state after
 * a byte. States are interned (one object per distinct state) up to {@link #MAX_INTERNED}, so that
 * each can cache its transitions and a token grammar can cache its mask; past that, new states are
 * still correct but are computed each time. Safe for any number of threads.
 */
final class ParseStates {

    /** The most states kept per grammar: each costs its stacks and a transition table. */
    static final int MAX_INTERNED = 1 << 15;

    private final ByteRules rules;
    private final int maxStackDepth;
    private final int[] classOf;
    private final int classCount;
    /** One byte of each class. */
    private final int[] representatives;
    private final ConcurrentHashMap<ParseState, ParseState> interned = new ConcurrentHashMap<>();
    private final ParseState start;

    ParseStates(ByteRules rules, int maxStackDepth) {
        this.rules = rules;
        this.maxStackDepth = maxStackDepth;
        ByteClasses classes = ByteClasses.of(rules.byteSetWords());
        this.classOf = classes.table();
        this.classCount = classes.count();
        this.representatives = new int[classCount];
        for (int c = 0; c < classCount; c++) {
            representatives[c] = classes.representative(c);
        }
        Expansion x = new Expansion(rules, maxStackDepth);
        x.enter(rules.root(), null);
        this.start = intern(x.finish());
    }

    ParseState start() {
        return start;
    }

    /** The state after byte {@code b} (0..255), or {@link ParseState#DEAD}. */
    ParseState next(ParseState from, int b) {
        int c = classOf[b];
        if (from.next != null) {
            ParseState known = from.next[c];
            if (known != null) {
                return known;
            }
        }
        Expansion x = new Expansion(rules, maxStackDepth);
        for (Frame top : from.stacks) {
            if (rules.matches(top.position, b)) {
                x.advance(top);
            }
        }
        ParseState to = intern(x.finish());
        // Only links between interned states are kept, so that the uncached states past the cap
        // are never held by the cache and memory stays bounded.
        if (from.next != null && (to.isCached() || to == ParseState.DEAD)) {
            from.next[c] = to;
        }
        return to;
    }

    /** Byte {@code b}'s class: bytes of one class lead every state to the same next state. */
    int[] classTable() {
        return classOf.clone();
    }

    /** Accepting, and no byte leads on: the text is complete. */
    boolean isComplete(ParseState s) {
        if (!s.accepting) {
            return false;
        }
        for (int b : representatives) {
            if (next(s, b) != ParseState.DEAD) {
                return false;
            }
        }
        return true;
    }

    private ParseState intern(ParseState s) {
        if (s.stacks.length == 0 && !s.accepting) {
            return ParseState.DEAD;
        }
        ParseState known = interned.get(s);
        if (known != null) {
            return known;
        }
        if (interned.size() >= MAX_INTERNED) {
            return s;
        }
        ParseState cached = s.cacheable(classCount);
        known = interned.putIfAbsent(cached, cached);
        return known != null ? known : cached;
    }
}
