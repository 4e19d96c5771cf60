-- Organizations own everything; the webhook columns are null while push delivery is off.
CREATE TABLE organizations (
    id                                 uuid PRIMARY KEY,
    name                               text NOT NULL,
    tier                               text NOT NULL CHECK (tier IN ('free', 'pro', 'business', 'enterprise')),
    webhook_url                        text,
    webhook_secret                     text,
    -- Kept for 24 h after a rotation so deliveries carry both signatures.
    webhook_previous_secret            text,
    webhook_previous_secret_expires_at timestamptz,
    created_at                         timestamptz NOT NULL,
    updated_at                         timestamptz NOT NULL
);

-- Only an HMAC of each key is stored. A rotated key keeps its row until expires_at (grace period).
CREATE TABLE api_keys (
    key_hash   bytea PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id);

-- status: 0 pending, 1 retrying, 2 delivered, 3 failed.
-- next_attempt_at is non-null only while push delivery is due or leased (see delivery); inbox-only events keep it null
-- so the delivery index stays as small as the backlog.
-- No foreign key to organizations: org_id always comes from an authenticated key, and the check would cost every insert.
CREATE TABLE events (
    id               uuid PRIMARY KEY,
    org_id           uuid        NOT NULL,
    type             text        NOT NULL,
    payload          jsonb       NOT NULL,
    dedup_id         text,
    created_at       timestamptz NOT NULL,
    status           smallint    NOT NULL DEFAULT 0,
    attempts         int         NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    last_attempt_at  timestamptz,
    last_status_code int,
    last_error       text,
    delivered_at     timestamptz
);
-- Inbox pages: keyset on (created_at, id) per organization; the partial index serves the default (undelivered) view
-- without wading through acknowledged rows.
CREATE INDEX events_org_created ON events (org_id, created_at DESC, id DESC);
CREATE INDEX events_org_undelivered ON events (org_id, created_at DESC, id DESC) WHERE status <> 2;
CREATE INDEX events_due ON events (next_attempt_at) WHERE next_attempt_at IS NOT NULL;

-- The dedup window. PostgreSQL is the truth: a row here claims (org, dedup_id) for 24 h from created_at;
-- an expired claim may be taken over by a new event.
CREATE TABLE event_dedup (
    org_id     uuid        NOT NULL,
    dedup_id   text        NOT NULL,
    event_id   uuid        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, dedup_id)
);
CREATE INDEX event_dedup_created ON event_dedup (created_at);

-- One row per push attempt: when, what the receiver answered (or the error), how long it took.
CREATE TABLE delivery_attempts (
    event_id     uuid        NOT NULL,
    attempt      int         NOT NULL,
    attempted_at timestamptz NOT NULL,
    status_code  int,
    error        text,
    duration_ms  int         NOT NULL,
    PRIMARY KEY (event_id, attempt)
);
