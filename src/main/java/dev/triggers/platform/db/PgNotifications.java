package dev.triggers.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * PostgreSQL LISTEN/NOTIFY, used to tell every instance about changes it must not learn late (a rotated key, a
 * new webhook URL) and to wake delivery engines. PostgreSQL is always there, so this works in edge mode too.
 *
 * <p>One dedicated connection outside the pool listens. When it breaks, every subscriber's {@code onReconnect} runs
 * (notifications may have been missed) and it reconnects with a capped backoff.
 */
public final class PgNotifications implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PgNotifications.class.getName());

    private final String url;
    private final Properties props = new Properties();
    private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private final List<Runnable> reconnectListeners = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private volatile boolean connected;
    private Thread thread;

    public PgNotifications(String url, String user, String password) {
        this.url = url;
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "2");
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "triggers-api-listener");
    }

    /** Registers before {@link #start()}: {@code onMessage} gets each payload sent on {@code channel}. */
    public PgNotifications subscribe(String channel, Consumer<String> onMessage) {
        listeners.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(onMessage);
        return this;
    }

    /** Runs after the listening connection was lost and re-established: anything may have been missed. */
    public PgNotifications onReconnect(Runnable action) {
        reconnectListeners.add(action);
        return this;
    }

    public void start() {
        thread = Thread.ofPlatform().daemon().name("pg-notifications").start(this::loop);
    }

    public boolean connected() {
        return connected;
    }

    /** Sends a notification on a pooled connection (outside any transaction of the caller). */
    public static void notify(Connection conn, String channel, String payload) throws SQLException {
        try (var ps = conn.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, channel);
            ps.setString(2, payload);
            ps.execute();
        }
    }

    private void loop() {
        long backoff = 100;
        boolean first = true;
        while (running) {
            try (Connection conn = DriverManager.getConnection(url, props)) {
                try (Statement st = conn.createStatement()) {
                    for (String channel : listeners.keySet()) {
                        st.execute("LISTEN " + channel);
                    }
                }
                connected = true;
                if (!first) {
                    reconnectListeners.forEach(Runnable::run);
                }
                first = false;
                backoff = 100;
                PGConnection pg = conn.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] batch = pg.getNotifications(1000);
                    if (batch == null) {
                        continue;
                    }
                    for (PGNotification n : batch) {
                        for (Consumer<String> l : listeners.getOrDefault(n.getName(), List.of())) {
                            try {
                                l.accept(n.getParameter());
                            } catch (RuntimeException e) {
                                LOG.log(System.Logger.Level.WARNING, "notification listener failed on " + n.getName(), e);
                            }
                        }
                    }
                }
            } catch (SQLException e) {
                if (connected) {
                    LOG.log(System.Logger.Level.WARNING, "lost the notification connection: " + e.getMessage());
                }
                connected = false;
                first = false;
                sleep(backoff);
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
