/* render_json: the json format of DESIGN §7: every figure of §6 for the scope, each level, each unit
 * and each field, the feedback figures, and the checks. */
#ifndef CCHC_RENDER_JSON_H
#define CCHC_RENDER_JSON_H

#include "figures.h"
#include "period.h"

#include <stddef.h>

/* Renders into a malloc'd UTF-8 buffer. Returns 0 or -1 (out of memory). */
int render_json(const period *p, const char *scope, const figures *f, char **out, size_t *len);

/* Percentage num/den with two decimals, rounded half away from zero, times 100 (5646 = 56,46 %).
 * 0 when den is 0. */
long long render_percent_x100(long long num, long long den);

#endif
