/* bench: `cchc bench ingest|report` (docs/design.md §11, issue 6), the measuring instrument that
 * puts the end-to-end ingest rate beside a raw PostgreSQL COPY of the same events, and times the
 * reports. The pieces shared by the bench_*.c files and reachable by tests without a stack are
 * here. */
#ifndef CCHC_BENCH_H
#define CCHC_BENCH_H

#include "cchc/v1/records.pb-c.h"
#include "client.h"
#include "conf.h"
#include "wire.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Monotonic time in nanoseconds. */
int64_t bench_now_ns(void);

/* The q-quantile (0..1) of n sorted values by nearest rank; 0 when n is 0. */
int64_t bench_percentile(const int64_t *sorted, size_t n, double q);

/* The "KEY:   N kB" value of a /proc/PID/status text, in kB. Returns 0, or -1 when absent. */
int bench_status_kb(const char *status, const char *key, long *kb);

/* VmHWM and VmRSS (kB) of the process whose pid is in `pidfile`. Returns 0, or -1 with the reason
 * in err (no pid file, process gone). */
int bench_pidfile_memory(const char *pidfile, long *hwm_kb, long *rss_kb, char *err, size_t errlen);

/* The folder holding the stack's pid files: `run_dir` when given, else "run" beside the
 * configuration file that was read (deploy/stack.sh writes var/cchc.conf and var/run/). */
void bench_run_dir(const conf *c, const char *run_dir, char *out, size_t len);

/* Generates `nevents` events (exactly, unless the model cannot give that many) of period `label`
 * as JSONL into `path`, from the registry in the configuration, ids unique to `seed`. Writes the
 * count written to *written. Returns 0, or -1 with the reason in err. */
int bench_gen_events(const conf *c, const char *label, size_t nevents, uint64_t seed,
                     const char *path, size_t *written, char *err, size_t errlen);

/* Generates `ndossiers` dossiers' events (gen's model) into `path`; *events their count. */
int bench_gen_dossiers(const conf *c, const char *label, size_t ndossiers, uint64_t seed,
                       const char *path, size_t *events, char *err, size_t errlen);

/* A seed no earlier run used (time and pid), so that every event id is new to the database. */
uint64_t bench_fresh_seed(void);

/* The events of a JSONL file as the text of a PostgreSQL `COPY FROM STDIN` into the table of
 * bench_pg_*: one row a record, tab-separated, escaped. *rows gets the row count. */
int bench_copy_text(const char *path, char **text, size_t *len, size_t *rows, char *err,
                    size_t errlen);

/* Escapes s for COPY text format (backslash, tab, newline, carriage return) onto buf at *pos,
 * growing it. Returns 0 or -1 (out of memory). */
int bench_copy_escape(char **buf, size_t *len, size_t *cap, const char *s);

/* Raw COPY of the rows of bench_copy_text into a fresh scratch table with a unique event_id, in
 * one transaction: *seconds covers BEGIN to COMMIT. The table is dropped afterwards. */
int bench_pg_copy(const char *conninfo, const char *text, size_t len, double *seconds, char *err,
                  size_t errlen);

/* The naive database client: one INSERT per row (autocommit, prepared), same table layout.
 * Returns 0 with the elapsed seconds, or -1 with the reason in err. */
int bench_pg_insert_each(const char *conninfo, const char *text, size_t len, double *seconds,
                         char *err, size_t errlen);

/* One record signed as cl's source and sent to ingest over wc in a SubmitRequest of its own,
 * waiting for the reply (`line` names it in err). Returns 0 with *accepted (0 or 1), or -1. */
int bench_submit_record(const client *cl, wire_client *wc, Cchc__V1__Record *rec,
                        unsigned long line, unsigned *accepted, char *err, size_t errlen);

/* The naive cchc client: the records of `path` sent one SubmitRequest each, waiting for each
 * reply. *accepted counts records ingest reported as newly stored. */
int bench_naive_submit(const client *cl, const char *path, double *seconds, size_t *sent,
                       size_t *accepted, char *err, size_t errlen);

/* The store sequence `fraction` (0..1) of the way through the dossier events stored (sql/011),
 * with the number of dossier events and of dossiers stored after it. Returns 0, or -1 with the
 * reason in err (no event carries a sequence). */
int bench_pg_watermark(const char *conninfo, double fraction, int64_t *seq, int64_t *late_events,
                       int64_t *late_dossiers, char *err, size_t errlen);

/* Times the console's figures page and charts for period `label` and `scope` (bench_console.c):
 * prints its lines, or says why it is not timed (no console, not plain HTTP). Returns 0, or -1
 * after printing the reason (the console refused or failed). */
int bench_console(const client *cl, const char *label, const char *scope, unsigned repeat);

int bench_ingest(int argc, char **argv);
int bench_report(int argc, char **argv);
int bench_national(int argc, char **argv); /* bench_national.c: the national lag */

#endif
