package dev.triggers.platform.config;

import dev.triggers.TestSupport;
import io.helidon.common.mapper.MapperManager;
import io.helidon.config.Config;
import io.helidon.service.registry.Services;
import io.helidon.webserver.spi.ServerFeatureProvider;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * The global registry the application installs (the suite's servers run with it too): it answers the lookups
 * Helidon's components make with the server's own objects, and discovers nothing.
 */
class GlobalRegistryTest {
    @Test
    void answersWithTheServersConfigurationAndMappersWithoutDiscovery() {
        // The first application of the suite installed it with its configuration (or this one does).
        TestSupport.app();

        assertThat(Services.get(Config.class).get("db.url").exists(), is(true));
        assertThat(Services.get(io.helidon.common.config.Config.class).get("db.url").exists(), is(true));
        // The DB client maps columns and query parameters through the global mapper manager.
        MapperManager mappers = MapperManager.global();
        assertThat(mappers.map("42", String.class, Integer.class), is(42));
        assertThat(mappers.map("true", String.class, Boolean.class), is(true));
        // Discovery would find the web server's request-scope and observe feature providers.
        assertThat(Services.all(ServerFeatureProvider.class), is(empty()));
    }
}
