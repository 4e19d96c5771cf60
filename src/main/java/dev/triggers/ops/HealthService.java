package dev.triggers.ops;

import java.sql.Connection;
import java.sql.Statement;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.triggers.platform.db.Database;
import dev.triggers.platform.http.Problems;
import dev.triggers.platform.http.Responses;
import dev.triggers.platform.json.Json;
import dev.triggers.platform.redis.Redis;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /health}: process up ({@code /}, {@code /live}) and ready to serve ({@code /ready}: PostgreSQL
 * reachable; Redis reported, but its absence only degrades).
 */
public final class HealthService implements HttpService {
    private final Database db;
    private final Redis redis;

    public HealthService(Database db, Redis redis) {
        this.db = db;
        this.redis = redis;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> status(res, "healthy"))
                .get("/live", (req, res) -> status(res, "alive"))
                .get("/ready", this::ready)
                .any("/", Problems.methodNotAllowed("GET"))
                .any("/live", Problems.methodNotAllowed("GET"))
                .any("/ready", Problems.methodNotAllowed("GET"));
    }

    private static void status(ServerResponse res, String status) {
        ObjectNode out = Json.object();
        out.put("status", status);
        Responses.ok(res, out);
    }

    private void ready(ServerRequest req, ServerResponse res) {
        boolean dbUp = databaseUp();
        String redisState = !redis.configured() ? "disabled" : (redis.ping() ? "up" : "down");
        ObjectNode out = Json.object();
        out.put("status", !dbUp ? "unavailable" : ("down".equals(redisState) ? "degraded" : "ready"));
        ObjectNode checks = out.putObject("checks");
        checks.put("database", dbUp ? "up" : "down");
        checks.put("redis", redisState);
        if (!dbUp) {
            res.header("Retry-After", "2");
        }
        Responses.json(res, dbUp ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, out);
    }

    private boolean databaseUp() {
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            st.setQueryTimeout(2);
            st.execute("SELECT 1");
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
