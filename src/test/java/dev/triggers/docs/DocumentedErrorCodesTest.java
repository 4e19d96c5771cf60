package dev.triggers.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItems;

/**
 * Every machine error code the server can put in a problem document is explained in docs/API.md and listed in
 * the OpenAPI document, and docs/API.md explains no code the server cannot return. The codes are read from the
 * source, where they are written: the code argument of {@code new ApiException(status, code, ...)} and of
 * {@code ApiException.badRequest(code, ...)} (a ternary of literals counts each), and {@code String error = ...}
 * assignments (a switch's every literal) in the error mapping.
 */
class DocumentedErrorCodesTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path API_DOC = Path.of("docs/API.md");
    private static final Path OPENAPI = Path.of("src/main/resources/openapi.yaml");
    private static final List<Pattern> CODE_ARGUMENTS = List.of(
            Pattern.compile("new ApiException\\(\\s*Status\\.\\w+\\s*,\\s*([^,]+),"),
            Pattern.compile("\\bbadRequest\\(\\s*([^,]+),"),
            Pattern.compile("String error\\s*=\\s*(switch\\b.*?\\n\\s*\\});", Pattern.DOTALL),
            Pattern.compile("String error\\s*=\\s*([^;]+);"));
    private static final Pattern LITERAL = Pattern.compile("\"([a-z][a-z0-9_]*)\"");
    // The error-code table of docs/API.md: rows "| 400 | `code` | meaning |".
    private static final Pattern DOC_ROW = Pattern.compile("^\\| \\d{3} \\| `([a-z0-9_]+)` \\|", Pattern.MULTILINE);

    @Test
    void theScanFindsTheCodesOfEveryKindOfSite() throws IOException {
        // Guards the scan itself: one code from each construction above, so a scan that finds nothing cannot pass.
        assertThat(codesInSource(), hasItems("validation_error", "not_found", "duplicate_event", "rate_limited",
                "malformed_json", "json_too_deep", "cursor_mismatch", "http_version_not_supported", "internal_error"));
    }

    @Test
    void everyCodeIsExplainedInTheApiReference() throws IOException {
        Set<String> documented = documentedCodes();
        Set<String> missing = new TreeSet<>(codesInSource());
        missing.removeAll(documented);
        assertThat("codes the server returns but docs/API.md's error table does not explain", missing, empty());
    }

    @Test
    void theApiReferenceExplainsNoCodeTheServerCannotReturn() throws IOException {
        Set<String> stale = new TreeSet<>(documentedCodes());
        stale.removeAll(codesInSource());
        assertThat("codes in docs/API.md's error table that no source file returns", stale, empty());
    }

    @Test
    void everyCodeIsListedInTheOpenApiProblemSchema() throws IOException {
        Set<String> missing = new TreeSet<>(codesInSource());
        missing.removeAll(openApiCodes());
        assertThat("codes missing from components.schemas.Problem.properties.error.examples", missing, empty());
    }

    static Set<String> codesInSource() throws IOException {
        Set<String> codes = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                for (Pattern site : CODE_ARGUMENTS) {
                    Matcher m = site.matcher(source);
                    while (m.find()) {
                        Matcher literal = LITERAL.matcher(m.group(1));
                        while (literal.find()) {
                            codes.add(literal.group(1));
                        }
                    }
                }
            }
        }
        return codes;
    }

    private static Set<String> documentedCodes() throws IOException {
        Set<String> codes = new TreeSet<>();
        Matcher m = DOC_ROW.matcher(Files.readString(API_DOC));
        while (m.find()) {
            codes.add(m.group(1));
        }
        return codes;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> openApiCodes() throws IOException {
        Map<String, Object> doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(OPENAPI));
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("schemas");
        Map<String, Object> problem = (Map<String, Object>) schemas.get("Problem");
        Map<String, Object> error = (Map<String, Object>) ((Map<String, Object>) problem.get("properties")).get("error");
        return new TreeSet<>((List<String>) error.get("examples"));
    }
}
