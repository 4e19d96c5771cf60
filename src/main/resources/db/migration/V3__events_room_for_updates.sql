-- Leave a tenth of each new events page free. An ack (and a delivery result) writes a new version of the row; it
-- cannot be a HOT update (status is in the default inbox view's partial index predicate), but with room on the row's
-- own page the new version stays there: one heap page changed per acknowledged row instead of two (the old row's page
-- and wherever free space was found), and a smaller WAL record (same-page updates log only the changed bytes).
-- Changes only how pages filled from now on are packed: no rewrite, no lock beyond a moment's
-- SHARE UPDATE EXCLUSIVE.
ALTER TABLE events SET (fillfactor = 90);
