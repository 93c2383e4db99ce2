package dev.ferry.server.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits generated text into content and calls, one character at a time, for every family: the family's
 * {@link CallSyntax} says which markers open a block of calls and how to read the block.
 *
 * <p>Content is sent as soon as it cannot be the start of a marker. Whitespace on its own between a call and
 * another call or the message's ends is dropped: models put newlines around their calls that no client wants.
 * A block that breaks becomes content again, from the end of its last complete call.
 *
 * <p>{@link ToolParserFamily#parse} runs the same engine over the whole text but announces each call only once it
 * is complete, so a broken call never shows up as a call there, and content is the same on both paths.
 */
final class ToolCallStream implements StreamingToolCalls {
    private final CallSyntax syntax;
    /** Streams announce a call at its name; a finished text waits until the call is complete. */
    private final boolean announceWhenNamed;
    private final CallEvents events = new CallEvents();
    private final List<Delta> out = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private int position;

    /** Content not sent yet: whitespace that may touch a call, and a possible start of a marker. */
    private final StringBuilder held = new StringBuilder();
    /** Whether the content since the last call (or the message start) has more than whitespace. */
    private boolean segmentHasText;
    private boolean messageStarted;
    private boolean madeCalls;

    /** The block being read, or null in content. */
    private CallBlockReader block;
    /** The block's text since its last complete call: content again if the block breaks. */
    private final StringBuilder raw = new StringBuilder();
    private PendingCall call;
    private int nextIndex;

    ToolCallStream(CallSyntax syntax, boolean announceWhenNamed) {
        this.syntax = syntax;
        this.announceWhenNamed = announceWhenNamed;
    }

    @Override
    public List<Delta> add(String textDelta) {
        for (int i = 0; i < textDelta.length(); i++) {
            position++;
            if (block == null) {
                readContent(textDelta.charAt(i));
            } else {
                readBlock(textDelta.charAt(i));
            }
        }
        return drain();
    }

    @Override
    public List<Delta> finish() {
        if (block != null) {
            try {
                block.finish();
                endBlock();
            } catch (MalformedCall e) {
                breakBlock(e);
            }
        }
        if (segmentHasText || !madeCalls || !held.toString().isBlank()) {
            sendContent(held.toString());
        }
        held.setLength(0);
        return drain();
    }

    @Override
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    private void readContent(char c) {
        if (!messageStarted && !Character.isWhitespace(c)) {
            messageStarted = true;
            if (syntax.jsonMayOpenMessage() && c == '{') {
                openBlock(held.length());
                readBlock(c);
                return;
            }
        }
        held.append(c);
        String marker = markerEndingHeld();
        if (marker != null) {
            openBlock(held.length() - marker.length());
            return;
        }
        int decided = held.length() - markerStartEndingHeld();
        if (decided > 0 && Character.isHighSurrogate(held.charAt(decided - 1))) {
            decided--; // half an emoji cannot be encoded on its own in the response's UTF-8
        }
        if (segmentHasText || !held.substring(0, decided).isBlank()) {
            sendContent(held.substring(0, decided));
            held.delete(0, decided);
            segmentHasText = true;
        }
    }

    /** Opens a block after held[0, contentEnd): held whitespace joins the block's text, dropped once a call is made. */
    private void openBlock(int contentEnd) {
        if (segmentHasText) {
            sendContent(held.substring(0, contentEnd));
            held.delete(0, contentEnd);
        }
        raw.append(held);
        held.setLength(0);
        block = syntax.blocks().get();
    }

    private void readBlock(char c) {
        raw.append(c);
        try {
            switch (block.read(c, events)) {
                case MORE -> { }
                case ENDED -> endBlock();
                case ENDED_BEFORE -> {
                    // the spacing after the last call starts the next content, as it does after a closing tag
                    String spacing = raw.substring(0, raw.length() - 1);
                    endBlock();
                    held.append(spacing);
                    readContent(c);
                }
            }
        } catch (MalformedCall e) {
            raw.setLength(raw.length() - 1);
            breakBlock(e);
            readContent(c); // it may open the next call
        }
    }

    private void endBlock() {
        block = null;
        raw.setLength(0); // only whitespace after the last call, or a block without calls
        segmentHasText = false;
    }

    private void breakBlock(MalformedCall e) {
        String warning = "malformed tool call left as content (at character " + position + "): " + e.getMessage();
        if (call != null && call.announced) {
            warning += "; its start was already streamed as call " + call.index;
        }
        warnings.add(warning);
        call = null;
        block = null;
        String text = raw.toString();
        raw.setLength(0);
        if (!text.isBlank()) { // blank text here follows a complete call, so it is only spacing after it
            sendContent(text);
            segmentHasText = true;
        }
    }

    /** The marker the held text ends with, if any. */
    private String markerEndingHeld() {
        for (String marker : syntax.markers()) {
            if (held.length() >= marker.length()
                    && held.lastIndexOf(marker) == held.length() - marker.length()) {
                return marker;
            }
        }
        return null;
    }

    /** The length of the longest end of the held text that a marker starts with. */
    private int markerStartEndingHeld() {
        int longest = 0;
        for (String marker : syntax.markers()) {
            for (int length = Math.min(marker.length() - 1, held.length()); length > longest; length--) {
                if (marker.startsWith(held.substring(held.length() - length))) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }

    private void sendContent(String text) {
        if (!text.isEmpty()) {
            send(Delta.content(text));
        }
    }

    private void send(Delta delta) {
        int last = out.size() - 1;
        if (last >= 0 && out.get(last).canAbsorb(delta)) {
            out.set(last, out.get(last).absorb(delta));
        } else {
            out.add(delta);
        }
    }

    private List<Delta> drain() {
        List<Delta> sent = List.copyOf(out);
        out.clear();
        return sent;
    }

    /** The call being read, until it is complete. */
    private static final class PendingCall {
        String name;
        final StringBuilder arguments = new StringBuilder();
        boolean announced;
        int index;
    }

    private final class CallEvents implements CallListener {
        @Override
        public void named(String name) {
            current().name = name;
            if (announceWhenNamed) {
                announce();
            }
        }

        @Override
        public void arguments(String fragment) {
            PendingCall c = current();
            c.arguments.append(fragment);
            if (c.announced && !fragment.isEmpty()) {
                send(Delta.arguments(c.index, fragment));
            }
        }

        @Override
        public void ended() {
            if (!call.announced) {
                announce();
            }
            call = null;
            raw.setLength(0);
            madeCalls = true;
        }

        private PendingCall current() {
            if (call == null) {
                call = new PendingCall();
            }
            return call;
        }

        /** Sends the call's id and name, with the arguments that came before the name, if any. */
        private void announce() {
            call.announced = true;
            call.index = nextIndex++;
            send(Delta.callStart(call.index, ToolCall.newId(), call.name, call.arguments.toString()));
        }
    }
}
