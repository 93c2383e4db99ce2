package dev.ferry.server.http;

import dev.ferry.engine.api.Finish;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ChoiceFinishes;
import dev.ferry.server.http.GenerationApi.Part;
import dev.ferry.server.stream.Chunk;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * A generation streamed as Server-Sent Events in a chunked response: one {@code data: {chunk}}
 * event per message a choice's pump hands over, each choice's last chunk with its finish reason,
 * then, once every choice finished, the usage chunk when asked and {@code data: [DONE]}. A
 * generation that fails after the headers went out (any of its choices) ends with a
 * {@code data: {"error": ...}} event instead, as OpenAI's streams do.
 */
final class SseStream implements Output {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final Channel channel;
    private final boolean includeUsage;
    private final int choices;
    private final ChoiceFinishes finishes;
    private ResponseJson json;

    SseStream(Channel channel, boolean includeUsage, int choices) {
        this.channel = channel;
        this.includeUsage = includeUsage;
        this.choices = choices;
        this.finishes = new ChoiceFinishes(choices);
    }

    @Override
    public void open(ResponseJson json) {
        this.json = json;
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        json.headers(head.headers());
        HttpUtil.setTransferEncodingChunked(head, true);
        channel.write(head);
        if (json.announcesRole()) {
            ByteBuf roles = channel.alloc().buffer();
            for (int i = 0; i < choices; i++) {
                int index = i;
                event(roles, b -> json.chunk(b, index, Part.ROLE, "", List.of(), null));
            }
            channel.write(new DefaultHttpContent(roles));
        }
        channel.flush();
    }

    /** Writes ahead only while the socket keeps up; the pump coalesces tokens meanwhile. */
    @Override
    public boolean isReady() {
        return json != null && channel.isWritable();
    }

    @Override
    public void send(int index, Chunk chunk) {
        if (chunk.text().isEmpty() && chunk.withLogprobs().isEmpty()) {
            return; // tokens whose text is held back (a partial character, a possible stop string) say nothing yet
        }
        channel.writeAndFlush(new DefaultHttpContent(event(channel.alloc().buffer(),
                b -> json.chunk(b, index, Part.DELTA, chunk.text(), chunk.withLogprobs(), null))));
    }

    @Override
    public void finish(int index, Finish finish) {
        boolean last = finishes.add(index, finish);
        ByteBuf buf = channel.alloc().buffer();
        if (Output.failure(finish) == null) {
            event(buf, b -> json.chunk(b, index, Part.DELTA, finish.text(), List.of(), finish.reason().wireName()));
        }
        if (!last) {
            if (buf.isReadable()) {
                channel.writeAndFlush(new DefaultHttpContent(buf));
            } else {
                buf.release(); // a failed choice says nothing until the request's error at the end
            }
            return;
        }
        // every choice finished: the usage and [DONE], or the error that ended the request
        Finish all = finishes.combined();
        ApiException failure = Output.failure(all);
        if (failure == null) {
            if (includeUsage) {
                event(buf, b -> json.usageChunk(b, all.usage()));
            }
        } else {
            event(buf, b -> Json.write(b, g -> HttpResponses.writeError(g, failure.status(), failure.getMessage(),
                    failure.field())));
        }
        channel.writeAndFlush(new DefaultLastHttpContent(buf.writeBytes(DONE)));
    }

    /** Appends one event to {@code buf}: "data: ", the JSON {@code body} writes, a blank line. */
    private static ByteBuf event(ByteBuf buf, Consumer<ByteBuf> body) {
        body.accept(buf.writeBytes(DATA));
        return buf.writeBytes(END);
    }
}
