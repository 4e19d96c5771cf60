package dev.triggers;

import java.util.List;

import dev.triggers.platform.config.AppConfig;
import dev.triggers.platform.config.StartupChecks;
import dev.triggers.platform.config.StartupSummary;
import dev.triggers.platform.logging.Logging;
import io.helidon.config.Config;
import io.helidon.webserver.WebServer;

/**
 * Starts the Triggers API server.
 */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        Config config;
        try {
            config = AppConfig.load();
        } catch (RuntimeException e) {
            // A mistyped profile or an unreadable *_FILE secret: one line the operator can act on, no stack trace.
            System.err.println("refusing to start: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Helidon components built without an explicit config (the metrics observer's MetricsConfig) ask the service
        // registry for one; unset, it builds a second, default config with full service discovery.
        Config.global(config);
        Logging.configure(config.get("logging.level").asString().orElse("INFO"));
        List<String> problems = StartupChecks.problems(config);
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("refusing to start: " + p));
            System.exit(2);
        }
        LOG.log(System.Logger.Level.INFO, "starting with " + StartupSummary.describe(config));
        StartupSummary.warnings(config).forEach(w -> LOG.log(System.Logger.Level.WARNING, "UNSAFE: " + w));
        Application app = Application.prepare(config);
        WebServer server = WebServer.builder().update(app::configureServer).build().start();
        // Listening first: no request waits for the LISTEN connection, the dedup sweeper or push delivery.
        app.startBackground();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            app.close();
        }, "shutdown"));
        LOG.log(System.Logger.Level.INFO, "triggers-api " + app.profile() + " listening on port " + server.port()
                + " (started in " + (System.nanoTime() - start) / 1_000_000 + " ms)");
    }
}
