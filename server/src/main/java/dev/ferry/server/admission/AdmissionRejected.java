package dev.ferry.server.admission;

/** A request refused before it reaches the engine, with the reason and when a retry may succeed. */
public final class AdmissionRejected extends RuntimeException {
    private final RejectReason reason;
    private final long retryAfterMillis;

    public AdmissionRejected(RejectReason reason, String message, long retryAfterMillis) {
        super(message, null, false, false); // refusals are routine under overload: no stack trace to fill
        this.reason = reason;
        this.retryAfterMillis = Math.max(0, retryAfterMillis);
    }

    public RejectReason reason() {
        return reason;
    }

    /** 0 when retrying cannot help (the request can never fit). */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
