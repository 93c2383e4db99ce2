package dev.ferry.server.admission;

import java.util.Locale;

/** Why admission refused a request; the wire name labels metrics and error messages. */
public enum RejectReason {
    /** Too many requests of the class are waiting for their first token. */
    QUEUE_FULL,
    /** Too many prompt tokens are waiting to be prefilled. */
    WAITING_TOKENS,
    /** The estimated time to first token is beyond the request's deadline. */
    DEADLINE,
    /** The estimated time to first token is beyond the server's bound on it. */
    TTFT_BOUND,
    /** The tenant has used its token budget for now. */
    TENANT_QUOTA;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
