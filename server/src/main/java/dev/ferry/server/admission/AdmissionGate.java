package dev.ferry.server.admission;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.Priority;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.RequestOutcome;
import java.util.List;

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

    /**
     * Charges the tenant and admits the request to {@code admission}'s waiting requests, or refuses it.
     *
     * @param choices samples of the prompt the request asks for: each may generate max_tokens
     */
    public Pass admit(Admission admission, GenerateRequest request, int choices, String tenant) {
        String who = RequestOutcome.tenant(tenant);
        long cost = (long) request.promptIds().length + (long) choices * request.maxTokens();
        try {
            quotas.acquire(who, cost);
        } catch (AdmissionRejected e) {
            throw refusal(e);
        }
        try {
            return new Pass(admission.admit(request.promptIds().length, request.priority(), request.deadlineNanos(),
                    choices), who, cost);
        } catch (AdmissionRejected e) {
            quotas.refund(who, cost); // refused (perhaps to fall back elsewhere): the tenant pays only for what runs
            throw refusal(e);
        }
    }

    /**
     * Refuses, charging and counting nothing, a request that {@link #admit} would refuse whatever
     * its prompt: its tenant's bucket holds less than the least it can cost, or every replica's queue
     * of its class is full. Asked before the prompt is rendered and tokenized, so a burst beyond the
     * bounds costs the server little more than reading the requests; {@link #admit} still decides for
     * the requests it lets through. The refusal is the one admit would give.
     *
     * @param replicas the admission control of each replica of the request's model
     * @param leastCost the fewest tokens the request can be charged (see {@code RequestHead.leastCost})
     */
    public void refuseEarly(List<Admission> replicas, Priority priority, int choices, long leastCost, String tenant) {
        try {
            quotas.refuseIfShort(RequestOutcome.tenant(tenant), leastCost);
            AdmissionRejected full = null;
            for (Admission a : replicas) {
                try {
                    a.refuseIfFull(priority, choices);
                    return; // a replica has room
                } catch (AdmissionRejected e) {
                    full = e;
                }
            }
            if (full != null) {
                throw full;
            }
        } catch (AdmissionRejected e) {
            throw refusal(e);
        }
    }

    private static ApiException refusal(AdmissionRejected e) {
        return ApiException.exhausted(e.reason().wireName() + ": " + e.getMessage(),
                (int) Math.ceil(e.retryAfterMillis() / 1000.0));
    }

    /** An admitted request's place among the waiting ones and its tenant's charge. */
    public final class Pass {
        private final Admission.Ticket ticket;
        private final String tenant;
        private final long cost;

        private Pass(Admission.Ticket ticket, String tenant, long cost) {
            this.ticket = ticket;
            this.tenant = tenant;
            this.cost = cost;
        }

        /** The request no longer waits: its first token or its end. Idempotent and cheap, so called per token. */
        public void started() {
            ticket.started();
        }

        /** The engine did not take the request after all: it leaves the waiting ones and its tenant is refunded. */
        public void giveBack() {
            ticket.started();
            quotas.refund(tenant, cost);
        }
    }
}
