package dev.triggers.events;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.triggers.platform.db.Database;

/**
 * Deletes dedup claims older than 24 h, in small autocommitted chunks so it never holds many row locks or a long
 * transaction next to the ingest path. Expired claims are harmless (a new event takes them over), so a missed or
 * failed sweep only costs table space; every instance may sweep, the deletes do not conflict in any way that matters.
 */
public final class DedupSweeper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DedupSweeper.class.getName());
    static final int CHUNK = 1000;
    private static final int MAX_CHUNKS_PER_RUN = 100;

    private final Database db;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("dedup-sweeper").unstarted(r));

    public DedupSweeper(Database db) {
        this.db = db;
    }

    public DedupSweeper start(long intervalSeconds) {
        scheduler.scheduleWithFixedDelay(this::sweepQuietly, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
        return this;
    }

    /** One sweep: returns how many expired claims it deleted. */
    public int sweep() throws SQLException {
        int total = 0;
        try (Connection conn = db.connection()) {
            for (int i = 0; i < MAX_CHUNKS_PER_RUN; i++) {
                int deleted = EventStore.sweepExpiredClaims(conn, CHUNK);
                total += deleted;
                if (deleted < CHUNK) {
                    break;
                }
            }
        }
        return total;
    }

    private void sweepQuietly() {
        try {
            int deleted = sweep();
            if (deleted > 0) {
                LOG.log(System.Logger.Level.DEBUG, "deleted " + deleted + " expired dedup claims");
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "dedup sweep failed (retried next interval): " + e.getMessage());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
