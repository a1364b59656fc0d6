/* users: table console_user and the console's audit entries (docs/design.md §14, migration
 * 012). Every change takes the audit lock first and writes its audit entry in the same
 * transaction, so changes are ordered as the chain is and none is kept without its entry. A
 * request sent twice (nng's REQ resends) changes nothing the second time and says so (changed
 * false): an add or passwd carries a hash with a random salt, so the same hash is the same
 * request. */
#include "stats_users.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "service.h"
#include "stats_audit.h"
#include "stats_db.h"

static const char *str(const char *s)
{
	return s ? s : "";
}

/* Fills reply as refused: refusal is an accounts_refusal, or -1 for "bad_request" (a client sent
 * what no client of ours sends) or 0 for a failure that is no refusal (the database…). */
static int refuse(Cchc__V1__UserReply *reply, int refusal, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(Cchc__V1__UserReply *reply, int refusal, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	free(reply->error);
	free(reply->refusal);
	reply->error = strdup(msg);
	reply->refusal = refusal ? strdup(accounts_refusal_code(refusal)) : NULL;
	reply->has_ok = 1;
	reply->ok = 0;
	return -1;
}

/* What an audited name or address may be: 1-ACCOUNTS_EVENT_TEXT_MAX printable ASCII bytes (the
 * console shows anything else as '?' before sending it). */
static int event_text_ok(const char *s, int may_be_empty)
{
	size_t n = strlen(str(s));
	if ((!n && !may_be_empty) || n > ACCOUNTS_EVENT_TEXT_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* Begins a change: the transaction and the audit lock, which orders it in the chain. */
static int begin_change(PGconn *conn, char *err, size_t errlen)
{
	if (db_begin(conn, "BEGIN", err, errlen) != 0)
		return -1;
	if (db_exec(conn, "users: audit lock", "SELECT pg_advisory_xact_lock(" DB_LOCK_AUDIT ")",
	            err, errlen) != 0) {
		db_rollback(conn);
		return -1;
	}
	return 0;
}

/* Ends a change with its audit entry. Returns 0 committed, or -1 (rolled back) with err. */
static int end_change(PGconn *conn, const audit_event *ev, char *err, size_t errlen)
{
	if (audit_append_event(conn, ev, err, errlen) != 0 ||
	    db_commit(conn, "users: commit", err, errlen) != 0) {
		db_rollback(conn);
		return -1;
	}
	return 0;
}

/* 1 when the registry knows unit `code` (in any snapshot), 0 when not, -1 on error. */
static int unit_known(PGconn *conn, const char *code, char *err, size_t errlen)
{
	const char *params[1] = {code};
	PGresult *r = db_query(conn, "users: scope", "SELECT 1 FROM units WHERE code = $1 LIMIT 1",
	                       1, params, err, errlen);
	if (!r)
		return -1;
	int known = PQntuples(r) > 0;
	PQclear(r);
	return known;
}

/* The checks every change shares: the name's form and who makes it. */
static int check_change(const Cchc__V1__UserRequest *req, Cchc__V1__UserReply *reply)
{
	char why[256];
	int rc = accounts_check_name(req->name, why, sizeof why);
	if (rc)
		return refuse(reply, rc, "%s", why);
	if (!event_text_ok(req->by, 0))
		return refuse(reply, -1,
		              "account %s: who makes the change (by) is missing or not text",
		              req->name);
	return 0;
}

static int add(PGconn *conn, const Cchc__V1__UserRequest *req, Cchc__V1__UserReply *reply,
               char *err, size_t errlen)
{
	char why[256], now[24], detail[128];
	const char *scope = str(req->scope);
	int rc;

	if (check_change(req, reply))
		return -1;
	if ((rc = accounts_check_role(req->role, why, sizeof why)) ||
	    (rc = accounts_check_scope(scope, why, sizeof why)))
		return refuse(reply, rc, "account %s: %s", req->name, why);
	if (!accounts_hash_form_ok(req->hash))
		return refuse(reply, -1, "account %s: the password hash is not an Argon2id string",
		              req->name);
	if (begin_change(conn, err, errlen) != 0)
		return -1;
	if (*scope) {
		int known = unit_known(conn, scope, err, errlen);
		if (known <= 0) {
			db_rollback(conn);
			return known < 0 ? -1
			                 : refuse(reply, ACCOUNTS_BAD_SCOPE,
			                          "account %s: scope %s is not a unit code the "
			                          "registry knows (cchc units list)",
			                          req->name, scope);
		}
	}
	snprintf(now, sizeof now, "%" PRId64, service_clock_ms());
	const char *params[5] = {req->name, req->role, scope, req->hash, now};
	PGresult *r = db_query(conn, "users: add",
	                       "INSERT INTO console_user (name, role, scope, hash, created_ms, "
	                       "changed_ms) VALUES ($1, $2, $3, $4, $5, $5) "
	                       "ON CONFLICT (name) DO NOTHING RETURNING 1",
	                       5, params, err, errlen);
	if (!r) {
		db_rollback(conn);
		return -1;
	}
	int inserted = PQntuples(r) > 0;
	PQclear(r);
	if (!inserted) {
		r = db_query(
		    conn, "users: add (taken)",
		    "SELECT 1 FROM console_user WHERE name = $1 AND role = $2 AND scope = $3 "
		    "AND hash = $4",
		    4, params, err, errlen);
		db_rollback(conn);
		if (!r)
			return -1;
		int same = PQntuples(r) > 0;
		PQclear(r);
		if (!same)
			return refuse(reply, ACCOUNTS_EXISTS, "account %s exists already",
			              req->name);
		reply->has_changed = 1; /* this very add, sent again */
		reply->changed = 0;
		return 0;
	}
	snprintf(detail, sizeof detail, "role=%s scope=%s", req->role, scope);
	audit_event ev = {.kind = "user",
	                  .event = "add",
	                  .account = req->name,
	                  .actor = req->by,
	                  .detail = detail};
	if (end_change(conn, &ev, err, errlen) != 0)
		return -1;
	reply->has_changed = reply->changed = 1;
	return 0;
}

/* disable, enable, passwd: one UPDATE that changes the row only when it differs. */
static int update(PGconn *conn, const Cchc__V1__UserRequest *req, const char *action,
                  Cchc__V1__UserReply *reply, char *err, size_t errlen)
{
	char now[24];
	const char *sql, *value;

	if (check_change(req, reply))
		return -1;
	if (!strcmp(action, "passwd")) {
		if (!accounts_hash_form_ok(req->hash))
			return refuse(reply, -1,
			              "account %s: the password hash is not an Argon2id string",
			              req->name);
		value = req->hash;
		sql = "UPDATE console_user SET hash = $2, changed_ms = $3::bigint WHERE name = $1 "
		      "AND hash <> $2 RETURNING 1";
	} else {
		value = !strcmp(action, "disable") ? "t" : "f";
		sql = "UPDATE console_user SET disabled = $2::boolean, changed_ms = $3::bigint "
		      "WHERE name = $1 AND disabled <> $2::boolean RETURNING 1";
	}
	snprintf(now, sizeof now, "%" PRId64, service_clock_ms());
	const char *params[3] = {req->name, value, now};
	if (begin_change(conn, err, errlen) != 0)
		return -1;
	PGresult *r = db_query(conn, "users: change", sql, 3, params, err, errlen);
	if (!r) {
		db_rollback(conn);
		return -1;
	}
	int updated = PQntuples(r) > 0;
	PQclear(r);
	if (!updated) {
		r = db_query(conn, "users: change (unchanged)",
		             "SELECT 1 FROM console_user WHERE name = $1", 1, params, err, errlen);
		db_rollback(conn);
		if (!r)
			return -1;
		int exists = PQntuples(r) > 0;
		PQclear(r);
		if (!exists)
			return refuse(reply, ACCOUNTS_NOT_FOUND, "account %s does not exist",
			              req->name);
		reply->has_changed = 1; /* already so: sent again, or disabled twice */
		reply->changed = 0;
		return 0;
	}
	audit_event ev = {.kind = "user", .event = action, .account = req->name, .actor = req->by};
	if (end_change(conn, &ev, err, errlen) != 0)
		return -1;
	reply->has_changed = reply->changed = 1;
	return 0;
}

/* list (every account, no hashes) or lookup (one, with its hash). */
static int read_accounts(PGconn *conn, const Cchc__V1__UserRequest *req, int lookup,
                         Cchc__V1__UserReply *reply, char *err, size_t errlen)
{
	char why[256];
	const char *params[1] = {str(req->name)};

	/* a name no account can have is simply not there */
	if (lookup && accounts_check_name(req->name, why, sizeof why))
		return 0;
	PGresult *r =
	    lookup ? db_query(conn, "users: lookup",
	                      "SELECT name, role, scope, disabled, created_ms, changed_ms, hash "
	                      "FROM console_user WHERE name = $1",
	                      1, params, err, errlen)
	           : db_query(conn, "users: list",
	                      "SELECT name, role, scope, disabled, created_ms, changed_ms, NULL "
	                      "FROM console_user ORDER BY name",
	                      0, NULL, err, errlen);
	if (!r)
		return -1;
	int n = PQntuples(r), oom = !(reply->users = calloc((size_t)n + 1, sizeof *reply->users));
	for (int i = 0; !oom && i < n; i++) {
		Cchc__V1__UserAccount *u = malloc(sizeof *u);
		if (!u) {
			oom = 1;
			break;
		}
		cchc__v1__user_account__init(u);
		reply->users[reply->n_users++] = u;
		u->name = strdup(PQgetvalue(r, i, 0));
		u->role = strdup(PQgetvalue(r, i, 1));
		u->scope = strdup(PQgetvalue(r, i, 2));
		u->has_disabled = u->has_created_ms = u->has_changed_ms = 1;
		u->disabled = PQgetvalue(r, i, 3)[0] == 't';
		u->created_ms = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		u->changed_ms = strtoll(PQgetvalue(r, i, 5), NULL, 10);
		if (!PQgetisnull(r, i, 6))
			u->hash = strdup(PQgetvalue(r, i, 6));
		oom = !u->name || !u->role || !u->scope || (!PQgetisnull(r, i, 6) && !u->hash);
	}
	PQclear(r);
	if (oom) {
		snprintf(err, errlen, "users: out of memory");
		return -1;
	}
	return 0;
}

static int console_event(PGconn *conn, const Cchc__V1__UserRequest *req, Cchc__V1__UserReply *reply,
                         char *err, size_t errlen)
{
	static const char *const events[] = {"login", "login-failed", "login-locked", "logout"};
	size_t i = 0;

	while (i < sizeof events / sizeof events[0] && strcmp(str(req->event), events[i]))
		i++;
	if (i == sizeof events / sizeof events[0])
		return refuse(reply, -1,
		              "a console event is login, login-failed, login-locked or logout");
	if (!event_text_ok(req->name, 0) || !event_text_ok(req->address, 1))
		return refuse(reply, -1,
		              "console event %s: the account and the address must be printable "
		              "text of at most %d bytes",
		              events[i], ACCOUNTS_EVENT_TEXT_MAX);
	if (begin_change(conn, err, errlen) != 0)
		return -1;
	audit_event ev = {.kind = "console",
	                  .event = events[i],
	                  .account = req->name,
	                  .address = str(req->address)};
	return end_change(conn, &ev, err, errlen);
}

int users_run(PGconn *conn, const Cchc__V1__UserRequest *req, Cchc__V1__UserReply *reply)
{
	char err[1024] = "";
	const char *a = str(req->action);
	int rc;

	cchc__v1__user_reply__init(reply);
	if (db_ensure(conn, err, sizeof err) != 0)
		return refuse(reply, 0, "%s", err);
	if (!strcmp(a, "add"))
		rc = add(conn, req, reply, err, sizeof err);
	else if (!strcmp(a, "disable") || !strcmp(a, "enable") || !strcmp(a, "passwd"))
		rc = update(conn, req, a, reply, err, sizeof err);
	else if (!strcmp(a, "list") || !strcmp(a, "lookup"))
		rc = read_accounts(conn, req, !strcmp(a, "lookup"), reply, err, sizeof err);
	else if (!strcmp(a, "audit"))
		rc = console_event(conn, req, reply, err, sizeof err);
	else
		return refuse(reply, -1,
		              "users: the action is not add, list, lookup, disable, enable, passwd "
		              "or audit");
	if (rc != 0 && !reply->error) {
		if (!err[0])
			snprintf(err, sizeof err, "failed");
		char why[256];
		if (!accounts_check_name(req->name, why, sizeof why)) /* shown only when harmless */
			return refuse(reply, 0, "account %s: %s", req->name, err);
		return refuse(reply, 0, "users %s: %s", a, err);
	}
	if (rc != 0)
		return -1;
	reply->has_ok = 1;
	reply->ok = 1;
	return 0;
}

void users_reply_clear(Cchc__V1__UserReply *reply)
{
	for (size_t i = 0; i < reply->n_users; i++) {
		Cchc__V1__UserAccount *u = reply->users[i];
		free(u->name);
		free(u->role);
		free(u->scope);
		free(u->hash);
		free(u);
	}
	free(reply->users);
	free(reply->error);
	free(reply->refusal);
	cchc__v1__user_reply__init(reply);
}
