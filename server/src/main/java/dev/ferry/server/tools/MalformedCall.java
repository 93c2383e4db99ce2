package dev.ferry.server.tools;

/** Text that opened a tool call turned out not to be one; the reason goes into the output's warnings. */
final class MalformedCall extends Exception {
    MalformedCall(String reason) {
        super(reason, null, false, false);
    }
}
