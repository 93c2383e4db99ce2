package dev.ferry.server.tools;

/** Hears the parts of the current call as a block reader finds them, in whatever order the model wrote them. */
interface CallListener {
    void named(String name);

    /** More of the arguments, already compact JSON text. */
    void arguments(String fragment);

    /** The current call is complete; the next parts belong to a new call. */
    void ended();
}
