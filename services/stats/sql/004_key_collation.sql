-- 004_key_collation: the key columns compare bytewise (COLLATE "C"). The cluster's C.UTF-8
-- collation sorts by code point too, so no order a report or check shows changes, but PostgreSQL 15
-- compares it through strcoll: every B-tree step of the ingest path paid for that
-- (docs/performance.md). Changing a column's collation rewrites no row; its indexes are rebuilt.
ALTER TABLE dossier_event
	ALTER COLUMN source TYPE text COLLATE "C",
	ALTER COLUMN event_id TYPE text COLLATE "C",
	ALTER COLUMN office TYPE text COLLATE "C",
	ALTER COLUMN dossier TYPE text COLLATE "C";
ALTER TABLE feedback_event
	ALTER COLUMN source TYPE text COLLATE "C",
	ALTER COLUMN event_id TYPE text COLLATE "C",
	ALTER COLUMN office TYPE text COLLATE "C",
	ALTER COLUMN feedback TYPE text COLLATE "C";
ALTER TABLE dossier_state
	ALTER COLUMN office TYPE text COLLATE "C",
	ALTER COLUMN dossier TYPE text COLLATE "C",
	ALTER COLUMN field TYPE text COLLATE "C";
ALTER TABLE feedback_state
	ALTER COLUMN office TYPE text COLLATE "C",
	ALTER COLUMN feedback TYPE text COLLATE "C";
ALTER TABLE units
	ALTER COLUMN code TYPE text COLLATE "C",
	ALTER COLUMN parent_code TYPE text COLLATE "C";

-- A state row is rewritten by every batch that brings its dossier an event, and most such updates
-- change no indexed column (received_at, finished_at, submitted_at, unit): with room left on the
-- page they are HOT updates, which touch none of the table's five indexes. Applies to pages
-- written from now on.
ALTER TABLE dossier_state SET (fillfactor = 75);
ALTER TABLE feedback_state SET (fillfactor = 75);
