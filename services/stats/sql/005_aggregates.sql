-- 005_aggregates: the figures of docs/design.md §6 kept at write time (services/stats/agg.c), so a report
-- reads units × fields × days rows, not every dossier. One row per (unit, field, local day);
-- flows count the events of that day, d_* columns are +1/-1 changes of a stock taking effect on
-- that day: a stock at local midnight of day D is the sum over the days before D.
-- `day` is days since 1970-01-01 of the local calendar (the configured time zone); an office the
-- registry does not know has unit_snapshot '-infinity' and level 0. Counts are integer, not
-- bigint: a (unit, field, day) never holds 2^31 dossiers, and sum(integer) is several times
-- cheaper for the figures query than sum(bigint).

-- The (unit, field) of a row, as a small integer: the figures query groups by it, and hashing
-- one integer is much cheaper than four columns with two texts. Feedback rows use field ''.
CREATE TABLE agg_key (
	id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	office text COLLATE "C" NOT NULL,   -- bytewise, as the state tables' keys (004)
	unit_snapshot date NOT NULL,
	level smallint NOT NULL,
	field text COLLATE "C" NOT NULL,
	UNIQUE (office, unit_snapshot, level, field)
);

CREATE TABLE dossier_agg (
	key integer NOT NULL,             -- agg_key.id
	day integer NOT NULL,
	received integer NOT NULL,
	received_online integer NOT NULL,
	received_direct integer NOT NULL,
	received_postal integer NOT NULL,
	resolved integer NOT NULL,
	resolved_early integer NOT NULL,
	resolved_on_time integer NOT NULL,
	resolved_late integer NOT NULL,
	returned integer NOT NULL,
	withdrawn integer NOT NULL,
	not_accepted integer NOT NULL,
	paid_online integer NOT NULL,      -- of the dossiers received that day
	digitized integer NOT NULL,
	d_open integer NOT NULL,           -- received, not finished
	d_overdue integer NOT NULL,        -- open, not waiting for supplements, due passed
	d_waiting integer NOT NULL,        -- submitted, neither received nor returned
	PRIMARY KEY (key, day)
);

CREATE TABLE feedback_agg (
	key integer NOT NULL,
	day integer NOT NULL,
	received integer NOT NULL,
	about_regulation integer NOT NULL,
	about_behavior integer NOT NULL,
	resolved integer NOT NULL,
	published integer NOT NULL,
	d_open integer NOT NULL,
	PRIMARY KEY (key, day)
);

-- Whether the aggregates match the state rows as they are: units_ok turns false whenever the
-- registry changes (a change re-resolves states' units, db.c), and the zone is the one they were
-- built in (local days). When either is off (or after the upgrade to 005: never built), queries
-- use the reference query on dossier_state and the next write rebuilds the aggregates.
CREATE TABLE agg_meta (
	id integer PRIMARY KEY CHECK (id = 1),
	units_ok boolean NOT NULL,
	timezone text
);
INSERT INTO agg_meta VALUES (1, false, NULL);

-- A trigger rather than a call in the registry code: every path that changes units (start-up
-- sync, `cchc units import`, a hand edit) marks the aggregates stale in its own transaction.
CREATE FUNCTION agg_units_changed() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN UPDATE agg_meta SET units_ok = false WHERE id = 1; RETURN NULL; END $$;
CREATE TRIGGER agg_units_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
	FOR EACH STATEMENT EXECUTE FUNCTION agg_units_changed();
