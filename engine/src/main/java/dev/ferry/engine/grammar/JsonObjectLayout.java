package dev.ferry.engine.grammar;

import static dev.ferry.engine.grammar.JsonExprs.alt;
import static dev.ferry.engine.grammar.JsonExprs.literal;
import static dev.ferry.engine.grammar.JsonExprs.optional;
import static dev.ferry.engine.grammar.JsonExprs.seq;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;

/**
 * An object's members in declared order, optional ones left out or not, with exactly one comma
 * between any two, then any extra members. The grammar stays linear in the number of members:
 * members before the first required one carry their comma after them (something follows for
 * sure), members after it carry theirs before; with no required member, the first member present
 * is chosen once and a shared chain of rules covers what may follow each.
 */
final class JsonObjectLayout {
    record Member(String name, Expr value, boolean required) {}

    private static final Expr COMMA = literal(",");

    private JsonObjectLayout() {}

    /** @param extra one extra member (key and value), or null when none may be added */
    static Expr object(List<Member> members, Expr extra, JsonRuleTable rules, String hint) {
        List<Member> sharedValues = new ArrayList<>();
        for (Member member : members) {
            // a value may stand twice (see allOptional), and many properties often share one schema
            sharedValues.add(new Member(member.name(), rules.share(hint + "-" + member.name(), member.value()), member.required()));
        }
        members = sharedValues;
        int firstRequired = -1;
        for (int i = 0; i < members.size() && firstRequired < 0; i++) {
            firstRequired = members.get(i).required() ? i : -1;
        }
        if (extra != null) {
            extra = rules.share(hint + "-extra", extra);
        }
        Expr extras = extra == null ? JsonExprs.EMPTY : new Expr.Repeat(seq(COMMA, extra), 0, -1);
        Expr body = firstRequired >= 0
                ? aroundRequired(members, firstRequired, extras)
                : allOptional(members, extra, extras, rules, hint);
        return seq(literal("{"), body, literal("}"));
    }

    private static Expr aroundRequired(List<Member> members, int firstRequired, Expr extras) {
        List<Expr> parts = new ArrayList<>();
        for (int i = 0; i < firstRequired; i++) {
            parts.add(optional(seq(pair(members.get(i)), COMMA)));
        }
        parts.add(pair(members.get(firstRequired)));
        for (int i = firstRequired + 1; i < members.size(); i++) {
            Member member = members.get(i);
            Expr withComma = seq(COMMA, pair(member));
            parts.add(member.required() ? withComma : optional(withComma));
        }
        parts.add(extras);
        return seq(parts);
    }

    private static Expr allOptional(List<Member> members, Expr extra, Expr extras, JsonRuleTable rules, String hint) {
        int n = members.size();
        List<Expr> pairs = members.stream().map(JsonObjectLayout::pair).toList();
        // after[i]: what may follow once a member before i has been written
        Expr[] after = new Expr[n + 1];
        after[n] = extras;
        for (int i = n - 1; i >= 0; i--) {
            after[i] = rules.share(hint + "-after-" + i, seq(optional(seq(COMMA, pairs.get(i))), after[i + 1]));
        }
        List<Expr> firsts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            firsts.add(seq(pairs.get(i), after[i + 1]));
        }
        if (extra != null) {
            firsts.add(seq(extra, extras));
        }
        return firsts.isEmpty() ? JsonExprs.EMPTY : optional(alt(firsts));
    }

    private static Expr pair(Member member) {
        return seq(literal(new TextNode(member.name()).toString() + ":"), member.value());
    }
}
