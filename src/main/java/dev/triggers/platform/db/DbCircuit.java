package dev.triggers.platform.db;

import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.TimeUnit;

/**
 * Whether PostgreSQL is known to be unreachable. Once a connection cannot be had because PostgreSQL refuses or
 * drops it, the circuit opens: callers are refused at once (each request would otherwise wait the pool's whole
 * connection timeout for its 503) while one background thread probes every {@code db.circuit.probe-interval-ms}
 * with a connection of its own; the first probe that gets an answer closes the circuit.
 *
 * <p>A pool that is merely saturated (every connection busy, PostgreSQL fine) does not open it: that wait ends
 * with no connection failure behind it.
 */
public final class DbCircuit implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DbCircuit.class.getName());

    /** One attempt to reach PostgreSQL, outside the pool; throws when it does not answer. */
    @FunctionalInterface
    public interface Probe {
        void run() throws SQLException;
    }

    /** The refusal while the circuit is open; SQLState 08001, which {@link Database#isUnavailable} maps to 503. */
    public static final class Refused extends SQLTransientConnectionException {
        Refused() {
            super("the database is unreachable; retry shortly", "08001");
        }
    }

    private final Probe probe;
    private final long intervalMillis;
    private final Runnable onOpen;
    private final Runnable onClose;
    private final Object lock = new Object();
    private volatile boolean open;
    private volatile boolean closed;
    private Thread prober;

    /** {@code onOpen} and {@code onClose} run on the state change, before callers see the new state. */
    public DbCircuit(Probe probe, long intervalMillis, Runnable onOpen, Runnable onClose) {
        if (intervalMillis < 1) {
            throw new IllegalArgumentException("db.circuit.probe-interval-ms must be at least 1, not " + intervalMillis);
        }
        this.probe = probe;
        this.intervalMillis = intervalMillis;
        this.onOpen = onOpen;
        this.onClose = onClose;
    }

    public boolean isOpen() {
        return open;
    }

    /** Throws, without touching the pool, while the circuit is open; the HTTP layer answers it with 503. */
    public void check() throws SQLTransientConnectionException {
        if (open) {
            throw new Refused();
        }
    }

    /** Reports a failure to get a connection; opens the circuit when it says PostgreSQL cannot be reached. */
    public void failed(Throwable e) {
        if (open || closed || !isConnectionFailure(e)) {
            return;
        }
        synchronized (lock) {
            if (open || closed) {
                return;
            }
            onOpen.run();
            open = true;
            LOG.log(Level.WARNING, "database unreachable, refusing requests at once and probing every "
                    + intervalMillis + " ms: " + e);
            prober = Thread.ofPlatform().daemon().name("db-circuit-probe").start(this::probeUntilAnswered);
        }
    }

    private void probeUntilAnswered() {
        long since = System.nanoTime();
        while (!closed) {
            try {
                Thread.sleep(intervalMillis);
                probe.run();
                onClose.run();
                open = false;
                LOG.log(Level.INFO, "database reachable again after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since) + " ms; accepting requests");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SQLException | RuntimeException e) {
                // Still down: the next probe follows after the interval.
            }
        }
    }

    /** Whether {@code e} is (or wraps) a refusal of the open circuit: the outage was logged once, when it opened. */
    public static boolean refused(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof Refused) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when {@code e} comes from PostgreSQL refusing or dropping connections (SQLState class 08, or 57P: shut
     * down or in recovery), or the network failing; the pool's wait alone carries no such cause.
     */
    static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
                    || t instanceof java.net.UnknownHostException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            closed = true;
            t = prober;
        }
        if (t != null) {
            t.interrupt();
        }
    }
}
