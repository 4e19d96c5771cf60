package dev.triggers.events;

import java.util.Locale;
import java.util.Optional;

/**
 * An event's delivery state, stored as {@code events.status} (smallint). {@code DELIVERED} is final until a
 * redeliver: an ack or a successful push sets it, and nothing else may overwrite it.
 */
public enum DeliveryStatus {
    PENDING(0), RETRYING(1), DELIVERED(2), FAILED(3);

    private final int code;

    DeliveryStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeliveryStatus fromCode(int code) {
        for (DeliveryStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown status code " + code);
    }

    public static Optional<DeliveryStatus> parse(String text) {
        for (DeliveryStatus s : values()) {
            if (s.wireName().equals(text)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
