package dev.ferry.clients;

/**
 * Each client library call whose default request body is pinned: the snapshot
 * {@code request-bodies/<snapshot>.json} holds the body it sent in a real run, and {@code path} is
 * where it went.
 */
enum DefaultCall {
    LANGCHAIN4J_CHAT("langchain4j-chat", Path.CHAT),
    LANGCHAIN4J_CHAT_STREAM("langchain4j-chat-stream", Path.CHAT),
    LANGCHAIN4J_COMPLETIONS("langchain4j-completions", Path.COMPLETIONS),
    LANGCHAIN4J_COMPLETIONS_STREAM("langchain4j-completions-stream", Path.COMPLETIONS),
    OPENAI_JAVA_CHAT("openai-java-chat", Path.CHAT),
    OPENAI_JAVA_CHAT_STREAM("openai-java-chat-stream", Path.CHAT),
    OPENAI_JAVA_COMPLETIONS("openai-java-completions", Path.COMPLETIONS),
    OPENAI_JAVA_COMPLETIONS_STREAM("openai-java-completions-stream", Path.COMPLETIONS),
    SPRING_AI_CHAT("spring-ai-chat", Path.CHAT),
    SPRING_AI_CHAT_STREAM("spring-ai-chat-stream", Path.CHAT);

    /** The prompt or user message every call sends. */
    static final String PROMPT = "Hello";

    final String snapshot;
    final String path;

    DefaultCall(String snapshot, String path) {
        this.snapshot = snapshot;
        this.path = path;
    }

    private static final class Path {
        static final String CHAT = "/v1/chat/completions";
        static final String COMPLETIONS = "/v1/completions";
    }
}
