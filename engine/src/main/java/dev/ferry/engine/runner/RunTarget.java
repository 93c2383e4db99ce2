package dev.ferry.engine.runner;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.model.Precision;
import dev.ferry.store.config.Architecture;
import dev.ferry.store.config.Quantization;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.safetensors.TensorDtype;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a model runs and in which dtypes, as decided for every kind of model alike: the load
 * options, else the folder's {@code ferry.properties}, else the CPU in fp32 (fp16 on a GPU, but
 * fp32 for a family whose activations overflow fp16), and whether dense layers are quantized.
 *
 * @param requested the dtype asked for (fp16 on a CPU still computes activations in fp32)
 */
public record RunTarget(Device device, TensorDtype requested, Precision precision) {
    private static final Logger LOG = LoggerFactory.getLogger(RunTarget.class);

    public static RunTarget of(LoadOptions options, ServingConfig serving, Architecture architecture) {
        String deviceName = options.device() != null ? options.device()
                : !serving.devices().isEmpty() ? serving.devices().get(0) : "cpu";
        Device device = Devices.parse(deviceName);
        TensorDtype requested = dtype(options.dtype() != null ? options.dtype() : serving.dtype(), architecture, device);
        Quantization quantize = options.quantize() != null ? options.quantize() : serving.quantize();
        Precision precision = ModelRunner.precision(requested, device);
        return new RunTarget(device, requested, quantize == null ? precision : quantized(quantize, precision, device));
    }

    /**
     * The precision of an int8 model: fp32 activations, weights quantized from the dtype they are
     * read in. Refused on a GPU rather than dequantized there: Ferry's int8 kernels are CPU kernels,
     * and a GPU runs fp16 weights at its memory's speed already.
     */
    static Precision quantized(Quantization quantize, Precision precision, Device device) {
        if (device.isGpu()) {
            throw new IllegalArgumentException("quantize " + quantize.userName() + " runs on the CPU only (Ferry's int8 "
                    + "kernels are CPU kernels), not on " + Devices.name(device) + ": drop --quantize / quantize= there, "
                    + "or load the model on cpu");
        }
        if (precision.activations() != DataType.FLOAT32) {
            throw new IllegalArgumentException("quantize " + quantize.userName() + " needs fp32 activations: dtype f32, "
                    + "f16 or bf16, not " + precision.activations());
        }
        return Precision.int8Weights();
    }

    /**
     * The dtype a model runs in: the one asked for (null: none), else the device's default. fp16
     * activations (fp16 on a GPU) of a family known to overflow them are logged: a warning when
     * asked for, and the default becomes fp32.
     */
    static TensorDtype dtype(TensorDtype asked, Architecture architecture, Device device) {
        boolean overflows = device.isGpu() && architecture.overflowsFloat16();
        if (asked == TensorDtype.F16 && overflows) {
            LOG.warn("{} runs in f16 on {} as asked, but its activations overflow float16 (inf/NaN logits, "
                    + "garbage text): run it in f32 (--dtype f32, or dtype=f32 in ferry.properties)",
                    architecture.hfClass(), Devices.name(device));
        }
        if (asked != null) {
            return asked;
        }
        if (overflows) {
            LOG.info("{} runs in f32 on {}, not the GPU default f16: its activations overflow float16 "
                    + "(--dtype f16 forces it)", architecture.hfClass(), Devices.name(device));
            return TensorDtype.F32;
        }
        return device.isGpu() ? TensorDtype.F16 : TensorDtype.F32;
    }
}
