package dev.ferry.server.http;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ChoiceFinishes;
import dev.ferry.server.stream.Chunk;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * A generation answered as one JSON response once its last choice finishes: each choice's text
 * gathered from its pump's chunks, or the error status for a generation that failed or ran out of
 * time (any choice failing fails the request).
 */
final class Collected implements Output {
    private final Channel channel;
    private final List<StringBuilder> texts = new ArrayList<>();
    private final List<List<TokenEvent>> events = new ArrayList<>();
    private final ChoiceFinishes finishes;
    private ResponseJson json;

    Collected(Channel channel, int choices) {
        this.channel = channel;
        this.finishes = new ChoiceFinishes(choices);
        for (int i = 0; i < choices; i++) {
            texts.add(new StringBuilder());
            events.add(new ArrayList<>());
        }
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
    public void send(int index, Chunk chunk) {
        texts.get(index).append(chunk.text());
        events.get(index).addAll(chunk.withLogprobs());
    }

    @Override
    public void finish(int index, Finish finish) {
        if (!finishes.add(index, finish)) {
            return;
        }
        Finish all = finishes.combined();
        ApiException failure = Output.failure(all);
        if (failure != null) {
            channel.writeAndFlush(HttpResponses.error(channel.alloc(), failure, json.requestId()));
            return;
        }
        List<ResponseJson.ChoiceText> answers = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            Finish end = finishes.of(i);
            answers.add(new ResponseJson.ChoiceText(texts.get(i).append(end.text()).toString(), events.get(i),
                    end.reason().wireName()));
        }
        ByteBuf body = channel.alloc().buffer();
        json.whole(body, answers, all.usage());
        FullHttpResponse response = HttpResponses.json(HttpResponseStatus.OK, body);
        json.headers(response.headers());
        channel.writeAndFlush(response);
    }
}
