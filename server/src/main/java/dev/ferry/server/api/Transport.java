package dev.ferry.server.api;

import java.util.Locale;

/** The front end a request came through. */
public enum Transport {
    GRPC,
    HTTP;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
