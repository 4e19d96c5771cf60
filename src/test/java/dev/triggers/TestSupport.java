package dev.triggers;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

import dev.triggers.platform.config.AppConfig;
import io.helidon.config.Config;

/**
 * The test profile ({@code config/test.yaml}) plus the environment (so {@code DB_URL}/{@code REDIS_URL} can point
 * a run at other databases) plus per-test overrides; and one shared {@link Application} for the suite.
 */
public final class TestSupport {
    private static Application shared;

    private TestSupport() {
    }

    /** Test-profile config; {@code overrides} use the environment-variable names of the contract. */
    public static Config config(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(overrides);
        Config config = AppConfig.load(Path.of("config"), "test", env);
        freshDatabase(config.get("db.url").asString().orElseThrow());
        return config;
    }

    public static Config config() {
        return config(Map.of());
    }

    /** The application every {@code @ServerTest} of the suite shares (one pool, one schema migration). */
    public static synchronized Application app() {
        if (shared == null) {
            shared = Application.create(config());
        }
        return shared;
    }

    /** A server of the shared application on a free port, for {@code @SetUpServer} methods. */
    public static void setUpServer(io.helidon.webserver.WebServerConfig.Builder server) {
        app().configureServer(server);
        server.port(0).host("127.0.0.1");
    }

    private static final java.util.Set<String> RECREATED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Once per test run, drops and recreates the database named in {@code jdbcUrl} so every run starts from an
     * empty schema built by the migrations, whatever earlier runs left. Only databases named
     * {@code triggers_test*} are ever dropped.
     */
    static void freshDatabase(String jdbcUrl) {
        int slash = jdbcUrl.lastIndexOf('/');
        int query = jdbcUrl.indexOf('?', slash);
        String name = query < 0 ? jdbcUrl.substring(slash + 1) : jdbcUrl.substring(slash + 1, query);
        String admin = jdbcUrl.substring(0, slash + 1) + "postgres";
        try (Connection c = DriverManager.getConnection(admin, "postgres", "");
             Statement st = c.createStatement()) {
            if (!name.startsWith("triggers_test")) {
                throw new IllegalStateException("tests only run against databases named triggers_test*, not " + name);
            }
            if (!RECREATED.add(name)) {
                return;
            }
            st.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
            st.execute("CREATE DATABASE \"" + name + "\"");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot recreate test database " + name + ": " + e.getMessage(), e);
        }
    }
}
