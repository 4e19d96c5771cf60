package dev.triggers.platform.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.spi.ConfigSource;
import io.helidon.config.yaml.YamlConfigParser;

/**
 * Loads the configuration: {@code config/application.yaml}, then the profile's file over it, then the
 * environment variables of {@link EnvOverrides} over both.
 *
 * <p>The profile comes from {@code HELIDON_CONFIG_PROFILE} (or {@code -Dconfig.profile}), {@code dev} by default;
 * the folder from {@code CONFIG_DIR}, {@code config} by default.
 */
public final class AppConfig {
    private AppConfig() {
    }

    public static Config load() {
        String profile = firstNonBlank(System.getProperty("config.profile"), System.getenv("HELIDON_CONFIG_PROFILE"), "dev");
        String dir = firstNonBlank(System.getProperty("config.dir"), System.getenv("CONFIG_DIR"), "config");
        return load(Path.of(dir), profile, System.getenv());
    }

    /** Builds the configuration for one profile; tests use it with their own overrides. */
    public static Config load(Path dir, String profile, Map<String, String> env) {
        Path common = dir.resolve("application.yaml");
        Path profileFile = dir.resolve(profile + ".yaml");
        if (!Files.isRegularFile(common)) {
            throw new IllegalStateException("configuration file not found: " + common.toAbsolutePath());
        }
        if (!Files.isRegularFile(profileFile)) {
            throw new IllegalStateException("unknown profile '" + profile + "' (HELIDON_CONFIG_PROFILE): no "
                    + profileFile.toAbsolutePath() + "; profiles here: " + String.join(", ", profiles(dir)));
        }
        Map<String, String> overrides = new java.util.HashMap<>(EnvOverrides.from(env));
        overrides.put("app.profile", profile);
        // Everything explicit: the sources, the one parser the files need, no filters (${...} resolution is not used;
        // EnvOverrides maps the environment) and no mapper services: discovery over the class path is costly start-up work.
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .disableParserServices()
                .addParser(YamlConfigParser.create())
                .disableFilterServices()
                .disableValueResolving()
                .disableKeyResolving()
                .disableMapperServices()
                .addSource(ConfigSources.create(overrides))
                .addSource(yaml(profileFile))
                .addSource(yaml(common))
                .build();
    }

    // Read here with the media type given: a file source detects it through the media-type detector services
    // on every load. Nothing reloads the files, so the file source's change tracking is not missed.
    private static ConfigSource yaml(Path file) {
        try {
            return ConfigSources.create(Files.readString(file), MediaTypes.APPLICATION_YAML);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
        }
    }

    /** The profiles a folder offers: its YAML files but the shared one. */
    static List<String> profiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("application.yaml"))
                    .map(n -> n.substring(0, n.length() - ".yaml".length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        throw new IllegalArgumentException("no value");
    }
}
