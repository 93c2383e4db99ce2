package dev.ferry.engine.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ferry.engine.model.Precision;
import dev.ferry.store.config.Architecture;
import dev.ferry.store.safetensors.TensorDtype;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The dtype a model runs in when none is asked for, the word about families that overflow fp16, and bf16's place. */
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

    @Test
    void bf16IsBf16WeightsWithFp32ActivationsOnCpuAndRefusedOnGpuNamingTheSetting() {
        Precision cpu = ModelRunner.precision(TensorDtype.BF16, Device.cpu());
        assertEquals(DataType.FLOAT32, cpu.activations());
        assertTrue(cpu.bf16());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelRunner.precision(TensorDtype.BF16, GPU));
        assertTrue(e.getMessage().contains("dtype bf16 runs on the CPU only"), e::getMessage);
        assertTrue(e.getMessage().contains("not on gpu0"), e::getMessage);
        assertTrue(e.getMessage().contains("--dtype f16 (dtype=f16 in ferry.properties)"), e::getMessage);
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
