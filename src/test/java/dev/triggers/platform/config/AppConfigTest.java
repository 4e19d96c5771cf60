package dev.triggers.platform.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.webserver.WebServerConfig;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AppConfigTest {
    private static final Path DIR = Path.of("config");

    private static Config load(String profile, Map<String, String> env) {
        return AppConfig.load(DIR, profile, env);
    }

    @Test
    void devIsOpenForLocalWorkAndProdIsClosed() {
        Config dev = load("dev", Map.of());
        assertThat(dev.get("signup.open").asBoolean().get(), is(true));
        assertThat(dev.get("webhooks.allow-private-targets").asBoolean().get(), is(true));
        Config prod = load("prod", Map.of());
        assertThat(prod.get("signup.open").asBoolean().get(), is(false));
        assertThat(prod.get("webhooks.allow-private-targets").asBoolean().get(), is(false));
    }

    @Test
    void contractDefaultsHoldWithoutOverrides() {
        Config c = load("dev", Map.of());
        assertThat(c.get("server.port").asInt().get(), is(8080));
        assertThat(c.get("db.url").asString().get(), is("jdbc:postgresql://127.0.0.1:5432/postgres"));
        assertThat(c.get("db.username").asString().get(), is("postgres"));
        assertThat(c.get("redis.url").asString().get(), is("redis://127.0.0.1:6379"));
        assertThat(c.get("delivery.max-attempts").asInt().get(), is(5));
        assertThat(c.get("delivery.initial-backoff-ms").asInt().get(), is(1000));
        assertThat(c.get("delivery.timeout-ms").asInt().get(), is(10000));
        assertThat(c.get("rate-limits.free").asInt().get(), is(100));
        assertThat(c.get("rate-limits.enterprise").asInt().get(), is(100000));
    }

    @Test
    void everyContractEnvironmentVariableOverridesItsKey() {
        Map<String, String> env = Map.ofEntries(
                Map.entry("SERVER_PORT", "9999"), Map.entry("DB_URL", "jdbc:postgresql://db:5432/x"),
                Map.entry("DB_USERNAME", "u"), Map.entry("DB_PASSWORD", "p"), Map.entry("REDIS_URL", ""),
                Map.entry("SIGNUP_OPEN", "false"), Map.entry("ADMIN_TOKEN", "t"),
                Map.entry("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "false"), Map.entry("DELIVERY_MAX_ATTEMPTS", "7"),
                Map.entry("DELIVERY_INITIAL_BACKOFF_MS", "10"), Map.entry("DELIVERY_TIMEOUT_MS", "20"),
                Map.entry("RATE_LIMIT_FREE", "1"), Map.entry("RATE_LIMIT_PRO", "2"), Map.entry("RATE_LIMIT_BUSINESS", "3"),
                Map.entry("RATE_LIMIT_ENTERPRISE", "4"), Map.entry("UNRELATED", "x"));
        Config c = load("dev", env);
        assertThat(c.get("server.port").asInt().get(), is(9999));
        assertThat(c.get("db.url").asString().get(), is("jdbc:postgresql://db:5432/x"));
        assertThat(c.get("db.username").asString().get(), is("u"));
        assertThat(c.get("db.password").asString().get(), is("p"));
        assertThat(c.get("redis.url").asString().get(), is(""));
        assertThat(c.get("signup.open").asBoolean().get(), is(false));
        assertThat(c.get("admin.token").asString().get(), is("t"));
        assertThat(c.get("webhooks.allow-private-targets").asBoolean().get(), is(false));
        assertThat(c.get("delivery.max-attempts").asInt().get(), is(7));
        assertThat(c.get("delivery.initial-backoff-ms").asInt().get(), is(10));
        assertThat(c.get("delivery.timeout-ms").asInt().get(), is(20));
        assertThat(c.get("rate-limits.free").asInt().get(), is(1));
        assertThat(c.get("rate-limits.pro").asInt().get(), is(2));
        assertThat(c.get("rate-limits.business").asInt().get(), is(3));
        assertThat(c.get("rate-limits.enterprise").asInt().get(), is(4));
    }

    @Test
    void everyProfileWritesEachResponseInOneCall() {
        // Read back through Helidon's own server config, so a misspelt key fails here rather than being ignored.
        for (String profile : List.of("dev", "test", "prod")) {
            WebServerConfig server = WebServerConfig.builder().config(load(profile, Map.of()).get("server")).buildPrototype();
            assertThat(profile, server.useNio(), is(false));
        }
    }

    @Test
    void anUnknownProfileIsRefusedByName() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> load("staging", Map.of()));
        assertThat(e.getMessage(), containsString("staging"));
    }

    @Test
    void prodRefusesAnUnsafeSetupWithOneLinePerProblem() {
        List<String> problems = StartupChecks.problems(load("prod", Map.of("SIGNUP_OPEN", "true",
                "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true")));
        assertThat(problems, hasSize(4));
        assertThat(problems.get(0), containsString("signup.open"));
        assertThat(problems.get(1), containsString("ADMIN_TOKEN"));
        assertThat(problems.get(2), containsString("allow-private-targets"));
        assertThat(problems.get(3), containsString("KEYS_PEPPER"));
        problems.forEach(p -> assertThat(p.contains("\n"), is(false)));
    }

    @Test
    void prodStartsWhenSecretsAreSetAndSignupIsClosed() {
        Config ok = load("prod", Map.of("ADMIN_TOKEN", "a".repeat(32), "KEYS_PEPPER", "p".repeat(32)));
        assertThat(StartupChecks.problems(ok), is(empty()));
    }

    @Test
    void openSignupInProdMustBeAcknowledgedExplicitly() {
        Config open = load("prod", Map.of("ADMIN_TOKEN", "a".repeat(32), "KEYS_PEPPER", "p".repeat(32), "SIGNUP_OPEN", "true"));
        assertThat(StartupChecks.problems(open), hasSize(1));
    }

    @Test
    void otherProfilesAreNotPoliced() {
        assertThat(StartupChecks.problems(load("dev", Map.of())), is(empty()));
    }
}
