package dev.ferry.engine.api;

/** Scheduling class: interactive requests are admitted first and preempted last. */
public enum Priority {
    INTERACTIVE,
    BATCH
}
