package dev.triggers.platform.db;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import io.helidon.dbclient.DbClientException;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** Which failures to get a connection open the circuit: PostgreSQL unreachable, not a pool that is merely busy. */
class DbCircuitTest {
    @Test
    void onlyAFailureToReachPostgresOpensTheCircuit() {
        // HikariCP's timeout: with the last connection failure as its cause when PostgreSQL was unreachable.
        SQLTransientConnectionException busy = new SQLTransientConnectionException("Connection is not available");
        SQLTransientConnectionException refused = new SQLTransientConnectionException("Connection is not available",
                "08001", new SQLException("Connection to 127.0.0.1:5432 refused", "08001", new ConnectException()));
        assertThat(DbCircuit.isConnectionFailure(busy), is(false));
        assertThat(DbCircuit.isConnectionFailure(new SQLException("too many clients already", "53300")), is(false));
        assertThat(DbCircuit.isConnectionFailure(refused), is(true));
        assertThat(DbCircuit.isConnectionFailure(new SQLException("the database system is starting up", "57P03")), is(true));
        assertThat(DbCircuit.isConnectionFailure(new DbClientException("no connection", refused)), is(true));
    }

    @Test
    void anOpenCircuitRefusesAtOnceUntilTheProbeIsAnswered() throws Exception {
        boolean[] reachable = {false};
        int[] transitions = {0};
        try (DbCircuit circuit = new DbCircuit(() -> {
            if (!reachable[0]) {
                throw new SQLException("refused", "08001");
            }
        }, 10, () -> transitions[0]++, () -> transitions[0]++)) {
            circuit.check();
            circuit.failed(new SQLTransientConnectionException("busy"));
            assertThat(circuit.isOpen(), is(false));
            circuit.failed(new SQLException("refused", "08001"));
            assertThat(circuit.isOpen(), is(true));
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, circuit::check);
            assertThat(Database.isUnavailable(e), is(true));
            assertThat(DbCircuit.refused(new DbClientException("wrapped", e)), is(true));
            Thread.sleep(100);
            assertThat("still unreachable", circuit.isOpen(), is(true));
            reachable[0] = true;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (circuit.isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(circuit.isOpen(), is(false));
            assertThat(transitions[0], is(2));
            circuit.check();
        }
    }
}
