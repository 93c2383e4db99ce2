package dev.ferry.server.http;

import dev.ferry.server.answer.AnswerParser;
import dev.ferry.server.api.Admitted;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import dev.ferry.server.api.CacheOutcome;
import dev.ferry.server.api.Transport;
import dev.ferry.server.net.ServerContext;
import dev.ferry.server.serving.PreparedRequest;
import dev.ferry.server.stream.StreamPump;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generation request on one connection. The body is read, prepared (validated, tokenized) and
 * started on the prep pool, off the event loop; from then on everything happens on the connection's
 * event loop: a pump per choice drains its tokens into the {@link Output} while the socket is
 * writable, and a client that leaves first gets its request (every choice) cancelled in the engine.
 */
final class Generation {
    private static final Logger LOG = LoggerFactory.getLogger(Generation.class);

    private final Channel channel;
    private final ServerContext server;
    private final GenerationApi api;
    private final String requestId;
    private final String keyTenant;
    private final String headerTenant;
    // Event loop only, set once the engine took the request.
    /** One per choice. */
    private List<StreamPump> pumps;
    private Admitted admitted;
    private boolean gone;

    /**
     * @param requestId the client's x-request-id, or null
     * @param keyTenant the tenant the request's API key is bound to, or null
     * @param headerTenant the x-ferry-tenant header, or null
     */
    Generation(Channel channel, ServerContext server, GenerationApi api, String requestId, String keyTenant,
               String headerTenant) {
        this.channel = channel;
        this.server = server;
        this.api = api;
        this.requestId = requestId;
        this.keyTenant = keyTenant;
        this.headerTenant = headerTenant;
    }

    /** On the prep pool: reads {@code body} (and releases it), submits, or answers the refusal. */
    void submit(ByteBuf body) {
        try {
            GenerationCall call;
            try {
                call = api.read(Fields.parse(body, server.inference().limits().strictFields()), requestId);
            } catch (ApiException e) {
                server.inference().refused(Transport.HTTP, requestId, e);
                throw e;
            } finally {
                body.release();
            }
            PreparedRequest prepared = prepare(call);
            int choices = prepared.choices();
            Output out = call.stream() ? new SseStream(channel, call.includeUsage(), choices)
                    : new Collected(channel, choices);
            List<StreamPump> p = new ArrayList<>(choices);
            for (int i = 0; i < choices; i++) {
                p.add(new StreamPump(channel.eventLoop(), out.choice(i), prepared.logprobs(), server.streams()));
            }
            Admitted a = prepared.start(p);
            // after the start: a routed request that fell back is decoded by its fallback's tokenizer
            IntFunction<String> tokenText = a.logprobs() ? prepared.tokenizer()::tokenText : id -> "";
            List<String> unenforced = prepared.unenforcedFormatParts();
            AnswerParser answer = prepared.answer();
            // the response's head says whether the cache answers, so it waits for the lookup; nothing
            // streams before the lookup is over anyway (in-process it is, a Redis one is on its way)
            a.cache().thenAccept(cache -> channel.eventLoop().execute(() -> start(a, p, out, tokenText,
                    new ResponseNotes(call.unknownFields(), unenforced, cache), answer, choices)));
        } catch (ApiException e) {
            channel.writeAndFlush(HttpResponses.error(channel.alloc(), e, requestId));
        } catch (Throwable e) { // a bug, or a broken library: the client still gets an answer
            LOG.error("request {} failed before it reached the engine", requestId, e);
            channel.writeAndFlush(HttpResponses.error(channel.alloc(),
                    ApiException.of(ApiStatus.INTERNAL, "internal error: " + e), requestId));
        }
    }

    /** Prepares the call; an error about the token limit names the field the client used for it. */
    private PreparedRequest prepare(GenerationCall call) {
        try {
            return server.inference().prepare(call.request().withTenant(keyTenant, headerTenant));
        } catch (ApiException e) {
            if ("max_tokens".equals(e.field()) && !call.maxTokensField().equals("max_tokens")) {
                throw ApiException.invalid(call.maxTokensField(),
                        e.getMessage().replaceFirst("^max_tokens", call.maxTokensField()));
            }
            throw e;
        }
    }

    /**
     * @param tokenText token texts for logprobs, from the serving model's tokenizer
     * @param notes what the response's headers say about the request besides its answer
     * @param answer how to read thinking and tool calls out of the answer, or null for text only
     * @param choices how many choices the answer has
     */
    private void start(Admitted a, List<StreamPump> p, Output out, IntFunction<String> tokenText, ResponseNotes notes,
                       AnswerParser answer, int choices) {
        admitted = a;
        pumps = p;
        if (gone) { // the client left while its request was being prepared
            clientGone();
            return;
        }
        out.open(new ResponseJson(api, a, System.currentTimeMillis() / 1000, tokenText, notes, answer, choices));
        p.forEach(StreamPump::onReady);
    }

    /** The connection closed: drop what is pending and free the request's place in the engine (every choice's). */
    void clientGone() {
        gone = true;
        if (admitted != null) {
            pumps.forEach(StreamPump::abandon);
            admitted.handle().cancel();
        }
    }

    /** The socket drained below its low-water mark. */
    void writable() {
        if (pumps != null) {
            pumps.forEach(StreamPump::onReady);
        }
    }
}
