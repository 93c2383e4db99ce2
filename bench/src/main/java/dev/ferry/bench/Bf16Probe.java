package dev.ferry.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Whether DJL's PyTorch engine can hold and compute bfloat16 arrays: creates bf16 arrays three ways
 * and runs on them each op a decoder step uses, comparing with the same op in float32. Each case
 * runs in its own JVM, because a dtype DJL's JNI cannot map ends the process (std::terminate, exit
 * 134) instead of throwing. Uses DJL and the JDK alone, so {@code bench/bf16-probe.sh --djl V} can
 * run it against another DJL release.
 *
 * <p>usage: {@code Bf16Probe [--device cpu|gpu0] [--out FILE.json]}
 */
public final class Bf16Probe {
    /** A case's exit codes besides 0 (ok); SIGABRT shows as 134. */
    private static final int WRONG = 2;
    private static final int THREW = 3;
    private static final int ABORTED = 134;
    private static final long CASE_TIMEOUT_S = 120;

    private Bf16Probe() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        String device = args.getOrDefault("device", "cpu");
        if (args.containsKey("case")) {
            System.exit(runCase(Case.valueOf(args.get("case")), device));
        }
        List<String[]> rows = new ArrayList<>();
        for (Case c : Case.values()) {
            String[] outcome = inChildJvm(c, device);
            rows.add(new String[] {c.label, outcome[0], outcome[1]});
            System.out.printf("%-14s %-9s %s%n", c.label, outcome[0], outcome[1]);
        }
        String header = "DJL " + Engine.getDjlVersion() + ", PyTorch engine " + Engine.getEngine("PyTorch").getVersion() + ", device " + device;
        System.out.println(header);
        if (args.containsKey("out")) {
            writeJson(Path.of(args.get("out")), header, rows);
        }
    }

    /**
     * The cases: how a bf16 array is made, then each op of a step on arrays made from a checkpoint's
     * bytes. Every case reads its result back through {@code toType(FLOAT32)}, the cast a step's
     * logits take.
     */
    private enum Case {
        FROM_BYTES("from-bytes", (in, m) -> in.a, (in, m) -> in.bf(in.a)),
        TO_BF16("toType-bf16", (in, m) -> in.a, (in, m) -> in.a.toType(DataType.BFLOAT16, false)),
        ZEROS("zeros", (in, m) -> m.zeros(in.a.getShape()), (in, m) -> m.zeros(in.a.getShape(), DataType.BFLOAT16)),
        MATMUL("matmul", (in, m) -> in.a.matMul(in.b), (in, m) -> in.bf(in.a).matMul(in.bf(in.b))),
        LINEAR("linear", (in, m) -> in.a.matMul(in.b), (in, m) -> JniUtils.linear(pt(in.bf(in.a)),
                pt(in.bf(in.b.transpose())), null)),
        ADD("add", (in, m) -> in.a.add(in.c), (in, m) -> in.bf(in.a).add(in.bf(in.c))),
        MUL("mul", (in, m) -> in.a.mul(in.c), (in, m) -> in.bf(in.a).mul(in.bf(in.c))),
        SOFTMAX("softmax", (in, m) -> in.a.softmax(-1), (in, m) -> in.bf(in.a).softmax(-1)),
        RMS_NORM("rms-norm", (in, m) -> rmsNorm(in.a, in.w), (in, m) -> rmsNorm(in.bf(in.a), in.bf(in.w))),
        GATHER("index-gather", (in, m) -> in.a.get(new NDIndex("{}", in.rows)),
                (in, m) -> in.bf(in.a).get(new NDIndex("{}", in.rows))),
        EMBEDDING("embedding", (in, m) -> in.a.get(new NDIndex("{}", in.rows)),
                (in, m) -> JniUtils.embedding(pt(in.rows), pt(in.bf(in.a)), false)),
        CAT("cat", (in, m) -> NDArrays.concat(new NDList(in.a, in.c), -1),
                (in, m) -> NDArrays.concat(new NDList(in.bf(in.a), in.bf(in.c)), -1));

        final String label;
        final BiFunction<Inputs, NDManager, NDArray> reference;
        final BiFunction<Inputs, NDManager, NDArray> bf16;

        Case(String label, BiFunction<Inputs, NDManager, NDArray> reference, BiFunction<Inputs, NDManager, NDArray> bf16) {
            this.label = label;
            this.reference = reference;
            this.bf16 = bf16;
        }
    }

    /** float32 operands whose values are exact in bfloat16 (at most 8 significant bits), so f32 is the exact reference. */
    private static final class Inputs {
        final NDManager manager;
        final NDArray a;
        final NDArray b;
        final NDArray c;
        final NDArray w;
        final NDArray rows;

        Inputs(NDManager manager) {
            this.manager = manager;
            a = manager.create(exact(32, 3), new Shape(4, 8));
            b = manager.create(exact(48, 5), new Shape(8, 6));
            c = manager.create(exact(32, 7), new Shape(4, 8));
            w = manager.create(exact(8, 11), new Shape(8));
            rows = manager.create(new long[] {3, 0, 2});
        }

        /** The array as a bf16 tensor made from its bytes, as a loader would from a checkpoint. */
        NDArray bf(NDArray f32) {
            float[] v = f32.toFloatArray();
            ByteBuffer bytes = ByteBuffer.allocateDirect(2 * v.length).order(ByteOrder.nativeOrder());
            for (float x : v) {
                bytes.putShort((short) (Float.floatToIntBits(x) >>> 16));  // exact: the low 16 bits are zero
            }
            bytes.rewind();
            stage("create-from-bytes");
            NDArray made = manager.create(bytes, f32.getShape(), DataType.BFLOAT16);
            stage("op");
            return made;
        }

        private static float[] exact(int n, int stride) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = ((i * stride) % 17 - 8) / 8f;
            }
            return v;
        }
    }

    private static NDArray rmsNorm(NDArray x, NDArray w) {
        return x.mul(x.square().mean(new int[] {-1}, true).add(1e-6f).pow(-0.5f)).mul(w);
    }

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    /** Runs one case here; prints the stage before each native call so an abort names where it happened. */
    private static int runCase(Case c, String deviceName) {
        Device device = deviceName.equals("cpu") ? Device.cpu() : Device.gpu(Integer.parseInt(deviceName.substring(3)));
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
            Inputs in = new Inputs(m);
            float[] want = c.reference.apply(in, m).toFloatArray();
            stage("op");
            NDArray got = c.bf16.apply(in, m);
            stage("read-back");
            float[] have = got.toType(DataType.FLOAT32, false).toFloatArray();
            double worst = 0;
            for (int i = 0; i < want.length; i++) {
                // bf16 keeps 8 significant bits: 2^-7 relative per rounding, a few roundings per op
                worst = Math.max(worst, Math.abs(have[i] - want[i]) / Math.max(1, Math.abs(want[i])));
            }
            boolean close = have.length == want.length && worst <= 2e-2;
            System.out.printf("%s: %d values, max relative error %.2e%n", close ? "ok" : "wrong", have.length, worst);
            return close ? 0 : WRONG;
        } catch (RuntimeException e) {
            System.out.println("threw: " + e);
            return THREW;
        }
    }

    private static void stage(String name) {
        System.out.println("stage " + name);
        System.out.flush();
    }

    /** {outcome, detail} of a case run in a JVM like this one (same java, flags, classpath and environment). */
    private static String[] inChildJvm(Case c, String device) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Bf16Probe.class.getName(),
                "--case", c.name(), "--device", device));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(CASE_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new String[] {"timeout", ""};
        }
        List<String> lines = out.lines().filter(l -> !l.isBlank() && !l.startsWith("SLF4J")).toList();
        String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        String stage = lines.stream().filter(l -> l.startsWith("stage ")).reduce((x, y) -> y).orElse("stage setup")
                .substring("stage ".length());
        return switch (p.exitValue()) {
            case 0 -> new String[] {"ok", last.substring("ok: ".length())};
            case WRONG -> new String[] {"wrong", last};
            case THREW -> new String[] {"exception", "at " + stage + ": " + last.substring("threw: ".length())};
            case ABORTED -> new String[] {"abort", "JVM killed (SIGABRT) at " + stage + ": " + last};
            default -> new String[] {"exit " + p.exitValue(), "at " + stage + ": " + last};
        };
    }

    private static void writeJson(Path file, String header, List<String[]> rows) throws IOException {
        StringBuilder s = new StringBuilder("{\n  \"setup\": ").append(quote(header)).append(",\n  \"cases\": [\n");
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            s.append(String.format("    {\"case\": %s, \"outcome\": %s, \"detail\": %s}%s%n", quote(r[0]), quote(r[1]),
                    quote(r[2]), i + 1 < rows.size() ? "," : ""));
        }
        Files.writeString(file, s.append("  ]\n}\n"));
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
