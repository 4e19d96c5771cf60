package dev.triggers.platform.config;

import io.helidon.common.mapper.DefaultMapperProvider__ServiceDescriptor;
import io.helidon.common.mapper.DefaultResolverService__ServiceDescriptor;
import io.helidon.common.mapper.MappersFactory__ServiceDescriptor;
import io.helidon.common.mapper.spi.MapperProvider;
import io.helidon.config.Config;
import io.helidon.dbclient.DbMapperProviderImpl;
import io.helidon.service.registry.GlobalServiceRegistry;
import io.helidon.service.registry.ServiceRegistry;
import io.helidon.service.registry.ServiceRegistryConfig;
import io.helidon.service.registry.ServiceRegistryManager;

/**
 * Helidon's global service registry, holding only what the server's Helidon components look up in it.
 *
 * <p>Left to itself, the first lookup (the metrics observer's builder asks it for a {@code Config}) builds the
 * registry by discovery: every jar's {@code META-INF/helidon} descriptors parsed, every descriptor class loaded and
 * initialised, {@code BigDecimal}'s tables built for the descriptors' weights — about a quarter of the CPU the
 * server spent before it was ready (issue 6). None of the discovered services is used: the server builds its
 * web server, features, DB client and metrics explicitly. The lookups that remain, and what answers them here:
 * <ul>
 *     <li>{@code Config} (metrics configuration): the server's own configuration (it has no {@code metrics} node, so
 *     the defaults apply, as with discovery);</li>
 *     <li>{@code MapperManager} (the DB client's column mapping, query and header values): the manager Helidon builds
 *     itself, with the built-in mappers and the mapper providers of the class path ({@code DbMapperProviderImpl}).</li>
 * </ul>
 * Lookups of anything else find nothing ({@code Services.all} is empty, as it was for the server's contracts).
 */
public final class GlobalRegistry {
    private GlobalRegistry() {
    }

    private static boolean installed;

    /**
     * Installs the registry, once per JVM (tests start several applications in one; the first one's configuration
     * answers, and nothing reads the registry's configuration but the metrics defaults). A registry some other code
     * set up earlier (in tests, a Helidon component used before any application) is replaced.
     */
    public static synchronized void install(Config config) {
        if (installed) {
            return;
        }
        GlobalServiceRegistry.registry(create(config));
        installed = true;
    }

    /** The registry {@link #install} makes global. */
    static ServiceRegistry create(Config config) {
        ServiceRegistryConfig registry = ServiceRegistryConfig.builder()
                .discoverServices(false)
                .discoverServicesFromServiceLoader(false)
                .putContractInstance(Config.class, config)
                .putContractInstance(io.helidon.common.config.Config.class, config)
                // The mapper manager as discovery assembles it: Helidon's factory and default providers (the
                // descriptors helidon-common-mapper declares), plus the DB client's provider (a ServiceLoader one).
                .addServiceDescriptor(MappersFactory__ServiceDescriptor.INSTANCE)
                .addServiceDescriptor(DefaultMapperProvider__ServiceDescriptor.INSTANCE)
                .addServiceDescriptor(DefaultResolverService__ServiceDescriptor.INSTANCE)
                .putContractInstance(MapperProvider.class, new DbMapperProviderImpl())
                .build();
        return ServiceRegistryManager.create(registry).registry();
    }
}
