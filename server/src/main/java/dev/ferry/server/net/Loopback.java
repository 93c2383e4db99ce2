package dev.ferry.server.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Where the server reaches one of its own listeners: over loopback when it listens on every address. */
public final class Loopback {
    private Loopback() {}

    public static InetSocketAddress reach(InetSocketAddress bound) {
        return bound.getAddress() == null || bound.getAddress().isAnyLocalAddress()
                ? new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort()) : bound;
    }
}
