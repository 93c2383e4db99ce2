package dev.ferry.engine.runner;

import ai.djl.Device;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.model.Precision;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.safetensors.TensorDtype;

/**
 * Where a model runs and in which dtypes, as decided for every kind of model alike: the load
 * options, else the folder's {@code ferry.properties}, else the CPU in fp32 (fp16 on a GPU).
 *
 * @param requested the dtype asked for (fp16 on a CPU still computes activations in fp32)
 */
public record RunTarget(Device device, TensorDtype requested, Precision precision) {

    public static RunTarget of(LoadOptions options, ServingConfig serving) {
        String deviceName = options.device() != null ? options.device()
                : !serving.devices().isEmpty() ? serving.devices().get(0) : "cpu";
        Device device = Devices.parse(deviceName);
        TensorDtype requested = options.dtype() != null ? options.dtype()
                : serving.dtype() != null ? serving.dtype()
                : device.isGpu() ? TensorDtype.F16 : TensorDtype.F32;
        return new RunTarget(device, requested, ModelRunner.precision(requested, device));
    }
}
