/* migrations: the numbered SQL files of services/stats/sql, embedded into the binary at build time
 * (the generated stats_migrations.c in the build tree), in version order, and db_migrate
 * (db_migrate.c), which applies them. */
#ifndef CCHC_STATS_MIGRATIONS_H
#define CCHC_STATS_MIGRATIONS_H

#include <libpq-fe.h>
#include <stddef.h>

#include "stats_node.h"

typedef struct stats_migration {
	int version;      /* NNN of NNN_name.sql */
	const char *name; /* NNN_name */
	const char *sql;
} stats_migration;

extern const stats_migration stats_migrations[];
extern const size_t stats_migrations_count;

/* Applies the embedded migrations not yet in schema_version, in one transaction under the advisory
 * lock (two stats starting at once are safe). `node` says what the database is (a province's, with
 * its code, or the national one): migration 013 reads it from the transaction's settings
 * cchc.mode and cchc.province, and records it; later starts compare (node_check). Returns 0 or -1
 * with err. */
int db_migrate(PGconn *conn, const stats_node *node, char *err, size_t errlen);

#endif
