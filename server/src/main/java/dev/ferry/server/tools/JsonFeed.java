package dev.ferry.server.tools;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Jackson's non-blocking parser fed one character at a time, so a reader learns each JSON token, and each syntax
 * error, at the very character that completes it.
 */
final class JsonFeed {
    static final JsonFactory FACTORY = new JsonFactory();

    /** Takes the tokens a character completed; it may read the token's text, which Jackson declares as I/O. */
    interface TokenSink {
        void accept(JsonParser parser, JsonToken token) throws MalformedCall, IOException;
    }

    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    /** The first half of a surrogate pair: it can only be encoded together with its second half. */
    private char highSurrogate;
    /** Enough of a lexer to see '}' right after ',' or ':', which Jackson's non-blocking parser lets through. */
    private boolean inString;
    private boolean escaped;
    private char lastOutsideStrings;

    JsonFeed() {
        try {
            parser = FACTORY.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    void feed(char c, TokenSink sink) throws MalformedCall {
        rejectWhatJacksonMisses(c);
        if (Character.isHighSurrogate(c)) {
            highSurrogate = c;
            return;
        }
        String character = highSurrogate == 0 ? String.valueOf(c) : new String(new char[] {highSurrogate, c});
        highSurrogate = 0;
        byte[] utf8 = character.getBytes(StandardCharsets.UTF_8);
        try {
            feeder.feedInput(utf8, 0, utf8.length);
            for (JsonToken token = parser.nextToken(); token != JsonToken.NOT_AVAILABLE; token = parser.nextToken()) {
                sink.accept(parser, token);
            }
        } catch (JsonProcessingException e) {
            throw new MalformedCall("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the parser reads memory only, so only a bug lands here
        }
    }

    /** {"a": } and {"a": 1,} come out of Jackson 2.20's non-blocking parser as if they were {"a"} and {"a": 1}. */
    private void rejectWhatJacksonMisses(char c) throws MalformedCall {
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else {
                inString = c != '"';
            }
            return;
        }
        if (c == '}' && (lastOutsideStrings == ',' || lastOutsideStrings == ':')) {
            throw new MalformedCall("not valid JSON: '}' after '" + lastOutsideStrings + "'");
        }
        inString = c == '"';
        if (!Character.isWhitespace(c)) {
            lastOutsideStrings = c;
        }
    }
}
