/* fault: the run of junk kinds (see fault.h). Every attempt is bounded by the run's deadline, and
 * the server is asked on a fresh connection whether it still answers, so a listener that stops
 * accepting shows up next to the kind that stopped it. */
#include "fault.h"

#include <string.h>

void fault_list_kinds(const fault_kind *kinds, size_t n, FILE *out)
{
	for (size_t k = 0; k < n; k++)
		fprintf(out, "  %-16s %s\n", kinds[k].name, kinds[k].what);
}

static int selected(const char *list, const char *name)
{
	if (!list)
		return 1;
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return 1;
		p += len + (e ? 1 : 0);
	}
	return 0;
}

int fault_check_kinds(const fault_run *r, FILE *err)
{
	for (const char *p = r->select; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		size_t k = 0;
		while (k < r->nkinds &&
		       !(strlen(r->kinds[k].name) == len && !strncmp(r->kinds[k].name, p, len)))
			k++;
		if (k == r->nkinds) {
			fprintf(err, "%s: unknown kind '%.*s'\n", r->tool, (int)len, p);
			return -1;
		}
		p += len + (e ? 1 : 0);
	}
	return 0;
}

int fault_run_kinds(const fault_run *r, FILE *out, FILE *err)
{
	raw_peer *net = r->net;
	double t0 = raw_now(), deadline = t0 + r->deadline_s;
	unsigned long long total = 0, total_bytes = 0;
	unsigned probes = 0, nkinds = 0;
	int rc = 0;
	if (r->probe(r->ctx)) {
		fprintf(err, "%s: before any junk: %s\n", r->tool, net->err);
		return 1;
	}
	probes++;
	for (size_t k = 0; k < r->nkinds && !rc; k++) {
		const fault_kind *kind = &r->kinds[k];
		if (!selected(r->select, kind->name))
			continue;
		unsigned rounds = r->count;
		if (kind->max_rounds && rounds > kind->max_rounds)
			rounds = kind->max_rounds;
		double tk = raw_now();
		net->bytes = 0;
		net->closed = net->answered = 0;
		if (r->begin)
			r->begin(r->ctx);
		unsigned i;
		for (i = 0; i < rounds; i++) {
			if (raw_now() > deadline) {
				fprintf(err, "%s: %s: deadline of %us reached after %u of %u\n",
				        r->tool, kind->name, r->deadline_s, i, rounds);
				rc = 1;
				break;
			}
			if (kind->fn(r->ctx, i)) {
				fprintf(err, "%s: %s #%u: %s\n", r->tool, kind->name, i, net->err);
				rc = 1;
				break;
			}
			if ((i + 1) % r->probe_every == 0 || i + 1 == rounds) {
				if (r->probe(r->ctx)) {
					fprintf(err, "%s: after %s #%u: %s\n", r->tool, kind->name,
					        i, net->err);
					rc = 1;
					break;
				}
				probes++;
			}
		}
		total += i;
		total_bytes += net->bytes;
		nkinds++;
		fprintf(out,
		        "%s %-16s %5u sent, %9llu bytes, %4u closed by the server, %4u answered",
		        r->label, kind->name, i, net->bytes, net->closed, net->answered);
		if (r->extra)
			r->extra(r->ctx, out);
		fprintf(out, " (%.1fs)\n", raw_now() - tk);
	}
	fprintf(out,
	        "%s total: %llu connections/requests of %u kinds, %llu bytes, %u liveness "
	        "probes answered, %.1fs: %s\n",
	        r->label, total, nkinds, total_bytes, probes, raw_now() - t0, rc ? "FAILED" : "ok");
	return rc;
}
