package dev.ferry.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SvgChartTest {

    @Test
    void linearAxesEndOnARoundNumberAboveTheData() {
        String svg = new SvgChart("t", "x", new double[] {0.25, 1, 3}).series("s", "#000", new double[] {10, 40, 73}).svg();
        assertTrue(svg.contains(">3</text>") && svg.contains(">80</text>"), svg);
        assertTrue(!svg.contains(">5</text>") && !svg.contains(">100</text>"), "no empty space up to the next decade");
    }

    @Test
    void logAxesRunBetweenRoundNumbersAroundTheDataWithATickPerDecade() {
        String svg = new SvgChart("t", "x", new double[] {1, 2, 3}).logY().series("s", "#000", new double[] {250, 990, 20000})
                .svg();
        for (String tick : new String[] {">200</text>", ">1000</text>", ">10000</text>", ">20000</text>"}) {
            assertTrue(svg.contains(tick), tick);
        }
        assertTrue(svg.contains("(log scale)"));
    }

    @Test
    void numbersKeepFourSignificantDigitsInPlainNotation() {
        assertEquals("1235", SvgChart.number(1234.5));
        assertEquals("0.25", SvgChart.number(0.25));
        assertEquals("20000", SvgChart.number(20000));
    }
}
