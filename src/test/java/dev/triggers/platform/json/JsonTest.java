package dev.triggers.platform.json;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class JsonTest {
    @Test
    void aStringIsWrittenExactlyAsJacksonWritesIt() throws Exception {
        List<String> samples = List.of("", "order.created", "café ☕ 𝄞", "a\"quote", "back\\\\slash", "tab\\there",
                "line\\nbreak", "nul\\u0000", "\\u001f", "\\u007f", "slash/and<html>", "\\u2028", "\\ud800 lone surrogate");
        for (String s : samples) {
            assertThat(s, Json.string(s), is(Json.MAPPER.writeValueAsString(s)));
        }
    }
}
