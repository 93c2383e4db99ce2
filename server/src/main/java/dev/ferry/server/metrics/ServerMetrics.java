package dev.ferry.server.metrics;

import dev.ferry.engine.api.Usage;
import dev.ferry.server.api.RequestListener;
import dev.ferry.server.api.RequestOutcome;
import dev.ferry.server.cache.ResponseCache;
import dev.ferry.server.cache.ResultsStore;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.routing.ShadowResult;
import dev.ferry.server.routing.Shadows;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's own figures beside the engines': requests refused, tokens per tenant, the response
 * cache, SLOs, anomalies; and the request log. It hears every request's end from the serving core (as its
 * {@link RequestListener}) and exports for Prometheus at scrape time. Route decisions will come
 * with the router.
 */
public final class ServerMetrics implements RequestListener, Shadows.Log, MultiCollector, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerMetrics.class);

    private final Rejections rejections = new Rejections();
    private final TenantTokens tenants = new TenantTokens();
    private final RequestLog requestLog;
    private final ResponseCache responses;
    private final ResultsStore results;
    private final SloMonitor slos;
    private final AnomalyMonitor anomalies;

    private ServerMetrics(RequestLog requestLog, ResponseCache responses, ResultsStore results, SloMonitor slos,
                          AnomalyMonitor anomalies) {
        this.requestLog = requestLog;
        this.responses = responses;
        this.results = results;
        this.slos = slos;
        this.anomalies = anomalies;
    }

    /** Counts what it hears; no request log, response cache or SLOs. */
    public static ServerMetrics countingOnly() {
        return new ServerMetrics(null, null, null, null, null);
    }

    /**
     * Starts checking the SLOs of {@code registry}'s models, and watching them for anomalies unless that is
     * off (daemon threads, until {@link #close()}).
     *
     * @param responses the response cache to report on; null for none
     * @param results the results database behind the caches; null for none
     */
    public static ServerMetrics start(ModelRegistry registry, Observability options, ResponseCache responses,
                                      ResultsStore results) {
        return new ServerMetrics(options.requestLog() ? new RequestLog() : null, responses, results,
                SloMonitor.start(registry, options.slo()),
                options.anomalies().enabled() ? AnomalyMonitor.start(registry, options.anomalies()) : null);
    }

    @Override
    public void ended(RequestOutcome outcome) {
        try {
            if (outcome instanceof RequestOutcome.Finished f) {
                Usage u = f.finish().usage();
                tenants.add(f.model(), f.tenant(), u.promptTokens(), u.completionTokens());
            } else {
                RequestOutcome.Refused r = (RequestOutcome.Refused) outcome;
                rejections.count(r.model(), r.status(), r.refusalNanos());
            }
            if (requestLog != null) {
                requestLog.write(outcome);
            }
        } catch (RuntimeException e) { // accounting must never break a request
            LOG.warn("request {} could not be accounted", outcome.requestId(), e);
        }
    }

    /** Writes a shadow evaluation to the request log, when it is on. */
    @Override
    public void shadowed(String requestId, String bucket, ShadowResult result) {
        try {
            if (requestLog != null) {
                requestLog.write(requestId, bucket, result);
            }
        } catch (RuntimeException e) {
            LOG.warn("shadow of request {} could not be logged", requestId, e);
        }
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        out.addAll(rejections.snapshots());
        out.addAll(tenants.snapshots());
        if (responses != null) {
            out.addAll(responseCache(responses.stats()));
        }
        if (results != null) {
            out.addAll(CacheLevels.resultsStore(results.stats()));
        }
        if (slos != null) {
            out.addAll(slos.snapshots());
        }
        if (anomalies != null) {
            out.addAll(anomalies.snapshots());
        }
        return new MetricSnapshots(out);
    }

    private static List<MetricSnapshot> responseCache(ResponseCache.Stats s) {
        long hits = s.levels().allHits();
        long lookups = hits + s.misses();
        return List.of(
                Snapshots.counter("ferry_response_cache_hits", "Deterministic requests answered from the response cache, "
                        + "by level (l1 in-process, l2 Redis, l3 results database)", CacheLevels.perLevel(s.levels().hits())),
                Snapshots.counter("ferry_response_cache_level_misses", "Response-cache lookups that reached a level and "
                        + "found nothing there", CacheLevels.perLevel(s.levels().misses())),
                Snapshots.latency("ferry_response_cache_hit_seconds", "Start of the lookup to the answer found, by the "
                        + "level that held it", CacheLevels.perLevel(s.levels().hitMicros()), ClassicBuckets.LOOKUP_SECONDS),
                Snapshots.counter("ferry_response_cache_misses", "Response-cache lookups that found nothing",
                        Map.of(Labels.EMPTY, s.misses())),
                Snapshots.counter("ferry_response_cache_stores", "Answers stored in the response cache",
                        Map.of(Labels.EMPTY, s.stores())),
                Snapshots.gauge("ferry_response_cache_hit_ratio", "Fraction of response-cache lookups that hit",
                        Map.of(Labels.EMPTY, lookups == 0 ? 0 : (double) hits / lookups)),
                Snapshots.gauge("ferry_response_cache_bytes", "Heap the in-process response cache holds (estimated)",
                        Map.of(Labels.EMPTY, s.l1Bytes())),
                Snapshots.gauge("ferry_redis_up", "1 while the response cache's Redis answers",
                        Map.of(Labels.EMPTY, s.redisUp() ? 1 : 0)),
                Snapshots.counter("ferry_redis_errors", "Response-cache Redis calls that failed or timed out",
                        Map.of(Labels.EMPTY, s.redisErrors())));
    }

    @Override
    public void close() {
        if (slos != null) {
            slos.close();
        }
        if (anomalies != null) {
            anomalies.close();
        }
    }
}
