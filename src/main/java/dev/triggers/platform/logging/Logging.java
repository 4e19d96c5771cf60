package dev.triggers.platform.logging;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Sets up JUL: JSON lines on stderr. Everything (Helidon, HikariCP and Jedis through SLF4J) logs through it.
 */
public final class Logging {
    private Logging() {
    }

    public static void configure(String level) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Handler handler = new ConsoleHandler();
        handler.setFormatter(new JsonLogFormatter());
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(Level.parse(level.toUpperCase(java.util.Locale.ROOT)));
        // Chatty at INFO and never useful to operators.
        Logger.getLogger("com.zaxxer.hikari").setLevel(Level.WARNING);
        Logger.getLogger("io.helidon.common.features").setLevel(Level.WARNING);
    }
}
