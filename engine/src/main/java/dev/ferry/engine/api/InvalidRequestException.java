package dev.ferry.engine.api;

/**
 * A request the engine cannot run as asked, naming the field at fault so that a front end can
 * answer "bad field" without reading the message. The message starts with the field's name.
 */
public final class InvalidRequestException extends IllegalArgumentException {
    private final String field;

    /** @param field the request's field as the API spells it ({@code prompt_ids}, {@code stop_token_ids}) */
    public InvalidRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
