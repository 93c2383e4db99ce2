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
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The requests {@link HttpLoadClient} sends, on one Netty event-loop thread, each request's bytes
 * encoded when it is prepared and its answer read by Netty's HTTP/1.1 response decoder, with
 * connections it controls: a request takes a connection {@link #preconnect} opened when one
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
                        ch.pipeline().addLast(new HttpResponseDecoder(), new Exchange());
                    }
                });
        this.host = host + ":" + port;
        this.model = model;
        this.temperature = temperature;
        this.apiKey = apiKey;
    }

    @Override
    public Prepared prepare(BenchRequest r) {
        byte[] request = request("POST", "/v1/completions", CompletionBody.json(model, temperature, r));
        return new Prepared(r, t -> send(t, request));
    }

    private void send(RequestTimeline t, byte[] request) {
        loop.execute(() -> {
            Channel pooled = idle.poll();
            if (pooled != null && pooled.isActive()) {
                start(pooled, t, request, true);
                return;
            }
            bootstrap.connect().addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    start(f.channel(), t, request, false);
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
        byte[] health = request("GET", "/health", new byte[0]);
        CountDownLatch answered = new CountDownLatch(Math.max(0, missing));
        for (int i = 0; i < missing; i++) {
            bootstrap.connect().addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    answered.countDown();
                    return;
                }
                f.channel().pipeline().get(Exchange.class).probe(answered);
                f.channel().writeAndFlush(Unpooled.wrappedBuffer(health));
            });
        }
        if (!answered.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("preconnect: " + missing + " connections not open and answered in 60 s");
        }
    }

    private void start(Channel ch, RequestTimeline t, byte[] request, boolean pooled) {
        t.cancelWith(ch::close);
        ch.pipeline().get(Exchange.class).begin(t, pooled);
        ch.writeAndFlush(Unpooled.wrappedBuffer(request));
    }

    /**
     * A request's bytes, head and body, encoded once when it is prepared: at a burst's t = 0 the
     * event loop only writes them (Netty's request encoder cost the client's one thread about as
     * much again as the write).
     */
    private byte[] request(String method, String path, byte[] body) {
        StringBuilder head = new StringBuilder(160).append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("host: ").append(host).append("\r\ncontent-length: ").append(body.length).append("\r\n");
        if (body.length > 0) {
            head.append("content-type: application/json\r\n");
        }
        if (apiKey != null) {
            head.append("authorization: Bearer ").append(apiKey).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
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
