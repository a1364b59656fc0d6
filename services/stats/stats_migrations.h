/* migrations: the numbered SQL files of services/stats/sql, embedded into the binary at build time
 * (the generated stats_migrations.c in the build tree), in version order. */
#ifndef CCHC_STATS_MIGRATIONS_H
#define CCHC_STATS_MIGRATIONS_H

#include <stddef.h>

typedef struct stats_migration {
	int version;      /* NNN of NNN_name.sql */
	const char *name; /* NNN_name */
	const char *sql;
} stats_migration;

extern const stats_migration stats_migrations[];
extern const size_t stats_migrations_count;

#endif
