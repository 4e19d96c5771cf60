package dev.triggers.chaos;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import com.fasterxml.jackson.databind.JsonNode;

import dev.triggers.platform.json.Json;
import dev.triggers.testing.ServerProcess;

/** Small shared steps of the fault-injection scenarios. */
final class ChaosSupport {
    private ChaosSupport() {
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }

    static String newOrganization(ServerProcess server, String tier) throws Exception {
        HttpResponse<String> r = server.post("/api/keys/generate", null,
                "{\"organization_name\":\"chaos\",\"tier\":\"" + tier + "\"}");
        if (r.statusCode() != 201) {
            throw new AssertionError("cannot create an organization: " + r.statusCode() + " " + r.body());
        }
        return json(r).get("api_key").asText();
    }

    static String event(String type, String dedupId, int i) {
        return "{\"type\":\"" + type + "\",\"payload\":{\"i\":" + i + "}"
                + (dedupId == null ? "" : ",\"dedup_id\":\"" + dedupId + "\"") + "}";
    }

    static long count(String jdbcUrl, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
