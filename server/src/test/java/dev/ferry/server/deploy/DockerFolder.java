package dev.ferry.server.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's docker/ folder, whose files the deployment tests run for real. */
final class DockerFolder {
    private DockerFolder() {
    }

    /** Found upwards from the working directory: surefire runs in server/. */
    static Path find() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docker/compose.yaml"))) {
                return p.resolve("docker");
            }
        }
        throw new IllegalStateException("no docker/compose.yaml above " + Path.of("").toAbsolutePath());
    }
}
