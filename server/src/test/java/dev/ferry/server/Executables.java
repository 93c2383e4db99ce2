package dev.ferry.server;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the programs that tests run for real (Redis, nginx, Prometheus, yamllint, kubectl). A
 * missing one fails the test with the command that installs it: the suite never skips silently.
 */
public final class Executables {
    /** Debian installs daemons such as nginx in sbin folders, which a user's PATH often lacks. */
    private static final List<String> SBIN = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    private Executables() {
    }

    /**
     * @param debianPackage what provides it on Debian/Ubuntu (and in ./run-tests' install list)
     * @param needs what the tests do with it, for the failure message
     */
    public static Path require(String name, String debianPackage, String needs) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(SBIN);
        for (String dir : dirs) {
            Path p = Path.of(dir, name);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException(name + " is not installed, and " + needs + ": install it (Debian/Ubuntu: "
                + "apt-get install -y " + debianPackage + "), or run ./run-tests, which installs what the tests need");
    }
}
