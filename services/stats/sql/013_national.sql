-- 013_national: the national roll-up by PostgreSQL logical replication (docs/design.md §15).
-- A province publishes its aggregates, its unit registry, its closings and a heartbeat; a national
-- database subscribes to every province and holds the same tables partitioned by province. Both
-- run these same migrations (DDL is not replicated): cchc-stats says which one this database is
-- in the session settings cchc.mode ('province' or 'national') and cchc.province (the province's
-- two-digit code; stats_migrations.h), and this migration records it in cchc_node.
--
-- On a province every published table gains `province`, a plain column whose default is the
-- province's code and that leads the primary key: PostgreSQL 15 does not replicate generated
-- columns, and the subscriber needs the province in the replica identity to apply an UPDATE or
-- DELETE. The default is a constant written in by format(%L) below, so the write path pays
-- nothing for it; the CHECK refuses any other code. On the national database the same tables are
-- LIST-partitioned by province, with no defaults, identities or unique keys but the primary key:
-- rows arrive only through the subscriptions (cchc-stats makes one partition per province before
-- its subscription, national_province below).
--
-- A later migration that adds a published table calls cchc_published_table(name, key) once it
-- has created it on both kinds of database; one that alters a published table must work on a
-- partitioned table too (ALTER TABLE … ADD COLUMN does; CLUSTER does not).

CREATE TABLE cchc_node (
	id integer PRIMARY KEY CHECK (id = 1),
	mode text NOT NULL CHECK (mode IN ('province', 'national')),
	province text COLLATE "C" CHECK (province ~ '^[0-9]{2}$'),
	CHECK ((mode = 'province') = (province IS NOT NULL))
);

-- The tables a province publishes and the columns of their keys after `province`.
CREATE TABLE cchc_published (
	tbl text COLLATE "C" PRIMARY KEY,
	key text[] NOT NULL
);

-- National only: the provinces subscribed to (cchc-stats keeps it equal to the configuration's
-- national.province.CODE lines). A province here has its partitions.
CREATE TABLE national_province (
	code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
	added_at timestamptz NOT NULL DEFAULT now()
);

-- One row per province, rewritten every few seconds by a publishing province's stats: on the
-- national side `at` says up to when that province's figures are complete (replication applies
-- transactions in commit order).
CREATE TABLE replication_heartbeat (
	id integer PRIMARY KEY CHECK (id = 1),
	at timestamptz NOT NULL
);

-- The partitions of one published table for one province (national only); does nothing when
-- they exist.
CREATE FUNCTION cchc_province_partition(p_tbl text, p_code text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF p_code !~ '^[0-9]{2}$' THEN
		RAISE EXCEPTION 'province code % is not two digits', p_code;
	END IF;
	IF to_regclass(format('%I', p_tbl || '_p' || p_code)) IS NULL THEN
		EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%L)',
		               p_tbl || '_p' || p_code, p_tbl, p_code);
	END IF;
END $$;

-- Makes p_tbl a published table: on a province, the province column with its default and check,
-- leading the primary key; on the national database, the same columns partitioned by province
-- (the rows of a fresh national database's tables: none), with a partition per known province.
CREATE FUNCTION cchc_published_table(p_tbl text, p_key text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	n cchc_node;
	cols text := (SELECT string_agg(format('%I', k), ', ' ORDER BY o)
	              FROM unnest(p_key) WITH ORDINALITY AS t(k, o));
	pk text;
	has_rows boolean;
BEGIN
	SELECT * INTO STRICT n FROM cchc_node WHERE id = 1;
	SELECT conname INTO pk FROM pg_constraint
	WHERE conrelid = format('%I', p_tbl)::regclass AND contype = 'p';
	IF n.mode = 'province' THEN
		EXECUTE format('ALTER TABLE %I ADD COLUMN province text COLLATE "C" NOT NULL '
		               'DEFAULT %L CHECK (province = %L)', p_tbl, n.province, n.province);
		EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I, ADD PRIMARY KEY (province, %s)',
		               p_tbl, pk, cols);
	ELSE
		EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', p_tbl) INTO has_rows;
		IF has_rows THEN
			RAISE EXCEPTION 'table % holds rows: a national database starts empty', p_tbl;
		END IF;
		EXECUTE format('ALTER TABLE %I ADD COLUMN province text COLLATE "C" NOT NULL', p_tbl);
		EXECUTE format('CREATE TABLE %I (LIKE %I) PARTITION BY LIST (province)',
		               p_tbl || '_national', p_tbl);
		EXECUTE format('DROP TABLE %I', p_tbl);
		EXECUTE format('ALTER TABLE %I RENAME TO %I', p_tbl || '_national', p_tbl);
		EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (province, %s)', p_tbl, cols);
		PERFORM cchc_province_partition(p_tbl, code) FROM national_province;
	END IF;
	INSERT INTO cchc_published VALUES (p_tbl, p_key);
END $$;

DO $$
DECLARE
	m text := current_setting('cchc.mode', true);
	code text := NULLIF(current_setting('cchc.province', true), '');
BEGIN
	IF m IS NULL OR m NOT IN ('province', 'national') THEN
		RAISE EXCEPTION 'cchc.mode must be province or national, not %', m;
	END IF;
	IF m = 'province' AND (code IS NULL OR code !~ '^[0-9]{2}$') THEN
		RAISE EXCEPTION 'the province code is unknown (cchc.province is %): set province in '
		                'cchc.conf, or load a registry with its province unit', code;
	END IF;
	INSERT INTO cchc_node VALUES (1, m, CASE WHEN m = 'province' THEN code END);
	IF m = 'national' THEN
		-- a province's database is never turned into the national one
		IF EXISTS (SELECT 1 FROM dossier_event) OR EXISTS (SELECT 1 FROM feedback_event) THEN
			RAISE EXCEPTION 'this database holds events: it is a province''s, not a national one';
		END IF;
		-- 005's initial row; the national agg_meta holds each province's instead
		DELETE FROM agg_meta WHERE id = 1 AND NOT units_ok AND timezone IS NULL;
	END IF;
END $$;

SELECT cchc_published_table('units', ARRAY['code', 'snapshot']);
SELECT cchc_published_table('agg_key', ARRAY['id']);
SELECT cchc_published_table('dossier_agg', ARRAY['key', 'day', 'part']);
SELECT cchc_published_table('dossier_agg_month', ARRAY['key', 'month', 'part']);
SELECT cchc_published_table('feedback_agg', ARRAY['key', 'day', 'part']);
SELECT cchc_published_table('agg_meta', ARRAY['id']);
SELECT cchc_published_table('period_closing', ARRAY['period', 'scope', 'version']);
SELECT cchc_published_table('replication_heartbeat', ARRAY['id']);

-- What the national queries walk, per province: the registry's tree (the province's own
-- units_parent index of 001 went with the plain table) and the days of a partial month (008).
DO $$
BEGIN
	IF (SELECT mode FROM cchc_node) = 'national' THEN
		CREATE INDEX units_parent_national ON units (province, parent_code, snapshot);
		CREATE INDEX dossier_agg_day_national ON dossier_agg (province, day);
	END IF;
END $$;

-- A province's publication (cchc-stats with publish = on calls it at every start; off drops it):
-- every table of cchc_published, inserts, updates and deletes only. TRUNCATE is never
-- published: one province's TRUNCATE would empty every province's rows on the national side, so
-- stats never truncates a published table (a rebuild deletes). Returns the tables added.
CREATE FUNCTION cchc_publication(p_on boolean, p_role text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	t text;
	added integer := 0;
BEGIN
	IF NOT p_on THEN
		DROP PUBLICATION IF EXISTS cchc_pub;
		RETURN 0;
	END IF;
	IF (SELECT mode FROM cchc_node) <> 'province' THEN
		RAISE EXCEPTION 'only a province publishes';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'cchc_pub') THEN
		CREATE PUBLICATION cchc_pub WITH (publish = 'insert, update, delete');
	END IF;
	FOR t IN SELECT p.tbl FROM cchc_published p
	         WHERE NOT EXISTS (SELECT 1 FROM pg_publication_tables x
	                           WHERE x.pubname = 'cchc_pub' AND x.tablename = p.tbl
	                             AND x.schemaname = current_schema())
	         ORDER BY p.tbl LOOP
		EXECUTE format('ALTER PUBLICATION cchc_pub ADD TABLE %I', t);
		added := added + 1;
	END LOOP;
	IF p_role <> '' THEN
		FOR t IN SELECT tbl FROM cchc_published ORDER BY tbl LOOP
			EXECUTE format('GRANT SELECT ON %I TO %I', t, p_role);
		END LOOP;
	END IF;
	RETURN added;
END $$;

-- National only: a province's partitions emptied, for a resync after its slot was lost
-- (docs/operations.md): DROP SUBSCRIPTION first, then this, then cchc-stats subscribes again
-- and copies everything anew. Only that province's partitions are truncated: no other province's
-- rows are touched, and nothing on the national side is published.
CREATE FUNCTION cchc_province_clear(p_code text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t text;
BEGIN
	IF (SELECT mode FROM cchc_node) <> 'national' THEN
		RAISE EXCEPTION 'only a national database clears a province';
	END IF;
	FOR t IN SELECT tbl FROM cchc_published ORDER BY tbl LOOP
		EXECUTE format('TRUNCATE %I', t || '_p' || p_code);
	END LOOP;
END $$;
