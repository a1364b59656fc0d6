-- 021_satisfaction_aggregates: the figures of docs/design.md §16 kept at write time, as the others
-- (005, 008). Dossiers: the ratings of the dossiers finished on a day, counted on that day by the
-- rating of their latest `rated` event (1-2 satisfied, 3 unsatisfied, and of those the ones
-- resolved late); `rated` is their sum. A re-rating moves a dossier between the columns of its
-- finishing day, as any change of state does (old contribution out, new in). Every row before
-- this migration had no rating (020 brought the kind): zeros are exact.
ALTER TABLE dossier_agg ADD COLUMN rated_satisfied integer NOT NULL DEFAULT 0,
	ADD COLUMN rated_unsatisfied integer NOT NULL DEFAULT 0,
	ADD COLUMN rated_unsatisfied_late integer NOT NULL DEFAULT 0;
ALTER TABLE dossier_agg_month ADD COLUMN rated_satisfied integer NOT NULL DEFAULT 0,
	ADD COLUMN rated_unsatisfied integer NOT NULL DEFAULT 0,
	ADD COLUMN rated_unsatisfied_late integer NOT NULL DEFAULT 0;

-- Feedback: the answer is due within 15 working days after the day an item was received, on the
-- working days of calendar_file (lib/workdays.h). `deadline` is the end of that last working day
-- (the local midnight after it), computed by stats when the state is derived. resolved_on_time is
-- a flow on the day of the answer; d_overdue a stock of +1/-1 changes like dossier_agg's (pending
-- with its deadline passed). The deadlines depend on the calendar: agg_meta.calendar is the
-- digest of the days they were computed with, and cchc-stats recomputes every feedback item's
-- deadline and its aggregates at start when calendar_file's days differ (NULL after this
-- migration: the first start fills them).
ALTER TABLE feedback_state ADD COLUMN deadline timestamptz;
ALTER TABLE feedback_agg ADD COLUMN resolved_on_time integer NOT NULL DEFAULT 0,
	ADD COLUMN d_overdue integer NOT NULL DEFAULT 0;
ALTER TABLE agg_meta ADD COLUMN calendar text;
