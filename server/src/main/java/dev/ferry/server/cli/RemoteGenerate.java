package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.InferenceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/** {@code ferry generate --server}: streams one request from a running server over gRPC. */
final class RemoteGenerate {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final String target;
    private final String apiKey;

    RemoteGenerate(String target, String apiKey) {
        if (!target.matches("[^:\\s]+:\\d+")) {
            throw new IllegalArgumentException("--server: expected HOST:PORT, got '" + target + "'");
        }
        this.target = target;
        this.apiKey = apiKey;
    }

    /** Prints text as it arrives (or one JSON object with --json); a refusal fails with the server's status. */
    int run(GenerateRequest request, boolean json, PrintWriter out) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        try {
            var stub = InferenceGrpc.newBlockingStub(channel);
            if (apiKey != null) {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + apiKey);
                stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            }
            StringBuilder text = new StringBuilder();
            ObjectNode result = JSON.createObjectNode();
            var ids = result.putArray("token_ids");
            for (Iterator<GenerateResponse> it = stub.generate(request); it.hasNext(); ) {
                GenerateResponse r = it.next();
                r.getTokenIdsList().forEach(ids::add);
                text.append(r.getText());
                if (!json) {
                    out.print(r.getText());
                    out.flush();
                }
                if (r.hasFinish()) {
                    result.put("finish_reason", r.getFinish().getReason().name().replace("FINISH_REASON_", "").toLowerCase());
                    result.put("model", r.getFinish().getModel());
                    ObjectNode usage = result.putObject("usage");
                    usage.put("prompt_tokens", r.getFinish().getUsage().getPromptTokens());
                    usage.put("cached_prompt_tokens", r.getFinish().getUsage().getCachedPromptTokens());
                    usage.put("completion_tokens", r.getFinish().getUsage().getCompletionTokens());
                }
            }
            result.put("text", text.toString());
            out.println(json ? result.toString() : "");
            out.flush();
            return 0;
        } catch (StatusRuntimeException e) {
            throw new IllegalArgumentException("server " + target + ": " + e.getStatus().getCode() + ": "
                    + e.getStatus().getDescription());
        } finally {
            channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
    }
}
