package dev.ferry.server.routing;

/** Receives each scored shadow pair (shadow evaluation calls it off the request path). */
public interface ShadowListener {
    void accept(ShadowResult result);
}
