package dev.ferry.engine.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One step of the matcher: expands parse stacks, entering rules and returning from ended ones,
 * until every stack's top is a byte set or the stack is empty (the text may end here). A frame that
 * would return to the end of an alternative is not pushed (a tail call), so right recursion does
 * not deepen a stack. Each (position, stack) item is expanded once, which also ends expansion
 * around a repetition whose body may match nothing. A path deeper than the stack limit is dropped,
 * and so is what passes the caps on items and stacks: such text is not generated, and what is
 * generated still matches.
 */
final class Expansion {

    /** The most parse stacks one state keeps. */
    static final int MAX_STACKS = 4096;
    /** The most items one step expands. */
    static final int MAX_ITEMS = 65_536;

    private final ByteRules rules;
    private final int maxStackDepth;
    private final Set<Frame> seen = new HashSet<>();
    private final List<Frame> todo = new ArrayList<>();
    private final List<Frame> tops = new ArrayList<>();
    private boolean accepting;

    Expansion(ByteRules rules, int maxStackDepth) {
        this.rules = rules;
        this.maxStackDepth = maxStackDepth;
    }

    /** Starts every alternative of {@code rule} on top of {@code below}. */
    void enter(int rule, Frame below) {
        for (int a = 0; a < rules.alternativeCount(rule); a++) {
            add(rules.alternativeStart(rule, a), below);
        }
    }

    /** Continues a stack whose top byte set has just taken a byte. */
    void advance(Frame top) {
        add(top.position + 1, top.below);
    }

    private void add(int position, Frame below) {
        if (below != null && below.depth >= maxStackDepth || seen.size() >= MAX_ITEMS) {
            return;
        }
        Frame item = new Frame(position, below);
        if (seen.add(item)) {
            todo.add(item);
        }
    }

    /** Expands everything added; the stacks (in canonical order) and acceptance it reached, not yet interned. */
    ParseState finish() {
        while (!todo.isEmpty()) {
            Frame item = todo.remove(todo.size() - 1);
            int p = item.position;
            if (rules.isEnd(p)) {
                if (item.below == null) {
                    accepting = true;
                } else {
                    add(item.below.position, item.below.below);
                }
            } else if (rules.isBytes(p)) {
                if (!rules.isEmptySet(p) && tops.size() < MAX_STACKS) {
                    tops.add(item);
                }
            } else {
                enter(rules.ruleAt(p), rules.isEnd(p + 1) ? item.below : new Frame(p + 1, item.below));
            }
        }
        Frame[] stacks = tops.toArray(new Frame[0]);
        Arrays.sort(stacks);
        return new ParseState(stacks, accepting, null);
    }
}
