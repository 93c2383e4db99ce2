package dev.ferry.server.models;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Python str methods chat templates call ({@code content.startswith('<tool_response>')},
 * {@code content.split('</think>')[-1].lstrip('\n')}), with Python's semantics: Jinjava would
 * otherwise look them up on java.lang.String, where they are missing or differ (Java's split takes
 * a regex and drops trailing empty parts). Other calls fall through to the next resolver.
 */
final class PythonStringMethods extends ELResolver {
    /** What {@link #call} returns for a method it does not know, so the next resolver tries. */
    private static final Object NO_SUCH_METHOD = new Object();

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] p = params == null ? new Object[0] : params;
        Object result = call(s, method.toString(), p);
        if (result != NO_SUCH_METHOD) {
            context.setPropertyResolved(true);
        }
        return result == NO_SUCH_METHOD ? null : result;
    }

    private static Object call(String s, String name, Object[] p) {
        return switch (name + "/" + p.length) {
            case "startswith/1" -> s.startsWith(str(p[0]));
            case "endswith/1" -> s.endsWith(str(p[0]));
            case "strip/0", "strip/1" -> rstrip(lstrip(s, chars(p)), chars(p));
            case "lstrip/0", "lstrip/1" -> lstrip(s, chars(p));
            case "rstrip/0", "rstrip/1" -> rstrip(s, chars(p));
            case "split/0" -> s.isBlank() ? List.of() : List.of(s.strip().split("\\s+"));
            case "split/1" -> split(s, str(p[0]));
            case "upper/0" -> s.toUpperCase(Locale.ROOT);
            case "lower/0" -> s.toLowerCase(Locale.ROOT);
            case "replace/2" -> s.replace(str(p[0]), str(p[1]));
            default -> NO_SUCH_METHOD;
        };
    }

    /** Python's {@code str.split(sep)}: every part, the empty ones at either end included. */
    private static List<String> split(String s, String sep) {
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        List<String> parts = new ArrayList<>();
        int from = 0;
        for (int at = s.indexOf(sep); at >= 0; at = s.indexOf(sep, from)) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    /** The characters strip removes: those given, else (none or None) whitespace. */
    private static String chars(Object[] p) {
        return p.length == 0 || p[0] == null ? null : str(p[0]);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
    }

    private static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && stripped(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    private static String rstrip(String s, String chars) {
        int i = s.length();
        while (i > 0 && stripped(s.charAt(i - 1), chars)) {
            i--;
        }
        return s.substring(0, i);
    }

    private static String str(Object o) {
        return o == null ? "None" : o.toString();
    }

    // A resolver of method calls only: properties are left to the resolvers after this one.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
