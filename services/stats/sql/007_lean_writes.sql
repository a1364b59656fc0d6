-- 007_lean_writes: every state row holds its packed events (006), so nothing reads the events of
-- one item from the event tables any more, and the figures come from the aggregates (005), so
-- nothing needs the state tables' time and unit indexes: scans serve `cchc check`, the reference
-- figures query and `--verify`. Each of those indexes cost the ingest path an index insert per
-- event or per state write (docs/performance.md); they go, after the rows written before 006
-- get their packed events.

-- The packed events of one item as evblob.c writes them (stats_evblob.h): version byte 1, then
-- per dossier event kind u8, channel u8, at i64, due i64 (INT64_MIN: none), procedure and field
-- as u16 length + bytes; per feedback event kind u8, topic u8, at i64. Also stats' fallback for
-- a row whose ev is NULL (items.c), which no write leaves behind.
CREATE FUNCTION cchc_packed_dossier_events(p_office text, p_dossier text) RETURNS bytea
LANGUAGE sql STABLE AS $$
	SELECT decode('01', 'hex') || COALESCE(string_agg(
		substring(int2send(e.kind) FROM 2 FOR 1) || substring(int2send(e.channel) FROM 2 FOR 1) ||
		int8send((extract(epoch FROM e.at) * 1000)::bigint) ||
		int8send(COALESCE((extract(epoch FROM e.due) * 1000)::bigint, -9223372036854775808)) ||
		int2send(octet_length(e.procedure)::smallint) || convert_to(e.procedure, 'UTF8') ||
		int2send(octet_length(e.field)::smallint) || convert_to(e.field, 'UTF8'),
		''::bytea), ''::bytea)
	FROM dossier_event e WHERE e.office = p_office AND e.dossier = p_dossier
$$;
CREATE FUNCTION cchc_packed_feedback_events(p_office text, p_feedback text) RETURNS bytea
LANGUAGE sql STABLE AS $$
	SELECT decode('01', 'hex') || COALESCE(string_agg(
		substring(int2send(e.kind) FROM 2 FOR 1) || substring(int2send(e.topic) FROM 2 FOR 1) ||
		int8send((extract(epoch FROM e.at) * 1000)::bigint), ''::bytea), ''::bytea)
	FROM feedback_event e WHERE e.office = p_office AND e.feedback = p_feedback
$$;

-- While the (office, item) indexes still serve the function.
UPDATE dossier_state SET ev = cchc_packed_dossier_events(office, dossier) WHERE ev IS NULL;
UPDATE feedback_state SET ev = cchc_packed_feedback_events(office, feedback) WHERE ev IS NULL;

DROP INDEX dossier_event_dossier;
DROP INDEX feedback_event_item;
DROP INDEX dossier_state_received;
DROP INDEX dossier_state_finished;
DROP INDEX dossier_state_submitted;
DROP INDEX dossier_state_unit;
DROP INDEX feedback_state_received;
