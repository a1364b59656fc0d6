-- 010_agg_parts: each writer of cchc-stats (docs/decisions.md, "Two writers") adds to aggregate
-- rows of its own part, so two writers' transactions never wait for each other's row locks;
-- the figures sum the parts as they already sum days. The rows before this migration are
-- part 0's. Adding a column with a constant default does not rewrite the table; the primary
-- keys are rebuilt, over tables bounded by units × fields × days.
ALTER TABLE dossier_agg ADD COLUMN part smallint NOT NULL DEFAULT 0;
ALTER TABLE dossier_agg DROP CONSTRAINT dossier_agg_pkey, ADD PRIMARY KEY (key, day, part);
ALTER TABLE dossier_agg_month ADD COLUMN part smallint NOT NULL DEFAULT 0;
ALTER TABLE dossier_agg_month DROP CONSTRAINT dossier_agg_month_pkey,
	ADD PRIMARY KEY (key, month, part);
ALTER TABLE feedback_agg ADD COLUMN part smallint NOT NULL DEFAULT 0;
ALTER TABLE feedback_agg DROP CONSTRAINT feedback_agg_pkey, ADD PRIMARY KEY (key, day, part);
