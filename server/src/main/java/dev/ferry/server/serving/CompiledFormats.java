package dev.ferry.server.serving;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ferry.engine.LoadedModel;
import dev.ferry.engine.api.GrammarLimits;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.server.api.ApiException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Structured-output formats compiled for the models they run on, cached: an application sends the
 * same schema with every call, and its compiled grammar keeps the token masks already worked out.
 * Compiling happens on the thread that prepares the request, never on an engine's. A format that
 * cannot be compiled is an {@link ApiException} naming its field and the part at fault; it is not cached.
 */
final class CompiledFormats {
    private static final Logger LOG = LoggerFactory.getLogger(CompiledFormats.class);
    private static final int MAX_ENTRIES = 512;

    /** A format compiled for one loaded model (its vocabulary): the model by identity. */
    private record Key(LoadedModel model, OutputFormat format) {}

    private final Cache<Key, OutputConstraint> compiled = Caffeine.newBuilder().maximumSize(MAX_ENTRIES)
            .expireAfterAccess(Duration.ofHours(1)).build();
    private final GrammarLimits limits;

    CompiledFormats(GrammarLimits limits) {
        this.limits = limits;
    }

    /** The constraint for {@code format} on {@code model}; null for free text. */
    OutputConstraint constraint(OutputFormat format, LoadedModel model) {
        if (format == null) {
            return null;
        }
        try {
            return compiled.get(new Key(model, format), k -> compile(k.format(), k.model()));
        } catch (InvalidRequestException e) {
            throw ApiException.invalid(e);
        }
    }

    private OutputConstraint compile(OutputFormat format, LoadedModel model) {
        OutputConstraint c = model.constraint(format, limits);
        if (!c.ignored().isEmpty()) {
            LOG.warn("{}: not enforced (not strict): {}", format.field(), String.join("; ", c.ignored()));
        }
        return c;
    }
}
