package dev.ferry.engine.grammar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.api.GrammarLimits;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.OutputFormat;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a request's {@link OutputFormat} for one vocabulary: its front end (JSON Schema, GBNF,
 * pattern, choices) builds the grammar, {@link Grammar#compile} lowers it within the limits, and
 * the result is bound to the vocabulary so its token masks are cached. Every failure is an
 * {@link InvalidRequestException} naming the format's field and the part at fault.
 */
public final class FormatCompiler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FormatCompiler() {
    }

    public static OutputConstraint compile(OutputFormat format, TokenVocabulary vocab, GrammarLimits limits) {
        try {
            List<String> ignored = List.of();
            GrammarSpec spec;
            if (format instanceof OutputFormat.JsonObject) {
                spec = JsonSchemaGrammar.anyObject();
            } else if (format instanceof OutputFormat.JsonSchema s) {
                JsonSchemaGrammar.Compiled c = JsonSchemaGrammar.compile(parse(s.schema(), limits), s.strict(), limits);
                spec = c.spec();
                ignored = c.ignored();
            } else if (format instanceof OutputFormat.Regex r) {
                checkSize(r.pattern(), limits);
                spec = GrammarSpec.of(new Expr.Pattern(r.pattern(), false));
            } else if (format instanceof OutputFormat.JsonSequence q) {
                JsonSchemaGrammar.Compiled c = JsonSchemaGrammar.compile(parse(q.itemSchema(), limits), false, limits);
                spec = sequence(c.spec(), q);
                ignored = c.ignored();
            } else if (format instanceof OutputFormat.Choice c) {
                checkSize(String.join("", c.options()), limits);
                spec = JsonSchemaGrammar.choices(c.options());
            } else {
                String text = ((OutputFormat.Grammar) format).text();
                checkSize(text, limits);
                spec = GbnfParser.parse(text, limits);
            }
            return new TokenGrammar(Grammar.compile(spec, limits), vocab, ignored, format);
        } catch (GrammarException e) {
            throw new InvalidRequestException(format.field(), format.field() + ": " + e.getMessage());
        }
    }

    /** {@code prefix item (separator item){0,max-1} suffix} around the item grammar, under a root of its own. */
    private static GrammarSpec sequence(GrammarSpec item, OutputFormat.JsonSequence q) {
        Map<String, Expr> rules = new HashMap<>(item.rules());
        String root = "sequence";
        while (rules.containsKey(root)) {
            root = "_" + root;
        }
        Expr one = new Expr.RuleRef(item.root());
        Expr more = new Expr.Repeat(new Expr.Seq(List.of(new Expr.Literal(q.separator()), one)), 0, q.maxItems() - 1);
        rules.put(root, new Expr.Seq(List.of(new Expr.Literal(q.prefix()), one, more, new Expr.Literal(q.suffix()))));
        return new GrammarSpec(rules, root);
    }

    private static JsonNode parse(String schema, GrammarLimits limits) {
        checkSize(schema, limits);
        try {
            return JSON.readTree(schema);
        } catch (JsonProcessingException e) {
            throw new GrammarException("is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static void checkSize(String text, GrammarLimits limits) {
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxSourceBytes()) {
            throw new GrammarException("is " + bytes + " bytes, over the limit of " + limits.maxSourceBytes());
        }
    }
}
