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
 * {@code db.wal-compression}: the server's own sessions compress their WAL page images where PostgreSQL lets them,
 * and a role that may not set it still connects, with the server's setting. Runs against the test database, whose
 * role (postgres) is a superuser and whose server leaves wal_compression off.
 */
class WalCompressionTest {
    private static final String PLAIN_ROLE = "triggers_test_plain";

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
        try (Connection admin = adminConnection(); Statement st = admin.createStatement()) {
            st.execute("DO $$ BEGIN CREATE ROLE " + PLAIN_ROLE + " LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        }
        assertThat(pooledSetting(Map.of("DB_USERNAME", PLAIN_ROLE)), is("off"));
    }

    @Test
    void anUnknownMethodStopsTheStart() {
        Config config = TestSupport.config(Map.of("DB_WAL_COMPRESSION", "gzip", "REDIS_URL", ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Database.create(config.get("db")));
        assertThat(e.getMessage(), containsString("db.wal-compression"));
    }

    private static String pooledSetting(Map<String, String> env) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("REDIS_URL", "");
        Config config = TestSupport.config(all);
        try (Database db = Database.create(config.get("db")); Connection conn = db.connection()) {
            return setting(conn);
        }
    }

    private static String serverSetting() throws Exception {
        try (Connection conn = adminConnection()) {
            return setting(conn);
        }
    }

    private static Connection adminConnection() throws Exception {
        Config db = TestSupport.config(Map.of("REDIS_URL", "")).get("db");
        return DriverManager.getConnection(db.get("url").asString().get(), db.get("username").asString().get(), "");
    }

    private static String setting(Connection conn) throws Exception {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SHOW wal_compression")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
