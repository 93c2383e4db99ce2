package dev.ferry.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The process's logging, configured in code (found by Logback through {@code META-INF/services}):
 * an XML file took Logback's XML machinery 0.3-0.9 s of every start on 2 vCPUs. Logs go to stderr,
 * since stdout carries generated text and JSON only; {@code FERRY_LOG_LEVEL} (a system property or
 * an environment variable) sets the level, INFO by default. An operator's own file
 * ({@code -Dlogback.configurationFile=...}) replaces all of it.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfiguration extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY; // an operator's own file: Logback reads it as usual
        }
        // java.util.logging (grpc-java) is bridged to SLF4J; keep JUL from formatting records nobody logs
        LevelChangePropagator jul = new LevelChangePropagator();
        jul.setContext(context);
        jul.setResetJUL(true);
        context.addListener(jul);

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(setting("FERRY_LOG_LEVEL"), Level.INFO));
        root.addAppender(stderr);
        context.getLogger("ai.djl").setLevel(Level.WARN);
        // CPU-only hosts: DJL probes for CUDA and warns on every probe
        context.getLogger("ai.djl.util.cuda").setLevel(Level.ERROR);
        // the results database's pool: its start and stop are routine, and an outage is logged once by
        // the store, not per dead connection
        context.getLogger("com.zaxxer.hikari").setLevel(Level.ERROR);
        // a client that disconnects mid-stream is routine for a streaming server, not a warning
        context.getLogger("io.grpc.netty.NettyServerHandler").setLevel(Level.ERROR);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static String setting(String name) {
        String v = System.getProperty(name);
        return v != null ? v : System.getenv(name);
    }
}
