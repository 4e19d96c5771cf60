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
 * Helidon's global service registry, holding only what the server's Helidon components look up in it: the
 * server's {@code Config} (for the metrics defaults) and the {@code MapperManager} of the DB client. Left to itself,
 * the first lookup builds the registry by discovering every service on the class path, a large share of start-up
 * CPU for services the server never uses (it builds its components explicitly). Other lookups find nothing.
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
