package dev.triggers.inbox;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.triggers.TestSupport;
import dev.triggers.platform.Timestamps;
import dev.triggers.platform.db.Database;
import io.helidon.common.uri.UriQuery;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesRegex;
import static org.hamcrest.Matchers.not;

/**
 * Every shape of inbox page is bounded by an index of the organization: the partial one whenever the filter
 * excludes delivered events, the cursor as an index condition; the plain views read in index order with no sort.
 * (Selective filters may get a bitmap scan and a sort of the few matching rows: the planner's cheaper choice when
 * fewer rows than the limit are expected.) Checked for PostgreSQL's custom plans and for the generic plan a prepared
 * statement ends up using. The table is mostly acknowledged, so a plan reading acknowledged rows would show. Acks
 * are checked the same way: one primary-key lookup per id, never a plan that starts from the organization.
 *
 * <p>Pages run with their generic plan ({@link dev.triggers.platform.db.PlanPins#GENERIC_PLAN}), made for an average organization, so for
 * every shape of page that plan must be the ordered index scan from the cursor: a bitmap scan plus a Sort, fine
 * for an average organization, would sort all of a large one's events on every page.
 */
class InboxQueryPlanTest {
    private static final UUID ORG = UUID.fromString("00000000-0000-0000-0000-000000000007");

    @BeforeAll
    static void seed() throws SQLException {
        try (Connection c = TestSupport.app().database().connection(); Statement st = c.createStatement()) {
            // 300,000 events over 100 organizations of fixed ids, 90 % acknowledged, five types.
            st.execute("INSERT INTO events (id, org_id, type, payload, created_at, status, attempts) "
                    + "SELECT gen_random_uuid(), ('00000000-0000-0000-0000-' || lpad((g % 100)::text, 12, '0'))::uuid, "
                    + "'t' || (g % 7 % 5), '{\"n\": 1}', timestamptz '2026-01-01' + g * interval '1 ms', "
                    + "CASE WHEN g % 10 = 3 THEN 0 ELSE 2 END, 0 FROM generate_series(1, 300000) g "
                    + "WHERE NOT EXISTS (SELECT 1 FROM events WHERE org_id = '00000000-0000-0000-0000-000000000007')");
            st.execute("ANALYZE events");
        }
    }

    @ParameterizedTest(name = "{0} (cursor: {1}) uses {2}")
    @CsvSource(delimiter = '|', value = {
            "''                                   | false | events_org_undelivered | true",
            "''                                   | true  | events_org_undelivered | true",
            "order=asc                            | true  | events_org_undelivered | true",
            "status=pending                       | true  | events_org_undelivered | false",
            "status=failed&order=asc              | false | events_org_undelivered | false",
            "type=t3                              | true  | events_org_undelivered | false",
            "since=2026-01-01T00:01:00Z&until=2026-01-01T00:02:00Z | true | events_org_undelivered | false",
            "status=delivered                     | true  | events_org_created     | true",
            "status=all&order=asc                 | true  | events_org_created     | true",
            "status=all&type=t1&since=2026-01-01T00:01:00Z | true | events_org_created | false",
    })
    void everyPageIsBoundedByItsIndex(String params, boolean withCursor, String index, boolean ordered) throws SQLException {
        InboxQuery query = InboxQuery.parse(UriQuery.create(params));
        if (withCursor) {
            query = query.startingAfter(new InboxCursor(query.ascending(), query.filterHash(),
                    Instant.parse("2026-01-01T00:02:30Z"), UUID.randomUUID()));
        }
        InboxStore.Statement page = InboxStore.pageStatement(ORG, query, 101);
        for (String mode : new String[] {"force_custom_plan", "force_generic_plan"}) {
            String plan = explain(page, mode);
            String why = mode + "\n" + plan;
            assertThat(why, plan, matchesRegex("(?s).*Index Scan (Backward )?using " + index + " on events.*"
                    + "|.*Bitmap Index Scan on " + index + " .*"));
            assertThat(why, plan, not(containsString("Seq Scan")));
            if (ordered) {
                // Read in index order and stopped by the LIMIT: the cost does not grow with the organization's size.
                assertThat(why, plan, not(containsString("Sort")));
            }
            if (withCursor) {
                // The cursor bounds the scan itself, not a filter applied after reading from the start.
                assertThat(why, plan, matchesRegex("(?s).*Index Cond: \\(\\(org_id = [^\\n]*ROW\\(created_at, id\\) [<>] .*"));
            }
        }
    }

    /** Every combination of status, type, since, until, cursor and order: 192 page statements. */
    private static List<InboxStore.Statement> everyPageShape() {
        List<InboxStore.Statement> shapes = new ArrayList<>();
        for (InboxQuery.StatusFilter status : InboxQuery.StatusFilter.values()) {
            for (int filters = 0; filters < 8; filters++) {
                for (String order : new String[] {"desc", "asc"}) {
                    String params = "status=" + status.wireName + "&order=" + order
                            + ((filters & 1) != 0 ? "&type=t3" : "")
                            + ((filters & 2) != 0 ? "&since=2026-01-01T00:01:00Z" : "")
                            + ((filters & 4) != 0 ? "&until=2026-01-01T00:04:00Z" : "");
                    InboxQuery query = InboxQuery.parse(UriQuery.create(params));
                    shapes.add(InboxStore.pageStatement(ORG, query, 101));
                    shapes.add(InboxStore.pageStatement(ORG, query.startingAfter(new InboxCursor(query.ascending(),
                            query.filterHash(), Instant.parse("2026-01-01T00:02:30Z"), UUID.randomUUID())), 101));
                }
            }
        }
        return shapes;
    }

    /**
     * The shapes that run their generic plan are exactly those with no condition but the organization (and the
     * cursor); their generic plan is the ordered index scan from the cursor, whatever the statistics say of the
     * average organization: this table's own (3,000 events each), two huge organizations, 200,000 small ones, one
     * event each. The statistics are changed in a transaction that is rolled back.
     */
    @ParameterizedTest(name = "organizations (n_distinct): {0}")
    @CsvSource({"''", "2", "200000", "-1"})
    void onlyShapesFilteredByTheOrganizationAloneRunTheirGenericPlanAndItIsTheOrderedScan(String nDistinct)
            throws SQLException {
        int generic = 0;
        for (InboxStore.Statement page : everyPageShape()) {
            boolean onlyTheOrganization = page.sql().matches(".* AND (status <> 2|TRUE)( AND \\(created_at, id\\) [<>] \\(\\?, \\?\\))? ORDER BY .*");
            assertThat(page.sql(), page.genericPlan(), is(onlyTheOrganization));
            if (!page.genericPlan()) {
                continue;
            }
            generic++;
            String index = page.sql().contains("status <> 2") ? "events_org_undelivered" : "events_org_created";
            String scan = (page.sql().contains("ORDER BY created_at, id") ? "Index Scan Backward using " : "Index Scan using ")
                    + index + " on events";
            String plan = explain(page, "force_generic_plan", nDistinct);
            String why = page.sql() + "\n" + plan;
            assertThat(why, plan, containsString(scan));
            assertThat(why, plan, not(containsString("Sort")));
            assertThat(why, plan, not(containsString("Bitmap")));
            if (page.sql().contains("(created_at, id) ")) {
                assertThat(why, plan, matchesRegex("(?s).*Index Cond: \\(\\(org_id = [^\\n]*ROW\\(created_at, id\\) [<>] .*"));
            }
        }
        assertThat(generic, is(8));
    }

    /**
     * What the page path really sends: after pgjdbc's prepareThreshold, every execution uses the generic plan (an
     * automatic choice would have made five custom plans first), and the setting ends with the statement, so the
     * next statement on the pooled connection plans as usual.
     */
    @Test
    void pagesRunTheirGenericPlanAndLeaveTheConnectionsSettingAlone() throws SQLException {
        try (Database db = Database.create(TestSupport.config(Map.of("DB_POOL_SIZE", "1")).get("db"))) {
            InboxStore store = new InboxStore(db);
            // Every event of ORG is acknowledged: status=all is the view that shows them.
            InboxQuery query = InboxQuery.parse(UriQuery.create("status=all"));
            for (int i = 0; i < 12; i++) {
                assertThat(store.page(ORG, query, 101).size(), is(101));
            }
            try (Connection c = db.connection(); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                        + "WHERE statement LIKE '%SELECT id, type, payload%'")) {
                    assertThat(rs.next(), is(true));
                    assertThat(rs.getLong(1), greaterThanOrEqualTo(5L));
                    assertThat(rs.getLong(2), is(0L));
                }
                try (ResultSet rs = st.executeQuery("SHOW plan_cache_mode")) {
                    rs.next();
                    assertThat(rs.getString(1), is("auto"));
                }
            }
        }
    }

    /**
     * An ack looks up each id in the primary key and checks the organization on the row it finds; no plan starts
     * from the organization's index (a bitmap of all its events, or a scan of them), whatever the number of ids.
     */
    @ParameterizedTest(name = "ack of {0} ids")
    @CsvSource({"1", "1000"})
    void anAckLooksUpEachIdByPrimaryKey(int count) throws SQLException {
        StringBuilder ids = new StringBuilder();
        try (Connection c = TestSupport.app().database().connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM events WHERE org_id = '" + ORG + "' LIMIT " + count)) {
            while (rs.next()) {
                ids.append(ids.isEmpty() ? "{" : ",").append(rs.getString(1));
            }
        }
        InboxStore.Statement ack = new InboxStore.Statement(InboxStore.ACK,
                List.of(Timestamps.sql(Timestamps.now()), ids.append('}').toString(), ORG));
        for (String mode : new String[] {"force_custom_plan", "force_generic_plan"}) {
            String plan = explain(ack, mode);
            String why = mode + "\n" + plan;
            assertThat(why, plan, containsString("Index Scan using events_pkey on events"));
            assertThat(why, plan, not(containsString("events_org_")));
            assertThat(why, plan, not(containsString("Seq Scan on events")));
        }
    }

    /**
     * EXPLAIN EXECUTE of the statement prepared server-side, so {@code plan_cache_mode} decides between the plan for
     * these values and the generic plan (a plain EXPLAIN with bound parameters always plans for the values).
     */
    private static String explain(InboxStore.Statement page, String mode) throws SQLException {
        return explain(page, mode, "");
    }

    /** {@code nDistinct}: the organizations the statistics count for the plan ("" for the table's own). */
    private static String explain(InboxStore.Statement page, String mode, String nDistinct) throws SQLException {
        StringBuilder sql = new StringBuilder();
        int n = 0;
        for (char ch : page.sql().toCharArray()) {
            sql.append(ch == '?' ? "$" + ++n : String.valueOf(ch));
        }
        StringBuilder args = new StringBuilder();
        for (Object p : page.params()) {
            args.append(args.isEmpty() ? "" : ", ").append(p instanceof Integer ? p.toString() : "'" + p + "'");
        }
        try (Connection c = TestSupport.app().database().connection(); Statement st = c.createStatement()) {
            if (!nDistinct.isEmpty()) {
                c.setAutoCommit(false);
                st.execute("ALTER TABLE events ALTER COLUMN org_id SET (n_distinct = " + nDistinct + ")");
                st.execute("ANALYZE events");
            }
            st.execute("SET plan_cache_mode = " + mode);
            st.execute("PREPARE inbox_statement AS " + sql);
            try (ResultSet rs = st.executeQuery("EXPLAIN EXECUTE inbox_statement(" + args + ")")) {
                StringBuilder plan = new StringBuilder();
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
                return plan.toString();
            } finally {
                st.execute("DEALLOCATE inbox_statement");
                st.execute("RESET plan_cache_mode");
                if (!nDistinct.isEmpty()) {
                    c.rollback();
                    c.setAutoCommit(true);
                }
            }
        }
    }
}
