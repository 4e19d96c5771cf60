package dev.triggers.platform.db;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Planner settings sent ahead of a statement in the same message, for the statements whose plan must not depend on
 * statistics: {@code SELECT set_config(..., true); <statement>} is one round trip with one Sync, so both run in one
 * implicit transaction and the setting ends with it. Needed because a prepared statement keeps a generic plan costed
 * for the table as it was, and nothing re-costs it until the table is analyzed.
 */
public final class PlanPins {
    /** Joins of a table by key from a parameter array: primary-key lookups, whatever the estimates. */
    public static final String KEY_LOOKUPS =
            "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
                    + "set_config('enable_mergejoin', 'off', true); ";

    /**
     * Queue reads ({@code ORDER BY ... LIMIT ... FOR UPDATE SKIP LOCKED}): the index read in order and stopped by the
     * limit, never all matching rows sorted (LockRows over a Sort cannot stop early), and the rows joined back by key
     * as {@link #KEY_LOOKUPS}.
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
