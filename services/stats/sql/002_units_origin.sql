-- 002_units_origin: where the registry in `units` came from, so that a restart and a
-- `cchc units import` do not undo each other (docs/decisions.md, "Units registry"): stats syncs
-- from units_file at start only when the file's content differs from the content it last synced.
CREATE TABLE units_origin (
	id integer PRIMARY KEY CHECK (id = 1),
	origin text NOT NULL,              -- 'file' or 'import': what last replaced the registry
	file_content bytea,                -- units_file as last synced from it (NULL: never)
	changed_at timestamptz NOT NULL DEFAULT now()
);
