package dev.triggers.platform.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EnvOverridesTest {
    @TempDir
    Path dir;

    @Test
    void aFileVariableGivesTheValueWithoutItsTrailingLineBreak() throws Exception {
        Path token = Files.writeString(dir.resolve("admin-token"), "s3cret-token\n");
        Path pepper = Files.writeString(dir.resolve("pepper"), "pepper-with-crlf\r\n");
        Map<String, String> out = EnvOverrides.from(Map.of("ADMIN_TOKEN_FILE", token.toString(),
                "KEYS_PEPPER_FILE", pepper.toString(), "DB_PASSWORD", "plain"));
        assertThat(out.get("admin.token"), is("s3cret-token"));
        assertThat(out.get("keys.pepper"), is("pepper-with-crlf"));
        assertThat(out.get("db.password"), is("plain"));
    }

    @Test
    void everyVariableOfTheTableHasAFileVariant() throws Exception {
        Path file = Files.writeString(dir.resolve("v"), "42");
        for (Map.Entry<String, String> e : EnvOverrides.KEYS.entrySet()) {
            Map<String, String> out = EnvOverrides.from(Map.of(e.getKey() + "_FILE", file.toString()));
            assertThat(e.getKey(), out.get(e.getValue()), is("42"));
        }
    }

    @Test
    void bothTheVariableAndItsFileAreRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("p"), "x");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EnvOverrides.from(Map.of("DB_PASSWORD", "y", "DB_PASSWORD_FILE", file.toString())));
        assertThat(e.getMessage(), containsString("DB_PASSWORD_FILE"));
    }

    @Test
    void anUnreadableFileIsRefusedByNameWithoutItsContent() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EnvOverrides.from(Map.of("KEYS_PEPPER_FILE", dir.resolve("missing").toString())));
        assertThat(e.getMessage(), containsString("KEYS_PEPPER_FILE"));
        assertThat(e.getMessage(), containsString("missing"));
        assertThat(e.getMessage().contains("\n"), is(false));
    }

    @Test
    void theFileVariantGoesThroughTheWholeConfiguration() throws Exception {
        Path pepper = Files.writeString(dir.resolve("pepper"), "p".repeat(40) + "\n");
        var config = AppConfig.load(Path.of("config"), "prod", Map.of("KEYS_PEPPER_FILE", pepper.toString(),
                "ADMIN_TOKEN", "a".repeat(32)));
        assertThat(config.get("keys.pepper").asString().get(), is("p".repeat(40)));
        assertThat(StartupChecks.problems(config).toString(), StartupChecks.problems(config).isEmpty(), is(true));
        assertThat(StartupSummary.describe(config), not(containsString("ppp")));
    }
}
