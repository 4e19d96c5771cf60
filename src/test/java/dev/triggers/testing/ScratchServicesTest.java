package dev.triggers.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The fault-injection suite's own PostgreSQL and Redis really go down and come back. */
class ScratchServicesTest {
    @Test
    void postgresStopsAndStartsAgainKeepingCommittedData() throws Exception {
        try (ScratchPostgres pg = ScratchPostgres.create()) {
            String url = pg.jdbcUrl("postgres");
            try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
                c.createStatement().execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1)");
            }
            pg.kill();
            assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "postgres", "").close());
            pg.start();
            try (Connection c = DriverManager.getConnection(url, "postgres", "");
                 var rs = c.createStatement().executeQuery("SELECT count(*) FROM t")) {
                rs.next();
                assertThat(rs.getInt(1), is(1));
            }
        }
    }

    @Test
    void redisStopsAndStartsAgainEmpty() throws Exception {
        try (ScratchRedis redis = ScratchRedis.create(); RedisClient client = RedisClient.create(redis.url())) {
            client.set("k", "v");
            redis.kill();
            assertThrows(RuntimeException.class, () -> client.get("k"));
            redis.start();
            assertThat(client.get("k") == null, is(true));
        }
    }
}
