package dev.ferry.server.http;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.stream.Chunk;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * A generation answered as one JSON response once it finishes: the text gathered from the pump's
 * chunks, or the error status for a generation that failed or ran out of time.
 */
final class Collected implements Output {
    private final Channel channel;
    private final StringBuilder text = new StringBuilder();
    private final List<TokenEvent> events = new ArrayList<>();
    private ResponseJson json;

    Collected(Channel channel) {
        this.channel = channel;
    }

    @Override
    public void open(ResponseJson json) {
        this.json = json;
    }

    @Override
    public boolean isReady() {
        return json != null;
    }

    @Override
    public void send(Chunk chunk) {
        text.append(chunk.text());
        events.addAll(chunk.withLogprobs());
    }

    @Override
    public void finish(Finish finish) {
        ApiException failure = Output.failure(finish);
        if (failure != null) {
            channel.writeAndFlush(HttpResponses.error(channel.alloc(), failure, json.requestId()));
            return;
        }
        ByteBuf body = channel.alloc().buffer();
        json.whole(body, text.append(finish.text()).toString(), events, finish.reason().wireName(), finish.usage());
        FullHttpResponse response = HttpResponses.json(HttpResponseStatus.OK, body);
        json.headers(response.headers());
        channel.writeAndFlush(response);
    }
}
