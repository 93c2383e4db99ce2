package dev.ferry.server.admission;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.serving.ApiException;
import dev.ferry.server.serving.RequestOutcome;
import java.util.function.Function;

/**
 * The last check before a request reaches an engine: the tenant's token quota (prompt plus
 * max_tokens), then the model instance's admission control (waiting bounds per priority class,
 * deadline against the estimated time to first token). A refusal is RESOURCE_EXHAUSTED with the
 * reason and a retry hint, decided in microseconds. An admitted request stops counting as waiting
 * at its first token or its end.
 */
public final class AdmissionGate {
    private final TenantQuotas quotas;

    public AdmissionGate(TenantQuotas quotas) {
        this.quotas = quotas;
    }

    /** @param submit queues the (wrapped) sink's request on the engine */
    public RequestHandle submit(Admission admission, GenerateRequest request, String tenant, TokenSink sink,
                         Function<TokenSink, RequestHandle> submit) {
        String who = RequestOutcome.tenant(tenant);
        long cost = (long) request.promptIds().length + request.maxTokens();
        try {
            quotas.acquire(who, cost);
        } catch (AdmissionRejected e) {
            throw refusal(e);
        }
        Admission.Ticket ticket;
        try {
            ticket = admission.admit(request.promptIds().length, request.priority(), request.deadlineNanos());
        } catch (AdmissionRejected e) {
            quotas.refund(who, cost); // refused (perhaps to fall back elsewhere): the tenant pays only for what runs
            throw refusal(e);
        }
        try {
            return submit.apply(new WaitingEnds(sink, ticket));
        } catch (RuntimeException e) {
            ticket.started();
            quotas.refund(who, cost);
            throw e;
        }
    }

    private static ApiException refusal(AdmissionRejected e) {
        return ApiException.exhausted(e.reason().wireName() + ": " + e.getMessage(),
                (int) Math.ceil(e.retryAfterMillis() / 1000.0));
    }

    /** Releases the admission ticket at the first token or the finish, whichever comes first. */
    private static final class WaitingEnds implements TokenSink {
        private final TokenSink delegate;
        private final Admission.Ticket ticket;

        WaitingEnds(TokenSink delegate, Admission.Ticket ticket) {
            this.delegate = delegate;
            this.ticket = ticket;
        }

        @Override
        public void onToken(TokenEvent token) {
            ticket.started();
            delegate.onToken(token);
        }

        @Override
        public void onFinish(Finish finish) {
            ticket.started();
            delegate.onFinish(finish);
        }
    }
}
