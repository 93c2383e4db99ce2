package dev.ferry.engine.grammar;

import java.util.Arrays;

/** A growable list of ints, without boxing. */
final class IntList {

    private int[] values = new int[8];
    private int size;

    void add(int v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, 2 * size);
        }
        values[size++] = v;
    }

    int pop() {
        return values[--size];
    }

    /** Reverses the order of the triples from index {@code from} to the end. */
    void reverseTriples(int from) {
        for (int a = from, b = size - 3; a < b; a += 3, b -= 3) {
            for (int k = 0; k < 3; k++) {
                int t = values[a + k];
                values[a + k] = values[b + k];
                values[b + k] = t;
            }
        }
    }

    int get(int i) {
        return values[i];
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
