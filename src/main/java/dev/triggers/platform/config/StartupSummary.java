package dev.triggers.platform.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.helidon.config.Config;

/**
 * What the start-up log says about the setup: the profile, the database and Redis in use (never a password),
 * and a loud warning when development defaults are live on an address other machines can reach.
 */
public final class StartupSummary {
    private static final Pattern JDBC_PASSWORD = Pattern.compile("(?i)([?&;]password=)[^&;]*");
    private static final Pattern URL_USER_INFO = Pattern.compile("^([a-z][a-z0-9+.-]*://)[^@/]*@", Pattern.CASE_INSENSITIVE);

    private StartupSummary() {
    }

    /** One line: profile, database, Redis. */
    public static String describe(Config config) {
        String redis = config.get("redis.url").asString().orElse("");
        return "profile " + config.get("app.profile").asString().orElse("?")
                + ", database " + redactJdbc(config.get("db.url").asString().orElse("?"))
                + ", redis " + (redis.isBlank() ? "none (single-node mode)" : redactUrl(redis));
    }

    /** Development defaults that are unsafe once the server listens beyond loopback; one line each. */
    public static List<String> warnings(Config config) {
        List<String> warnings = new ArrayList<>();
        String host = config.get("server.host").asString().orElse("0.0.0.0");
        if ("prod".equals(config.get("app.profile").asString().orElse("")) || loopback(host)) {
            return warnings;
        }
        String reach = " while listening on " + host + " (reachable from other machines): ";
        if (config.get("signup.open").asBoolean().orElse(false)) {
            warnings.add("signup.open=true" + reach + "anyone who can connect can create organizations");
        }
        if (config.get("webhooks.allow-private-targets").asBoolean().orElse(false)) {
            warnings.add("webhooks.allow-private-targets=true" + reach + "tenants can make the server call internal addresses");
        }
        if (config.get("keys.pepper").asString().orElse("").startsWith("dev-only-")) {
            warnings.add("the development key pepper is in use" + reach + "set KEYS_PEPPER, or run the prod profile");
        }
        return warnings;
    }

    static String redactJdbc(String url) {
        return JDBC_PASSWORD.matcher(url).replaceAll("$1***");
    }

    static String redactUrl(String url) {
        return URL_USER_INFO.matcher(url).replaceFirst("$1***@");
    }

    private static boolean loopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }
}
