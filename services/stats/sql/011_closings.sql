-- 011_closings: closing a period (docs/design.md §13). Every event gets the place in the order of
-- storing (store_seq), so the figures as they stood at a closing can be recomputed exactly from
-- the events whose store_seq is at most the closing's watermark. A store transaction takes one
-- number once it holds its lock and writes it into all its events (store.c), which costs a row
-- eight bytes of COPY; any other insert takes a number of its own from the default. The sequence
-- has no cache: its values grow in the order they are taken across sessions, and a closing reads
-- it while it holds the store lock alone, so every committed event is on one side of the
-- watermark. Rows stored before this migration keep NULL (stored before any closing could
-- exist: they count as 0). The columns are added without a rewrite.
CREATE SEQUENCE event_store_seq AS bigint NO CYCLE CACHE 1;
ALTER TABLE dossier_event ADD COLUMN store_seq bigint;
ALTER TABLE dossier_event ALTER COLUMN store_seq SET DEFAULT nextval('event_store_seq');
ALTER TABLE feedback_event ADD COLUMN store_seq bigint;
ALTER TABLE feedback_event ALTER COLUMN store_seq SET DEFAULT nextval('event_store_seq');
-- What arrived after a watermark (cchc period diff, --as-of) is found through a BRIN index: the
-- numbers grow with the order rows are appended in, so a range summary per 32 pages finds the
-- recent blocks, at almost no cost to each insert (a B-tree cost the ingest path ~10 %).
CREATE INDEX dossier_event_store_seq ON dossier_event USING brin (store_seq)
	WITH (pages_per_range = 32);
CREATE INDEX feedback_event_store_seq ON feedback_event USING brin (store_seq)
	WITH (pages_per_range = 32);

-- One row per closed version of (period, scope). The figures are the QueryReply stats answered at
-- the watermark, packed (the contract's protobuf), so a closed report renders from exactly them;
-- the SHA-256 of the docx, pdf and xlsx rendered from them prove a later copy is the same file.
CREATE TABLE period_closing (
	period text NOT NULL,            -- the period's label (lib/period.h): 2024-Q1, A..B, …
	scope text NOT NULL,             -- unit code
	version integer NOT NULL,        -- 1, 2, … per (period, scope)
	from_ms bigint NOT NULL,
	to_ms bigint NOT NULL,
	structure text NOT NULL,         -- the map_to the figures were asked with ('' = as recorded)
	closed_ms bigint NOT NULL,       -- Unix milliseconds of the closing
	closed_by text NOT NULL,
	note text NOT NULL,
	forced boolean NOT NULL,         -- closed although offices were silent
	watermark bigint NOT NULL,       -- the last store_seq the closing includes
	figures bytea NOT NULL,          -- packed cchc.v1.QueryReply
	sha256_docx bytea NOT NULL,
	sha256_pdf bytea NOT NULL,
	sha256_xlsx bytea NOT NULL,
	reopened_ms bigint,              -- set by `cchc period reopen`
	reopened_by text,
	reopen_reason text,
	PRIMARY KEY (period, scope, version)
);
