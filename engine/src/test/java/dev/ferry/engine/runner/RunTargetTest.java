package dev.ferry.engine.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ferry.store.config.Architecture;
import dev.ferry.store.safetensors.TensorDtype;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The dtype a model runs in when none is asked for, and the word about families that overflow fp16. */
class RunTargetTest {
    private static final Device GPU = Device.gpu(0);  // a name only: nothing here touches CUDA

    @Test
    void defaultsAreF32OnCpuAndF16OnGpu() {
        assertEquals(TensorDtype.F32, RunTarget.dtype(null, Architecture.LLAMA, Device.cpu()));
        assertEquals(TensorDtype.F16, RunTarget.dtype(null, Architecture.QWEN3, GPU));
    }

    @Test
    void gemma3DefaultsToF32OnGpuAndSaysHowToForceF16() {
        List<ILoggingEvent> log = logged(() -> RunTarget.dtype(null, Architecture.GEMMA3, GPU), TensorDtype.F32);
        assertEquals(Level.INFO, log.get(0).getLevel());
        assertTrue(log.get(0).getFormattedMessage().contains("Gemma3ForCausalLM runs in f32 on gpu0"), log::toString);
        assertTrue(log.get(0).getFormattedMessage().contains("--dtype f16"), log::toString);
    }

    @Test
    void gemma3AskedInF16OnGpuRunsSoWithAWarningNamingTheFix() {
        List<ILoggingEvent> log = logged(() -> RunTarget.dtype(TensorDtype.F16, Architecture.GEMMA3, GPU), TensorDtype.F16);
        assertEquals(Level.WARN, log.get(0).getLevel());
        assertTrue(log.get(0).getFormattedMessage().contains("overflow float16"), log::toString);
        assertTrue(log.get(0).getFormattedMessage().contains("dtype=f32 in ferry.properties"), log::toString);
    }

    @Test
    void nothingIsSaidWhereActivationsStayFp32OrTheFamilyFitsFp16() {
        // fp16 on a CPU is fp16 weights with fp32 activations
        assertEquals(List.of(), logged(() -> RunTarget.dtype(TensorDtype.F16, Architecture.GEMMA3, Device.cpu()),
                TensorDtype.F16));
        assertEquals(List.of(), logged(() -> RunTarget.dtype(null, Architecture.GEMMA3, Device.cpu()), TensorDtype.F32));
        assertEquals(List.of(), logged(() -> RunTarget.dtype(TensorDtype.F16, Architecture.LLAMA, GPU), TensorDtype.F16));
    }

    /** What RunTarget logs while {@code choice} runs, after checking the dtype it chose. */
    private static List<ILoggingEvent> logged(Supplier<TensorDtype> choice, TensorDtype expected) {
        Logger logger = (Logger) LoggerFactory.getLogger(RunTarget.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            assertEquals(expected, choice.get());
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list;
    }
}
