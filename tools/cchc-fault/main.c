/* cchc-fault: fault injection for the integration tests (tests/integration/test_faults_*.sh) and
 * for operators who want a longer run (docs/faults.md). Options and configuration only; the
 * traffic and its expectations are in junk.c (the nng ports) and console_junk.c (the console). */
#include "auth.h"
#include "conf.h"
#include "console_junk.h"
#include "junk.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: cchc-fault junk [--url tcp://127.0.0.1:PORT] [--count N] [--seed S]\n"
	       "                       [--kinds K1,K2,...] [--deadline SECONDS] [--probe-every N]\n"
	       "                       [--timeout-ms MS] [--config FILE]\n"
	       "Throws malformed traffic at cchc-ingest (loopback, plain tcp:// only), N of each\n"
	       "kind, checking on a new connection every --probe-every attempts that it still\n"
	       "answers. The URL, max_message_bytes, max_batch_records, source and key_file come\n"
	       "from the configuration. Exit status: 0 every expectation held, 1 not, 2 usage.\n"
	       "Kinds (default: all):\n");
	junk_list_kinds(f);
	fprintf(
	    f,
	    "\nusage: cchc-fault console-junk [--url http[s]://127.0.0.1:PORT] [--count N] [--seed "
	    "S]\n"
	    "                       [--kinds K1,K2,...] [--deadline SECONDS] [--probe-every N]\n"
	    "                       [--timeout-ms MS] [--config FILE]\n"
	    "The same at cchc-export's console (loopback only): HTTP junk on http://, broken TLS\n"
	    "handshakes on https://. The URL (console.listen), console.max_body_bytes and\n"
	    "console.max_per_address come from the configuration.\n"
	    "Kinds (default: all of the URL's scheme):\n");
	console_junk_list_kinds(f);
}

static int parse_uint(const char *what, const char *s, unsigned long long max,
                      unsigned long long *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "cchc-fault: %s must be a number up to %llu, not '%s'\n", what, max,
		        s);
		return -1;
	}
	*out = v;
	return 0;
}

/* The options both commands take. */
typedef struct junk_args {
	const char *url, *config, *kinds;
	unsigned long long count, seed, deadline, probe_every, timeout;
} junk_args;

/* 0 to go on, else the exit status (0 after --help, 2 on bad usage). */
static int parse_args(int argc, char **argv, junk_args *a, int *status)
{
	enum {
		OPT_URL = 1000,
		OPT_COUNT,
		OPT_SEED,
		OPT_KINDS,
		OPT_DEADLINE,
		OPT_PROBE,
		OPT_TIMEOUT,
		OPT_CONFIG
	};
	static const struct option longopts[] = {
	    {"url", required_argument, NULL, OPT_URL},
	    {"count", required_argument, NULL, OPT_COUNT},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"kinds", required_argument, NULL, OPT_KINDS},
	    {"deadline", required_argument, NULL, OPT_DEADLINE},
	    {"probe-every", required_argument, NULL, OPT_PROBE},
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {"config", required_argument, NULL, OPT_CONFIG},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	*a = (junk_args){
	    .count = 200, .seed = 1, .deadline = 120, .probe_every = 50, .timeout = 5000};
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int bad = 0;
		switch (opt) {
		case OPT_URL:
			a->url = optarg;
			break;
		case OPT_COUNT:
			bad = parse_uint("--count", optarg, 10000000, &a->count) || !a->count;
			break;
		case OPT_SEED:
			bad = parse_uint("--seed", optarg, UINT64_MAX, &a->seed);
			break;
		case OPT_KINDS:
			a->kinds = optarg;
			break;
		case OPT_DEADLINE:
			bad = parse_uint("--deadline", optarg, 86400 * 7, &a->deadline) ||
			      !a->deadline;
			break;
		case OPT_PROBE:
			bad = parse_uint("--probe-every", optarg, 10000000, &a->probe_every) ||
			      !a->probe_every;
			break;
		case OPT_TIMEOUT:
			bad = parse_uint("--timeout-ms", optarg, 600000, &a->timeout) ||
			      a->timeout < 10;
			break;
		case OPT_CONFIG:
			a->config = optarg;
			break;
		case 'h':
			usage(stdout);
			*status = 0;
			return 1;
		default:
			bad = 1;
		}
		if (bad) {
			usage(stderr);
			*status = 2;
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		*status = 2;
		return 1;
	}
	return 0;
}

static int cmd_junk(int argc, char **argv)
{
	junk_args a;
	int status;
	if (parse_args(argc, argv, &a, &status))
		return status;
	conf cf;
	char err[1024];
	static uint8_t sk[AUTH_SECRET_KEY_BYTES];
	if (conf_load(a.config, &cf, err, sizeof err)) {
		fprintf(stderr, "cchc-fault: %s\n", err);
		return 2;
	}
	if (auth_init()) {
		fprintf(stderr, "cchc-fault: libsodium failed to initialise\n");
		return 2;
	}
	if (!cf.source[0] || !cf.key_file[0]) {
		fprintf(stderr,
		        "cchc-fault: %s names no source and key_file (the well-formed "
		        "batches are signed)\n",
		        cf.path[0] ? cf.path : "the configuration");
		return 2;
	}
	if (auth_read_secret_key(cf.key_file, sk, err, sizeof err)) {
		fprintf(stderr, "cchc-fault: %s\n", err);
		return 2;
	}
	junk_opts o = {
	    .url = a.url ? a.url : cf.ingest_listen,
	    .max_message_bytes = cf.max_message_bytes,
	    .max_batch_records = cf.max_batch_records,
	    .count = (unsigned)a.count,
	    .seed = a.seed,
	    .deadline_s = (unsigned)a.deadline,
	    .probe_every = (unsigned)a.probe_every,
	    .timeout_ms = (unsigned)a.timeout,
	    .kinds = a.kinds,
	    .source = cf.source,
	    .secret_key = sk,
	};
	int rc = junk_run(&o, stdout, stderr);
	memset(sk, 0, sizeof sk);
	return rc;
}

static int cmd_console_junk(int argc, char **argv)
{
	junk_args a;
	int status;
	if (parse_args(argc, argv, &a, &status))
		return status;
	conf cf;
	char err[1024];
	if (conf_load(a.config, &cf, err, sizeof err)) {
		fprintf(stderr, "cchc-fault: %s\n", err);
		return 2;
	}
	console_junk_opts o = {
	    .url = a.url ? a.url : cf.console_listen,
	    .max_body_bytes = cf.console_max_body_bytes,
	    .max_per_address = cf.console_max_per_address,
	    .count = (unsigned)a.count,
	    .seed = a.seed,
	    .deadline_s = (unsigned)a.deadline,
	    .probe_every = (unsigned)a.probe_every,
	    .timeout_ms = (unsigned)a.timeout,
	    .kinds = a.kinds,
	};
	if (!o.url[0]) {
		fprintf(stderr, "cchc-fault: %s has no console (console.listen is empty)\n",
		        cf.path[0] ? cf.path : "the configuration");
		return 2;
	}
	return console_junk_run(&o, stdout, stderr);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "junk"))
		return cmd_junk(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "console-junk"))
		return cmd_console_junk(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
