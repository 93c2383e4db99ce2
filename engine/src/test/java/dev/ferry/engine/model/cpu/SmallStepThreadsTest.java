package dev.ferry.engine.model.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

class SmallStepThreadsTest {

    @Test
    void aSmallCpuStepRunsOnOneThreadAndTheTeamComesBackAfter() {
        Engine.getEngine("PyTorch"); // loads the natives
        assumeTrue(OpenBlas.available() && OpenBlas.SPLIT, "needs OpenBLAS and OMP_WAIT_POLICY=PASSIVE on 2+ cores");
        int team = JniUtils.getNumThreads();
        assumeTrue(team > 1, "libtorch runs on one thread here anyway");
        try (SmallStepThreads t = SmallStepThreads.forStep(SmallStepThreads.MAX_TOKENS, Device.cpu())) {
            assertEquals(1, JniUtils.getNumThreads());
        }
        assertEquals(team, JniUtils.getNumThreads());
        try (SmallStepThreads t = SmallStepThreads.forStep(SmallStepThreads.MAX_TOKENS + 1, Device.cpu())) {
            assertEquals(team, JniUtils.getNumThreads());
        }
        try (SmallStepThreads t = SmallStepThreads.forStep(1, Device.gpu())) {
            assertEquals(team, JniUtils.getNumThreads()); // only CPU steps: the device does the work
        }
    }
}
