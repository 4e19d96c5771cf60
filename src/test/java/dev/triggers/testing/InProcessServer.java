package dev.triggers.testing;

import java.time.Duration;
import java.util.Map;

import dev.triggers.ApiClient;
import dev.triggers.Application;
import dev.triggers.TestSupport;
import io.helidon.config.Config;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;

/**
 * An Application of its own (test profile plus {@code overrides}, in the contract's variable names) and its server
 * on a free port, in this JVM, for a test that needs settings the suite's shared server does not have.
 */
public record InProcessServer(Application app, WebServer server, ApiClient api) implements AutoCloseable {
    public static InProcessServer start(Map<String, String> overrides) {
        Config config = TestSupport.config(overrides);
        Application app = Application.create(config);
        WebServer server = WebServer.builder().update(app::configureServer).port(0).host("127.0.0.1").build().start();
        Http1Client client = Http1Client.builder().baseUri("http://127.0.0.1:" + server.port())
                .readTimeout(Duration.ofSeconds(30)).build();
        return new InProcessServer(app, server, new ApiClient(client));
    }

    @Override
    public void close() {
        server.stop();
        app.close();
    }
}
