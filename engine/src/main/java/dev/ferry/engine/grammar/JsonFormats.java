package dev.ferry.engine.grammar;

import java.util.Map;

/**
 * Regular expressions for the string formats the grammar enforces. Each matches only valid
 * values (a date that exists, leap days included), though not every valid value: email is a
 * plain dot-atom address at a common top-level domain, a time has no leap second and an offset
 * under 18 hours, and lengths
 * stay within what validators check.
 */
final class JsonFormats {
    private static final String DAY_31 = "(0[1-9]|[12][0-9]|3[01])";
    private static final String DAY_30 = "(0[1-9]|[12][0-9]|30)";
    private static final String DAY_28 = "(0[1-9]|1[0-9]|2[0-8])";
    /** Divisible by 4 and, at a century, by 400. */
    private static final String LEAP_YEAR = "([0-9][0-9](0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)";
    private static final String DATE = "([0-9]{4}-((0[13578]|1[02])-" + DAY_31 + "|(0[469]|11)-" + DAY_30 + "|02-" + DAY_28 + ")"
            + "|" + LEAP_YEAR + "-02-29)";
    /** Offsets stay below 18 hours, the range validators built on java.time accept (RFC 3339 allows up to 23:59). */
    private static final String TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[-+](0[0-9]|1[0-7]):[0-5][0-9])";
    private static final String HEX = "[0-9a-fA-F]";
    private static final String UUID = HEX + "{8}-" + HEX + "{4}-" + HEX + "{4}-" + HEX + "{4}-" + HEX + "{12}";
    private static final String LABEL = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
    /** At most three labels of 63 characters: well inside the 253 a hostname may have. */
    private static final String HOSTNAME = LABEL + "(\\." + LABEL + "){0,2}";
    private static final String ATOM = "[a-zA-Z0-9_+-]{1,16}";
    // validators check the domain's top-level label against the registered ones
    private static final String EMAIL = ATOM + "(\\." + ATOM + "){0,2}@" + LABEL + "(\\." + LABEL + ")?\\.(com|org|net|edu|gov|io|dev|ai|co|uk|de|fr|jp)";
    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final String IPV4 = OCTET + "(\\." + OCTET + "){3}";

    private static final Map<String, String> PATTERNS = Map.of(
            "date", DATE,
            "time", TIME,
            "date-time", DATE + "T" + TIME,
            "uuid", UUID,
            "email", EMAIL,
            "hostname", HOSTNAME,
            "ipv4", IPV4);

    private JsonFormats() {}

    /** The pattern for {@code format}, or null when the grammar does not know it. */
    static String pattern(String format) {
        return PATTERNS.get(format);
    }
}
