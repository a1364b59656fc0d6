-- 006_event_blob: each state row also holds its item's events, packed (services/stats/evblob.c),
-- so that a new event's state is derived from the row it replaces instead of from every event of
-- the item read back from dossier_event (docs/performance.md). NULL in rows written before this
-- migration: the next event of such an item reads its events from the event table once.
ALTER TABLE dossier_state ADD COLUMN ev bytea;
ALTER TABLE feedback_state ADD COLUMN ev bytea;
