/* client: what every `cchc` subcommand that talks to the services shares: the common options
 * (--config, --source, --key-file), the configuration, and the source's private key. */
#ifndef CCHC_CLIENT_H
#define CCHC_CLIENT_H

#include "auth.h"
#include "conf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdint.h>

/* getopt_long values of the common options, out of the range of single characters. */
enum { CLIENT_OPT_CONFIG = 1000, CLIENT_OPT_SOURCE, CLIENT_OPT_KEY_FILE, CLIENT_OPT_FIRST_FREE };

/* The common options' entries of a getopt_long table, --help ('h') included. */
/* clang-format off */
#define CLIENT_LONG_OPTIONS                                            \
	{"config", required_argument, NULL, CLIENT_OPT_CONFIG},        \
	{"source", required_argument, NULL, CLIENT_OPT_SOURCE},        \
	{"key-file", required_argument, NULL, CLIENT_OPT_KEY_FILE},    \
	{"help", no_argument, NULL, 'h'}
/* clang-format on */

typedef struct client_opts {
	const char *config;   /* --config FILE */
	const char *source;   /* --source NAME */
	const char *key_file; /* --key-file FILE */
} client_opts;

/* Takes a common option returned by getopt_long; returns 1 when it was one, else 0. */
int client_option(client_opts *o, int opt, const char *arg);

typedef struct client {
	conf conf;
	char source[128];
	char key_file[CONF_PATH_MAX];
	uint8_t sk[AUTH_SECRET_KEY_BYTES];
	int have_key;
} client;

/* Loads the configuration (--config, $CCHC_CONF, ./var/cchc.conf, /etc/cchc/cchc.conf) and, when
 * need_key, the source name and its private key (--source/--key-file, else $CCHC_SOURCE /
 * $CCHC_KEY_FILE, else the configuration). Prints "cchc CMD: reason" on stderr and returns 2 (the
 * exit status) on any failure, 0 when ready. */
int client_setup(const char *cmd, const client_opts *o, int need_key, client *c);

/* Who makes a change, for the audit chain: "os:" and the OS user running the command, so it
 * cannot be taken for a console account (whose names have no ':'). */
void client_os_user(char *by, size_t len);

/* Wipes the private key. */
void client_cleanup(client *c);

/* The end of every subcommand's option switch, for an option it did not take: 'h' (--help)
 * prints usage on stdout and gives exit status 0, anything else prints it on stderr and gives 2. */
int client_usage_exit(int opt, void (*usage)(FILE *f));

/* Parses a positive decimal number option; prints an error naming `what` and returns -1. */
int client_parse_uint(const char *cmd, const char *what, const char *s, unsigned long long max,
                      unsigned long long *out);

#endif
