-- 020_ratings: the citizens' ratings of docs/design.md §16. A `rated` dossier event (kind 12)
-- carries a rating (1 very satisfied, 2 satisfied, 3 unsatisfied; 0 on every other kind), stored
-- with the event like its channel and compared with it when an event_id is sent again; a dossier's
-- state keeps the rating of its latest `rated` event (0: none). Numbered 020 so that it never
-- collides with the migrations of other work in progress (013 onwards). Columns with a constant
-- default are added without a rewrite; every row before this migration is an event without a
-- rating, a dossier never rated.
ALTER TABLE dossier_event ADD COLUMN rating smallint NOT NULL DEFAULT 0;
ALTER TABLE dossier_state ADD COLUMN rating smallint NOT NULL DEFAULT 0;

-- The packed events (stats_evblob.h) hold the rating in the high nibble of the channel byte; the
-- fallback that packs an item's events from the event table (007) does the same.
CREATE OR REPLACE FUNCTION cchc_packed_dossier_events(p_office text, p_dossier text) RETURNS bytea
LANGUAGE sql STABLE AS $$
	SELECT decode('01', 'hex') || COALESCE(string_agg(
		substring(int2send(e.kind) FROM 2 FOR 1) ||
		substring(int2send((e.rating * 16 + e.channel)::smallint) FROM 2 FOR 1) ||
		int8send((extract(epoch FROM e.at) * 1000)::bigint) ||
		int8send(COALESCE((extract(epoch FROM e.due) * 1000)::bigint, -9223372036854775808)) ||
		int2send(octet_length(e.procedure)::smallint) || convert_to(e.procedure, 'UTF8') ||
		int2send(octet_length(e.field)::smallint) || convert_to(e.field, 'UTF8'),
		''::bytea), ''::bytea)
	FROM dossier_event e WHERE e.office = p_office AND e.dossier = p_dossier
$$;
