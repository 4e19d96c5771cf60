package dev.triggers.inbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.triggers.platform.http.ApiException;
import io.helidon.common.parameters.Parameters;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

/**
 * Any query string the inbox can be sent is either a valid query within the contract's bounds or a 400 naming
 * the problem; the parser never fails otherwise.
 */
class InboxQueryFuzzTest {
    private static final String[] NAMES = {"limit", "cursor", "status", "type", "since", "until", "order", "x"};

    @FuzzTest(maxDuration = "30s")
    void anyQueryIsValidOrA400(FuzzedDataProvider data) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        int n = data.consumeInt(0, 6);
        for (int i = 0; i < n; i++) {
            String name = data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(12);
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(data.consumeString(80));
        }
        InboxQuery query;
        try {
            query = InboxQuery.parse(Parameters.create("query", params));
        } catch (ApiException e) {
            assertThat(e.getMessage(), e.status().code(), is(400));
            return;
        }
        assertThat(query.limit(), greaterThanOrEqualTo(1));
        assertThat(query.limit(), lessThanOrEqualTo(1000));
    }
}
