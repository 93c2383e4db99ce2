package dev.ferry.engine.sched;

/** One sequence's share of a step: its next {@code numTokens} uncomputed tokens. */
public record Scheduled(Sequence sequence, int numTokens) {}
