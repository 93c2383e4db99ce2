package dev.ferry.store.config;

import dev.ferry.store.ModelLoadException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Reads the store's properties files (ferry.properties, routes.properties) as UTF-8, errors naming the file. */
public final class PropertiesFiles {
    private PropertiesFiles() {}

    public static Properties read(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelLoadException(file.getFileName() + ": cannot be read: " + e.getMessage(), e);
        }
        return p;
    }
}
