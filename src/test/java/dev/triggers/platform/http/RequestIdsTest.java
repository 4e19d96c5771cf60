package dev.triggers.platform.http;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class RequestIdsTest {
    @Test
    void generatedRequestIdsAreValidVersion4Uuids() {
        for (int i = 0; i < 500; i++) {
            UUID id = UUID.fromString(RequestIds.generate());
            assertThat(id.version(), is(4));
            assertThat(id.variant(), is(2));
        }
    }

    @Test
    void aClientsSaneIdIsKeptAndAnUnsafeOneIsNot() {
        assertThat(RequestIds.acceptable("req-123_ABC.x"), is(true));
        assertThat(RequestIds.acceptable(""), is(false));
        assertThat(RequestIds.acceptable("with space"), is(false));
        assertThat(RequestIds.acceptable("x".repeat(129)), is(false));
    }
}
