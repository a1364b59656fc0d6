/* conf: reads cchc.conf. The file is flat "key = value" so an operator can edit it with any editor
 * and a shell script can write it; relative paths are resolved against the file's folder so the
 * dev stack's var/ can live anywhere. */
#include "conf.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void conf_defaults(conf *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->ingest_listen, sizeof c->ingest_listen, "tcp://127.0.0.1:7401");
	snprintf(c->stats_listen, sizeof c->stats_listen, "tcp://127.0.0.1:7402");
	snprintf(c->export_listen, sizeof c->export_listen, "tcp://127.0.0.1:7403");
	snprintf(c->stats_db, sizeof c->stats_db, "host=127.0.0.1 port=7409 user=cchc dbname=cchc");
	snprintf(c->units_file, sizeof c->units_file, "/usr/share/cchc/units.csv");
	snprintf(c->calendar_file, sizeof c->calendar_file, "/usr/share/cchc/days-off.txt");
	snprintf(c->index_766_file, sizeof c->index_766_file, "/usr/share/cchc/index-766.csv");
	snprintf(c->sources_file, sizeof c->sources_file, "/etc/cchc/sources");
	snprintf(c->timezone, sizeof c->timezone, "Asia/Ho_Chi_Minh");
	snprintf(c->default_scope, sizeof c->default_scope, "46");
	c->max_message_bytes = 4u << 20;
	c->max_batch_records = 1000;
	c->clock_window_seconds = 600;
	c->request_timeout_ms = 30000;
	c->workers = 16;
	c->stop_timeout_ms = 15000;
	snprintf(c->console_listen, sizeof c->console_listen, "http://127.0.0.1:7404");
	c->console_session_idle_minutes = 30;
	c->console_session_max_hours = 12;
	c->console_max_connections = 64;
	c->console_max_per_address = 16;
	c->console_timeout_seconds = 30;
	c->console_max_body_bytes = 16384;
	c->console_login_failures = 5;
	c->console_lock_minutes = 15;
	c->national_max_age_seconds = 3600;
	snprintf(c->report_issuer, sizeof c->report_issuer, "ỦY BAN NHÂN DÂN|TỈNH THỪA THIÊN HUẾ");
	snprintf(c->report_number, sizeof c->report_number, "Số:      /BC-UBND");
	snprintf(c->report_place, sizeof c->report_place, "Thừa Thiên Huế");
	snprintf(c->report_signer_role, sizeof c->report_signer_role,
	         "TM. ỦY BAN NHÂN DÂN|CHỦ TỊCH");
	snprintf(c->report_recipients, sizeof c->report_recipients,
	         "Bộ Nội vụ;|Vụ CCHC - Bộ Nội vụ;|TT Tỉnh ủy, TT HĐND tỉnh;|CT và các PCT UBND "
	         "tỉnh;|Lưu: VT, NV.");
}

static int set_string(char *dst, size_t len, const char *value, const char *key, char *err,
                      size_t errlen)
{
	if (strlen(value) >= len) {
		snprintf(err, errlen, "%s: value longer than %zu characters", key, len - 1);
		return -1;
	}
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

static int set_path(char *dst, size_t len, const char *value, const char *dir, const char *key,
                    char *err, size_t errlen)
{
	char buf[CONF_PATH_MAX * 2];
	if (value[0] == '/' || !dir || !*dir || value[0] == '\0')
		return set_string(dst, len, value, key, err, errlen);
	snprintf(buf, sizeof buf, "%s/%s", dir, value);
	return set_string(dst, len, buf, key, err, errlen);
}

static int set_number(unsigned long long *out, const char *value, unsigned long long min,
                      unsigned long long max, const char *key, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(value, &end, 10);
	if (errno || end == value || *end || value[0] == '-' || v < min || v > max) {
		snprintf(err, errlen, "%s: '%s' is not a whole number from %llu to %llu", key,
		         value, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int conf_is_province_code(const char *s)
{
	return strlen(s) == 2 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]);
}

/* mode = province | national, publish = on | off, console.behind_proxy = on | off. */
static int set_choice(conf *c, const char *key, const char *value, char *err, size_t errlen)
{
	int national = !strcmp(key, "mode");
	const char *no = national ? "province" : "off", *yes = national ? "national" : "on";
	int *dst = national                  ? &c->national
	           : !strcmp(key, "publish") ? &c->publish
	                                     : &c->console_behind_proxy;
	if (!strcmp(value, no) || !strcmp(value, yes)) {
		*dst = !strcmp(value, yes);
		return 0;
	}
	snprintf(err, errlen, "%s: '%s' is neither %s nor %s", key, value, no, yes);
	return -1;
}

/* "90", "90s", "15m", "1h", "2d": seconds, from 1 s to 365 days. */
static int set_duration(unsigned *out, const char *value, const char *key, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(value, &end, 10);
	unsigned long long unit = !*end               ? 1
	                          : !strcmp(end, "s") ? 1
	                          : !strcmp(end, "m") ? 60
	                          : !strcmp(end, "h") ? 3600
	                          : !strcmp(end, "d") ? 86400
	                                              : 0;
	if (errno || end == value || value[0] == '-' || !unit || v == 0 ||
	    v > 365ull * 86400 / unit) {
		snprintf(err, errlen,
		         "%s: '%s' is not a duration such as 90s, 15m, 1h or 2d (1 s to 365 d)",
		         key, value);
		return -1;
	}
	*out = (unsigned)(v * unit);
	return 0;
}

/* national.province.CODE = CONNINFO: a later line for the same code replaces the earlier. */
static int set_national_province(conf *c, const char *code, const char *value, char *err,
                                 size_t errlen)
{
	unsigned i = 0;
	if (!conf_is_province_code(code)) {
		snprintf(err, errlen,
		         "national.province.%s: '%s' is not a province code (two digits)", code,
		         code);
		return -1;
	}
	if (!*value || strlen(value) >= sizeof c->national_provinces[0].conninfo) {
		snprintf(err, errlen,
		         "national.province.%s: the connection string is empty or longer than %zu "
		         "characters",
		         code, sizeof c->national_provinces[0].conninfo - 1);
		return -1;
	}
	while (i < c->n_national_provinces && strcmp(c->national_provinces[i].code, code))
		i++;
	if (i == sizeof c->national_provinces / sizeof c->national_provinces[0]) {
		snprintf(err, errlen, "national.province.%s: too many provinces (at most 64)",
		         code);
		return -1;
	}
	snprintf(c->national_provinces[i].code, sizeof c->national_provinces[i].code, "%s", code);
	snprintf(c->national_provinces[i].conninfo, sizeof c->national_provinces[i].conninfo, "%s",
	         value);
	if (i == c->n_national_provinces)
		c->n_national_provinces++;
	return 0;
}

int conf_set(conf *c, const char *key, const char *value, const char *dir, char *err, size_t errlen)
{
	unsigned long long n;
	static const struct {
		const char *key;
		size_t off, len;
		int is_path;
	} strings[] = {
#define S(k, f, p) {k, offsetof(conf, f), sizeof(((conf *)0)->f), p}
	    S("ingest.listen", ingest_listen, 0),
	    S("stats.listen", stats_listen, 0),
	    S("export.listen", export_listen, 0),
	    S("stats.db", stats_db, 0),
	    S("units_file", units_file, 1),
	    S("calendar_file", calendar_file, 1),
	    S("index_766_file", index_766_file, 1),
	    S("sources_file", sources_file, 1),
	    S("source", source, 0),
	    S("key_file", key_file, 1),
	    S("timezone", timezone, 0),
	    S("report.scope", default_scope, 0),
	    S("tls.cert_key_file", tls_cert_key_file, 1),
	    S("tls.ca_file", tls_ca_file, 1),
	    S("tls.auth_mode", tls_auth_mode, 0),
	    S("tls.server_name", tls_server_name, 0),
	    S("report.issuer_parent", report_issuer_parent, 0),
	    S("report.issuer", report_issuer, 0),
	    S("report.number", report_number, 0),
	    S("report.place", report_place, 0),
	    S("report.signer_role", report_signer_role, 0),
	    S("report.signer_name", report_signer_name, 0),
	    S("report.recipients", report_recipients, 0),
	    S("report.template", report_template, 1),
	    S("console.listen", console_listen, 0),
	    S("console.cert", console_cert, 1),
	    S("console.key", console_key, 1),
	    S("publish.role", publish_role, 0),
#undef S
	};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
		if (strcmp(key, strings[i].key))
			continue;
		char *dst = (char *)c + strings[i].off;
		return strings[i].is_path
		           ? set_path(dst, strings[i].len, value, dir, key, err, errlen)
		           : set_string(dst, strings[i].len, value, key, err, errlen);
	}
	if (!strncmp(key, "target.", 7)) {
		char *end;
		double v = strtod(value, &end);
		if (strlen(key + 7) == 0 || strlen(key + 7) >= sizeof c->targets[0].name || *end ||
		    end == value || v < 0 || v > 100) {
			snprintf(err, errlen, "%s: '%s' is not a percentage from 0 to 100", key,
			         value);
			return -1;
		}
		unsigned i = 0;
		while (i < c->ntargets && strcmp(c->targets[i].name, key + 7))
			i++;
		if (i == sizeof c->targets / sizeof c->targets[0]) {
			snprintf(err, errlen, "%s: too many targets (at most 16)", key);
			return -1;
		}
		snprintf(c->targets[i].name, sizeof c->targets[i].name, "%s", key + 7);
		c->targets[i].percent = v;
		if (i == c->ntargets)
			c->ntargets++;
		return 0;
	}
	if (!strcmp(key, "mode") || !strcmp(key, "publish") || !strcmp(key, "console.behind_proxy"))
		return set_choice(c, key, value, err, errlen);
	if (!strcmp(key, "province")) {
		if (*value && !conf_is_province_code(value)) {
			snprintf(err, errlen, "province: '%s' is not a province code (two digits)",
			         value);
			return -1;
		}
		return set_string(c->province, sizeof c->province, value, key, err, errlen);
	}
	if (!strcmp(key, "national.max_age"))
		return set_duration(&c->national_max_age_seconds, value, key, err, errlen);
	if (!strncmp(key, "national.province.", 18))
		return set_national_province(c, key + 18, value, err, errlen);
	static const struct {
		const char *key;
		size_t off, size; /* the field: size_t or unsigned */
		unsigned long long min, max;
	} numbers[] = {
#define N(k, f, lo, hi) {k, offsetof(conf, f), sizeof(((conf *)0)->f), lo, hi}
	    N("max_message_bytes", max_message_bytes, 4096, 1ull << 30),
	    N("max_batch_records", max_batch_records, 1, 100000),
	    N("clock_window_seconds", clock_window_seconds, 1, 7 * 86400),
	    N("request_timeout_ms", request_timeout_ms, 10, 3600000),
	    N("workers", workers, 1, 256),
	    N("stop_timeout_ms", stop_timeout_ms, 0, 600000),
	    N("console.session_idle_minutes", console_session_idle_minutes, 1, 24 * 60),
	    N("console.session_max_hours", console_session_max_hours, 1, 7 * 24),
	    N("console.max_connections", console_max_connections, 1, 10000),
	    N("console.max_per_address", console_max_per_address, 1, 10000),
	    N("console.timeout_seconds", console_timeout_seconds, 1, 3600),
	    N("console.max_body_bytes", console_max_body_bytes, 1024, 1u << 20),
	    N("console.login_failures", console_login_failures, 1, 1000),
	    N("console.lock_minutes", console_lock_minutes, 1, 24 * 60),
#undef N
	};
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		if (strcmp(key, numbers[i].key))
			continue;
		if (set_number(&n, value, numbers[i].min, numbers[i].max, key, err, errlen))
			return -1;
		char *dst = (char *)c + numbers[i].off;
		if (numbers[i].size == sizeof(size_t))
			*(size_t *)(void *)dst = (size_t)n;
		else
			*(unsigned *)(void *)dst = (unsigned)n;
		return 0;
	}
	snprintf(err, errlen, "unknown setting '%s'", key);
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int conf_read_file(conf *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char dir[PATH_MAX];
	if (!realpath(path, dir) || strlen(path) >= sizeof c->path) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENAMETOOLONG));
		fclose(f);
		return -1;
	}
	*strrchr(dir, '/') = '\0'; /* realpath is absolute, so there is a slash */
	memcpy(c->path, path, strlen(path) + 1);

	char line[4096], msg[512];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		if (conf_set(c, trim(s), trim(eq + 1), dir, msg, sizeof msg)) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

int conf_load(const char *path, conf *c, char *err, size_t errlen)
{
	conf_defaults(c);
	if (path)
		return conf_read_file(c, path, err, errlen);
	const char *env = getenv("CCHC_CONF");
	if (env && *env)
		return conf_read_file(c, env, err, errlen);
	static const char *const candidates[] = {"./var/cchc.conf", "/etc/cchc/cchc.conf"};
	for (size_t i = 0; i < 2; i++)
		if (access(candidates[i], F_OK) == 0)
			return conf_read_file(c, candidates[i], err, errlen);
	return 0;
}
