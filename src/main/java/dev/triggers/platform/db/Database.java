package dev.triggers.platform.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;

import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;

/**
 * The PostgreSQL connection pool and the Helidon DB client over it.
 *
 * <p>The pool's wait for a connection is bounded ({@code db.pool.connection-timeout-ms}); past it callers get an
 * exception that {@link #isUnavailable(Throwable)} recognises and the HTTP layer answers with 503. Every
 * connection is taken through the {@link DbCircuit}: once PostgreSQL is known to be unreachable, that exception
 * comes at once instead of after the wait.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final DbClient dbClient;
    private final Config config;
    private final DbCircuit circuit;

    private Database(HikariDataSource dataSource, DbClient dbClient, Config config, DbCircuit circuit) {
        this.dataSource = dataSource;
        this.dbClient = dbClient;
        this.config = config;
        this.circuit = circuit;
    }

    public static Database create(Config db) {
        // Configured on the data source itself: HikariDataSource(HikariConfig) copies the config field by field
        // through reflection (field accessors spun at run time, costly at start-up). The pool then starts on
        // the first getConnection (the schema check, right away) instead of in the constructor.
        HikariDataSource ds = new HikariDataSource();
        ds.setPoolName("triggers");
        ds.setJdbcUrl(db.get("url").asString().orElse("jdbc:postgresql://127.0.0.1:5432/postgres"));
        ds.setUsername(db.get("username").asString().orElse("postgres"));
        ds.setPassword(db.get("password").asString().orElse(""));
        ds.setMaximumPoolSize(db.get("pool.max-size").asInt().orElse(16));
        ds.setMinimumIdle(db.get("pool.min-idle").asInt().orElse(2));
        ds.setConnectionTimeout(db.get("pool.connection-timeout-ms").asLong().orElse(1000L));
        ds.setValidationTimeout(Math.min(ds.getConnectionTimeout(), 1000L));
        // Start even when PostgreSQL is down; readiness reports it and requests get 503 until it is back.
        ds.setInitializationFailTimeout(-1);
        ds.addDataSourceProperty("connectTimeout", db.get("connect-timeout-seconds").asInt().orElse(2));
        ds.addDataSourceProperty("socketTimeout", db.get("socket-timeout-seconds").asInt().orElse(30));
        ds.addDataSourceProperty("tcpKeepAlive", true);
        ds.addDataSourceProperty("reWriteBatchedInserts", true);
        // The DB client binds UUIDs (and some other types) as strings; untyped string parameters let PostgreSQL
        // infer uuid/timestamptz from the column instead of failing on "uuid = character varying".
        ds.addDataSourceProperty("stringtype", "unspecified");
        ds.addDataSourceProperty("ApplicationName", "triggers-api");
        ds.setConnectionInitSql(sessionSetup(db.get("wal-compression").asString().orElse("lz4")));
        // While the circuit is open nobody waits for the pool, and with no idle connections wanted its connection
        // adder stops retrying: left running, it backs off to 5 s between attempts and would hold the first
        // requests after the outage for up to that long. The first request after the outage starts a fresh one.
        int minIdle = ds.getMinimumIdle();
        DbCircuit circuit = new DbCircuit(() -> probe(ds), db.get("circuit.probe-interval-ms").asLong().orElse(250L),
                () -> ds.getHikariConfigMXBean().setMinimumIdle(0), () -> ds.getHikariConfigMXBean().setMinimumIdle(minIdle));
        DbClient client = JdbcClientBuilder.create()
                .config(db)
                .connectionPool(() -> {
                    try {
                        return connection(ds, circuit);
                    } catch (SQLException e) {
                        throw new DbClientException("no database connection: " + e.getMessage(), e);
                    }
                })
                .build();
        return new Database(ds, client, db, circuit);
    }

    private static Connection connection(HikariDataSource ds, DbCircuit circuit) throws SQLException {
        circuit.check();
        try {
            return ds.getConnection();
        } catch (SQLException e) {
            circuit.failed(e);
            throw e;
        }
    }

    /** A connection of its own, not the pool's: the pool would wait its whole timeout on a PostgreSQL still down. */
    private static void probe(HikariDataSource ds) throws SQLException {
        java.util.Properties props = new java.util.Properties();
        // As strings: the driver reads its settings with getProperty, which sees no Integer or Boolean value.
        ds.getDataSourceProperties().forEach((k, v) -> props.setProperty(k.toString(), v.toString()));
        props.setProperty("user", ds.getUsername());
        props.setProperty("password", ds.getPassword() == null ? "" : ds.getPassword());
        props.setProperty("ApplicationName", "triggers-api circuit probe");
        try (Connection c = java.sql.DriverManager.getConnection(ds.getJdbcUrl(), props);
             java.sql.Statement st = c.createStatement()) {
            st.setQueryTimeout(2);
            st.execute("SELECT 1");
        }
    }

    /**
     * The statement each new connection runs first. No parallel plans: every statement here is small and index-driven,
     * and a parallel plan only comes from a misestimate (then it starts worker processes for nothing). For
     * {@code db.wal-compression} see {@link #walCompressionInit}.
     */
    static String sessionSetup(String walCompression) {
        String compression = walCompressionInit(walCompression);
        return "SELECT set_config('max_parallel_workers_per_gather', '0', false)"
                + (compression == null ? "" : ", (" + compression + ")");
    }

    /**
     * The query that compresses the full-page images this session writes to the WAL (most of what an ack writes), or
     * null for {@code off}. Only superusers may set {@code wal_compression} per session, and a server built without the
     * method does not know it: the statement sets it only where both hold (a filtered SELECT never evaluates
     * set_config) and otherwise leaves the server's own setting.
     */
    static String walCompressionInit(String method) {
        if (method.equals("off")) {
            return null;
        }
        if (!method.matches("lz4|pglz|zstd")) {
            throw new IllegalArgumentException("db.wal-compression must be lz4, pglz, zstd or off, not '" + method + "'");
        }
        return "SELECT set_config('wal_compression', '" + method + "', false) FROM pg_settings "
                + "WHERE name = 'wal_compression' AND setting = 'off' AND '" + method + "' = ANY (enumvals) "
                + "AND current_setting('is_superuser') = 'on'";
    }

    /** Pool gauges for /metrics; called once the metrics registry exists. */
    public void registerMetrics() {
        MeterRegistry registry = Metrics.globalRegistry();
        gauge(registry, "db.pool.active", "connections in use", p -> p.getActiveConnections());
        gauge(registry, "db.pool.idle", "idle connections", p -> p.getIdleConnections());
        gauge(registry, "db.pool.total", "open connections", p -> p.getTotalConnections());
        gauge(registry, "db.pool.pending", "requests waiting for a connection", p -> p.getThreadsAwaitingConnection());
        registry.getOrCreate(Gauge.builder("db.pool.max", dataSource, HikariDataSource::getMaximumPoolSize)
                .description("maximum pool size"));
        registry.getOrCreate(Gauge.builder("db.circuit.open", circuit, c -> c.isOpen() ? 1 : 0)
                .description("1 while PostgreSQL is known to be unreachable and requests are refused at once"));
    }

    private void gauge(MeterRegistry registry, String name, String description,
                       java.util.function.ToIntFunction<HikariPoolMXBean> value) {
        registry.getOrCreate(Gauge.builder(name, dataSource, ds -> {
            HikariPoolMXBean pool = ds.getHikariPoolMXBean();
            return pool == null ? 0 : value.applyAsInt(pool);
        }).description(description));
    }

    public DbClient client() {
        return dbClient;
    }

    /** A pooled connection, for the few paths that need one transaction spanning several statements. */
    public Connection connection() throws SQLException {
        return connection(dataSource, circuit);
    }

    /** Open while PostgreSQL is known to be unreachable: work that needs it is refused at once. */
    public boolean unreachable() {
        return circuit.isOpen();
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    public Config config() {
        return config;
    }

    /**
     * True when the failure means "the database cannot serve us now" (pool wait exceeded, connection refused or
     * broken) rather than a bug; such failures become 503 with Retry-After.
     */
    public static boolean isUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08: connection exception; 57P: operator intervention (shutdown, crash recovery); 53: resources.
                if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")) {
                    return true;
                }
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.SocketException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return e instanceof DbClientException && e.getCause() == null && String.valueOf(e.getMessage()).contains("onnection");
    }

    @Override
    public void close() {
        circuit.close();
        dbClient.close();
        dataSource.close();
    }
}
