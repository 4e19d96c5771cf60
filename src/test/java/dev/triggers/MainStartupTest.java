package dev.triggers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/** A start-up the configuration refuses ends with one line the operator can act on, never a stack trace. */
class MainStartupTest {
    @Test
    void aMistypedProfileIsOneLineAndExitCode2() throws Exception {
        Result r = run(Map.of("HELIDON_CONFIG_PROFILE", "stagng"));
        assertThat(r.exit, is(2));
        assertThat(r.output, startsWith("refusing to start: unknown profile 'stagng'"));
        assertThat(r.output.strip().lines().count(), is(1L));
    }

    @Test
    void anUnreadableSecretFileIsOneLineAndExitCode2() throws Exception {
        Result r = run(Map.of("HELIDON_CONFIG_PROFILE", "test", "KEYS_PEPPER_FILE", "/nonexistent/pepper"));
        assertThat(r.exit, is(2));
        assertThat(r.output, startsWith("refusing to start: KEYS_PEPPER_FILE=/nonexistent/pepper cannot be read"));
        assertThat(r.output.strip().lines().count(), is(1L));
    }

    private record Result(int exit, String output) {
    }

    private static Result run(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.triggers.Main").redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the server started instead of refusing");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
