/* client: the common options, configuration and signing key of the `cchc` subcommands. Options
 * win over the environment, which wins over the configuration file, so one config can serve
 * several office systems on one machine. */
#include "client.h"

#include "wire.h"

#include <errno.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int client_option(client_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case CLIENT_OPT_CONFIG:
		o->config = arg;
		return 1;
	case CLIENT_OPT_SOURCE:
		o->source = arg;
		return 1;
	case CLIENT_OPT_KEY_FILE:
		o->key_file = arg;
		return 1;
	}
	return 0;
}

static const char *pick(const char *opt, const char *env, const char *configured)
{
	const char *e = getenv(env);

	if (opt && opt[0])
		return opt;
	if (e && e[0])
		return e;
	return configured;
}

int client_setup(const char *cmd, const client_opts *o, int need_key, client *c)
{
	char err[2048];
	const char *v;

	memset(c, 0, sizeof *c);
	if (conf_load(o->config, &c->conf, err, sizeof err) ||
	    wire_tls_configure(&c->conf, err, sizeof err)) {
		fprintf(stderr, "cchc %s: %s\n", cmd, err);
		return 2;
	}
	if (!need_key)
		return 0;
	if (auth_init()) {
		fprintf(stderr, "cchc %s: libsodium failed to initialise\n", cmd);
		return 2;
	}
	v = pick(o->source, "CCHC_SOURCE", c->conf.source);
	if (!v[0]) {
		fprintf(stderr,
		        "cchc %s: no source name: give --source NAME, set $CCHC_SOURCE, or set "
		        "`source` in %s\n",
		        cmd, c->conf.path[0] ? c->conf.path : "cchc.conf");
		return 2;
	}
	if (strlen(v) >= sizeof c->source) {
		fprintf(stderr, "cchc %s: source name is longer than %zu characters\n", cmd,
		        sizeof c->source - 1);
		return 2;
	}
	snprintf(c->source, sizeof c->source, "%s", v);
	v = pick(o->key_file, "CCHC_KEY_FILE", c->conf.key_file);
	if (!v[0]) {
		fprintf(stderr,
		        "cchc %s: no private key: give --key-file FILE, set $CCHC_KEY_FILE, or set "
		        "`key_file` in %s\n",
		        cmd, c->conf.path[0] ? c->conf.path : "cchc.conf");
		return 2;
	}
	snprintf(c->key_file, sizeof c->key_file, "%s", v);
	if (auth_read_secret_key(c->key_file, c->sk, err, sizeof err)) {
		fprintf(stderr, "cchc %s: %s\n", cmd, err);
		return 2;
	}
	c->have_key = 1;
	return 0;
}

void client_cleanup(client *c)
{
	sodium_memzero(c->sk, sizeof c->sk);
	c->have_key = 0;
}

int client_parse_uint(const char *cmd, const char *what, const char *s, unsigned long long max,
                      unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!s[0] || *end || errno || s[0] == '-' || v > max) {
		fprintf(stderr, "cchc %s: %s: '%s' is not a number from 0 to %llu\n", cmd, what, s,
		        max);
		return -1;
	}
	*out = v;
	return 0;
}

int client_usage_exit(int opt, void (*usage)(FILE *f))
{
	usage(opt == 'h' ? stdout : stderr);
	return opt == 'h' ? 0 : 2;
}

void client_os_user(char *by, size_t len)
{
	const struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name && pw->pw_name[0])
		snprintf(by, len, "os:%s", pw->pw_name);
	else
		snprintf(by, len, "os:uid%lu", (unsigned long)getuid());
}
