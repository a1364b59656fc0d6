/* node: what a stats database is in the national roll-up (docs/design.md §15): a province's, with
 * its two-digit code, which may publish its aggregates by logical replication, or the national
 * one, which subscribes to every province (stats_national.h). Migration 013 records it; every start
 * compares. A publishing province also rewrites its heartbeat row every few seconds, so the
 * national side knows up to when each province's figures are complete. */
#ifndef CCHC_STATS_NODE_H
#define CCHC_STATS_NODE_H

#include <libpq-fe.h>
#include <stddef.h>

struct conf;
struct units;

typedef struct stats_node {
	int national;     /* the national database */
	char province[8]; /* a province's code; "" on the national database */
} stats_node;

/* How often a publishing province rewrites its heartbeat row. */
#define NODE_HEARTBEAT_MS 5000

/* What this stack's database is: national by `mode`; else the province `province` of the
 * configuration, else the registry's province unit (reg may be NULL), else what the database
 * already records (migration 013's cchc_node, or an older database's province unit). *out's
 * province stays "" when none says (migration 013 then refuses with a message naming the setting).
 * Returns 0, or -1 with err when the registry names two provinces. */
int node_resolve(const struct conf *c, const struct units *reg, PGconn *conn, stats_node *out,
                 char *err, size_t errlen);

/* After the migrations: the database must be what *node says (a province's database never runs as
 * another province or as the national one). An empty node->province takes the recorded one.
 * Returns 0, or -1 with err naming both. */
int node_check(PGconn *conn, stats_node *node, char *err, size_t errlen);

/* A province's publication as the configuration says (publish, publish.role; sql/013's
 * cchc_publication): created or completed when on, dropped when off. Logs what an operator must
 * fix: wal_level not logical, max_slot_wal_keep_size unlimited, slots left behind with publishing
 * off. Returns 0, or -1 with err. */
int node_publish(PGconn *conn, const struct conf *c, char *err, size_t errlen);

/* Rebuilds the aggregates now when they are stale (after a registry change), in a transaction of
 * their own holding the lock stores share, so a publishing province never leaves the national side
 * with aggregates of an old registry until its next store. The rebuild replicates as one
 * transaction. *rebuilt (may be NULL) tells whether it ran. Returns 0, or -1 with err. */
int node_refresh_aggregates(PGconn *conn, int *rebuilt, char *err, size_t errlen);

/* One heartbeat: the province's row of replication_heartbeat set to now. Returns 0 or -1. */
int node_heartbeat_beat(PGconn *conn, char *err, size_t errlen);

/* A thread writing a heartbeat every NODE_HEARTBEAT_MS over a connection of its own (reconnecting
 * when PostgreSQL restarts). */
typedef struct node_heartbeat node_heartbeat;
int node_heartbeat_start(const char *conninfo, node_heartbeat **out, char *err, size_t errlen);
void node_heartbeat_stop(node_heartbeat *h);

#endif
