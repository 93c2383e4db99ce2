package dev.ferry.server.serving;

import dev.ferry.server.admission.Admission;
import dev.ferry.server.admission.AdmissionGate;
import dev.ferry.server.api.RequestHead;
import dev.ferry.server.models.ServedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses a request from its head alone (model, class, tenant, n, max_tokens) when admission would
 * refuse it whatever its prompt, before the prompt is rendered and tokenized: in a burst far beyond
 * a model's bounds the refused requests then cost little more than being read. A request the
 * response cache may answer is let through, since a replayed answer needs no admission.
 */
final class EarlyRefusal {
    private final AdmissionGate gate;
    private final boolean responseCache;

    /** @param responseCache whether a response cache answers repeated deterministic requests */
    EarlyRefusal(AdmissionGate gate, boolean responseCache) {
        this.gate = gate;
        this.responseCache = responseCache;
    }

    /** Throws the admission's refusal (RESOURCE_EXHAUSTED, reason first, retry hint) or returns. */
    void check(ServedModel model, RequestHead head) {
        // an embedding model has no generation replicas: the request's own checks refuse it by name
        if (!model.isReady() || !model.servesGeneration() || responseCache && head.mayBeCached()) {
            return;
        }
        List<Admission> replicas = new ArrayList<>(model.replicas().size());
        for (ServedModel.Instance r : model.replicas()) {
            replicas.add(r.admission());
        }
        gate.refuseEarly(replicas, head.priority(), head.choices(), head.leastCost(), head.tenant());
    }
}
