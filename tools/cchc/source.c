/* source: `cchc source add|list|revoke`. The private key goes to the office system (mode 0600,
 * never overwritten by accident); only the public key and the grants go into the server's sources
 * file, in the format of lib/auth.h. Ingest rereads that file on SIGHUP. */
#include "source.h"

#include "client.h"
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int source_check_name(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (!n || n > 127) {
		snprintf(err, errlen, "a source name has 1 to 127 characters");
		return -1;
	}
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-') {
			snprintf(err, errlen,
			         "source name '%s': only letters, digits, '.', '_' and '-' may be "
			         "used",
			         name);
			return -1;
		}
	return 0;
}

int source_check_grants(const char *grants, char *err, size_t errlen)
{
	const char *c = grants;

	if (!*c) {
		snprintf(err, errlen, "--grant: no unit code given");
		return -1;
	}
	for (;;) {
		size_t n = 0;

		while (isalnum((unsigned char)c[n]))
			n++;
		if (!n || (c[n] && c[n] != ',')) {
			snprintf(
			    err, errlen,
			    "--grant '%s': expected unit codes separated by commas, like 46 or "
			    "474,19753",
			    grants);
			return -1;
		}
		if (!c[n])
			return 0;
		c += n + 1;
	}
}

int source_exists(const char *path, const char *name, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!found && getline(&line, &cap, f) >= 0) {
		char *s = line, *e;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			continue;
		e = s;
		while (*e && !isspace((unsigned char)*e))
			e++;
		found = (size_t)(e - s) == strlen(name) && !strncmp(s, name, (size_t)(e - s));
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		found = -1;
	}
	free(line);
	fclose(f);
	return found;
}

/* Appends the line, starting on a fresh line if the file does not end with a newline. */
static int append_line(const char *path, const char *line, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0644);
	struct stat st;
	char last = '\n';
	size_t n = strlen(line);
	int rc = 0;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((last != '\n' && write(fd, "\n", 1) != 1) || write(fd, line, n) != (ssize_t)n) {
		snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
		rc = -1;
	}
	if (close(fd) && !rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: cchc source add NAME --grant CODE[,CODE...] --key-out FILE\n"
	        "                       [--sources-file FILE] [--force] [--config FILE]\n"
	        "Makes an Ed25519 key pair: the private key goes to FILE (mode 0600), the public\n"
	        "key and the grants to the sources file (default: sources_file of cchc.conf).\n"
	        "       cchc source list [--sources-file FILE] [--config FILE]\n"
	        "       cchc source revoke NAME [--sources-file FILE] [--config FILE]\n"
	        "Ingest rereads the sources file on SIGHUP (systemctl reload cchc-ingest).\n");
}

enum { OPT_GRANT = CLIENT_OPT_FIRST_FREE, OPT_KEY_OUT, OPT_SOURCES, OPT_FORCE };

static int source_add(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"grant", required_argument, NULL, OPT_GRANT},
	    {"key-out", required_argument, NULL, OPT_KEY_OUT},
	    {"sources-file", required_argument, NULL, OPT_SOURCES},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	const char *grants = NULL, *key_out = NULL, *sources = NULL, *name;
	int force = 0, opt, rc;
	uint8_t pk[AUTH_PUBLIC_KEY_BYTES], sk[AUTH_SECRET_KEY_BYTES];
	char pkhex[2 * AUTH_PUBLIC_KEY_BYTES + 1], err[2048], *line;
	struct stat st;
	client cl;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_GRANT:
			grants = optarg;
			break;
		case OPT_KEY_OUT:
			key_out = optarg;
			break;
		case OPT_SOURCES:
			sources = optarg;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		default:
			return client_usage_exit(opt, usage);
		}
	}
	if (optind != argc - 1 || !grants || !key_out || !key_out[0]) {
		if (optind == argc - 1)
			fprintf(stderr, "cchc source add: %s is required\n",
			        !grants ? "--grant CODES" : "--key-out FILE");
		usage(stderr);
		return 2;
	}
	name = argv[optind];
	if (source_check_name(name, err, sizeof err) ||
	    source_check_grants(grants, err, sizeof err)) {
		fprintf(stderr, "cchc source add: %s\n", err);
		return 2;
	}
	rc = client_setup("source add", &co, 0, &cl);
	if (rc)
		return rc;
	if (!sources || !sources[0])
		sources = cl.conf.sources_file;
	if (!sources[0]) {
		fprintf(stderr, "cchc source add: no sources file: give --sources-file FILE or set "
		                "sources_file in cchc.conf\n");
		return 2;
	}
	rc = source_exists(sources, name, err, sizeof err);
	if (rc) {
		if (rc > 0)
			fprintf(stderr, "cchc source add: %s already has a source named '%s'\n",
			        sources, name);
		else
			fprintf(stderr, "cchc source add: %s\n", err);
		return 2;
	}
	if (!lstat(key_out, &st)) {
		if (!force) {
			fprintf(stderr,
			        "cchc source add: %s exists; not overwriting a key (use --force)\n",
			        key_out);
			return 2;
		}
		/* a fresh file, so the old file's mode and owner cannot leak the new key */
		if (unlink(key_out)) {
			fprintf(stderr, "cchc source add: removing %s: %s\n", key_out,
			        strerror(errno));
			return 2;
		}
	}
	if (auth_init() || auth_keypair(pk, sk)) {
		fprintf(stderr, "cchc source add: cannot make a key pair (libsodium)\n");
		return 2;
	}
	rc = auth_write_key(key_out, sk, sizeof sk, 1, err, sizeof err);
	sodium_memzero(sk, sizeof sk);
	if (rc) {
		fprintf(stderr, "cchc source add: %s\n", err);
		return 2;
	}
	auth_hex_encode(pk, sizeof pk, pkhex);
	if (asprintf(&line, "%s %s %s\n", name, pkhex, grants) < 0) {
		fprintf(stderr, "cchc source add: out of memory\n");
		unlink(key_out);
		return 2;
	}
	rc = append_line(sources, line, err, sizeof err);
	free(line);
	if (rc) {
		/* a key nobody can use would only confuse: take it back */
		fprintf(stderr, "cchc source add: %s (removed %s again)\n", err, key_out);
		unlink(key_out);
		return 2;
	}
	printf("source %s: public key %s, grants %s\n", name, pkhex, grants);
	printf("private key in %s; cchc-ingest rereads %s on SIGHUP\n", key_out, sources);
	return 0;
}

/* Parses `NAME? [--sources-file F] [--config F]` for list (no NAME) and revoke (NAME). Returns 0
 * with the sources file path in *path, or an exit status. */
static int sources_path_args(const char *cmd, int argc, char **argv, int want_name,
                             const char **name, client *cl, const char **path)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"sources-file", required_argument, NULL, OPT_SOURCES},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	const char *sources = NULL;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		if (opt == OPT_SOURCES) {
			sources = optarg;
			continue;
		}
		return client_usage_exit(opt, usage);
	}
	if (optind != argc - want_name) {
		usage(stderr);
		return 2;
	}
	*name = want_name ? argv[optind] : NULL;
	if ((rc = client_setup(cmd, &co, 0, cl)))
		return rc;
	*path = sources && sources[0] ? sources : cl->conf.sources_file;
	return -1;
}

static int source_list(int argc, char **argv)
{
	const char *name, *path;
	client cl;
	char err[2048], hex[2 * AUTH_PUBLIC_KEY_BYTES + 1];
	auth_sources *s;
	int rc = sources_path_args("source list", argc, argv, 0, &name, &cl, &path);

	if (rc >= 0)
		return rc;
	if (auth_sources_load(path, &s, err, sizeof err)) {
		fprintf(stderr, "cchc source list: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < auth_sources_count(s); i++) {
		const auth_source *src = auth_sources_at(s, i);
		auth_hex_encode(src->public_key, sizeof src->public_key, hex);
		printf("%-24s key %.16s…  grants", src->name, hex);
		for (size_t g = 0; g < src->ngrants; g++)
			printf("%s%s", g ? "," : " ", src->grants[g]);
		printf("\n");
	}
	printf("%zu sources in %s\n", auth_sources_count(s), path);
	auth_sources_free(s);
	return 0;
}

/* Rewrites the sources file without NAME's line (comments and other lines kept), atomically. */
static int source_revoke(int argc, char **argv)
{
	const char *name, *path;
	client cl;
	char err[2048], tmp[4200], line[4096], first[256];
	int rc = sources_path_args("source revoke", argc, argv, 1, &name, &cl, &path), found = 0;

	if (rc >= 0)
		return rc;
	FILE *in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "cchc source revoke: %s: %s\n", path, strerror(errno));
		return 2;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		fprintf(stderr, "cchc source revoke: %s: %s\n", tmp, strerror(errno));
		fclose(in);
		if (fd >= 0)
			close(fd);
		return 2;
	}
	while (fgets(line, sizeof line, in)) {
		if (sscanf(line, "%255s", first) == 1 && first[0] != '#' && !strcmp(first, name)) {
			found++;
			continue;
		}
		fputs(line, out);
	}
	int bad = ferror(in) || fflush(out) || fsync(fileno(out));
	fclose(in);
	if (fclose(out) || bad || !found || rename(tmp, path)) {
		if (!found)
			snprintf(err, sizeof err, "no source '%s' in %s", name, path);
		else
			snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		fprintf(stderr, "cchc source revoke: %s\n", err);
		return found ? 2 : 1;
	}
	printf("revoked %s in %s; reload ingest for it to take effect (SIGHUP: systemctl reload "
	       "cchc-ingest)\n",
	       name, path);
	return 0;
}

int cmd_source(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return source_add(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return source_list(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "revoke"))
		return source_revoke(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
