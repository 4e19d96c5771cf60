package dev.triggers.platform.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Applies the versioned SQL files under {@code db/migration/} at start-up.
 *
 * <p>Instances starting together serialise on a PostgreSQL advisory lock; each then applies only the versions
 * the table {@code schema_migrations} lacks. A start against an up-to-date schema reads one row and runs no DDL.
 */
public final class Migrations {
    /** In order; a new migration is appended here and never edited after it ships. */
    static final List<String> FILES = List.of("V1__initial_schema.sql", "V2__due_by_organization.sql",
            "V3__events_room_for_updates.sql", "V4__payload_as_sent.sql", "V5__primary_key_room_for_versions.sql");
    private static final long LOCK_KEY = 0x7472696767657273L; // "triggers"
    private static final System.Logger LOG = System.getLogger(Migrations.class.getName());

    private Migrations() {
    }

    /** Brings the schema up to date; returns how many migrations this call applied. */
    public static int migrate(Connection conn) throws SQLException {
        if (appliedVersion(conn) >= FILES.size()) {
            return 0;
        }
        boolean autoCommit = conn.getAutoCommit();
        conn.setAutoCommit(true);
        try (Statement st = conn.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            try {
                st.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                        + "version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
                int applied = 0;
                for (int version = appliedVersion(conn) + 1; version <= FILES.size(); version++) {
                    apply(conn, version, FILES.get(version - 1));
                    applied++;
                }
                return applied;
            } finally {
                st.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
            }
        } finally {
            conn.setAutoCommit(autoCommit);
        }
    }

    static int appliedVersion(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('schema_migrations') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return 0;
            }
        }
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM schema_migrations")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void apply(Connection conn, int version, String file) throws SQLException {
        String sql = read("db/migration/" + file);
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement();
             PreparedStatement record = conn.prepareStatement("INSERT INTO schema_migrations (version, name) VALUES (?, ?)")) {
            st.execute(sql);
            record.setInt(1, version);
            record.setString(2, file);
            record.executeUpdate();
            conn.commit();
            LOG.log(System.Logger.Level.INFO, "applied migration " + file);
        } catch (SQLException e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(true);
        }
    }

    private static String read(String resource) {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("migration not found on the class path: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
