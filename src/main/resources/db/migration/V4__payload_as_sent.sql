-- Payloads are kept as the JSON text the client sent (json) instead of parsed (jsonb): the server never queries
-- inside a payload, consumers get the producer's bytes, and printing jsonb back as text was a large share of the
-- database's work per inbox page (docs/ARCHITECTURE.md).
-- Rewrites the table and its indexes under an exclusive lock: docs/OPERATIONS.md says how to plan it on a large
-- installation.
ALTER TABLE events ALTER COLUMN payload TYPE json;
