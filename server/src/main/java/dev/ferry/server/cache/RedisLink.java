package dev.ferry.server.cache;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to Redis that callers never wait for: it is opened and re-opened in the
 * background (every second while Redis is away), and while it is down or just failed a
 * command, {@link #commands()} says so at once, so requests skip Redis instead of queueing on it.
 * Going down is logged once as a warning and coming back once, however many requests pass between.
 */
final class RedisLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final RedisClient client;
    private final RedisURI uri;
    private final LongAdder errors = new LongAdder();
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile long quietUntilNanos;
    private boolean down; // guarded by this: the state last logged
    private volatile boolean closed;

    /** @param timeout how long a command may take before it counts as failed */
    RedisLink(String url, Duration timeout) {
        uri = RedisURI.create(url);
        uri.setTimeout(CONNECT_TIMEOUT); // bounds the handshake too: a hung Redis must not stall reconnecting
        client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false) // one reconnect path, ours, for a lost connection and a first one that failed
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                lost(handler);
            }
        });
        connect();
    }

    /** Commands to send now, or null while Redis is down or resting after a failure. */
    RedisAsyncCommands<String, byte[]> commands() {
        StatefulRedisConnection<String, byte[]> c = connection;
        return c != null && c.isOpen() && System.nanoTime() - quietUntilNanos >= 0 ? c.async() : null;
    }

    /** A command failed or timed out: count it, and leave Redis alone for a moment. */
    void failed(String why) {
        errors.increment();
        quietUntilNanos = System.nanoTime() + RETRY.toNanos();
        markDown(why);
    }

    /** A command succeeded: Redis is (back) up. */
    void succeeded() {
        markUp();
    }

    /** Why a command failed, for {@link #failed}: a timeout says how long it was given. */
    static String describe(Throwable e, Duration timeout) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof TimeoutException) {
            return "no reply within " + timeout.toMillis() + " ms";
        }
        return cause instanceof ClosedChannelException ? "connection closed" : cause.toString();
    }

    boolean isUp() {
        return commands() != null;
    }

    long errors() {
        return errors.sum();
    }

    private void connect() {
        if (closed) {
            return;
        }
        client.connectAsync(CODEC, uri).whenComplete((c, e) -> {
            if (e != null) {
                errors.increment();
                markDown("cannot connect: " + e.getMessage());
                retryLater();
            } else {
                adopt(c);
            }
        });
    }

    private synchronized void adopt(StatefulRedisConnection<String, byte[]> c) {
        if (closed) {
            c.closeAsync();
            return;
        }
        connection = c;
        quietUntilNanos = System.nanoTime();
        if (c.isOpen()) {
            markUp();
        } else {
            lost(c); // it closed before it was ours, and its disconnect event found no one to tell
        }
    }

    /**
     * Synchronized with {@link #adopt}, so that one lost connection starts one reconnect loop.
     *
     * @param handler the connection that went down (Lettuce's handler is the connection object)
     */
    private synchronized void lost(Object handler) {
        StatefulRedisConnection<String, byte[]> c = connection;
        if (closed || handler != c) {
            return;
        }
        connection = null;
        errors.increment();
        markDown("connection lost");
        c.closeAsync();
        retryLater();
    }

    private void retryLater() {
        if (!closed) {
            client.getResources().eventExecutorGroup().schedule(this::connect, RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void markDown(String why) {
        if (!down && !closed) {
            down = true;
            LOG.warn("Redis at {}:{} is unavailable ({}); answering from the in-process cache and the engine until it "
                    + "is back", uri.getHost(), uri.getPort(), why);
        }
    }

    private synchronized void markUp() {
        if (down) {
            down = false;
            LOG.info("Redis at {}:{} is back; sharing cached responses again", uri.getHost(), uri.getPort());
        }
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisConnection<String, byte[]> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
