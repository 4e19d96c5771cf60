package dev.triggers.platform.config;

import java.util.ArrayList;
import java.util.List;

import io.helidon.config.Config;

/**
 * Refuses to start the prod profile with a setup that is unsafe on the open internet.
 *
 * <p>Each problem is one line an operator can act on; all of them are reported at once.
 */
public final class StartupChecks {
    private StartupChecks() {
    }

    public static List<String> problems(Config config) {
        List<String> problems = new ArrayList<>();
        if (!"prod".equals(config.get("app.profile").asString().orElse(""))) {
            return problems;
        }
        boolean signupOpen = config.get("signup.open").asBoolean().orElse(false);
        boolean openOnPurpose = config.get("signup.open-in-prod-acknowledged").asBoolean().orElse(false);
        if (signupOpen && !openOnPurpose) {
            problems.add("signup.open=true in prod: anyone could create organizations; set SIGNUP_OPEN=false, "
                    + "or also set SIGNUP_OPEN_IN_PROD_ACKNOWLEDGED=true if that is intended");
        }
        String adminToken = config.get("admin.token").asString().orElse("");
        if (adminToken.length() < 32) {
            problems.add("admin.token (ADMIN_TOKEN) must be set to at least 32 characters in prod");
        }
        if (config.get("webhooks.allow-private-targets").asBoolean().orElse(false)) {
            problems.add("webhooks.allow-private-targets=true in prod would let tenants reach internal addresses (SSRF)");
        }
        String pepper = config.get("keys.pepper").asString().orElse("");
        if (pepper.length() < 32) {
            problems.add("keys.pepper (KEYS_PEPPER) must be set to at least 32 characters in prod");
        }
        return problems;
    }
}
