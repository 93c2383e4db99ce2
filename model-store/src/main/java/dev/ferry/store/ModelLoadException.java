package dev.ferry.store;

/**
 * A model folder cannot be loaded. The message always names the file and, where it applies, the key
 * or tensor at fault, so that the person who dropped the folder into the store can fix it.
 */
public final class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
