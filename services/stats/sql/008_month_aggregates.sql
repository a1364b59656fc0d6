-- 008_month_aggregates: dossier_agg rolled up by reporting month, so a report reads
-- units × fields × months rows and the days of at most two partial months, not every
-- (unit, field, day) of the history (docs/performance.md, "The report at scale").
--
-- A reporting month runs from the 15th to the 14th of the next month (Nghị định 09/2019/NĐ-CP:
-- lib/period.c); every named period (month, quarter, half, nine months, year) is a run of whole
-- reporting months. A row of dossier_agg_month is the sum of the dossier_agg rows of its key whose
-- day falls in the month; `month` is the day number (local days since 1970-01-01, as dossier_agg's
-- `day`) of the month's first day, the 15th. stats keeps both in the same transaction (agg.c) and
-- `--verify` checks that each month equals the sum of its days.

-- The first day (a 15th) of the reporting month holding local day `day`. agg.c's month_start is
-- the same function in C; test_agg checks that they agree.
CREATE FUNCTION cchc_report_month(day integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN extract(day FROM date '1970-01-01' + day)::int >= 15
	THEN day - extract(day FROM date '1970-01-01' + day)::int + 15
	-- before the 15th: the 15th of the previous month, whose last day is day - day of month
	ELSE day - extract(day FROM date '1970-01-01' + day)::int
		- extract(day FROM date '1970-01-01' + day
		          - extract(day FROM date '1970-01-01' + day)::int)::int + 15 END;

-- The columns of dossier_agg (005), `month` in place of `day`.
CREATE TABLE dossier_agg_month (LIKE dossier_agg INCLUDING DEFAULTS);
ALTER TABLE dossier_agg_month RENAME COLUMN day TO month;

INSERT INTO dossier_agg_month
SELECT key, cchc_report_month(day), sum(received), sum(received_online), sum(received_direct),
	sum(received_postal), sum(resolved), sum(resolved_early), sum(resolved_on_time),
	sum(resolved_late), sum(returned), sum(withdrawn), sum(not_accepted), sum(paid_online),
	sum(digitized), sum(d_open), sum(d_overdue), sum(d_waiting)
FROM dossier_agg GROUP BY 1, 2;
ALTER TABLE dossier_agg_month ADD PRIMARY KEY (key, month);

-- The days of a partial month (a period bound that is not a 15th) are read by range.
CREATE INDEX dossier_agg_day ON dossier_agg (day);
