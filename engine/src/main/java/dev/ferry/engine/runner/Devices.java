package dev.ferry.engine.runner;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.ferry.store.config.ServingConfig;

/** Maps Ferry's device names ("cpu", "gpu0", "gpu(1)", "cuda:0") to DJL devices. */
public final class Devices {
    private Devices() {}

    public static Device parse(String name) {
        String d = ServingConfig.checkDevice(name);
        if (d.equals("cpu")) {
            return Device.cpu();
        }
        int id = Integer.parseInt(d.substring("gpu".length()));
        int gpus = Engine.getInstance().getGpuCount();
        if (id >= gpus) {
            throw new IllegalArgumentException("device '" + name + "' is not available: "
                    + (gpus == 0 ? "no CUDA GPU is visible to PyTorch" : "only " + gpus + " GPU(s) are visible"));
        }
        return Device.gpu(id);
    }

    /** Ferry's name of a DJL device, as {@link #parse} reads it back. */
    public static String name(Device device) {
        return device.isGpu() ? "gpu" + device.getDeviceId() : "cpu";
    }
}
