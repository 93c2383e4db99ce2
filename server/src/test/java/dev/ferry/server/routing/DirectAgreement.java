package dev.ferry.server.routing;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.SamplingParams;
import java.util.Arrays;

/**
 * Agreement measured without shadow evaluation, for checking it: the small model's greedy answer, then
 * each of its tokens against the large model's greedy token after the prompt and the answer's tokens
 * before it, one ordinary request per position.
 */
final class DirectAgreement {
    private DirectAgreement() {}

    static double of(Engine small, Engine large, int[] prompt, int tokens) throws InterruptedException {
        int[] answer = small.submit(GenerateRequest.of(prompt, tokens, SamplingParams.greedy()).withIgnoreEos(true))
                .await().tokenIds();
        int same = 0;
        for (int i = 0; i < answer.length; i++) {
            int[] context = Arrays.copyOf(prompt, prompt.length + i);
            System.arraycopy(answer, 0, context, prompt.length, i);
            if (large.submit(GenerateRequest.of(context, 1, SamplingParams.greedy())).await().tokenIds()[0] == answer[i]) {
                same++;
            }
        }
        return (double) same / answer.length;
    }
}
