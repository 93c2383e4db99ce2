package dev.ferry.server.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The Netty event loops shared by the gRPC and HTTP servers: native epoll when the platform has it,
 * NIO otherwise. One boss thread accepts; the workers do all socket I/O and never block.
 */
public final class NettyTransport implements AutoCloseable {
    private final boolean epoll;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    public NettyTransport(int workerThreads) {
        this.epoll = Epoll.isAvailable();
        this.boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("ferry-accept", true))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("ferry-accept", true));
        this.workers = epoll ? new EpollEventLoopGroup(workerThreads, new DefaultThreadFactory("ferry-io", true))
                : new NioEventLoopGroup(workerThreads, new DefaultThreadFactory("ferry-io", true));
    }

    public boolean isEpoll() {
        return epoll;
    }

    public EventLoopGroup boss() {
        return boss;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    public Class<? extends ServerChannel> serverChannelType() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    @Override
    public void close() {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
