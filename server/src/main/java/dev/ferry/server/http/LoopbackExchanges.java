package dev.ferry.server.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Sends fixed HTTP/1.1 requests, in turn, over several keep-alive connections, one request in flight on
 * each, and reads the answers (with a content-length or chunked), on the calling thread with the JDK's own sockets: a client made of
 * Netty's classes would give the server's Netty code the client's type profile too, and its
 * compiled code would then be deoptimized by the server's first real connection.
 */
final class LoopbackExchanges {
    /** No answer for this long means the server is not answering: the exchanges stop with an error. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
    private static final byte[] LAST_CHUNK = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Room for an answer: a refusal's few hundred bytes, or a short stream's events. */
    private static final int ANSWER_BYTES = 64 << 10;

    /** How many requests were answered, and how many of those with the expected status line. */
    record Tally(int answered, int expected) {}

    private LoopbackExchanges() {}

    /**
     * @param expectedStatus the beginning of the answers counted as expected, e.g. {@code "HTTP/1.1 429 "};
     *                       after the first other answer no more requests are sent
     * @param more asked after each answer whether to send another on that connection
     */
    static Tally run(InetSocketAddress server, List<byte[]> requests, int connections, String expectedStatus,
                     BooleanSupplier more) throws IOException {
        byte[] expected = expectedStatus.getBytes(StandardCharsets.US_ASCII);
        int answered = 0;
        int matched = 0;
        boolean stopped = false;
        int sent = 0;
        List<SocketChannel> opened = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            int open = 0;
            for (int i = 0; i < connections && more.getAsBoolean(); i++) {
                SocketChannel c = SocketChannel.open(server);
                opened.add(c);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(ANSWER_BYTES));
                send(c, requests.get(sent++ % requests.size()));
                open++;
            }
            long lastAnswer = System.nanoTime();
            while (open > 0) {
                selector.select(1_000);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel c = (SocketChannel) key.channel();
                    ByteBuffer in = (ByteBuffer) key.attachment();
                    if (c.read(in) < 0) {
                        throw new IOException("the server closed a connection with "
                                + in.position() + " bytes of an answer read");
                    }
                    if (!complete(in)) {
                        continue;
                    }
                    answered++;
                    boolean asExpected = startsWith(in, expected);
                    matched += asExpected ? 1 : 0;
                    stopped |= !asExpected; // another path than the one to run: no point in more of it
                    in.clear();
                    lastAnswer = System.nanoTime();
                    if (!stopped && more.getAsBoolean()) {
                        send(c, requests.get(sent++ % requests.size()));
                    } else {
                        key.cancel();
                        c.close();
                        open--;
                    }
                }
                selector.selectedKeys().clear();
                if (System.nanoTime() - lastAnswer > STALL_NANOS) {
                    throw new IOException("no answer from " + server + " in " + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS)
                            + " s with " + open + " requests in flight");
                }
            }
            return new Tally(answered, matched);
        } finally {
            for (SocketChannel c : opened) {
                c.close(); // those still open after an error; closing a closed one does nothing
            }
        }
    }

    /** An HTTP/1.1 POST of {@code json} to {@code path}, with the bearer {@code apiKey} unless null. */
    static byte[] post(String path, byte[] json, String apiKey) {
        String head = "POST " + path + " HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: "
                + json.length + "\r\n" + (apiKey != null ? "authorization: Bearer " + apiKey + "\r\n" : "") + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.UTF_8);
        byte[] request = Arrays.copyOf(headBytes, headBytes.length + json.length);
        System.arraycopy(json, 0, request, headBytes.length, json.length);
        return request;
    }

    private static void send(SocketChannel c, byte[] request) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(request);
        while (out.hasRemaining()) { // a request of a few hundred bytes fits a loopback socket's buffer at once
            c.write(out);
        }
    }

    /**
     * Whether {@code in} holds a whole answer: its head and the content-length bytes after it, or a
     * chunked body up to its last, empty chunk (a streamed generation's).
     */
    private static boolean complete(ByteBuffer in) throws IOException {
        int headEnd = indexOf(in, HEAD_END);
        if (headEnd < 0) {
            if (!in.hasRemaining()) {
                throw new IOException("an answer longer than " + in.capacity() + " bytes");
            }
            return false;
        }
        String head = new String(in.array(), 0, headEnd, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        if (head.contains("\r\ntransfer-encoding: chunked")) {
            if (endsWith(in, LAST_CHUNK)) {
                return true;
            }
            if (!in.hasRemaining()) {
                throw new IOException("an answer longer than " + in.capacity() + " bytes");
            }
            return false;
        }
        int at = head.indexOf("\r\ncontent-length:");
        if (at < 0) {
            throw new IOException("an answer with neither content-length nor chunks: " + head.lines().findFirst().orElse(""));
        }
        int valueStart = at + "\r\ncontent-length:".length();
        int valueEnd = head.indexOf('\r', valueStart);
        int length = Integer.parseInt(head.substring(valueStart, valueEnd < 0 ? head.length() : valueEnd).trim());
        int total = headEnd + HEAD_END.length + length;
        if (total > in.capacity()) {
            throw new IOException("an answer of " + total + " bytes, over " + in.capacity());
        }
        return in.position() >= total;
    }

    private static int indexOf(ByteBuffer in, byte[] what) {
        byte[] a = in.array();
        for (int i = 0; i + what.length <= in.position(); i++) {
            int j = 0;
            while (j < what.length && a[i + j] == what[j]) {
                j++;
            }
            if (j == what.length) {
                return i;
            }
        }
        return -1;
    }

    private static boolean endsWith(ByteBuffer in, byte[] suffix) {
        int from = in.position() - suffix.length;
        if (from < 0) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (in.array()[from + i] != suffix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(ByteBuffer in, byte[] prefix) {
        if (in.position() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (in.array()[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
