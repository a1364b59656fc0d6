/* conf: the cchc.conf file shared by every binary. Flat "key = value" lines, '#' comments; relative
 * paths in it are taken relative to the file's own folder, so a stack's folder can move. */
#ifndef CCHC_CONF_H
#define CCHC_CONF_H

#include <stddef.h>

#define CONF_PATH_MAX 1024

typedef struct conf {
	char path[CONF_PATH_MAX];         /* the file read, or "" when defaults only */
	char ingest_listen[256];          /* ingest.listen, default tcp://127.0.0.1:7401 */
	char stats_listen[256];           /* stats.listen, default tcp://127.0.0.1:7402 */
	char export_listen[256];          /* export.listen, default tcp://127.0.0.1:7403 */
	char stats_db[1024];              /* stats.db: libpq conninfo */
	char units_file[CONF_PATH_MAX];   /* units_file: the registry CSV */
	char sources_file[CONF_PATH_MAX]; /* sources_file: source names, public keys, grants */
	char source[128];                 /* client: source name to sign as */
	char key_file[CONF_PATH_MAX];     /* client: private key file */
	char timezone[64];                /* default Asia/Ho_Chi_Minh */
	size_t max_message_bytes;         /* every socket's NNG_OPT_RECVMAXSZ; default 4 MiB */
	unsigned max_batch_records;       /* default 1000 */
	unsigned clock_window_seconds;    /* refuse batches signed further from now; default 600 */
	unsigned request_timeout_ms; /* client wait for one reply before resending; default 30000 */
	unsigned workers;            /* concurrent requests per service; default 4 */
	unsigned stop_timeout_ms;    /* SIGTERM: wait for the requests in hand; default 15000 */
	char default_scope[32];      /* report.scope: default scope of reports; default 46 */

	/* TLS for tls+tcp:// addresses (DESIGN §9). A service presents tls.cert_key_file; with
	 * tls.ca_file it also verifies clients' certificates per tls.auth_mode. A client verifies
	 * the server against tls.ca_file (required when set) and may present tls.cert_key_file. */
	char tls_cert_key_file[CONF_PATH_MAX]; /* PEM: certificate chain and private key */
	char tls_ca_file[CONF_PATH_MAX];       /* PEM: CA certificate(s) to verify the peer */
	char tls_auth_mode[16];                /* none | optional | required; default: see above */
	char tls_server_name[256];             /* client: name expected in the server's cert */

	/* The report's header and signature (Nghị định 30/2020); '|' separates lines. */
	char report_issuer_parent[256]; /* report.issuer_parent: line above the issuer, may be "" */
	char report_issuer[256]; /* report.issuer: ỦY BAN NHÂN DÂN|TỈNH THỪA THIÊN HUẾ */
	char report_number[128]; /* report.number: Số: …/BC-UBND */
	char report_place[128];  /* report.place: Thừa Thiên Huế (before ", ngày …") */
	char report_signer_role[256]; /* report.signer_role: TM. ỦY BAN NHÂN DÂN|CHỦ TỊCH */
	char report_signer_name[128]; /* report.signer_name */
	char report_recipients[1024]; /* report.recipients: '|'-separated "Nơi nhận" lines */
	char report_template[CONF_PATH_MAX]; /* report.template: the province's prose template */

	/* Targets of the province's reform programme, "target.NAME = PERCENT" (e.g. target.online =
	 * 60): progress against them is written into the report where one is configured. */
	struct conf_target {
		char name[32];
		double percent;
	} targets[16];
	unsigned ntargets;
} conf;

/* Fills *c with defaults, then reads `path` if non-NULL, else $CCHC_CONF, else ./var/cchc.conf,
 * else /etc/cchc/cchc.conf (the first that exists; none existing is not an error unless `path` was
 * given). Returns 0, or -1 with a message naming the file and line in err. */
int conf_load(const char *path, conf *c, char *err, size_t errlen);

/* Sets one key from "key = value" text; used by conf_load and by tests. Returns 0 or -1 (unknown
 * key or bad value, with a message in err). `dir` resolves relative paths; may be NULL. */
int conf_set(conf *c, const char *key, const char *value, const char *dir, char *err,
             size_t errlen);

#endif
