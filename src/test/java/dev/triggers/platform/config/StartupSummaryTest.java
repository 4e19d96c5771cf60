package dev.triggers.platform.config;

import java.nio.file.Path;
import java.util.Map;

import io.helidon.config.Config;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

class StartupSummaryTest {
    private static Config load(String profile, Map<String, String> env) {
        return AppConfig.load(Path.of("config"), profile, env);
    }

    @Test
    void theSummaryNamesProfileDatabaseAndRedisWithoutPasswords() {
        Config c = load("dev", Map.of("DB_URL", "jdbc:postgresql://db:5432/app?user=u&password=hunter2&ssl=true",
                "REDIS_URL", "redis://default:hunter3@cache:6379/0"));
        String line = StartupSummary.describe(c);
        assertThat(line, containsString("profile dev"));
        assertThat(line, containsString("jdbc:postgresql://db:5432/app?user=u&password=***&ssl=true"));
        assertThat(line, containsString("redis://***@cache:6379/0"));
        assertThat(line, not(containsString("hunter")));
    }

    @Test
    void withoutRedisTheSummarySaysSingleNode() {
        assertThat(StartupSummary.describe(load("dev", Map.of("REDIS_URL", ""))), containsString("single-node"));
    }

    @Test
    void devDefaultsOnAReachableAddressAreWarnedAboutOneLineEach() {
        assertThat(StartupSummary.warnings(load("dev", Map.of("SERVER_HOST", "0.0.0.0"))), hasSize(3));
        assertThat(StartupSummary.warnings(load("dev", Map.of("SERVER_HOST", "127.0.0.1"))), is(empty()));
        assertThat(StartupSummary.warnings(load("prod", Map.of())), is(empty()));
    }

    @Test
    void anUnknownProfileIsRefusedWithTheProfilesThatExist() {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> load("staging", Map.of()));
        assertThat(e.getMessage(), containsString("'staging'"));
        assertThat(e.getMessage(), containsString("profiles here: dev, prod, test"));
    }
}
