package dev.triggers.platform.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import io.helidon.common.mapper.MapperManager;
import io.helidon.config.Config;
import io.helidon.service.registry.ServiceRegistry;
import io.helidon.webserver.spi.ServerFeatureProvider;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

/**
 * The global registry the application installs: it answers the lookups Helidon's components make with the
 * server's own objects, and discovers nothing.
 */
class GlobalRegistryTest {
    private final Config config = AppConfig.load(Path.of("config"), "test", Map.of());
    private final ServiceRegistry registry = GlobalRegistry.create(config);

    @Test
    void configurationLookupsGetTheServersConfiguration() {
        assertThat(registry.get(Config.class), sameInstance(config));
        assertThat(registry.get(io.helidon.common.config.Config.class), sameInstance(config));
    }

    @Test
    void theMapperManagerConvertsLikeTheDiscoveredOne() {
        // The DB client, query parameters and header values convert through it.
        MapperManager mappers = registry.get(MapperManager.class);
        assertThat(mappers.map("42", String.class, Integer.class), is(42));
        assertThat(mappers.map("true", String.class, Boolean.class), is(true));
        UUID id = UUID.randomUUID();
        assertThat(mappers.map(id.toString(), String.class, UUID.class), is(id));
        // The DB client's provider (java.sql types).
        assertThat(mappers.map(new java.sql.Date(0), java.sql.Date.class, java.time.LocalDate.class),
                is(new java.sql.Date(0).toLocalDate()));
    }

    @Test
    void nothingIsDiscovered() {
        // Discovery would find the web server's request-scope and observe feature providers.
        assertThat(registry.all(ServerFeatureProvider.class), is(empty()));
    }
}
