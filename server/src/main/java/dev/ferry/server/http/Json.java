package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** The one Jackson mapper of the HTTP API, writing straight into Netty buffers. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Writes one JSON value with a streaming generator. */
    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private Json() {}

    /** Appends what {@code w} writes to {@code out}; on failure (only a bug can fail in memory) releases {@code out}. */
    static ByteBuf write(ByteBuf out, Writer w) {
        try (JsonGenerator g = MAPPER.getFactory().createGenerator((OutputStream) new ByteBufOutputStream(out))) {
            w.write(g);
            return out;
        } catch (IOException e) {
            out.release();
            throw new UncheckedIOException(e);
        }
    }

    /** Appends {@code value} (maps, lists, strings, numbers) as JSON to {@code out}. */
    static ByteBuf value(ByteBuf out, Object value) {
        return write(out, g -> g.writeObject(value));
    }
}
