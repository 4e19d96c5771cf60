package dev.triggers.platform.db;

import java.time.Instant;
import java.util.UUID;

import dev.triggers.platform.Timestamps;
import io.helidon.dbclient.DbRow;

/** Typed reads of DB-client rows that tolerate SQL NULL (the client's own getters throw on it). */
public final class Rows {
    private Rows() {
    }

    public static Object value(DbRow row, String column) {
        return row.column(column).asOptional().orElse(null);
    }

    public static String string(DbRow row, String column) {
        Object v = value(row, column);
        return v == null ? null : v.toString();
    }

    public static UUID uuid(DbRow row, String column) {
        Object v = value(row, column);
        return v == null ? null : (v instanceof UUID u ? u : UUID.fromString(v.toString()));
    }

    public static Instant instant(DbRow row, String column) {
        return Timestamps.fromDb(value(row, column));
    }

    public static Integer integer(DbRow row, String column) {
        Object v = value(row, column);
        return v == null ? null : ((Number) v).intValue();
    }
}
