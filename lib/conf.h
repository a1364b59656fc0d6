/* conf: the cchc.conf file shared by every binary. Flat "key = value" lines, '#' comments; relative
 * paths in it are taken relative to the file's own folder, so a stack's folder can move. */
#ifndef CCHC_CONF_H
#define CCHC_CONF_H

#include <stddef.h>

#define CONF_PATH_MAX 1024

typedef struct conf {
	/* Each field: its key in cchc.conf and its default (conf.c; every key is explained in
	 * deploy/cchc.conf.example). An unknown key or a value out of range is an error. */
	char path[CONF_PATH_MAX];       /* the file read, or "" when defaults only */
	char ingest_listen[256];        /* ingest.listen, default tcp://127.0.0.1:7401 */
	char stats_listen[256];         /* stats.listen, default tcp://127.0.0.1:7402 */
	char export_listen[256];        /* export.listen, default tcp://127.0.0.1:7403 */
	char stats_db[1024];            /* stats.db: libpq conninfo, default host=127.0.0.1
	                                   port=7409 user=cchc dbname=cchc */
	char units_file[CONF_PATH_MAX]; /* units_file, default /usr/share/cchc/units.csv */
	/* calendar_file: the days off of the public service (lib/workdays.h), for deadlines in
	 * working days; default /usr/share/cchc/days-off.txt; "" = weekends only */
	char calendar_file[CONF_PATH_MAX];
	/* index_766_file: the weights and targets of the 766 index's indicators (docs/design.md
	 * §16), read by cchc-export at start; default /usr/share/cchc/index-766.csv */
	char index_766_file[CONF_PATH_MAX];
	char sources_file[CONF_PATH_MAX]; /* sources_file, default /etc/cchc/sources */
	char source[128];                 /* source: the name clients sign as; no default */
	char key_file[CONF_PATH_MAX];     /* key_file: clients' private key file; no default */
	char timezone[64];                /* timezone, default Asia/Ho_Chi_Minh */
	size_t max_message_bytes;         /* max_message_bytes (4096 .. 2^30), every socket's
	                                     NNG_OPT_RECVMAXSZ; default 4 MiB */
	unsigned max_batch_records;       /* max_batch_records (1 .. 100000), default 1000 */
	unsigned clock_window_seconds;    /* clock_window_seconds (1 .. 7 days): refuse batches
	                                     signed further from now; default 600 */
	unsigned request_timeout_ms;      /* request_timeout_ms (10 .. 3600000): a client's wait for
	                                     one reply before resending; default 30000 */
	unsigned workers;                 /* workers (1 .. 256): requests each service works on at
	                                     once; default 16 */
	unsigned stop_timeout_ms;         /* stop_timeout_ms: on SIGTERM, how long to wait for the
	                                     requests in hand; default 15000 */
	char default_scope[32];           /* report.scope: default scope of reports; default 46 */

	/* The reform office's web console (docs/design.md §14), served by cchc-export. */
	char console_listen[256];         /* console.listen: http://HOST:PORT (loopback only) or
	                                     https://HOST:PORT; "" = no console; default
	                                     http://127.0.0.1:7404 */
	char console_cert[CONF_PATH_MAX]; /* console.cert: PEM certificate chain for https:// */
	/* console.behind_proxy = on: a reverse proxy on this machine forwards to the loopback
	 * console; from a loopback peer, X-Forwarded-For (its last address) is the client's
	 * address and X-Forwarded-Proto: https marks cookies Secure. Default off. */
	int console_behind_proxy;
	char console_key[CONF_PATH_MAX];       /* console.key: its PEM private key */
	unsigned console_session_idle_minutes; /* a session unused this long ends; default 30 */
	unsigned console_session_max_hours; /* … and this long after sign-in anyway; default 12 */
	unsigned console_max_connections;   /* connections at once; default 64 */
	unsigned console_max_per_address;   /* connections at once from one address; default 16 */
	unsigned console_timeout_seconds;   /* an idle connection is closed; default 30 */
	unsigned
	    console_max_body_bytes; /* a larger request body is refused with 413; default 16384 */
	unsigned console_login_failures; /* failed sign-ins in a row that lock a name; default 5 */
	unsigned console_lock_minutes;   /* how long such a lock lasts; default 15 */

	/* TLS for tls+tcp:// addresses (docs/design.md §9). A service presents tls.cert_key_file;
	 * with tls.ca_file it also verifies clients' certificates per tls.auth_mode. A client
	 * verifies the server against tls.ca_file (required when set) and may present
	 * tls.cert_key_file. All four are unset by default. */
	char tls_cert_key_file[CONF_PATH_MAX]; /* PEM: certificate chain and private key */
	char tls_ca_file[CONF_PATH_MAX];       /* PEM: CA certificate(s) to verify the peer */
	char tls_auth_mode[16];    /* none | optional | required; unset: a service none, a client
	                              required when tls.ca_file is set, else none */
	char tls_server_name[256]; /* client: name expected in the server's cert */

	/* The report's header and signature (Nghị định 30/2020); '|' separates lines. Without
	 * report.template every part the province writes is shown as a gap (docs/reports.md). */
	char report_issuer_parent[256]; /* report.issuer_parent (line above), default "" */
	char report_issuer[256]; /* report.issuer, default ỦY BAN NHÂN DÂN|TỈNH THỪA THIÊN HUẾ */
	char report_number[128]; /* report.number, default "Số:      /BC-UBND" */
	char report_place[128];  /* report.place (before ", ngày"), default Thừa Thiên Huế */
	char report_signer_role[256]; /* report.signer_role, default TM. ỦY BAN NHÂN DÂN|CHỦ TỊCH */
	char report_signer_name[128]; /* report.signer_name, default "" */
	/* report.recipients, the "Nơi nhận" lines; default Bộ Nội vụ;|Vụ CCHC - Bộ Nội vụ;|TT Tỉnh
	 * ủy, TT HĐND tỉnh;|CT và các PCT UBND tỉnh;|Lưu: VT, NV. */
	char report_recipients[1024];
	char report_template[CONF_PATH_MAX]; /* report.template, default "" */

	/* Targets of the province's reform programme, "target.NAME = PERCENT" (0 .. 100, at most
	 * 16; e.g. target.online = 60; none by default): progress against them is written into the
	 * report where one is configured. */
	struct conf_target {
		char name[32];
		double percent;
	} targets[16];
	unsigned ntargets;

	/* The national roll-up by PostgreSQL logical replication (docs/design.md §15). */
	int national;          /* mode: province (0, the default) | national (1); cchc-stats
	                          --national sets it too */
	char province[8];      /* province: this province's code (two digits); default "": the
	                          registry's province unit */
	int publish;           /* publish: on | off (default): publish the aggregates */
	char publish_role[64]; /* publish.role: the role a national stack subscribes as, granted
	                          SELECT on the published tables at every start; default "" */
	unsigned national_max_age_seconds; /* national.max_age: `cchc check --scope VN` names a
	                                      province whose figures are older; default 1h */
	/* national.province.CODE = CONNINFO, one line per province (at most 64). */
	struct conf_national_province {
		char code[8];
		char conninfo[512];
	} national_provinces[64];
	unsigned n_national_provinces;
} conf;

/* Whether s is a province code as the roll-up uses it: two digits (GSO codes, e.g. 01, 46). */
int conf_is_province_code(const char *s);

/* Fills *c with defaults, then reads `path` if non-NULL, else $CCHC_CONF, else ./var/cchc.conf,
 * else /etc/cchc/cchc.conf (the first of the last two that exists; none existing is not an error,
 * a missing `path` or $CCHC_CONF is). Returns 0, or -1 with a message naming the file and line in
 * err. */
int conf_load(const char *path, conf *c, char *err, size_t errlen);

/* Sets one key from "key = value" text; used by conf_load and by tests. Returns 0 or -1 (unknown
 * key or bad value, with a message in err). `dir` resolves relative paths; may be NULL. */
int conf_set(conf *c, const char *key, const char *value, const char *dir, char *err,
             size_t errlen);

#endif
