package dev.triggers;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
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
        ensureDatabase(config.get("db.url").asString().orElseThrow());
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

    /** Creates the database named in {@code jdbcUrl} if it does not exist, so a fresh machine needs no setup. */
    static void ensureDatabase(String jdbcUrl) {
        int slash = jdbcUrl.lastIndexOf('/');
        int query = jdbcUrl.indexOf('?', slash);
        String name = query < 0 ? jdbcUrl.substring(slash + 1) : jdbcUrl.substring(slash + 1, query);
        String admin = jdbcUrl.substring(0, slash + 1) + "postgres";
        try (Connection c = DriverManager.getConnection(admin, "postgres", "");
             Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "") + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            st.execute("CREATE DATABASE \"" + name.replace("\"", "") + "\"");
        } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) { // created meanwhile by a concurrent run
                throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
            }
        }
    }
}
