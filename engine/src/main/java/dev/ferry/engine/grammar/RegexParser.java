package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the regular-expression subset of docs/grammar-syntax.md into an {@link Expr} of literals,
 * classes, sequences, alternatives and repetitions, which {@link Nfa} then compiles. A construct
 * outside the subset is a {@link GrammarException} naming it and its position (0-based, in chars).
 */
final class RegexParser {

    private static final CodePointSet DIGIT = CodePointSet.of('0', '9');
    private static final CodePointSet WORD = CodePointSet.of('0', '9', 'A', 'Z', 'a', 'z', '_', '_');
    private static final CodePointSet SPACE = CodePointSet.of('\t', '\r', ' ', ' ');
    private static final CodePointSet NOT_NEWLINE = CodePointSet.single('\n').negate();
    /** What a JSON string must escape: a pattern inside one matches none of it. */
    private static final CodePointSet JSON_ESCAPED = CodePointSet.of(0, 0x1F, '"', '"', '\\', '\\');

    private final String regex;
    private final boolean withinJsonString;
    private final GrammarLimits limits;
    private int pos;
    private int end;
    private int depth;

    private RegexParser(String regex, boolean withinJsonString, GrammarLimits limits) {
        this.regex = regex;
        this.withinJsonString = withinJsonString;
        this.limits = limits;
    }

    static Expr parse(String regex, boolean withinJsonString, GrammarLimits limits) {
        return new RegexParser(regex, withinJsonString, limits).whole();
    }

    /** How a pattern is named in messages: slashes around it, cut short when long. */
    static String describe(String regex) {
        return "pattern /" + (regex.length() <= 60 ? regex : regex.substring(0, 57) + "...") + "/";
    }

    private GrammarException error(String what, int at) {
        return new GrammarException(describe(regex) + ": " + what + " at position " + at);
    }

    private Expr whole() {
        int bytes = regex.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxSourceBytes()) {
            throw new GrammarException(describe(regex) + ": " + bytes + " bytes, more than the limit of "
                    + limits.maxSourceBytes() + " (GrammarLimits.maxSourceBytes)");
        }
        end = regex.length();
        if (regex.startsWith("^")) {
            pos = 1;
        }
        if (end > pos && regex.charAt(end - 1) == '$' && !isEscaped(end - 1)) {
            end--;
        }
        Expr e = alternation();
        if (pos < end) {
            throw error("unbalanced ')'", pos);
        }
        return e;
    }

    /** Whether the char at {@code at} is preceded by an odd number of backslashes. */
    private boolean isEscaped(int at) {
        int n = 0;
        while (at - n - 1 >= 0 && regex.charAt(at - n - 1) == '\\') {
            n++;
        }
        return n % 2 == 1;
    }

    private Expr alternation() {
        List<Expr> options = new ArrayList<>();
        options.add(sequence());
        while (pos < end && regex.charAt(pos) == '|') {
            pos++;
            options.add(sequence());
        }
        return options.size() == 1 ? options.get(0) : new Expr.Alt(options);
    }

    private Expr sequence() {
        List<Expr> parts = new ArrayList<>();
        while (pos < end && regex.charAt(pos) != '|' && regex.charAt(pos) != ')') {
            parts.add(quantified(atom()));
        }
        return parts.size() == 1 ? parts.get(0) : new Expr.Seq(parts);
    }

    private Expr atom() {
        int at = pos;
        int c = regex.codePointAt(pos);
        switch (c) {
            case '(':
                return group();
            case '[':
                return charClass();
            case '.':
                pos++;
                return matchable(NOT_NEWLINE);
            case '\\':
                return escapeOutsideClass();
            case '*': case '+': case '?':
                throw error("quantifier '" + (char) c + "' with nothing to repeat", at);
            case '{':
                throw error(repetitionAhead() ? "repetition with nothing to repeat" : "'{' that starts no repetition (write \\{ for the character)", at);
            case '^':
                throw error("'^' (anchors are accepted only at the very start)", at);
            case '$':
                throw error("'$' (anchors are accepted only at the very end)", at);
            default:
                pos += Character.charCount(c);
                return literal(c, at);
        }
    }

    private Expr group() {
        int open = pos;
        pos++;
        if (pos < end && regex.charAt(pos) == '?') {
            groupPrefix(open);
        }
        if (++depth > limits.maxDepth()) {
            throw error("groups nested deeper than " + limits.maxDepth() + " (GrammarLimits.maxDepth)", open);
        }
        Expr inside = alternation();
        depth--;
        if (pos >= end || regex.charAt(pos) != ')') {
            throw error("unclosed group opened", open);
        }
        pos++;
        return inside;
    }

    /** Skips {@code ?:} and {@code ?<name>} (both plain groups here) and refuses every other {@code (?...}. */
    private void groupPrefix(int open) {
        String rest = regex.substring(pos, Math.min(end, pos + 3));
        if (rest.startsWith("?:")) {
            pos += 2;
        } else if (rest.startsWith("?=") || rest.startsWith("?!")) {
            throw error("lookahead", open);
        } else if (rest.startsWith("?<=") || rest.startsWith("?<!")) {
            throw error("lookbehind", open);
        } else if (rest.startsWith("?<")) {
            int close = regex.indexOf('>', pos);
            if (close < 0 || close >= end || !regex.substring(pos + 2, close).matches("[A-Za-z][A-Za-z0-9]*")) {
                throw error("malformed group name", open);
            }
            pos = close + 1;
        } else if (rest.length() > 1 && Character.isLetter(rest.charAt(1))) {
            throw error("inline flags", open);
        } else {
            throw error("unsupported group '(" + rest + "'", open);
        }
    }

    private Expr quantified(Expr atom) {
        int at = pos;
        int min;
        int max;
        if (pos >= end) {
            return atom;
        }
        switch (regex.charAt(pos)) {
            case '*':
                min = 0;
                max = -1;
                pos++;
                break;
            case '+':
                min = 1;
                max = -1;
                pos++;
                break;
            case '?':
                min = 0;
                max = 1;
                pos++;
                break;
            case '{':
                if (!repetitionAhead()) {
                    throw error("'{' that starts no repetition (write \\{ for the character)", at);
                }
                int[] bounds = repetitionBounds();
                min = bounds[0];
                max = bounds[1];
                break;
            default:
                return atom;
        }
        // Lazy and possessive forms: generation has no preference, so they are plain repetitions.
        if (pos < end && (regex.charAt(pos) == '?' || regex.charAt(pos) == '+')) {
            pos++;
        }
        if (pos < end && (regex.charAt(pos) == '*' || regex.charAt(pos) == '+' || regex.charAt(pos) == '?'
                || regex.charAt(pos) == '{' && repetitionAhead())) {
            throw error("quantifier after a quantifier", pos);
        }
        if (min > limits.maxRepeat() || max > limits.maxRepeat()) {
            throw error("repetition bound " + Math.max(min, max) + " above the limit of " + limits.maxRepeat()
                    + " (GrammarLimits.maxRepeat)", at);
        }
        if (max >= 0 && min > max) {
            throw error("repetition {" + min + "," + max + "} with its minimum above its maximum", at);
        }
        return new Expr.Repeat(atom, min, max);
    }

    /** Whether {@code pos} starts {@code {n}}, {@code {n,}} or {@code {n,m}}. */
    private boolean repetitionAhead() {
        int i = pos + 1;
        int digits = 0;
        while (i < end && Character.isDigit(regex.charAt(i))) {
            i++;
            digits++;
        }
        if (digits == 0 || i >= end) {
            return false;
        }
        if (regex.charAt(i) == ',') {
            i++;
            while (i < end && Character.isDigit(regex.charAt(i))) {
                i++;
            }
        }
        return i < end && regex.charAt(i) == '}';
    }

    private int[] repetitionBounds() {
        pos++;
        int min = number();
        int max = min;
        if (regex.charAt(pos) == ',') {
            pos++;
            max = Character.isDigit(regex.charAt(pos)) ? number() : -1;
        }
        pos++;    // '}'
        return new int[] {min, max};
    }

    /** A decimal number, saturating at Integer.MAX_VALUE so that a huge bound is refused by the limit check. */
    private int number() {
        long n = 0;
        while (Character.isDigit(regex.charAt(pos))) {
            n = Math.min(Integer.MAX_VALUE, n * 10 + (regex.charAt(pos++) - '0'));
        }
        return (int) n;
    }

    private Expr charClass() {
        int open = pos;
        pos++;
        boolean negated = pos < end && regex.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        if (pos < end && regex.charAt(pos) == ']') {
            throw error("empty character class", open);
        }
        CodePointSet members = CodePointSet.EMPTY;
        while (true) {
            if (pos >= end) {
                throw error("unclosed character class opened", open);
            }
            if (regex.charAt(pos) == ']') {
                pos++;
                break;
            }
            int at = pos;
            CodePointSet item = classAtom();
            if (pos + 1 < end && regex.charAt(pos) == '-' && regex.charAt(pos + 1) != ']') {
                pos++;
                int hiAt = pos;
                CodePointSet hi = classAtom();
                int lo = singleOf(item, at);
                int top = singleOf(hi, hiAt);
                if (lo > top) {
                    throw error("range " + CodePointSet.describe(lo) + "-" + CodePointSet.describe(top) + " out of order", at);
                }
                item = CodePointSet.of(lo, top);
            }
            members = members.union(item);
        }
        return matchable(negated ? members.negate() : members);
    }

    private int singleOf(CodePointSet set, int at) {
        if (set.rangeCount() != 1 || set.lo(0) != set.hi(0)) {
            throw error("range bound that is a class (\\d, \\w, \\s...)", at);
        }
        return set.lo(0);
    }

    /** One member of a class: a character or an escape, as a set. */
    private CodePointSet classAtom() {
        if (regex.charAt(pos) == '\\') {
            return escape(true);
        }
        int c = regex.codePointAt(pos);
        pos += Character.charCount(c);
        return CodePointSet.single(c);
    }

    private Expr escapeOutsideClass() {
        int at = pos;
        CodePointSet set = escape(false);
        return set.rangeCount() == 1 && set.lo(0) == set.hi(0) ? literal(set.lo(0), at) : matchable(set);
    }

    /** The escape at {@code pos} (a backslash): a single character or a class such as {@code \d}. */
    private CodePointSet escape(boolean inClass) {
        int at = pos;
        pos++;
        if (pos >= regex.length()) {
            throw error("trailing backslash", at);
        }
        char c = regex.charAt(pos++);
        switch (c) {
            case 'd': return DIGIT;
            case 'D': return DIGIT.negate();
            case 'w': return WORD;
            case 'W': return WORD.negate();
            case 's': return SPACE;
            case 'S': return SPACE.negate();
            case 'n': return CodePointSet.single('\n');
            case 't': return CodePointSet.single('\t');
            case 'r': return CodePointSet.single('\r');
            case 'f': return CodePointSet.single('\f');
            case 'v': return CodePointSet.single(0x0B);
            case '0':
                if (pos < end && Character.isDigit(regex.charAt(pos))) {
                    throw error("octal escape", at);
                }
                return CodePointSet.single(0);
            case 'x': return CodePointSet.single(hex(2, at));
            case 'u': return CodePointSet.single(unicodeEscape(at));
            case 'b': case 'B':
                throw error(inClass ? "\\" + c + " inside a class" : "word boundary \\" + c, at);
            case 'A': case 'z': case 'Z': case 'G':
                throw error("anchor \\" + c, at);
            case 'k':
                throw error("named backreference \\k", at);
            case 'p': case 'P':
                throw error("Unicode property class \\" + c, at);
            default:
                if (c >= '1' && c <= '9') {
                    throw error("backreference \\" + c, at);
                }
                if (Character.isLetterOrDigit(c)) {
                    throw error("unknown escape \\" + c, at);
                }
                pos--;
                int cp = regex.codePointAt(pos);
                pos += Character.charCount(cp);
                return CodePointSet.single(cp);
        }
    }

    /** After a backslash and {@code u}: four hex digits (a surrogate pair as two escapes) or {@code {hex}}. */
    private int unicodeEscape(int at) {
        int cp;
        if (pos < end && regex.charAt(pos) == '{') {
            int close = regex.indexOf('}', pos);
            if (close < 0 || close - pos - 1 < 1 || close - pos - 1 > 6) {
                throw error("malformed \\u{...} escape", at);
            }
            pos++;
            cp = hex(close - pos, at);
            pos++;
        } else {
            cp = hex(4, at);
            if (Character.isHighSurrogate((char) cp) && regex.startsWith("\\u", pos)) {
                int save = pos;
                pos += 2;
                int low = hex(4, at);
                if (Character.isLowSurrogate((char) low)) {
                    return Character.toCodePoint((char) cp, (char) low);
                }
                pos = save;
            }
        }
        if (cp > CodePointSet.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
            throw error("escape of " + CodePointSet.describe(cp) + ", which is no Unicode scalar value", at);
        }
        return cp;
    }

    private int hex(int digits, int at) {
        if (pos + digits > regex.length()) {
            throw error("escape needing " + digits + " hex digits", at);
        }
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(regex.charAt(pos++), 16);
            if (d < 0) {
                throw error("escape needing " + digits + " hex digits", at);
            }
            v = v * 16 + d;
        }
        return v;
    }

    private Expr literal(int codePoint, int at) {
        if (withinJsonString && JSON_ESCAPED.contains(codePoint)) {
            throw error("character " + CodePointSet.describe(codePoint)
                    + ", which a JSON string must escape (the pattern stands inside one),", at);
        }
        return new Expr.Literal(new String(Character.toChars(codePoint)));
    }

    /** A class as the pattern may match it: inside a JSON string, less what the string must escape. */
    private Expr matchable(CodePointSet set) {
        return (withinJsonString ? set.minus(JSON_ESCAPED) : set).toCharClass();
    }
}
