package dev.triggers.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.TestSupport;
import dev.triggers.platform.db.Database;
import dev.triggers.platform.db.PlanPins;
import dev.triggers.platform.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

/**
 * What a claim takes, and what it costs: oldest due first across organizations; with busy organizations left out,
 * the others' due events and nothing of the busy ones, at a cost that does not grow with the busy ones' backlog;
 * and always an ordered index scan stopped by the limit, never a plan that sorts the whole due set.
 */
class DeliveryClaimTest {
    private static final long LEASE_MS = 15_000;
    private final Database db = TestSupport.app().database();
    private final DeliveryStore store = new DeliveryStore(db);
    private final List<UUID> orgs = new ArrayList<>();

    @BeforeEach
    void noOtherDueEvents() throws SQLException {
        sql("UPDATE events SET next_attempt_at = NULL WHERE next_attempt_at IS NOT NULL");
    }

    @AfterEach
    void removeOrganizations() throws SQLException {
        for (UUID org : orgs) {
            sql("DELETE FROM events WHERE org_id = '" + org + "'");
            sql("DELETE FROM organizations WHERE id = '" + org + "'");
        }
    }

    @Test
    void takesTheOldestDueEventsFirstAcrossOrganizations() throws SQLException {
        UUID a = org();
        UUID b = org();
        UUID a1 = due(a, 30);
        UUID b1 = due(b, 20);
        due(a, 10);
        due(b, -60); // leased: due in a minute

        List<UUID> claimed = ids(store.claim(2, Set.of(), LEASE_MS));

        assertThat(claimed, containsInAnyOrder(a1, b1));
    }

    @Test
    void leavingOutBusyOrganizationsTakesEveryOtherOrganizationsDueEventsAndNoneOfTheirs() throws SQLException {
        UUID busy = org();
        UUID other = org();
        UUID third = org();
        backlog(busy, 500);
        UUID o1 = due(other, 5);
        UUID o2 = due(other, 4);
        UUID t1 = due(third, 3);
        due(third, -60);

        List<DeliveryStore.Claimed> claimed = store.claim(64, Set.of(busy), LEASE_MS);

        assertThat(ids(claimed), containsInAnyOrder(o1, o2, t1));
        assertThat(claimed.stream().map(DeliveryStore.Claimed::orgId).toList(), everyItem(not(busy)));
        assertThat(store.claim(64, Set.of(busy), LEASE_MS), empty()); // all leased now
        assertThat(ids(store.claim(64, Set.of(), LEASE_MS)).size(), is(64)); // the busy one's, once not left out
    }

    @Test
    void aClaimLeavingOutABusyOrganizationDoesNotReadItsBacklog() throws SQLException {
        UUID busy = org();
        UUID other = org();
        backlog(busy, 20_000); // ~400 heap pages and ~100 index pages of due events
        due(other, 1);

        JsonNode plan = explain(DeliveryStore.CLAIM_OUTSIDE, busy);

        long buffers = plan.path("Shared Hit Blocks").asLong() + plan.path("Shared Read Blocks").asLong();
        assertThat("buffers read by the claim", buffers, lessThan(100L));
        assertThat(plan.path("Actual Rows").asLong(), is(1L));
    }

    @Test
    void bothClaimsReadTheirIndexInOrderAndNeverSortTheDueSet() throws SQLException {
        UUID busy = org();
        UUID other = org();
        backlog(busy, 5_000);
        backlog(other, 5_000);
        sql("ANALYZE events"); // whatever the statistics say

        for (String claim : List.of(DeliveryStore.CLAIM_ANY, DeliveryStore.CLAIM_OUTSIDE)) {
            String text = explain(claim, busy).toString();
            assertThat(text, not(containsString("\"Sort\"")));
            assertThat(text, not(containsString("Bitmap")));
            assertThat(text, containsString(claim == DeliveryStore.CLAIM_ANY ? "events_due" : "events_due_org"));
        }
    }

    /** The claim's plan, run (and rolled back) as DeliveryStore runs it; its top node with actual rows and buffers. */
    private JsonNode explain(String claim, UUID leftOut) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(PlanPins.ORDERED_SCANS); // as in the claim's message, for this transaction
            }
            try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + claim)) {
                int i = 1;
                ps.setInt(i++, 64);
                if (claim == DeliveryStore.CLAIM_OUTSIDE) {
                    ps.setArray(i++, c.createArrayOf("uuid", new Object[] {leftOut}));
                    ps.setInt(i++, 64);
                }
                ps.setDouble(i, LEASE_MS);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Json.MAPPER.readTree(rs.getString(1)).get(0).get("Plan");
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    private UUID org() throws SQLException {
        UUID id = UUID.randomUUID();
        orgs.add(id);
        sql("INSERT INTO organizations (id, name, tier, webhook_url, webhook_secret, created_at, updated_at) "
                + "VALUES ('" + id + "', 'claim', 'enterprise', 'http://127.0.0.1:9/hook', 'whsec_x', now(), now())");
        return id;
    }

    /** A pending event due {@code secondsAgo} seconds ago (negative: due in the future, as a leased one). */
    private UUID due(UUID org, int secondsAgo) throws SQLException {
        UUID id = UUID.randomUUID();
        sql("INSERT INTO events (id, org_id, type, payload, created_at, next_attempt_at) VALUES ('" + id + "', '" + org
                + "', 't', '{}', now(), now() - interval '" + secondsAgo + " seconds')");
        return id;
    }

    private void backlog(UUID org, int n) throws SQLException {
        sql("INSERT INTO events (id, org_id, type, payload, created_at, next_attempt_at) SELECT gen_random_uuid(), '"
                + org + "', 't', '{\"n\": 1}', now(), now() - interval '1 hour' + g * interval '1 ms' "
                + "FROM generate_series(1, " + n + ") g");
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static List<UUID> ids(List<DeliveryStore.Claimed> claimed) {
        return claimed.stream().map(DeliveryStore.Claimed::id).toList();
    }
}
