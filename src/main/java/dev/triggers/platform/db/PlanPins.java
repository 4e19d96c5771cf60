package dev.triggers.platform.db;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Planner settings sent ahead of a statement in the same message, for the statements whose plan must not depend on
 * statistics: {@code SELECT set_config(..., true); <statement>} goes as one round trip with one Sync, so both run in
 * one implicit transaction and the setting ends with it (inside an explicit transaction it ends at its commit).
 *
 * <p>Why they are needed: pgjdbc prepares a statement on the server after a few executions, and PostgreSQL then keeps
 * a generic plan costed for the table as it was when the plan was made. Nothing re-costs it until the table is
 * analyzed, and a server with autovacuum off never analyzes: the delivery result writer's join of events by id, first
 * planned on a near-empty table, stayed a hash join over a sequential scan of the whole table for the rest of the run
 * (30-490 ms per result batch with 140,000 events; docs/BENCHMARKS.md, Push delivery).
 */
public final class PlanPins {
    /** Joins of a table by key from a parameter array: primary-key lookups, whatever the estimates. */
    public static final String KEY_LOOKUPS =
            "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
                    + "set_config('enable_mergejoin', 'off', true); ";

    /**
     * Queue reads ({@code ORDER BY ... LIMIT ... FOR UPDATE SKIP LOCKED}): the index read in order and stopped by the
     * limit, never all matching rows collected and sorted (LockRows over a Sort cannot stop early); and the rows read
     * joined back by key, as {@link #KEY_LOOKUPS}: with the primary key's leaves half empty (migration V5) the
     * planner priced its lookups higher, and on some statistics joined the claimed rows by hash over a scan of the
     * whole table (DeliveryClaimTest, 2 runs in 5 of the delivery tests after V5).
     */
    public static final String ORDERED_SCANS =
            "SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true), "
                    + "set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
                    + "set_config('enable_mergejoin', 'off', true); ";

    /** The statement's generic plan from its first server-side execution on, instead of a custom plan per execution. */
    public static final String GENERIC_PLAN = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true); ";

    private PlanPins() {
    }

    /** Executes a statement prepared as {@code PIN + sql}; afterwards its own result is the current one. */
    public static void execute(PreparedStatement pinned) throws SQLException {
        pinned.execute();
        pinned.getMoreResults(); // past set_config's row
    }
}
