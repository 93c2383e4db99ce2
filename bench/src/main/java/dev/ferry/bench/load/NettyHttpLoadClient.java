package dev.ferry.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The requests {@link HttpLoadClient} sends, on Netty's HTTP/1.1 codec and one event-loop thread,
 * with connections it controls: a request takes a connection {@link #preconnect} opened when one
 * is idle and keeps it for the next; otherwise it opens its own and closes it after its answer, so
 * a burst without pre-connection pays connection set-up on every request, round after round
 * (java.net.http's pool keeps connections between rounds, so its later rounds are neither fresh
 * nor warmed). Against a server that answers at once, a JVM client opening 300 connections at once
 * still takes several times what curl does; its pre-connected figures are the ones to read.
 */
final class NettyHttpLoadClient implements LoadClient {
    private final EventLoopGroup loop;
    private final Bootstrap bootstrap;
    private final String host;
    private final String model;
    private final float temperature;
    private final String apiKey;
    /** Connections opened by preconnect and not in use; only the event loop touches it. */
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();

    NettyHttpLoadClient(String host, int port, String model, float temperature, String apiKey) {
        boolean epoll = Epoll.isAvailable();
        this.loop = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("bench-netty", true))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("bench-netty", true));
        this.bootstrap = new Bootstrap().group(loop).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .remoteAddress(host, port).option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new Exchange());
                    }
                });
        this.host = host + ":" + port;
        this.model = model;
        this.temperature = temperature;
        this.apiKey = apiKey;
    }

    @Override
    public void send(RequestTimeline t) {
        byte[] body = CompletionBody.json(model, temperature, t.request());
        loop.execute(() -> {
            Channel pooled = idle.poll();
            if (pooled != null && pooled.isActive()) {
                start(pooled, t, body, true);
                return;
            }
            bootstrap.connect().addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    start(f.channel(), t, body, false);
                } else {
                    t.failed(f.cause().getClass().getSimpleName(), System.nanoTime());
                }
            });
        });
    }

    /**
     * Tops the idle connections up to {@code connections}, each opened and answered a
     * {@code GET /health} before this returns, so that a following burst times its requests alone.
     */
    @Override
    public void preconnect(int connections) throws InterruptedException {
        int missing;
        try {
            missing = loop.submit(() -> {
                idle.removeIf(ch -> !ch.isActive());
                return connections - idle.size();
            }).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        CountDownLatch answered = new CountDownLatch(Math.max(0, missing));
        for (int i = 0; i < missing; i++) {
            bootstrap.connect().addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    answered.countDown();
                    return;
                }
                f.channel().pipeline().get(Exchange.class).probe(answered);
                f.channel().writeAndFlush(request(HttpMethod.GET, "/health", Unpooled.EMPTY_BUFFER));
            });
        }
        if (!answered.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("preconnect: " + missing + " connections not open and answered in 60 s");
        }
    }

    private void start(Channel ch, RequestTimeline t, byte[] body, boolean pooled) {
        t.cancelWith(ch::close);
        ch.pipeline().get(Exchange.class).begin(t, pooled);
        ch.writeAndFlush(request(HttpMethod.POST, "/v1/completions", Unpooled.wrappedBuffer(body)));
    }

    private FullHttpRequest request(HttpMethod method, String path, ByteBuf body) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, body);
        r.headers().set(HttpHeaderNames.HOST, host).setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (body.isReadable()) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        if (apiKey != null) {
            r.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + apiKey);
        }
        return r;
    }

    @Override
    public void close() {
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * One connection's request in flight: a 429 is a rejection, any other status but 200 an error
     * {@code HTTP_<status>}, and a 200's body is split into lines for {@link SseCompletion}.
     */
    private final class Exchange extends SimpleChannelInboundHandler<HttpObject> {
        private RequestTimeline timeline;
        private CountDownLatch probe;
        private boolean pooled;
        private SseCompletion sse;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private boolean keepAlive;

        void begin(RequestTimeline t, boolean pooled) {
            this.timeline = t;
            this.pooled = pooled;
        }

        /** The connection's first answer only counts down {@code answered}; the connection then waits idle. */
        void probe(CountDownLatch answered) {
            this.probe = answered;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            long now = System.nanoTime();
            if (msg instanceof HttpResponse r) {
                keepAlive = HttpUtil.isKeepAlive(r);
                if (timeline != null) {
                    int status = r.status().code();
                    if (status == 200) {
                        sse = new SseCompletion(timeline);
                    } else if (status == 429) {
                        timeline.rejected("HTTP_429", now);
                    } else {
                        timeline.failed("HTTP_" + status, now);
                    }
                }
            }
            if (msg instanceof HttpContent c && sse != null) {
                lines(c.content(), now);
            }
            if (msg instanceof LastHttpContent) {
                answered(ctx.channel(), now);
            }
        }

        private void lines(ByteBuf content, long now) {
            for (int i = content.readerIndex(); i < content.writerIndex(); i++) {
                byte b = content.getByte(i);
                if (b == '\n') {
                    sse.onNext(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else if (b != '\r') {
                    line.write(b);
                }
            }
        }

        private void answered(Channel ch, long now) {
            if (probe != null) {
                probe.countDown();
                probe = null;
                idle.add(ch);
                return;
            }
            if (sse != null) {
                timeline.failed("STREAM_ENDED_BEFORE_DONE", now); // ignored when [DONE] ended it
            }
            boolean reuse = pooled && keepAlive;
            timeline = null;
            sse = null;
            line.reset();
            if (reuse) {
                idle.add(ch);
            } else {
                ch.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended("CONNECTION_CLOSED");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ended(cause.getClass().getSimpleName());
            ctx.close();
        }

        private void ended(String status) {
            if (probe != null) {
                probe.countDown();
                probe = null;
            }
            if (timeline != null) {
                timeline.failed(status, System.nanoTime());
                timeline = null;
            }
        }
    }
}
