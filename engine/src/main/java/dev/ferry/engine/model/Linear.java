package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.engine.model.cpu.HostProduct;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A dense layer {@code y = x W^T + b} that may hold its weight in several physical forms and picks
 * one per batch size. Through DJL on a CPU the fastest form depends on the shape and on the number
 * of rows (a contiguous {@code [in, out]} copy wins for large matrices at one row, {@code linear}
 * on {@code [out, in]} at many; at one row OpenBLAS's GEMV beats both and Ferry's native kernel
 * beats OpenBLAS; fp16 and bf16 weights halve the bytes a small batch reads, int8 weights quarter
 * them). {@link LinearTuner} measures and sets the choice at load time; the host forms run through
 * {@link HostProduct}. An int8 or bf16 layer is narrowed once, at construction, and keeps no fp32
 * weight; a bf16 one keeps its bits outside DJL, which aborts on bfloat16 arrays. The tuner's
 * calls ({@link #supports}, {@link #apply(NDArray, Form)}, {@link #choose}) are public for the
 * kernel tests, which check every form against the others.
 */
public final class Linear {
    /** Physical forms of the weight. */
    public enum Form {
        /** {@code linear(x, W[out, in])} in the activation dtype. */
        OUT_IN,
        /** {@code x.matMul(W[in, out])} on a contiguous transposed copy. */
        IN_OUT,
        /** {@code linear(x16, W16[out, in])}, x cast to fp16 and the result back: fp16 weights, fp32 activations. */
        HALF_OUT_IN,
        /** OpenBLAS on the fp32 {@code [out, in]} weight of {@link #OUT_IN} (CPU only): no copy of its own. */
        OPENBLAS(HostProduct.Kernel.OPENBLAS, OUT_IN),
        /** A SIMD Java kernel (the Vector API) on the same weight: each weight row read once for all input rows. */
        VECTOR(HostProduct.Kernel.VECTOR, OUT_IN),
        /**
         * Ferry's native products on the same weight: a streaming matrix-vector loop for one row,
         * a product in register blocks (4 weight rows by 3 input rows, no packing) for more.
         */
        NATIVE(HostProduct.Kernel.NATIVE, OUT_IN),
        /**
         * Ferry's native product on the fp16 weight of {@link #HALF_OUT_IN}, widened in registers:
         * half the bytes of fp32, up to 8 input rows per pass over the weight.
         */
        HALF_NATIVE(HostProduct.Kernel.NATIVE, HALF_OUT_IN),
        /**
         * Ferry's native product on an int8 {@code [out, in]} weight with an fp32 scale per output
         * row, widened in registers: a quarter of fp32's bytes, up to 8 input rows per pass.
         */
        INT8(HostProduct.Kernel.NATIVE, null),
        /** {@link #INT8}'s weight dequantized a block of rows at a time into fp32 scratch, then the blocked product: many rows. */
        INT8_WIDENED(HostProduct.Kernel.WIDENED, INT8),
        /**
         * Ferry's native product on a bfloat16 {@code [out, in]} weight held in a buffer of its own
         * (never a DJL array), widened in registers: half of fp32's bytes, up to 8 input rows per pass.
         */
        BF16_NATIVE(HostProduct.Kernel.NATIVE, null),
        /** {@link #BF16_NATIVE}'s weight widened a block of rows at a time into fp32 scratch, then the blocked product: many rows. */
        BF16_WIDENED(HostProduct.Kernel.WIDENED, BF16_NATIVE);

        /** The CPU kernel a host form runs on; null for the libtorch forms. */
        private final HostProduct.Kernel kernel;
        /** The form whose array this form computes with; null for its own. */
        private final Form storedIn;

        Form() {
            this(null, null);
        }

        Form(HostProduct.Kernel kernel, Form storedIn) {
            this.kernel = kernel;
            this.storedIn = storedIn;
        }

        /** The form whose array this form computes with. */
        Form storage() {
            return storedIn == null ? this : storedIn;
        }

        /** Whether this form computes on an int8 weight (and on nothing else). */
        boolean int8() {
            return storage() == INT8;
        }

        /** Whether this form computes on a bf16 weight (and on nothing else). */
        boolean bf16() {
            return storage() == BF16_NATIVE;
        }

        /** Whether the product runs on the tensors' memory here: it can then scale output rows and add into y. */
        boolean onHostMemory() {
            return kernel != null;
        }
    }

    /**
     * Most rows for which OpenBLAS's form takes a folded norm in {@link #apply(NDArray, RmsNorm)}: it
     * scales the output rows one call each. The other host forms take a factor per row inside the product.
     */
    public static final int FUSED_NORM_ROWS = 8;

    /** Row-count buckets: bucket b covers up to 2^b rows; the last covers everything larger. */
    public static final int BUCKETS = 8;

    private final long in;
    private final long out;
    private final NDArray bias;
    private final Precision precision;
    private final Map<Form, NDArray> weights = new EnumMap<>(Form.class);
    private final Form[] choice = new Form[BUCKETS];
    /** An int8 layer's fp32 scale per output row ({@link Form#INT8}); null otherwise. */
    private final NDArray scales;
    /** A bf16 layer's weight {@code [out, in]} ({@link Form#BF16_NATIVE}), bits outside DJL; null otherwise. */
    private final ByteBuffer bf16;
    /** The host forms' kernels by the form whose array they compute on: made on first use, dropped with that array. */
    private final Map<Form, HostProduct> hosts = new EnumMap<>(Form.class);
    /** The dense layer a step runs after this one, whose weights the BLAS partner may prefetch; null if unknown. */
    private Linear next;
    /** The form given at construction; every other form is derived from it. */
    private final Form master;
    /** Whether another component (a tied embedding) also uses the master weight: never closed here. */
    private final boolean shared;
    private final boolean onGpu;

    /**
     * A layer from its weight in {@code [out, in]} layout (nn.Linear's), in the precision's weight
     * dtype; an int8 or bf16 precision narrows it here and closes it.
     */
    public static Linear fromOutIn(NDArray weight, NDArray bias, Precision precision) {
        return new Linear(weight, weight.getShape().get(1), weight.getShape().get(0), bias, precision,
                masterForm(precision), false);
    }

    /** A layer from its weight in {@code [in, out]} layout (GPT-2's Conv1D). */
    public static Linear fromInOut(NDArray weight, NDArray bias, Precision precision) {
        if (precision.mixed() || precision.narrowing() != Precision.Narrowing.NONE) {
            try (weight) {
                return fromOutIn(contiguousTranspose(weight), bias, precision);
            }
        }
        return new Linear(weight, weight.getShape().get(0), weight.getShape().get(1), bias, precision, Form.IN_OUT, false);
    }

    /**
     * Like {@link #fromOutIn} for a weight that stays in use elsewhere (tied embeddings). An int8 or
     * bf16 precision narrows a copy, kept beside the shared fp32 table: a tied head then costs a
     * quarter (half) more memory and streams a quarter (half) of the bytes.
     */
    public static Linear sharing(NDArray weight, Precision precision) {
        return new Linear(weight, weight.getShape().get(1), weight.getShape().get(0), null, precision,
                masterForm(precision), true);
    }

    private static Form masterForm(Precision precision) {
        return switch (precision.narrowing()) {
            case INT8 -> Form.INT8;
            case BF16 -> Form.BF16_NATIVE;
            case NONE -> precision.mixed() ? Form.HALF_OUT_IN : Form.OUT_IN;
        };
    }

    private Linear(NDArray weight, long in, long out, NDArray bias, Precision precision, Form master, boolean shared) {
        this.in = in;
        this.out = out;
        this.bias = bias;
        this.precision = precision;
        this.master = master;
        this.shared = shared;
        this.onGpu = weight.getDevice().isGpu();
        if (master == Form.INT8 || master == Form.BF16_NATIVE) {
            String setting = master == Form.INT8 ? "quantize int8" : "dtype bf16";
            if (onGpu) {
                throw new IllegalArgumentException(setting + " runs on the CPU only, not on " + weight.getDevice());
            }
            if (!HostProduct.availableForInt8OrBf16(HostProduct.Kernel.NATIVE)) {
                throw new IllegalArgumentException(setting + " needs Ferry's native CPU kernels, which this build "
                        + "lacks (built without a C compiler: apt-get install gcc libc6-dev, then rebuild)");
            }
            if (master == Form.INT8) {
                Int8Quantizer.Quantized q = Int8Quantizer.quantize(weight);
                weights.put(master, q.values());
                this.scales = q.scales();
                this.bf16 = null;
            } else {
                this.scales = null;
                this.bf16 = Bf16Rounding.round(weight);
            }
            if (!shared) {
                weight.close();
            }
        } else {
            weights.put(master, weight);
            this.scales = null;
            this.bf16 = null;
        }
        Arrays.fill(choice, master);
    }

    public long inFeatures() {
        return in;
    }

    public long outFeatures() {
        return out;
    }

    public Precision precision() {
        return precision;
    }

    /** {@code x: [rows, in]} to {@code [rows, out]}; the result belongs to x's manager. */
    public NDArray apply(NDArray x) {
        return apply(x, choice[bucket(x.getShape().get(0))]);
    }

    /**
     * {@code apply(norm.apply(x))}. With a host form (OpenBLAS's on a step of a few rows) and the norm's
     * scale folded into this layer, the norm is one factor per row, computed here from each row's sum
     * of squares and applied to the product's output: five fewer libtorch ops per norm, two norms per
     * layer (their dispatch, not their arithmetic, is what they cost in a batch-1 step; in a 128-token
     * prefill they took about a tenth of the engine thread's time).
     */
    public NDArray apply(NDArray x, RmsNorm norm) {
        return apply(x, norm, null);
    }

    /**
     * {@link #apply(NDArray, RmsNorm)} whose host forms write into the step's {@code buffers} (null for
     * a new array): the result is valid until the step's next output of the same shape.
     */
    public NDArray apply(NDArray x, RmsNorm norm, StepBuffers buffers) {
        long rows = x.getShape().get(0);
        Form form = choice[bucket(rows)];
        if (!form.onHostMemory() || !norm.folded() || rows == 0
                || rows > FUSED_NORM_ROWS && form.kernel.scalesRowsOneCallEach()) {
            return product(norm.apply(x), form, buffers);
        }
        double[] sums = HostProduct.rowSumsOfSquares(x, (int) rows, (int) in);
        float[] factors = new float[sums.length];
        for (int r = 0; r < sums.length; r++) {
            factors[r] = norm.rowFactor(sums[r], in);
        }
        NDArray y = hostProduct(x, form, factors, buffers);
        return bias == null ? y : y.addi(bias);
    }

    /** {@link #apply(NDArray)} whose host forms write into the step's {@code buffers}, as {@link #apply(NDArray, RmsNorm, StepBuffers)}. */
    public NDArray apply(NDArray x, StepBuffers buffers) {
        return product(x, choice[bucket(x.getShape().get(0))], buffers);
    }

    /**
     * {@code residual += x Wᵀ + b}, in place. As a host product the sum accumulates straight into
     * {@code residual}, and the bias is added to it after: no output tensor, and one in-place add
     * where there is a bias.
     *
     * @param residual {@code [rows, out]}, contiguous (a host form writes its memory)
     */
    public void addTo(NDArray x, NDArray residual) {
        long rows = x.getShape().get(0);
        Form form = choice[bucket(rows)];
        if (!form.onHostMemory()) {
            residual.addi(apply(x, form));
            return;
        }
        hostProduct(x, form, residual, null, true);
        if (bias != null) {
            residual.addi(bias);
        }
    }

    /** {@code x: [rows, in]} to {@code [rows, out]} in the given form, whatever was chosen. */
    public NDArray apply(NDArray x, Form form) {
        return product(x, form, null);
    }

    private NDArray product(NDArray x, Form form, StepBuffers buffers) {
        NDArray y = switch (form) {
            case OUT_IN -> JniUtils.linear((PtNDArray) x, (PtNDArray) weight(form), null);
            case IN_OUT -> x.matMul(weight(form));
            case HALF_OUT_IN -> JniUtils.linear((PtNDArray) x.toType(DataType.FLOAT16, false), (PtNDArray) weight(form),
                    null).toType(x.getDataType(), false);
            case OPENBLAS, VECTOR, NATIVE, HALF_NATIVE, INT8, INT8_WIDENED, BF16_NATIVE, BF16_WIDENED ->
                    hostProduct(x, form, null, buffers);
        };
        return bias == null ? y : y.addi(bias);
    }

    /**
     * Whether this layer can run in {@code form} here. An int8 layer runs only the int8 forms, and
     * only it does, and so for bf16; the native fp16 form only where the weights are fp16 already, so
     * that no choice changes a fp32 model's numerics.
     */
    public boolean supports(Form form) {
        if (form.int8() != precision.int8() || form.bf16() != precision.bf16()) {
            return false;
        }
        if (!form.onHostMemory()) {
            return true;
        }
        // a host kernel reaches the form's array through one buffer, 2 GiB at most, which narrow
        // weights fill later than fp32 ones
        boolean hostMemory = !onGpu && precision.activations() == DataType.FLOAT32
                && in * out * bytesPerWeight(form.storage()) <= Integer.MAX_VALUE;
        if (!hostMemory) {
            return false;
        }
        if (form.int8() || form.bf16()) {
            return HostProduct.availableForInt8OrBf16(form.kernel);
        }
        if (form.storage() == Form.HALF_OUT_IN) {
            return precision.mixed() && HostProduct.availableForFp16(form.kernel);
        }
        return HostProduct.available(form.kernel);
    }

    /** The bytes of one weight in a host form's array. */
    private static int bytesPerWeight(Form storage) {
        return switch (storage) {
            case INT8 -> Byte.BYTES;
            case HALF_OUT_IN, BF16_NATIVE -> 2;
            default -> Float.BYTES;
        };
    }

    /**
     * @param rowFactors each output row's factor, or null for none
     * @param buffers where the output goes, or null for a new array
     */
    private NDArray hostProduct(NDArray x, Form form, float[] rowFactors, StepBuffers buffers) {
        long rows = x.getShape().get(0);
        NDArray y = buffers != null ? buffers.get(rows, out) : x.getManager().create(new Shape(rows, out), DataType.FLOAT32);
        hostProduct(x, form, y, rowFactors, false);
        return y;
    }

    /** @param accumulate whether the product is added to {@code y} rather than stored there */
    private void hostProduct(NDArray x, Form form, NDArray y, float[] rowFactors, boolean accumulate) {
        HostProduct host = hosts.computeIfAbsent(form.storage(), this::newHost);
        HostProduct ahead = next == null ? null : next.hosts.get(next.formAt(x.getShape().get(0)).storage());
        host.compute(x, form.kernel, y, rowFactors, accumulate, ahead);
    }

    private HostProduct newHost(Form storage) {
        return switch (storage) {
            case OUT_IN -> HostProduct.fp32(weight(storage), (int) in, (int) out);
            case HALF_OUT_IN -> HostProduct.fp16(weight(storage), (int) in, (int) out);
            case INT8 -> HostProduct.int8(weight(storage), scales, (int) in, (int) out);
            case BF16_NATIVE -> HostProduct.bf16(bf16, (int) in, (int) out);
            default -> throw new AssertionError(storage + " is no host form's array");
        };
    }

    /** The weight bytes a step of {@code rows} rows streams through this layer, in the form chosen for it (scales included). */
    public long bytesReadAt(long rows) {
        Form storage = formAt(rows).storage();
        long values = in * out;
        return switch (storage) {
            case INT8 -> values + out * Float.BYTES;
            case HALF_OUT_IN, BF16_NATIVE -> values * 2;
            default -> values * weights.get(storage).getDataType().getNumOfBytes();
        };
    }

    /**
     * The bytes of the weight arrays this layer holds (a weight shared with an embedding not
     * counted), and the bytes it would hold as fp32: what quantizing saved.
     */
    public long weightBytes() {
        long bytes = (scales == null ? 0 : scales.size() * Float.BYTES) + (bf16 == null ? 0 : bf16.capacity());
        for (Map.Entry<Form, NDArray> e : weights.entrySet()) {
            if (!(shared && e.getKey() == master && master != Form.INT8)) {
                bytes += e.getValue().size() * e.getValue().getDataType().getNumOfBytes();
            }
        }
        return bytes;
    }

    /** The weight in the given form, derived from the master form on first use. */
    NDArray weight(Form form) {
        if (form.storage() != form) {
            return weight(form.storage());
        }
        NDArray w = weights.get(form);
        if (w != null) {
            return w;
        }
        NDArray m = weights.get(master);
        if (master == Form.INT8 || form == Form.INT8 || master == Form.BF16_NATIVE || form == Form.BF16_NATIVE) {
            throw new IllegalArgumentException("an int8 or bf16 layer keeps only its own weight, and only such a layer "
                    + "has one: no " + form + " array for a " + master + " layer");
        }
        w = switch (form) {
            case OUT_IN -> master == Form.IN_OUT ? contiguousTranspose(m) : m.toType(precision.activations(), true);
            case IN_OUT -> contiguousTranspose(weight(Form.OUT_IN));
            case HALF_OUT_IN -> weight(Form.OUT_IN).toType(DataType.FLOAT16, true);
            case OPENBLAS, VECTOR, NATIVE, HALF_NATIVE, INT8, INT8_WIDENED, BF16_NATIVE, BF16_WIDENED ->
                    throw new AssertionError(form + " has no array of its own");
        };
        weights.put(form, w);
        return w;
    }

    /** Sets the form used for each bucket; derived forms no bucket uses are released. */
    public void choose(Form[] forms) {
        System.arraycopy(forms, 0, choice, 0, BUCKETS);
        if (master == Form.BF16_NATIVE) {
            return; // both its forms compute on its one buffer: nothing to derive, nothing to release
        }
        for (Form f : choice) {
            weight(f);
        }
        for (Form f : Form.values()) {
            if (f != master && weights.containsKey(f) && Arrays.stream(choice).noneMatch(c -> c.storage() == f)) {
                weights.remove(f).close();
            }
        }
        if (!shared && Arrays.stream(choice).noneMatch(c -> c.storage() == master)) {
            weights.remove(master).close(); // nothing else derives from it any more
        }
        hosts.keySet().retainAll(weights.keySet()); // a host product whose array is gone
    }

    /** The form a step of {@code rows} rows runs in. */
    public Form formAt(long rows) {
        return choice[bucket(rows)];
    }

    /**
     * Runs one-row products in {@code form} from now on, whatever the tuner chose: for benchmarks
     * that compare the forms in turns within one process.
     */
    public void useAtOneRow(Form form) {
        if (!supports(form)) {
            throw new IllegalArgumentException(form + " is not available for a " + out + "x" + in + " layer here");
        }
        Form[] forms = choice.clone();
        forms[0] = form;
        choose(forms);
    }

    /** Records that steps run {@code layers} in this order, the last followed by the first of the next step. */
    public static void chainInStepOrder(List<Linear> layers) {
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).next = layers.get((i + 1) % layers.size());
        }
    }

    static int bucket(long rows) {
        int b = 64 - Long.numberOfLeadingZeros(Math.max(1, rows) - 1);
        return Math.min(b, BUCKETS - 1);
    }

    /** A contiguous copy of the transpose; a plain transpose keeps strides and BLAS would see a view. */
    private static NDArray contiguousTranspose(NDArray w) {
        long r = w.getShape().get(0);
        long c = w.getShape().get(1);
        try (NDArray t = w.transpose(); NDArray flat = t.reshape(r * c)) {
            return flat.reshape(c, r);
        }
    }
}
