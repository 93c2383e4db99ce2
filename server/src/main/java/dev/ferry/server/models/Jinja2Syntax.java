package dev.ferry.server.models;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the two pieces of Python Jinja2 syntax that chat templates use and Jinjava parses
 * otherwise, inside {@code {{ }}} and {@code {% %}} only, so the text a template prints stays as
 * written:
 * <ul>
 *   <li>a keyword argument's value is parenthesized: Jinjava parses {@code =} at the precedence of
 *       {@code +} and {@code -}, so {@code namespace(i=messages|length - 1)} would subtract 1 from
 *       the argument itself (Qwen3's template does this);
 *   <li>a reversing slice {@code x[::-1]} becomes {@code (x|reverse)}: Jinjava's slices take no
 *       step.
 * </ul>
 */
final class Jinja2Syntax {
    private static final Pattern REVERSED = Pattern.compile("([A-Za-z_][\\w.]*)\\[\\s*:\\s*:\\s*-1\\s*\\]");

    private Jinja2Syntax() {}

    static String forJinjava(String template) {
        StringBuilder out = new StringBuilder(template.length() + 32);
        int i = 0;
        while (i < template.length()) {
            int open = nextTag(template, i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            String close = template.charAt(open + 1) == '{' ? "}}" : "%}";
            int end = tagEnd(template, open + 2, close);
            out.append(template, i, open + 2);
            out.append(rewrite(template.substring(open + 2, end)));
            i = end;
        }
        return out.toString();
    }

    /** Where the next {@code {{} or {@code {%} starts, past comments; -1 when none. */
    private static int nextTag(String t, int from) {
        for (int i = t.indexOf('{', from); i >= 0 && i + 1 < t.length(); i = t.indexOf('{', i + 1)) {
            char c = t.charAt(i + 1);
            if (c == '{' || c == '%') {
                return i;
            }
        }
        return -1;
    }

    /** The index of the tag's closing delimiter, past string literals that may contain it. */
    private static int tagEnd(String t, int from, String close) {
        char quote = 0;
        for (int i = from; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (t.startsWith(close, i)) {
                return i;
            }
        }
        return t.length();
    }

    private static String rewrite(String expr) {
        return groupKeywordArguments(reverseSlices(expr));
    }

    private static String reverseSlices(String expr) {
        Matcher m = REVERSED.matcher(expr);
        return m.find() ? m.replaceAll("($1|reverse)") : expr;
    }

    private static String groupKeywordArguments(String expr) {
        StringBuilder out = new StringBuilder(expr.length() + 8);
        Deque<Character> brackets = new ArrayDeque<>();
        Deque<Boolean> grouped = new ArrayDeque<>();  // per bracket: a keyword argument's value is open
        char quote = 0;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < expr.length()) {
                    out.append(expr.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            switch (c) {
                case '\'', '"' -> quote = c;
                case '(', '[', '{' -> {
                    brackets.push(c);
                    grouped.push(false);
                }
                case ')', ']', '}', ',' -> {
                    if (!grouped.isEmpty() && grouped.peek()) {
                        out.append(')');
                        grouped.pop();
                        grouped.push(false);
                    }
                    if (c != ',' && !brackets.isEmpty()) {
                        brackets.pop();
                        grouped.pop();
                    }
                }
                case '=' -> {
                    if (isKeywordEquals(expr, i) && !brackets.isEmpty() && brackets.peek() == '(') {
                        out.append("=(");
                        grouped.pop();
                        grouped.push(true);
                        continue;
                    }
                }
                default -> { }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** A lone {@code =} right after an identifier: not ==, !=, <=, >=. */
    private static boolean isKeywordEquals(String s, int i) {
        if (i + 1 < s.length() && s.charAt(i + 1) == '=') {
            return false;
        }
        int j = i - 1;
        while (j >= 0 && s.charAt(j) == ' ') {
            j--;
        }
        return j >= 0 && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_') && "=!<>".indexOf(s.charAt(i - 1)) < 0;
    }
}
