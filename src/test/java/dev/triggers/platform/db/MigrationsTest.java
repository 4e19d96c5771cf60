package dev.triggers.platform.db;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.triggers.Application;
import dev.triggers.TestSupport;
import dev.triggers.platform.config.AppConfig;
import dev.triggers.testing.TcpProxy;
import io.helidon.config.Config;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

class MigrationsTest {
    private static final String DB = "jdbc:postgresql://127.0.0.1:5432/triggers_test_migrations";

    @Test
    void twoServersMigratingOneEmptyDatabaseAtOnceBothStartAndApplyEachVersionOnce() throws Exception {
        Config config = TestSupport.config(Map.of("DB_URL", DB, "REDIS_URL", ""));
        try (Database probe = Database.create(config.get("db"))) {
            recordDdl(probe);
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<Application>> starts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                starts.add(pool.submit(() -> {
                    go.await();
                    return Application.create(config);
                }));
            }
            go.countDown();
            List<Application> apps = new ArrayList<>();
            for (Future<Application> f : starts) {
                apps.add(f.get());
            }
            pool.shutdown();

            assertThat(count(probe, "SELECT count(*) FROM schema_migrations"), is((long) Migrations.FILES.size()));
            assertThat(count(probe, "SELECT count(DISTINCT version) FROM schema_migrations"), is((long) Migrations.FILES.size()));
            long ddlAfterFirstStarts = count(probe, "SELECT count(*) FROM ddl_log");
            assertThat(ddlAfterFirstStarts, greaterThan(0L));

            // A third start against the up-to-date schema runs no DDL at all.
            try (Application third = Application.create(config)) {
                assertThat(count(probe, "SELECT count(*) FROM ddl_log"), is(ddlAfterFirstStarts));
            }
            apps.forEach(Application::close);
        }
    }

    @Test
    void aDatabaseThatAnswersOnlyAfterThePoolsWaitStillLetsTheServerStart() throws Exception {
        // The first connection of a JVM starting on busy cores can take longer than the pool's 1 s wait; here
        // PostgreSQL is unreachable for 2.5 s (refused), then answers.
        String url = TestSupport.config(Map.of("REDIS_URL", "")).get("db.url").asString().get();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (TcpProxy proxy = new TcpProxy(port, "127.0.0.1", URI.create(url.substring("jdbc:".length())).getPort())) {
            String proxied = url.replaceFirst(":\\d+/", ":" + port + "/");
            Config config = AppConfig.load(Path.of("config"), "test", Map.of("DB_URL", proxied, "REDIS_URL", ""));
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(2500);
                    proxy.start();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            try (Application app = Application.create(config)) {
                assertThat((System.nanoTime() - start) / 1_000_000, greaterThanOrEqualTo(2500L));
                assertThat(count(app.database(), "SELECT count(*) FROM schema_migrations"), is((long) Migrations.FILES.size()));
            }
        }
    }

    /** An event trigger logging every DDL command, so the test can see whether a start ran any. */
    private static void recordDdl(Database db) throws Exception {
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE ddl_log (tag text, at timestamptz DEFAULT clock_timestamp())");
            st.execute("CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN INSERT INTO ddl_log (tag) VALUES (tg_tag); END $$");
            st.execute("CREATE EVENT TRIGGER log_ddl ON ddl_command_start EXECUTE FUNCTION log_ddl()");
        }
    }

    private static long count(Database db, String sql) throws Exception {
        try (Connection c = db.connection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
