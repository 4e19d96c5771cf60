package dev.triggers.platform.json;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.triggers.platform.http.ApiException;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class JsonBodiesFuzzTest {
    /** Any bytes either parse into something storable or are refused with a 4xx; nothing else escapes. */
    @FuzzTest(maxDuration = "20s")
    void anyBytesAreParsedOrRefusedWithA4xx(byte[] body) {
        try {
            var node = JsonBodies.parse(body);
            JsonBodies.checkStorable(node, "");
        } catch (ApiException e) {
            assertThat(e.status().code() / 100, is(4));
        }
    }
}
