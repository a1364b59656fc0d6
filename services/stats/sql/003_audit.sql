-- 003_audit: every batch stats commits, chained by hash (issue 5). entry_hash = SHA-256 of the
-- previous entry's hash followed by this entry's canonical text (services/stats/audit.c), so an
-- altered entry breaks its own hash and a removed one breaks the next entry's link.
CREATE TABLE audit_log (
	id bigserial PRIMARY KEY,
	logged_ms bigint NOT NULL,      -- Unix milliseconds when stats committed the batch
	source text NOT NULL,
	sent_at_ms bigint NOT NULL,     -- the batch's own sending time (0 when not given)
	batch_sha256 bytea NOT NULL,    -- of the signed batch bytes (empty when not given)
	records integer NOT NULL,       -- records in the office's batch
	accepted integer NOT NULL,
	duplicate integer NOT NULL,
	rejected integer NOT NULL,
	prev_hash bytea NOT NULL,
	entry_hash bytea NOT NULL
);
