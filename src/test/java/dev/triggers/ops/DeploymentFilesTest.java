package dev.triggers.ops;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.triggers.platform.config.EnvOverrides;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * No Docker engine runs where the suite runs, so the deployment files are checked by reading them: every image
 * pinned, every variable one the server knows, every address a service of the file, every secret declared.
 */
class DeploymentFilesTest {
    private static final Set<String> LAUNCH_VARIABLES = Set.of("HELIDON_CONFIG_PROFILE", "JAVA_OPTS", "MALLOC_ARENA_MAX");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compose() throws IOException {
        return new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void everyImageIsPinnedToAVersion() throws IOException {
        map(compose().get("services")).forEach((name, service) -> {
            String image = (String) map(service).get("image");
            assertThat(name + " names its image", image != null, is(true));
            assertThat(name, image, not(containsString(":latest")));
            assertThat(name + " pins a tag", image.contains(":"), is(true));
        });
    }

    @Test
    void theServerGetsOnlyVariablesItReadsAndReachesServicesOfTheFile() throws IOException {
        Map<String, Object> services = map(compose().get("services"));
        Map<String, Object> server = map(services.get("triggers-api"));
        Map<String, Object> env = map(server.get("environment"));
        Set<String> known = EnvOverrides.variables();
        for (String var : env.keySet()) {
            boolean ok = LAUNCH_VARIABLES.contains(var) || known.contains(var)
                    || var.endsWith("_FILE") && known.contains(var.substring(0, var.length() - "_FILE".length()));
            assertThat("the server reads " + var, ok, is(true));
        }
        assertThat(env.get("HELIDON_CONFIG_PROFILE"), is("prod"));
        URI db = URI.create(((String) env.get("DB_URL")).substring("jdbc:".length()));
        assertThat(services, hasKey(db.getHost()));
        assertThat(services, hasKey(URI.create((String) env.get("REDIS_URL")).getHost()));
        // prod refuses to start without these two (StartupChecks).
        assertThat(env.keySet(), hasItem("ADMIN_TOKEN_FILE"));
        assertThat(env.keySet(), hasItem("KEYS_PEPPER_FILE"));
    }

    @Test
    void everySecretFileVariablePointsAtASecretTheServiceMounts() throws IOException {
        Map<String, Object> compose = compose();
        Map<String, Object> declared = map(compose.get("secrets"));
        map(compose.get("services")).forEach((name, s) -> {
            Map<String, Object> service = map(s);
            Object environment = service.get("environment");
            if (environment == null) {
                return;
            }
            @SuppressWarnings("unchecked")
            List<String> mounted = (List<String>) service.getOrDefault("secrets", List.of());
            map(environment).forEach((var, value) -> {
                if (var.endsWith("_FILE")) {
                    String secret = ((String) value).replaceFirst("^/run/secrets/", "");
                    assertThat(name + " " + var, mounted, hasItem(secret));
                    assertThat(declared, hasKey(secret));
                }
            });
        });
    }

    @Test
    void thePublishedPortIsTheServersPortAndTheImagesExposedPort() throws IOException {
        Map<String, Object> server = map(map(compose().get("services")).get("triggers-api"));
        String port = (String) map(server.get("environment")).get("SERVER_PORT");
        @SuppressWarnings("unchecked")
        List<String> ports = (List<String>) server.get("ports");
        assertThat(ports.getFirst().endsWith(":" + port), is(true));
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile, containsString("EXPOSE " + port));
    }

    @Test
    void theImageHasAHealthCheckOnLivenessAndOciLabels() throws IOException {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        Matcher healthcheck = Pattern.compile("(?m)^HEALTHCHECK .*\\n\\s*CMD .*/health/live.*$").matcher(dockerfile);
        assertThat(healthcheck.find(), is(true));
        Set<String> labels = new HashSet<>();
        Matcher label = Pattern.compile("org\\.opencontainers\\.image\\.([a-z]+)=").matcher(dockerfile);
        while (label.find()) {
            labels.add(label.group(1));
        }
        assertThat(labels, hasItem("title"));
        assertThat(labels, hasItem("version"));
    }

    @Test
    void prometheusScrapesTheServersMetricsPath() throws IOException {
        Map<String, Object> prometheus = new Yaml().load(Files.readString(Path.of("deploy/prometheus.yml")));
        @SuppressWarnings("unchecked")
        Map<String, Object> job = ((List<Map<String, Object>>) prometheus.get("scrape_configs")).getFirst();
        assertThat(job.get("metrics_path"), is("/metrics"));
        assertThat(job.toString(), containsString("triggers-api:8080"));
    }
}
