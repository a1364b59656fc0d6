/* commands: the subcommands of the `cchc` tool, each in its own file, each taking the arguments
 * after its name (argv[0] is the subcommand) and returning the process exit status. */
#ifndef CCHC_COMMANDS_H
#define CCHC_COMMANDS_H

int cmd_push(int argc, char **argv);   /* push.c */
int cmd_status(int argc, char **argv); /* status.c */
int cmd_report(int argc, char **argv); /* report.c */
int cmd_source(int argc, char **argv); /* source.c: add (key pair + sources file line) */
int cmd_gen(int argc, char **argv);    /* gen.c */
int cmd_check(int argc, char **argv);  /* check.c: data-quality findings for a period */
int cmd_units(int argc, char **argv);  /* units.c: import | list the unit registry */
int cmd_period(int argc, char **argv); /* period.c: status of a period (docs/design.md §13) */
int cmd_user(int argc, char **argv);   /* user.c: the console's accounts (docs/design.md §14) */

int cmd_audit(int argc, char **argv); /* audit.c: verify the audit log chain */
int cmd_bench(int argc, char **argv); /* bench.c: ingest and report benchmarks */

#endif
