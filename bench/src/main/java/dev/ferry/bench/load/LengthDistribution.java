package dev.ferry.bench.load;

import java.util.SplittableRandom;

/**
 * How many tokens a prompt or an output has: a fixed count ({@code 128}), uniform between two
 * bounds inclusive ({@code uniform:64:256}) or normal ({@code normal:128:32}, rounded, at least 1).
 */
sealed interface LengthDistribution {

    int sample(SplittableRandom random);

    /** The largest length it can give, or a bound that holds with overwhelming probability (normal: mean + 6 sd). */
    int max();

    record Fixed(int length) implements LengthDistribution {
        public Fixed {
            require(length >= 1);
        }

        @Override
        public int sample(SplittableRandom random) {
            return length;
        }

        @Override
        public int max() {
            return length;
        }
    }

    record Uniform(int min, int maxInclusive) implements LengthDistribution {
        public Uniform {
            require(min >= 1 && maxInclusive >= min);
        }

        @Override
        public int sample(SplittableRandom random) {
            return random.nextInt(min, maxInclusive + 1);
        }

        @Override
        public int max() {
            return maxInclusive;
        }
    }

    record Normal(double mean, double sd) implements LengthDistribution {
        public Normal {
            require(mean >= 1 && sd >= 0);
        }

        @Override
        public int sample(SplittableRandom random) {
            // Box-Muller: SplittableRandom has no nextGaussian on Java 17
            double u = 1 - random.nextDouble();
            double z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
            return (int) Math.max(1, Math.round(mean + sd * z));
        }

        @Override
        public int max() {
            return (int) Math.ceil(mean + 6 * sd);
        }
    }

    /** Parses the command-line forms; {@code option} names the flag in error messages. */
    static LengthDistribution parse(String option, String text) {
        String[] p = text.trim().split(":");
        try {
            if (p.length == 1) {
                return new Fixed(Integer.parseInt(p[0]));
            } else if (p.length == 3 && p[0].equals("uniform")) {
                return new Uniform(Integer.parseInt(p[1]), Integer.parseInt(p[2]));
            } else if (p.length == 3 && p[0].equals("normal")) {
                return new Normal(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
            }
        } catch (IllegalArgumentException e) { // a bad number, or bounds the records refuse
            // the message below says what is expected
        }
        throw new IllegalArgumentException(option + ": expected N, uniform:MIN:MAX or normal:MEAN:SD with lengths >= 1, got '"
                + text + "'");
    }

    private static void require(boolean valid) {
        if (!valid) {
            throw new IllegalArgumentException("lengths must be >= 1 and bounds ordered");
        }
    }
}
