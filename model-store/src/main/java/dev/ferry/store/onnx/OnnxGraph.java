package dev.ferry.store.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX file a weight converter needs, read field by field from its protobuf
 * (onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto.input = 1,
 * output = 2, name = 3, op_type = 4; TensorProto.dims = 1, data_type = 2, float_data = 4,
 * name = 8, raw_data = 9): the fp32 initializers by name and the nodes with their inputs.
 */
public final class OnnxGraph {
    private static final int FLOAT = 1;

    public record Tensor(String name, long[] dims, float[] values) {}

    public record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

    private final Map<String, Tensor> initializers = new LinkedHashMap<>();
    private final List<Node> nodes = new ArrayList<>();

    private OnnxGraph() {
    }

    public static OnnxGraph parse(byte[] model) throws IOException {
        OnnxGraph g = new OnnxGraph();
        CodedInputStream in = CodedInputStream.newInstance(model);
        in.setSizeLimit(Integer.MAX_VALUE);
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (WireFormat.getTagFieldNumber(tag) == 7) {
                g.graph(in.readByteArray());
            } else {
                in.skipField(tag);
            }
        }
        return g;
    }

    public Map<String, Tensor> initializers() {
        return initializers;
    }

    public List<Node> nodes() {
        return nodes;
    }

    private void graph(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.setSizeLimit(Integer.MAX_VALUE);
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> nodes.add(node(in.readByteArray()));
                case 5 -> {
                    Tensor t = tensor(in.readByteArray());
                    if (t != null) {
                        initializers.put(t.name(), t);
                    }
                }
                default -> in.skipField(tag);
            }
        }
    }

    private static Node node(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(in.readStringRequireUtf8());
                case 2 -> outputs.add(in.readStringRequireUtf8());
                case 3 -> name = in.readStringRequireUtf8();
                case 4 -> op = in.readStringRequireUtf8();
                default -> in.skipField(tag);
            }
        }
        return new Node(name, op, inputs, outputs);
    }

    /** An fp32 initializer, or null for other dtypes (the graph's int64 shape constants). */
    private static Tensor tensor(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.setSizeLimit(Integer.MAX_VALUE);
        List<Long> dims = new ArrayList<>();
        List<Float> floatData = new ArrayList<>();
        int dataType = 0;
        String name = "";
        byte[] raw = null;
        for (int tag; (tag = in.readTag()) != 0; ) {
            int field = WireFormat.getTagFieldNumber(tag);
            boolean packed = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            switch (field) {
                case 1 -> {
                    if (packed) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            dims.add(in.readInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        dims.add(in.readInt64());
                    }
                }
                case 2 -> dataType = in.readInt32();
                case 4 -> {
                    if (packed) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            floatData.add(in.readFloat());
                        }
                        in.popLimit(limit);
                    } else {
                        floatData.add(in.readFloat());
                    }
                }
                case 8 -> name = in.readStringRequireUtf8();
                case 9 -> raw = in.readByteArray();
                default -> in.skipField(tag);
            }
        }
        if (dataType != FLOAT) {
            return null;
        }
        float[] values;
        if (raw != null) {
            values = new float[raw.length / Float.BYTES];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        } else {
            values = new float[floatData.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = floatData.get(i);
            }
        }
        return new Tensor(name, dims.stream().mapToLong(Long::longValue).toArray(), values);
    }
}
