/* cchc: dispatches to the subcommand named by the first argument. */
#include "commands.h"
#include "service.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *help;
} commands[] = {
    {"push", cmd_push, "push FILE|-          send JSONL or CSV records to ingest"},
    {"status", cmd_status, "status               is each service up (exit 1 if one is down)"},
    {"report", cmd_report,
     "report --period P --format docx|pdf|xlsx|csv|json -o FILE   the report, its tables"},
    {"source", cmd_source, "source add NAME --grant CODES --key-out FILE   create a source"},
    {"audit", cmd_audit, "audit verify         check the hash chain of the audit log"},
    {"gen", cmd_gen, "gen --period P --dossiers N --seed S -o FILE   synthetic records"},
    {"check", cmd_check, "check --period P [--scope CODE]   data-quality findings"},
    {"period", cmd_period,
     "period status P [--scope CODE] [--format text|json]   who has sent data for P"},
    {"bench", cmd_bench, "bench ingest --events N | report --dossiers N   benchmarks"},
    {"units", cmd_units, "units import FILE | list [--at YYYY-MM-DD]   the unit registry"},
    {"user", cmd_user,
     "user add|list|disable|enable|passwd [NAME]   the console's accounts (user --help)"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cchc COMMAND [options]   (version %s)\n", CCHC_VERSION);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %s\n", commands[i].help);
	fprintf(f, "Options common to all: --config FILE (else $CCHC_CONF, ./var/cchc.conf, "
	           "/etc/cchc/cchc.conf)\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("cchc %s\n", CCHC_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "cchc: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
