/* db units: the unit registry kept in PostgreSQL's units table (db_units.c): synced at start from
 * units_file, or by `cchc units import`; every state's unit re-resolved when it changes. */
#ifndef CCHC_STATS_DB_UNITS_H
#define CCHC_STATS_DB_UNITS_H

#include <libpq-fe.h>
#include <stddef.h>

#include "units.h"

/* Replaces the units table with the registry when they differ, and re-resolves every state's unit
 * (a unit is its code and validity: the office's unit is the one valid at the dossier's receipt).
 * Returns 0 or -1 with err; *changed is set to 1 when anything changed. */
int db_sync_units(PGconn *conn, const units *u, int *changed, char *err, size_t errlen);

/* At start, from units_file (u parsed from its bytes `content`): syncs as db_sync_units unless
 * the file is byte for byte the one last synced, which keeps whatever is in force, including a
 * later `cchc units import` (*kept is then 1 when that is an import). Records the file synced. */
int db_sync_units_file(PGconn *conn, const units *u, const char *content, size_t len, int *changed,
                       int *kept, char *err, size_t errlen);

/* `cchc units import`: syncs as db_sync_units in one transaction and records the registry as
 * imported (kept across restarts until units_file changes). */
int db_import_units(PGconn *conn, const units *u, int *changed, char *err, size_t errlen);

#endif
