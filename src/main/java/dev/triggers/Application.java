package dev.triggers;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import dev.triggers.delivery.DeliveryEngine;
import dev.triggers.delivery.DeliverySettings;
import dev.triggers.delivery.DeliverySignal;
import dev.triggers.inbox.InboxService;
import dev.triggers.events.DedupSweeper;
import dev.triggers.events.EventStore;
import dev.triggers.events.EventWriter;
import dev.triggers.events.EventsService;
import dev.triggers.events.IngestMetrics;
import dev.triggers.events.IngestPressure;
import dev.triggers.keys.ApiKeys;
import dev.triggers.keys.Authenticator;
import dev.triggers.keys.KeysService;
import dev.triggers.keys.OrganizationStore;
import dev.triggers.keys.TierLimits;
import dev.triggers.ops.HealthService;
import dev.triggers.ops.OpenApiService;
import dev.triggers.platform.config.GlobalRegistry;
import dev.triggers.platform.db.Database;
import dev.triggers.platform.db.Migrations;
import dev.triggers.platform.db.PgNotifications;
import dev.triggers.platform.http.ErrorHandling;
import dev.triggers.platform.http.BodyMemoryBudget;
import dev.triggers.platform.http.RequestObservation;
import dev.triggers.platform.json.Json;
import dev.triggers.platform.redis.Redis;
import dev.triggers.webhooks.RedeliveryService;
import dev.triggers.webhooks.WebhookService;
import dev.triggers.webhooks.WebhookStore;
import dev.triggers.webhooks.WebhookTargets;
import dev.triggers.ratelimit.LocalRateLimiter;
import dev.triggers.ratelimit.RedisRateLimiter;
import io.helidon.config.Config;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.metrics.MetricsObserver;

/**
 * The wiring: config, then the platform (database, Redis, notifications), then each feature, then routing.
 * Every endpoint's handler is one hop from {@link #routing(HttpRouting.Builder)}.
 */
public final class Application implements AutoCloseable {
    private static final long RATE_WINDOW_MILLIS = 60_000;
    private static final long STARTUP_DB_WAIT_NANOS = Duration.ofSeconds(10).toNanos();
    private final Config config;
    private final Database db;
    private final Redis redis;
    private final PgNotifications notifications;
    private final TierLimits tierLimits;
    private final ApiKeys apiKeys;
    private final OrganizationStore organizations;
    private final Authenticator auth;
    private final DeliverySignal deliverySignal = new DeliverySignal();
    private final WebhookTargets webhookTargets;
    private final WebhookStore webhooks;
    private final DeliveryEngine delivery;
    private final IngestMetrics ingestMetrics;
    private final IngestPressure ingestPressure;
    private final EventWriter eventWriter;
    private final DedupSweeper dedupSweeper;
    private final RedisRateLimiter rateLimiter;
    // Built during start-up for the first server; every later configureServer (tests start several) builds its own.
    private final AtomicReference<CompletableFuture<ObserveFeature>> observe = new AtomicReference<>();

    private Application(Config config) {
        this.config = config;
        // Before anything asks Helidon's global registry: otherwise the first lookup builds it by discovery.
        GlobalRegistry.install(config);
        // Start-up is CPU work (class init, service discovery) plus waits on PostgreSQL; the three big blocks run
        // side by side: the metrics observer (Micrometer/Prometheus registry) and the database (pool, the DB
        // client's mapper discovery, the schema check) on their own threads, the rest here.
        this.observe.set(CompletableFuture.supplyAsync(Application::observeFeature,
                task -> Thread.ofPlatform().name("startup-metrics").start(task)));
        CompletableFuture<Database> pendingDb = CompletableFuture.supplyAsync(() -> {
            Database created = Database.create(config.get("db"));
            migrate(created);
            return created;
        }, task -> Thread.ofPlatform().name("startup-db").start(task));
        this.redis = Redis.create(config.get("redis"));
        Config dbConfig = config.get("db");
        this.notifications = new PgNotifications(dbConfig.get("url").asString().orElseThrow(),
                dbConfig.get("username").asString().orElse("postgres"), dbConfig.get("password").asString().orElse(""));
        this.tierLimits = new TierLimits(config.get("rate-limits"));
        this.apiKeys = new ApiKeys(config.get("keys.pepper").asString().orElseThrow(
                () -> new IllegalStateException("keys.pepper is not set")), "prod".equals(profile()));
        this.webhookTargets = new WebhookTargets(config.get("webhooks.allow-private-targets").asBoolean().orElse(false));
        this.ingestMetrics = new IngestMetrics();
        this.rateLimiter = new RedisRateLimiter(redis, new LocalRateLimiter(RATE_WINDOW_MILLIS), RATE_WINDOW_MILLIS);
        // The JSON mapper's class initialisation, here while the database thread works rather than in the first
        // request (the first readiness probe).
        Json.object();
        try {
            this.db = join(pendingDb);
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        this.organizations = new OrganizationStore(db.client());
        this.auth = new Authenticator(apiKeys, organizations,
                Duration.ofSeconds(config.get("auth.cache-ttl-seconds").asLong().orElse(60L)), notifications);
        this.webhooks = new WebhookStore(db.client());
        DeliverySettings deliverySettings = DeliverySettings.from(config.get("delivery"),
                config.get("app.version").asString().orElse("dev"));
        // Ingest requests in progress; push delivery slows down while they average delivery.yield.ingest-threshold.
        this.ingestPressure = new IngestPressure(deliverySettings.yielding().ingestThreshold(),
                deliverySettings.yielding().windowMs());
        // Created before notifications.start(): it subscribes to its wake-up channel.
        this.delivery = deliverySettings.enabled()
                ? new DeliveryEngine(deliverySettings, db, webhookTargets, deliverySignal, ingestPressure, notifications,
                        auth::announce)
                : null;
        this.eventWriter = new EventWriter(db, deliverySignal, ingestMetrics, EventWriter.Settings.from(config.get("ingest"),
                config.get("limits.batch-max-events").asInt().orElse(1000))).start();
        this.dedupSweeper = new DedupSweeper(db);
    }

    /** A fully running application: what tests and embedders want. */
    public static Application create(Config config) {
        return prepare(config).startBackground();
    }

    /**
     * Everything a request needs, without the background work (LISTEN connection, dedup sweeper, push delivery):
     * {@link Main} starts that with {@link #startBackground()} once the server listens, off the start-up path.
     */
    public static Application prepare(Config config) {
        return new Application(config);
    }

    /** Starts the work no request waits for. Call it once. */
    public Application startBackground() {
        dedupSweeper.start(config.get("ingest.dedup-sweep-interval-seconds").asLong().orElse(60L));
        notifications.start();
        if (delivery != null) {
            delivery.start();
        }
        return this;
    }

    private static ObserveFeature observeFeature() {
        return ObserveFeature.builder()
                .endpoint("/")
                .addObserver(MetricsObserver.builder().build())
                .build();
    }

    private static <T> T join(CompletableFuture<T> pending) {
        try {
            return pending.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * The schema check needs PostgreSQL. The pool's wait for a connection (db.pool.connection-timeout-ms, 1 s) is
     * sized for requests; the first connection of a JVM that is still starting on busy cores (driver classes
     * initialised, code interpreted) can take longer, so a transient failure is retried until
     * {@link #STARTUP_DB_WAIT_NANOS}: the start fails on a PostgreSQL that stays unreachable, not on a slow start.
     */
    private static void migrate(Database db) {
        long deadline = System.nanoTime() + STARTUP_DB_WAIT_NANOS;
        while (true) {
            // The pool itself, not through the circuit: this loop is the start-up's own bounded wait.
            try (Connection conn = db.dataSource().getConnection()) {
                Migrations.migrate(conn);
                return;
            } catch (SQLException e) {
                if (!Database.isUnavailable(e) || System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("cannot migrate the database schema: " + e.getMessage(), e);
                }
            }
        }
    }

    public String profile() {
        return config.get("app.profile").asString().orElse("dev");
    }

    /** Server-level settings that are not routes: error pages for transport errors, metrics endpoint. */
    public void configureServer(WebServerConfig.Builder server) {
        CompletableFuture<ObserveFeature> prebuilt = observe.getAndSet(null);
        server.config(config.get("server"))
                .directHandlers(ErrorHandling.directHandlers())
                .featuresDiscoverServices(false)
                .addFeature(prebuilt == null ? observeFeature() : join(prebuilt))
                .routing(this::routing);
    }

    public void routing(HttpRouting.Builder routing) {
        db.registerMetrics();
        routing.addFilter(new RequestObservation(config.get("logging.access").asBoolean().orElse(false)));
        routing.addFilter(new BodyMemoryBudget(config.get("limits")));
        ErrorHandling.register(routing);
        // Its own route, ahead of the /api/events service, so the two features merge without touching each other.
        routing.post("/api/events/{id}/redeliver", new RedeliveryService(webhooks, auth, deliverySignal)::redeliver);
        routing.register("/api/webhook", new WebhookService(webhooks, webhookTargets, auth));
        routing.register("/api/keys", new KeysService(organizations, apiKeys, auth, tierLimits,
                        config.get("signup.open").asBoolean().orElse(false), config.get("admin.token").asString().orElse("")))
                .register("/api/events", new EventsService(auth, eventWriter, new EventStore(db.client()), rateLimiter,
                        tierLimits, ingestMetrics, ingestPressure, config.get("limits")))
                .register("/api", new InboxService(db, auth, config.get("inbox")))
                .register("/health", new HealthService(db, redis))
                .register("/openapi", new OpenApiService());
    }

    public Database database() {
        return db;
    }

    public Redis redis() {
        return redis;
    }

    /** Rung by the event writer after committing events that are due for push delivery. */
    public DeliverySignal deliverySignal() {
        return deliverySignal;
    }

    /** Ingest requests in progress: the pressure push delivery yields to. */
    public IngestPressure ingestPressure() {
        return ingestPressure;
    }

    @Override
    public void close() {
        if (delivery != null) {
            delivery.close();
        }
        dedupSweeper.close();
        rateLimiter.close();
        eventWriter.close();
        notifications.close();
        redis.close();
        db.close();
    }
}
