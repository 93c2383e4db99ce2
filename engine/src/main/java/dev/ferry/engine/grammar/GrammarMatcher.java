package dev.ferry.engine.grammar;

import dev.ferry.engine.api.OutputConstraint;

/** One sequence's position in a {@link TokenGrammar}: used by one thread at a time. */
public final class GrammarMatcher implements OutputConstraint.Cursor {

    private final TokenGrammar grammar;
    private ParseState state;

    GrammarMatcher(TokenGrammar grammar, ParseState state) {
        this.grammar = grammar;
        this.state = state;
    }

    @Override
    public long[] allowedTokens() {
        return grammar.allowed(state);
    }

    @Override
    public boolean accept(int token) {
        if (grammar.isEnd(token)) {
            return state.accepting;
        }
        ParseState next = grammar.after(state, token);
        if (next == ParseState.DEAD) {
            return false;
        }
        state = next;
        return true;
    }

    @Override
    public boolean isComplete() {
        return grammar.isComplete(state);
    }
}
