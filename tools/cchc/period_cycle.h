/* period_cycle: the `cchc period` actions of the closing cycle (docs/design.md §13), each a whole
 * subcommand taking its own argv (argv[0] the action): close, reopen, list, diff. */
#ifndef CCHC_CLI_PERIOD_CYCLE_H
#define CCHC_CLI_PERIOD_CYCLE_H

int period_close_cmd(int argc, char **argv);
int period_reopen_cmd(int argc, char **argv);
int period_list_cmd(int argc, char **argv);
int period_diff_cmd(int argc, char **argv);

#endif
