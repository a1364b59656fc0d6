-- 001_init: the raw events (the truth, never changed once stored), the state derived from them per
-- dossier and per feedback item (docs/design.md §4, recomputed from all of an item's events whenever one
-- arrives), and the unit registry (docs/design.md §8). Kinds, channels, topics are the proto enum values.

CREATE TABLE units (
	code text NOT NULL,
	snapshot date NOT NULL,
	valid_from timestamptz NOT NULL,   -- '-infinity' for the first snapshot
	valid_to timestamptz NOT NULL,     -- exclusive; 'infinity' for the newest snapshot
	name text NOT NULL,
	level smallint NOT NULL,           -- 1 province, 2 district, 3 commune
	parent_code text NOT NULL,         -- '' for the top unit
	merged_from text NOT NULL,         -- ';'-separated codes
	PRIMARY KEY (code, snapshot)
);
CREATE INDEX units_parent ON units (parent_code, snapshot);

CREATE TABLE dossier_event (
	source text NOT NULL,
	event_id text NOT NULL,
	office text NOT NULL,
	dossier text NOT NULL,
	procedure text NOT NULL,
	field text NOT NULL,
	kind smallint NOT NULL,
	channel smallint NOT NULL,
	at timestamptz NOT NULL,
	due timestamptz,
	stored_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (source, event_id)
);
CREATE INDEX dossier_event_dossier ON dossier_event (office, dossier);

CREATE TABLE feedback_event (
	source text NOT NULL,
	event_id text NOT NULL,
	office text NOT NULL,
	feedback text NOT NULL,
	kind smallint NOT NULL,
	topic smallint NOT NULL,
	at timestamptz NOT NULL,
	stored_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (source, event_id)
);
CREATE INDEX feedback_event_item ON feedback_event (office, feedback);

-- One row per dossier that has any event (state.h explains each column).
CREATE TABLE dossier_state (
	office text NOT NULL,
	dossier text NOT NULL,
	anchor_at timestamptz NOT NULL,      -- received, else submitted, else first event
	unit_snapshot date,                  -- the unit (office, snapshot) valid at anchor_at
	unit_valid_from timestamptz,
	unit_valid_to timestamptz,
	level smallint,                      -- from the registry, never from the record
	procedure text NOT NULL,
	field text NOT NULL,
	channel smallint NOT NULL,
	has_received boolean NOT NULL,
	received_at timestamptz,
	due timestamptz,                     -- due after the last event considered
	due_from timestamptz[] NOT NULL,     -- due history: due_val[i] holds from due_from[i] on
	due_val timestamptz[] NOT NULL,
	supp_from timestamptz[] NOT NULL,    -- supplement waits [supp_from[i], supp_to[i])
	supp_to timestamptz[] NOT NULL,      -- 'infinity' while still waiting
	supplement_waiting boolean NOT NULL, -- waiting after the last event considered
	finished_at timestamptz,
	finish_kind smallint NOT NULL,       -- 6 resolved, 7 returned, 8 withdrawn, 0 not finished
	resolved_class smallint NOT NULL,    -- 1 early, 2 on time, 3 late, 0 not resolved
	submitted_at timestamptz,
	waiting_end_at timestamptz,
	not_accepted_at timestamptz,
	delivered_at timestamptz,
	paid_online_at timestamptz,
	digitized_at timestamptz,
	anomalies integer NOT NULL,          -- STATE_ANOMALY_* bits, for cchc check
	events integer NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (office, dossier)
);
CREATE INDEX dossier_state_received ON dossier_state (received_at);
CREATE INDEX dossier_state_finished ON dossier_state (finished_at);
CREATE INDEX dossier_state_submitted ON dossier_state (submitted_at) WHERE submitted_at IS NOT NULL;
CREATE INDEX dossier_state_unit ON dossier_state (office, unit_snapshot);

CREATE TABLE feedback_state (
	office text NOT NULL,
	feedback text NOT NULL,
	anchor_at timestamptz NOT NULL,
	unit_snapshot date,
	unit_valid_from timestamptz,
	unit_valid_to timestamptz,
	level smallint,
	has_received boolean NOT NULL,
	received_at timestamptz,
	topic smallint NOT NULL,
	resolved_at timestamptz,
	published_at timestamptz,
	anomalies integer NOT NULL,
	events integer NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (office, feedback)
);
CREATE INDEX feedback_state_received ON feedback_state (received_at);

-- Exact event counts for `cchc status` without counting the raw tables.
CREATE TABLE event_count (
	id integer PRIMARY KEY CHECK (id = 1),
	dossier bigint NOT NULL,
	feedback bigint NOT NULL
);
INSERT INTO event_count VALUES (1, 0, 0);
