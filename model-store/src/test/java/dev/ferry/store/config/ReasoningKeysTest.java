package dev.ferry.store.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.ModelLoadException;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** ferry.properties' parser and thinking-budget keys. */
class ReasoningKeysTest {
    private static ServingConfig parse(String... pairs) {
        Properties p = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            p.setProperty(pairs[i], pairs[i + 1]);
        }
        return ServingConfig.parse(p);
    }

    @Test
    void parserNamesAndBudgetsAreRead() {
        ServingConfig c = parse("tool-parser", " mistral ", "reasoning-parser", "none", "reasoning-budget.low", "512");
        assertEquals("mistral", c.toolParser());
        assertEquals("none", c.reasoningParser());
        assertEquals(512, c.reasoningBudgets().tokens(ReasoningEffort.LOW));
        assertEquals(1024, c.reasoningBudgets().tokens(ReasoningEffort.MEDIUM), "unset levels keep their defaults");
        assertEquals(0, c.reasoningBudgets().tokens(ReasoningEffort.NONE));
        ServingConfig none = parse();
        assertNull(none.toolParser());
        assertEquals(ReasoningBudgets.DEFAULTS, none.reasoningBudgets());
    }

    @Test
    void badBudgetsNameTheFileAndKey() {
        for (String[] bad : new String[][] {{"reasoning-budget.extreme", "5"}, {"reasoning-budget.low", "-1"},
                {"reasoning-budget.high", "lots"}, {"reasoning-budget.none", "3"}}) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> parse(bad));
            assertTrue(e.getMessage().startsWith("ferry.properties: key '" + bad[0] + "'"), e.getMessage());
        }
    }
}
