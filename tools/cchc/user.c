/* user: `cchc user add|list|disable|enable|passwd`, the console's accounts (docs/design.md §14)
 * from the command line: how the first admin is made, and how operators manage accounts without
 * the console. The rules, hashing and requests are lib/accounts.c's, as the console's are; this
 * file reads the password (a file, the terminal without echo, or stdin) and lays out the list.
 * Exit status: 0 done, 1 refused (the account and the reason are printed), 2 did not run. */
#include "accounts.h"
#include "client.h"
#include "commands.h"
#include "period_cli.h"
#include "service.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: cchc user add NAME --role viewer|officer|admin [--scope CODE] "
	    "[--password-file F]\n"
	    "       cchc user list\n"
	    "       cchc user disable NAME | enable NAME\n"
	    "       cchc user passwd NAME [--password-file F]\n"
	    "       (all take [--timeout-ms MS] [--config FILE])\n"
	    "The console's accounts, kept by cchc-stats. NAME: 1-63 of a-z 0-9 . _ - starting\n"
	    "with a letter or digit. --scope: a unit code (the account sees only what is under "
	    "it);\nwithout it the whole province. The password (at least %d characters, at most "
	    "%d bytes)\ncomes from the first line of F, else from the terminal (asked twice, not "
	    "shown),\nelse from the first line of stdin.\n"
	    "Exit status: 0 done, 1 refused, 2 did not run.\n",
	    ACCOUNTS_PASSWORD_MIN, ACCOUNTS_PASSWORD_MAX);
}

enum { OPT_ROLE = CLIENT_OPT_FIRST_FREE, OPT_SCOPE, OPT_PASSWORD_FILE, OPT_TIMEOUT };

/* Room for a line: anything that fills it is longer than any password the rules take. */
#define LINE_MAX_BYTES 1024

/* ---- reading the password ---- */

static struct termios saved_tty;
static volatile sig_atomic_t tty_hidden;

/* A signal while the echo is off: turn it back on, then die of the signal as we would have. */
static void restore_tty_and_die(int sig)
{
	if (tty_hidden)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The first line of f into buf (the newline, and a CR before it, stripped). Returns 0, 1 when f
 * ended before any character, or -1 when the line is longer than buf holds. */
static int read_line(FILE *f, char buf[LINE_MAX_BYTES])
{
	if (!fgets(buf, LINE_MAX_BYTES, f))
		return 1;
	size_t n = strlen(buf);
	if (n == LINE_MAX_BYTES - 1 && buf[n - 1] != '\n')
		return -1;
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

/* One line from the terminal on stdin, not echoed, after `prompt` on stderr. */
static int ask_hidden(const char *prompt, char buf[LINE_MAX_BYTES])
{
	struct termios quiet;
	struct sigaction sa = {.sa_handler = restore_tty_and_die}, old_int, old_term, old_hup;

	if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
		return -1;
	quiet = saved_tty;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	quiet.c_lflag |= ECHONL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	fputs(prompt, stderr);
	fflush(stderr);
	tty_hidden = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	int rc = tty_hidden ? read_line(stdin, buf) : -1;
	if (tty_hidden)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	tty_hidden = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	return rc;
}

/* The new password of account `name` into pw: from `file`, else the terminal (twice), else the
 * first line of stdin. Returns 0, or the exit status after printing why. */
static int read_password(const char *cmd, const char *name, const char *file,
                         char pw[LINE_MAX_BYTES])
{
	char again[LINE_MAX_BYTES], prompt[160];
	int rc;

	if (file) {
		FILE *f = fopen(file, "r");
		if (!f) {
			fprintf(stderr,
			        "cchc %s: account %s: cannot read the password file %s: %s\n", cmd,
			        name, file, strerror(errno));
			return 2;
		}
		rc = read_line(f, pw);
		fclose(f);
		if (rc == 0 && !pw[0])
			rc = 1;
		if (rc) {
			fprintf(stderr, "cchc %s: account %s: the password file %s %s\n", cmd, name,
			        file,
			        rc > 0 ? "is empty (its first line is the password)"
			               : "has a first line longer than any password may be");
			return 1;
		}
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		rc = read_line(stdin, pw);
		if (rc == 0 && !pw[0])
			rc = 1;
		if (rc) {
			fprintf(stderr, "cchc %s: account %s: %s\n", cmd, name,
			        rc > 0
			            ? "no password on the first line of stdin"
			            : "the first line of stdin is longer than any password may be");
			return 1;
		}
		return 0;
	}
	snprintf(prompt, sizeof prompt, "Mật khẩu mới cho tài khoản %s: ", name);
	rc = ask_hidden(prompt, pw);
	if (rc == 0)
		rc = ask_hidden("Nhập lại mật khẩu: ", again);
	if (rc) {
		fprintf(stderr, "cchc %s: account %s: no password was read from the terminal\n",
		        cmd, name);
		return 2;
	}
	rc = strcmp(pw, again) ? 1 : 0;
	sodium_memzero(again, sizeof again);
	if (rc)
		fprintf(stderr, "cchc %s: account %s: the two passwords differ; nothing changed\n",
		        cmd, name);
	return rc;
}

/* ---- the subcommands ---- */

/* Exit status for a change's outcome, after printing a refusal or failure. */
static int outcome(const char *cmd, int rc, const char *err)
{
	if (rc == 0)
		return 0;
	fprintf(stderr, "cchc %s: %s\n", cmd, err);
	return rc > 0 ? 1 : 2;
}

/* Characters of UTF-8 text, for the columns of the list. */
static size_t width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

enum { COL_NAME, COL_ROLE, COL_SCOPE, COL_STATE, COL_CHANGED, NCOL };

static int list(wire_client *stats)
{
	static const char *const heading[NCOL] = {"Tài khoản", "Vai trò", "Phạm vi", "Trạng thái",
	                                          "Thay đổi lần cuối"};
	Cchc__V1__StatsReply *rep;
	char err[1024];

	if (accounts_list(stats, &rep, err, sizeof err) != 0) {
		fprintf(stderr, "cchc user list: %s\n", err);
		return 2;
	}
	const Cchc__V1__UserReply *r = rep->user;
	char(*changed)[32] = calloc(r->n_users + 1, sizeof *changed);
	if (!changed) {
		fprintf(stderr, "cchc user list: out of memory\n");
		cchc__v1__stats_reply__free_unpacked(rep, NULL);
		return 2;
	}
	size_t w[NCOL];
	for (int c = 0; c < NCOL; c++)
		w[c] = width(heading[c]);
	const char *cells[NCOL];
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i <= r->n_users; i++) {
			if (i == 0) {
				memcpy(cells, heading, sizeof cells);
			} else {
				const Cchc__V1__UserAccount *u = r->users[i - 1];
				if (period_cli_time(u->changed_ms, 0, changed[i],
				                    sizeof changed[i]))
					snprintf(changed[i], sizeof changed[i], "?");
				cells[COL_NAME] = u->name ? u->name : "?";
				cells[COL_ROLE] = u->role ? u->role : "?";
				cells[COL_SCOPE] = u->scope && u->scope[0] ? u->scope : "toàn tỉnh";
				cells[COL_STATE] = u->disabled ? "đã khóa" : "đang hoạt động";
				cells[COL_CHANGED] = changed[i];
			}
			for (int c = 0; c < NCOL; c++) {
				size_t cw = width(cells[c]);
				if (!pass && cw > w[c])
					w[c] = cw;
				else if (pass)
					printf("%s%*s", cells[c],
					       c + 1 < NCOL ? (int)(w[c] - cw + 2) : 0, "");
			}
			if (pass)
				putchar('\n');
		}
	if (!r->n_users)
		printf("(chưa có tài khoản nào: cchc user add NAME --role admin)\n");
	free(changed);
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return fflush(stdout) == 0 ? 0 : 2;
}

int cmd_user(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"role", required_argument, NULL, OPT_ROLE},
	    {"scope", required_argument, NULL, OPT_SCOPE},
	    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {NULL, 0, NULL, 0},
	};
	static const char *const subs[] = {"add", "list", "disable", "enable", "passwd"};
	client_opts co = {0};
	const char *role = NULL, *scope = NULL, *password_file = NULL;
	unsigned long long timeout = 0;
	char cmd[32], err[1024];
	int opt;

	size_t s = 0;
	while (argc >= 2 && s < sizeof subs / sizeof subs[0] && strcmp(argv[1], subs[s]))
		s++;
	if (argc < 2 || s == sizeof subs / sizeof subs[0]) {
		int help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
		if (!help && argc >= 2)
			fprintf(stderr, "cchc user: unknown subcommand '%s'\n", argv[1]);
		usage(help ? stdout : stderr);
		return help ? 0 : 2;
	}
	const char *sub = subs[s];
	snprintf(cmd, sizeof cmd, "user %s", sub);
	argc--;
	argv++;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_ROLE:
			role = optarg;
			continue;
		case OPT_SCOPE:
			scope = optarg;
			continue;
		case OPT_PASSWORD_FILE:
			password_file = optarg;
			continue;
		case OPT_TIMEOUT:
			if (client_parse_uint(cmd, "--timeout-ms", optarg, 3600000, &timeout))
				return 2;
			continue;
		}
		return client_usage_exit(opt, usage);
	}
	int named = strcmp(sub, "list") != 0;
	if (argc - optind != named) {
		fprintf(stderr, "cchc %s: %s\n", cmd,
		        named ? "give exactly one account NAME" : "takes no NAME");
		usage(stderr);
		return 2;
	}
	const char *name = named ? argv[optind] : NULL;
	if ((role && strcmp(sub, "add")) || (scope && strcmp(sub, "add")) ||
	    (password_file && strcmp(sub, "add") && strcmp(sub, "passwd"))) {
		fprintf(stderr,
		        "cchc %s: --role and --scope go with add, --password-file with add "
		        "and passwd\n",
		        cmd);
		return 2;
	}
	if (!strcmp(sub, "add") && !role) {
		fprintf(stderr, "cchc %s: account %s: give its --role (viewer, officer or admin)\n",
		        cmd, name);
		return 2;
	}
	/* refuse what the rules refuse before asking for a password */
	char why[512];
	int rc = name ? accounts_check_name(name, err, sizeof err) : 0;
	if (!rc && ((role && (rc = accounts_check_role(role, why, sizeof why))) ||
	            (scope && (rc = accounts_check_scope(scope, why, sizeof why)))))
		snprintf(err, sizeof err, "account %s: %s", name, why);
	if (rc)
		return outcome(cmd, rc, err);

	client cl;
	int status = client_setup(cmd, &co, 0, &cl);
	if (status)
		return status;
	service_set_timezone(cl.conf.timezone);
	if (!timeout)
		timeout = cl.conf.request_timeout_ms;

	char pw[LINE_MAX_BYTES] = "", by[160];
	client_os_user(by, sizeof by);
	if ((!strcmp(sub, "add") || !strcmp(sub, "passwd")) &&
	    (status = read_password(cmd, name, password_file, pw)))
		return status;

	wire_client *stats = NULL;
	if (wire_client_open(cl.conf.stats_listen, cl.conf.max_message_bytes, (unsigned)timeout,
	                     &stats, err, sizeof err)) {
		sodium_memzero(pw, sizeof pw);
		fprintf(stderr, "cchc %s: %s\n", cmd, err);
		return 2;
	}
	int changed = 1;
	if (!strcmp(sub, "list")) {
		status = list(stats);
	} else if (!strcmp(sub, "add")) {
		rc = accounts_add(stats, name, role, scope, pw, by, &changed, err, sizeof err);
		if (!(status = outcome(cmd, rc, err)))
			printf("%s tài khoản %s (vai trò %s, phạm vi %s).\n",
			       changed ? "Đã tạo" : "Đã có sẵn", name, role,
			       scope && *scope ? scope : "toàn tỉnh");
	} else if (!strcmp(sub, "passwd")) {
		rc = accounts_passwd(stats, name, pw, by, err, sizeof err);
		if (!(status = outcome(cmd, rc, err)))
			printf("Đã đổi mật khẩu tài khoản %s.\n", name);
	} else {
		int disable = !strcmp(sub, "disable");
		rc = accounts_set_disabled(stats, name, disable, by, &changed, err, sizeof err);
		status = outcome(cmd, rc, err);
		if (!status && changed)
			printf("Đã %s tài khoản %s.\n", disable ? "khóa" : "mở khóa", name);
		else if (!status)
			printf(disable ? "Tài khoản %s đã bị khóa từ trước.\n"
			               : "Tài khoản %s đang hoạt động (không bị khóa).\n",
			       name);
	}
	sodium_memzero(pw, sizeof pw);
	wire_client_close(stats);
	return status;
}
