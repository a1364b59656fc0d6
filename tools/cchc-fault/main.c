/* cchc-fault: fault injection for the integration tests (tests/integration/test_faults_*.sh) and
 * for operators who want a longer run (docs/faults.md). Options and configuration only; the
 * traffic and its expectations are in junk.c. */
#include "auth.h"
#include "conf.h"
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

static int cmd_junk(int argc, char **argv)
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
	const char *url = NULL, *config = NULL;
	unsigned long long count = 200, seed = 1, deadline = 120, probe_every = 50, timeout = 5000;
	junk_opts o = {0};
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int bad = 0;
		switch (opt) {
		case OPT_URL:
			url = optarg;
			break;
		case OPT_COUNT:
			bad = parse_uint("--count", optarg, 10000000, &count) || !count;
			break;
		case OPT_SEED:
			bad = parse_uint("--seed", optarg, UINT64_MAX, &seed);
			break;
		case OPT_KINDS:
			o.kinds = optarg;
			break;
		case OPT_DEADLINE:
			bad = parse_uint("--deadline", optarg, 86400 * 7, &deadline) || !deadline;
			break;
		case OPT_PROBE:
			bad = parse_uint("--probe-every", optarg, 10000000, &probe_every) ||
			      !probe_every;
			break;
		case OPT_TIMEOUT:
			bad = parse_uint("--timeout-ms", optarg, 600000, &timeout) || timeout < 10;
			break;
		case OPT_CONFIG:
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			bad = 1;
		}
		if (bad) {
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	conf cf;
	char err[1024];
	static uint8_t sk[AUTH_SECRET_KEY_BYTES];
	if (conf_load(config, &cf, err, sizeof err)) {
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
	o.url = url ? url : cf.ingest_listen;
	o.max_message_bytes = cf.max_message_bytes;
	o.max_batch_records = cf.max_batch_records;
	o.count = (unsigned)count;
	o.seed = seed;
	o.deadline_s = (unsigned)deadline;
	o.probe_every = (unsigned)probe_every;
	o.timeout_ms = (unsigned)timeout;
	o.source = cf.source;
	o.secret_key = sk;
	int rc = junk_run(&o, stdout, stderr);
	memset(sk, 0, sizeof sk);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "junk"))
		return cmd_junk(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
