package dev.triggers.inbox;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.triggers.TestSupport;
import dev.triggers.platform.Timestamps;
import io.helidon.common.uri.UriQuery;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.matchesRegex;
import static org.hamcrest.Matchers.not;

/**
 * Every shape of inbox page is bounded by an index of the organization: the partial one whenever the filter
 * excludes delivered events, the cursor as an index condition; the plain views read in index order with no sort.
 * (Selective filters may get a bitmap scan and a sort of the few matching rows: the planner's cheaper choice when
 * fewer rows than the limit are expected.) Checked for PostgreSQL's custom plans and for the generic plan a prepared
 * statement ends up using. The table is mostly acknowledged, so a plan reading acknowledged rows would show. Acks
 * are checked the same way: one primary-key lookup per id, never a plan that starts from the organization.
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
            }
        }
    }
}
