package dev.triggers.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import dev.triggers.TestSupport;
import io.helidon.config.Config;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What every pooled connection sets up first: no parallel plans, and ({@code db.wal-compression}) compressed WAL page
 * images where PostgreSQL lets the role set that — a role that may not still connects, with the server's setting.
 * Runs against the test database, whose role (postgres) is a superuser and whose server leaves wal_compression off.
 */
class SessionSetupTest {
    private static final String PLAIN_ROLE = "triggers_test_plain";

    @Test
    void pooledConnectionsNeverPlanParallelWorkers() throws Exception {
        assertThat(serverSetting("max_parallel_workers_per_gather"), is("2"));
        assertThat(pooledSetting(Map.of(), "max_parallel_workers_per_gather"), is("0"));
        assertThat(pooledSetting(Map.of("DB_WAL_COMPRESSION", "off"), "max_parallel_workers_per_gather"), is("0"));
        assertThat(pooledSetting(Map.of("DB_USERNAME", plainRole()), "max_parallel_workers_per_gather"), is("0"));
    }

    @Test
    void pooledConnectionsOfASuperuserRoleCompressWithTheConfiguredMethod() throws Exception {
        assertThat(serverSetting(), is("off"));
        assertThat(pooledSetting(Map.of()), is("lz4"));
        assertThat(pooledSetting(Map.of("DB_WAL_COMPRESSION", "pglz")), is("pglz"));
    }

    @Test
    void offLeavesTheServersSetting() throws Exception {
        assertThat(pooledSetting(Map.of("DB_WAL_COMPRESSION", "off")), is("off"));
    }

    @Test
    void aRoleThatMayNotSetItConnectsWithTheServersSetting() throws Exception {
        assertThat(pooledSetting(Map.of("DB_USERNAME", plainRole())), is("off"));
    }

    @Test
    void anUnknownMethodStopsTheStart() {
        Config config = TestSupport.config(Map.of("DB_WAL_COMPRESSION", "gzip", "REDIS_URL", ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Database.create(config.get("db")));
        assertThat(e.getMessage(), containsString("db.wal-compression"));
    }

    /** A login role without superuser, created once. */
    private static String plainRole() throws Exception {
        try (Connection admin = adminConnection(); Statement st = admin.createStatement()) {
            st.execute("DO $$ BEGIN CREATE ROLE " + PLAIN_ROLE + " LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        }
        return PLAIN_ROLE;
    }

    private static String pooledSetting(Map<String, String> env) throws Exception {
        return pooledSetting(env, "wal_compression");
    }

    private static String pooledSetting(Map<String, String> env, String name) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("REDIS_URL", "");
        Config config = TestSupport.config(all);
        try (Database db = Database.create(config.get("db")); Connection conn = db.connection()) {
            return setting(conn, name);
        }
    }

    private static String serverSetting() throws Exception {
        return serverSetting("wal_compression");
    }

    private static String serverSetting(String name) throws Exception {
        try (Connection conn = adminConnection()) {
            return setting(conn, name);
        }
    }

    private static Connection adminConnection() throws Exception {
        Config db = TestSupport.config(Map.of("REDIS_URL", "")).get("db");
        return DriverManager.getConnection(db.get("url").asString().get(), db.get("username").asString().get(), "");
    }

    private static String setting(Connection conn, String name) throws Exception {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
