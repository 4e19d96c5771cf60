package dev.triggers.platform.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * docs/CONFIGURATION.md's key table is the configuration as shipped: every environment variable of
 * {@link EnvOverrides} with its key and nothing else, every key of the YAML files, and the defaults and profile
 * values the files really hold.
 */
class DocumentedConfigurationTest {
    private static final Path DOC = Path.of("docs/CONFIGURATION.md");
    private static final Path CONFIG = Path.of("config");
    private static final List<String> PROFILES = List.of("dev", "test", "prod");
    // | `key` | `ENV` or — | default | dev | test | prod | meaning |
    private static final Pattern ROW = Pattern.compile(
            "^\\| `([a-z0-9_.-]+)` \\| (?:`([A-Z0-9_]+)`|—) \\|([^|]*)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|.*$",
            Pattern.MULTILINE);
    private static final Pattern VALUE = Pattern.compile("^`(.*)`$");

    private record Row(String key, String env, String defaultCell, Map<String, String> profileCells) {
    }

    @Test
    void documentsEveryEnvironmentVariableWithItsKeyAndNoOther() throws IOException {
        Map<String, String> documented = new TreeMap<>();
        for (Row row : rows().values()) {
            if (row.env() != null) {
                documented.put(row.env(), row.key());
            }
        }
        assertThat(documented, is(new TreeMap<>(EnvOverrides.KEYS)));
    }

    @Test
    void documentsEveryKeyOfTheConfigurationFiles() throws IOException {
        Set<String> missing = new TreeSet<>();
        for (String file : List.of("application", "dev", "test", "prod")) {
            missing.addAll(leaves(file).keySet());
        }
        missing.removeAll(rows().keySet());
        assertThat("keys in config/*.yaml that docs/CONFIGURATION.md does not list", missing, empty());
    }

    @Test
    void documentsOnlyKeysThatExist() throws IOException {
        Set<String> unknown = new TreeSet<>(rows().keySet());
        unknown.removeAll(leaves("application").keySet());
        unknown.removeAll(EnvOverrides.KEYS.values());
        assertThat("keys in docs/CONFIGURATION.md that neither a YAML file nor EnvOverrides knows", unknown, empty());
    }

    @Test
    void theDefaultsAndProfileValuesAreTheFilesValues() throws IOException {
        Map<String, Row> rows = rows();
        assertThat(rows, aMapWithSize(greaterThan(50)));
        Map<String, String> defaults = leaves("application");
        Map<String, String> wrong = new TreeMap<>();
        for (Row row : rows.values()) {
            String documented = value(row.defaultCell());
            String actual = defaults.get(row.key());
            if (documented == null ? actual != null : !documented.equals(actual)) {
                wrong.put(row.key() + " (default)", "documented " + row.defaultCell() + ", application.yaml " + actual);
            }
            for (String profile : PROFILES) {
                String cell = row.profileCells().get(profile);
                String inFile = leaves(profile).get(row.key());
                String expected = cell.isBlank() ? null : value(cell);
                if (expected == null ? inFile != null : !expected.equals(inFile)) {
                    wrong.put(row.key() + " (" + profile + ")", "documented '" + cell + "', " + profile + ".yaml " + inFile);
                }
            }
        }
        assertThat(wrong, is(Map.of()));
    }

    /** A cell's value: the text between backticks ({@code ""} for the empty string); null for prose. */
    private static String value(String cell) {
        Matcher m = VALUE.matcher(cell.trim());
        if (!m.matches()) {
            return null;
        }
        return m.group(1).equals("\"\"") ? "" : m.group(1);
    }

    private static Map<String, Row> rows() throws IOException {
        Map<String, Row> rows = new LinkedHashMap<>();
        Matcher m = ROW.matcher(Files.readString(DOC));
        while (m.find()) {
            rows.put(m.group(1), new Row(m.group(1), m.group(2), m.group(3).trim(),
                    Map.of("dev", m.group(4).trim(), "test", m.group(5).trim(), "prod", m.group(6).trim())));
        }
        return rows;
    }

    /** The file's leaf keys, dotted, with their values as text. */
    private static Map<String, String> leaves(String file) throws IOException {
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(CONFIG.resolve(file + ".yaml")));
        Map<String, String> out = new TreeMap<>();
        flatten("", doc, out);
        return out;
    }

    private static void flatten(String prefix, Object node, Map<String, String> out) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v, out));
        } else if (node instanceof List<?> list) {
            out.put(prefix, String.join(",", list.stream().map(String::valueOf).toList()));
        } else if (node != null) {
            out.put(prefix, String.valueOf(node));
        }
    }
}
