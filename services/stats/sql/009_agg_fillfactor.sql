-- 009_agg_fillfactor: every store transaction adds to a few thousand aggregate rows in place
-- (agg.c). With full pages each such update goes to another page and adds an index entry; with
-- half of every page free it stays on its page as a heap-only (HOT) update, which halved the
-- aggregate upsert here (docs/performance.md, "Third round"). The tables are bounded by
-- units × fields × days, so the space is small and the rewrite below takes seconds at most.
ALTER TABLE dossier_agg SET (fillfactor = 50);
ALTER TABLE dossier_agg_month SET (fillfactor = 50);
ALTER TABLE feedback_agg SET (fillfactor = 50);
-- Rows written before keep their full pages until rewritten: rewrite them now, in key order.
CLUSTER dossier_agg USING dossier_agg_pkey;
CLUSTER dossier_agg_month USING dossier_agg_month_pkey;
CLUSTER feedback_agg USING feedback_agg_pkey;
