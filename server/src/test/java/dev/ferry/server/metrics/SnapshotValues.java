package dev.ferry.server.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;

/** Reads one gauge's or counter's value out of a monitor's snapshots, for the monitors' tests. */
final class SnapshotValues {
    private SnapshotValues() {}

    /** The value of {@code name} (a counter without its _total) for {@code model} whose {@code label} is {@code value}. */
    static double value(List<MetricSnapshot> snapshots, String name, String model, String label, String value) {
        for (MetricSnapshot s : snapshots) {
            if (!s.getMetadata().getName().equals(name)) {
                continue;
            }
            for (DataPointSnapshot p : s.getDataPoints()) {
                if (value.equals(p.getLabels().get(label)) && model.equals(p.getLabels().get("model"))) {
                    return p instanceof GaugeDataPointSnapshot g ? g.getValue() : ((CounterDataPointSnapshot) p).getValue();
                }
            }
        }
        throw new AssertionError("no " + name + " for " + label + "=" + value);
    }
}
