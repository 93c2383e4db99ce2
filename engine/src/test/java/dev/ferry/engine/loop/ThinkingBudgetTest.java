package dev.ferry.engine.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.GrammarLimits;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.Thinking;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.grammar.FormatCompiler;
import dev.ferry.engine.grammar.TokenVocabulary;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Thinking budgets through the real engine and a random-weight thinking model, which never closes
 * its thinking by itself: the budget is what ends it, in greedy and sampled rows, alone or batched
 * beside rows that think longer or not at all; usage counts the thought tokens. An output format
 * shapes only the answer that follows the thinking.
 */
class ThinkingBudgetTest {
    static ModelFolder folder;
    static ModelRunner runner;
    static Engine engine;
    static int open;
    static int close;

    @BeforeAll
    static void start() {
        folder = ModelFolder.open(TinyModels.reasoning(21));
        runner = ModelRunner.load(folder, LoadOptions.defaults());
        engine = Engine.start(runner, EngineConfig.DEFAULTS);
        open = single(folder.tokenizer().encode("<think>", false));
        close = single(folder.tokenizer().encode("</think>", false));
    }

    @AfterAll
    static void stop() {
        engine.close();
        runner.close();
        folder.close();
    }

    private static int single(int[] ids) {
        assertEquals(1, ids.length, "the markers are added tokens");
        return ids[0];
    }

    private static GenerateRequest thinking(String prompt, int budget, SamplingParams sampling) {
        return GenerateRequest.of(folder.tokenizer().encode(prompt, false), 24, sampling).withIgnoreEos(true)
                .withThinking(new Thinking(new int[] {open}, new int[] {close}, budget));
    }

    @Test
    void anOpenThinkingIsClosedRightAfterItsBudgetAndTheAnswerFollows() throws Exception {
        for (SamplingParams sampling : List.of(SamplingParams.greedy(), SamplingParams.of(1.0, 0, 1.0, 7))) {
            TokenStream.Result r = engine.submit(thinking("Hello there\n<think>\n", 5, sampling)).await(Duration.ofSeconds(30));
            assertEquals(close, r.tokenIds()[5], "five thought tokens, then the close");
            assertEquals(6, r.finish().usage().reasoningTokens(), "the thought and its close");
            assertEquals(24, r.finish().usage().completionTokens());
            assertTrue(r.text().contains("</think>"), r.text());
        }
    }

    @Test
    void batchedRowsKeepTheirOwnBudgets() throws Exception {
        int[] budgets = {0, 3, 11, Thinking.UNBOUNDED};
        List<TokenStream> streams = new ArrayList<>();
        for (int b : budgets) {
            streams.add(engine.submit(thinking("Why is the sky blue?<think>", b, SamplingParams.of(0.8, 0, 1.0, b))));
        }
        for (int i = 0; i < budgets.length; i++) {
            TokenStream.Result r = streams.get(i).await(Duration.ofSeconds(30));
            if (budgets[i] == Thinking.UNBOUNDED) {
                int closes = 0;
                for (int t : r.tokenIds()) {
                    closes += t == close ? 1 : 0;
                }
                int thought = closes == 0 ? 24 : indexOf(r.tokenIds(), close) + 1;
                assertEquals(thought, r.finish().usage().reasoningTokens());
            } else {
                assertEquals(close, r.tokenIds()[budgets[i]], "budget " + budgets[i]);
                assertEquals(budgets[i] + 1, r.finish().usage().reasoningTokens());
            }
        }
    }

    @Test
    void aPromptThatClosedThinkingAnswersAtOnce() throws Exception {
        TokenStream.Result r = engine.submit(thinking("Hi<think>\n\n</think>\n\n", 2, SamplingParams.greedy()))
                .await(Duration.ofSeconds(30));
        // nothing is forced: the output thinks only if the model itself opens with <think>
        int reasoning = r.tokenIds()[0] != open ? 0 : Math.min(r.tokenIds().length, 2 + 1 + 1);
        assertEquals(reasoning, r.finish().usage().reasoningTokens(), r.text());
    }

    @Test
    void anOutputFormatShapesOnlyTheAnswerAfterTheThinking() throws Exception {
        TokenVocabulary vocab = new TokenVocabulary(Arrays.copyOf(folder.tokenizer().tokenBytes(),
                folder.config().vocabSize()), folder.eosTokenIds().stream().mapToInt(Integer::intValue).toArray());
        OutputConstraint word = FormatCompiler.compile(new OutputFormat.Regex("regex", "[a-z]{3,12}!"), vocab,
                GrammarLimits.DEFAULTS);
        for (SamplingParams sampling : List.of(SamplingParams.greedy(), SamplingParams.of(1.0, 0, 1.0, 3))) {
            // R1 style: the prompt opened the thinking, so the output thinks first, then answers in the format
            TokenStream.Result inside = engine.submit(thinking("Name a colour.<think>", 4, sampling)
                    .withConstraint(word)).await(Duration.ofSeconds(30));
            assertEquals(close, inside.tokenIds()[4], "four thought tokens, then the close, all free of the format");
            assertEquals(5, inside.finish().usage().reasoningTokens());
            String answer = inside.text().substring(inside.text().indexOf("</think>") + "</think>".length());
            assertTrue(answer.matches("[a-z]{3,12}!"), answer);
            assertEquals(FinishReason.STOP, inside.finish().reason(), "the answer ends where the format is complete");
            // Qwen3 style: the first token either opens the thinking or begins the formatted answer
            TokenStream.Result before = engine.submit(thinking("Name a colour.", 4, sampling)
                    .withConstraint(word)).await(Duration.ofSeconds(30));
            String text = before.text();
            String tail = before.tokenIds()[0] == open ? text.substring(text.indexOf("</think>") + "</think>".length()) : text;
            assertTrue(tail.matches("[a-z]{3,12}!"), text);
        }
    }

    private static int indexOf(int[] ids, int token) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == token) {
                return i;
            }
        }
        return -1;
    }
}
