package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Logback finds the configuration in code: logs on stderr in Ferry's pattern, DJL's chatter held back, the level from FERRY_LOG_LEVEL. */
class LogConfigurationTest {

    @Test
    void theProcessLogsToStderrThroughTheConfigurationInCode() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var appender = (ConsoleAppender<?>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        assertEquals("System.err", appender.getTarget());
        assertEquals(LogConfiguration.PATTERN, ((PatternLayoutEncoder) appender.getEncoder()).getPattern());
        assertEquals(Level.WARN, context.getLogger("ai.djl.pytorch").getEffectiveLevel());
        assertEquals(Level.ERROR, context.getLogger("ai.djl.util.cuda.CudaUtils").getEffectiveLevel());
        assertTrue(context.getLogger("dev.ferry").isInfoEnabled());
    }

    @Test
    void anOperatorsOwnFileReplacesIt() {
        System.setProperty("logback.configurationFile", "custom.xml");
        try {
            LoggerContext context = new LoggerContext();
            assertEquals(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY, new LogConfiguration().configure(context));
            assertNull(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR"));
        } finally {
            System.clearProperty("logback.configurationFile");
        }
    }

    @Test
    void ferryLogLevelSetsTheRootLevel() {
        System.setProperty("FERRY_LOG_LEVEL", "DEBUG");
        try {
            LoggerContext context = new LoggerContext();
            new LogConfiguration().configure(context);
            assertEquals(Level.DEBUG, context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
            assertEquals(Level.WARN, context.getLogger("ai.djl").getLevel());
            context.stop();
        } finally {
            System.clearProperty("FERRY_LOG_LEVEL");
        }
    }
}
