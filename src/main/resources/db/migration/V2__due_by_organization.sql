-- IF NOT EXISTS: a large installation may build it beforehand with CREATE INDEX CONCURRENTLY (docs/OPERATIONS.md).
-- Due deliveries per organization. A claim that leaves out organizations already at their per-org concurrency
-- (a busy one with a large backlog) walks the organizations with due events in this index and jumps over each left-out
-- organization's range in one descent; on events_due alone it had to step over every due event of theirs
-- (60-200 ms per claim with a 200,000-event backlog, repeated on every ingest commit).
CREATE INDEX IF NOT EXISTS events_due_org ON events (org_id, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
