-- Primary-key leaves filled from now on keep half their room. Every event's row gets at least one new version later
-- (its ack, or its delivery's claim and result), and each new version needs a second primary-key entry next to the
-- first: ids are UUIDv7, so leaves are filled at the right edge in arrival order, and at the default 90 % they are full
-- again after a few acks. A full leaf makes the next insert run a bottom-up deletion pass that visits the heap pages
-- of the leaf's other entries, or split the leaf.
-- Metadata only, no rewrite: existing leaves keep their packing until a REINDEX (docs/OPERATIONS.md). Cost: the
-- primary key is about 1.8 times its packed size.
ALTER INDEX events_pkey SET (fillfactor = 50);
