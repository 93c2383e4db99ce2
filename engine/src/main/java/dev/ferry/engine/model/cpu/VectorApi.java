package dev.ferry.engine.model.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this JVM has the incubating Vector API ({@code --add-modules jdk.incubator.vector},
 * which the launchers pass). The classes that use it ({@link AttentionKernel}, {@link
 * SwiGluKernel}) are only loaded where it is: without the module they could not even link.
 */
public final class VectorApi {
    private static final Logger LOG = LoggerFactory.getLogger(VectorApi.class);
    private static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    static {
        if (!AVAILABLE) {
            LOG.info("JVM started without --add-modules jdk.incubator.vector: small CPU steps run attention and "
                    + "the MLP activation through libtorch");
        }
    }

    private VectorApi() {}

    public static boolean available() {
        return AVAILABLE;
    }
}
