/* push: `cchc push FILE|-`. The main thread reads records and cuts them into batches; a few worker
 * threads sign, send and retry them; finished batches are accounted strictly in input order, so
 * FILE.rejects lists lines in the order of the file and memory stays bounded by the window. */
#include "push.h"

#include "client.h"
#include "commands.h"
#include "records.h"
#include "wire.h"

#include "cchc/v1/ingest.pb-c.h"

#include <errno.h>
#include <nng/nng.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS   5000
#define MAX_JOBS         64

void push_rejects_path(const char *input, char *out, size_t len)
{
	if (!strcmp(input, "-"))
		snprintf(out, len, "stdin.rejects");
	else
		snprintf(out, len, "%s.rejects", input);
}

unsigned push_backoff_next(unsigned ms)
{
	if (ms == 0)
		return BACKOFF_FIRST_MS;
	return ms >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : ms * 2;
}

size_t push_batch_budget(size_t max_message_bytes)
{
	size_t b = max_message_bytes / 2;

	return b > 1024 ? b - 1024 : 1;
}

static push_ack_observer ack_observer;
static void *ack_observer_arg;

void push_observe_acks(push_ack_observer fn, void *arg)
{
	ack_observer = fn;
	ack_observer_arg = arg;
}

/* One input record or unreadable line, in input order. */
typedef struct entry {
	unsigned long line;
	char *text;
	long idx;         /* index of its record in the batch, or -1 when rejected locally */
	const char *code; /* set when rejected: a static string or `owned_code` */
	char *owned_code;
	char *message;
} entry;

typedef struct batch {
	unsigned long seq;
	entry *e;
	size_t ne, ecap;
	Cchc__V1__Record **recs;
	size_t nrec, reccap;
	size_t bytes;   /* packed size of the records, framing included */
	long *entry_of; /* record index -> entry index */
	unsigned accepted, duplicate;
	struct batch *next;
} batch;

typedef struct push {
	const char *cmd;
	client cl;
	wire_client *wc;
	unsigned jobs;
	long max_retries;    /* -1: forever */
	int64_t deadline_ms; /* monotonic; 0: none */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	batch *qhead, *qtail; /* to send */
	batch *done;          /* sent, waiting for their turn to be accounted */
	unsigned long next_seq, next_flush;
	size_t outstanding; /* created, not yet accounted */
	int closing;
	int fatal;

	unsigned long long accepted, duplicate, rejected, sent_records;
	char rejects_path[4096];
	FILE *rejects;
	int rejects_failed;
	int unaccounted; /* ingest's counts did not cover a batch: exit 1, not 0 */
	const char *nl;  /* ends the progress bar before a message ("" without one) */
} push;

static int64_t now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fatalf(push *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports the first fatal error only: later ones are usually its echoes in other threads. */
static void fatalf(push *p, const char *fmt, ...)
{
	va_list ap;
	int first;

	pthread_mutex_lock(&p->mu);
	first = !p->fatal;
	p->fatal = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (!first)
		return;
	fprintf(stderr, "%scchc %s: ", p->nl, p->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void batch_free(batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->ne; i++) {
		free(b->e[i].text);
		free(b->e[i].owned_code);
		free(b->e[i].message);
	}
	for (size_t i = 0; i < b->nrec; i++)
		records_free(b->recs[i]);
	free(b->e);
	free(b->recs);
	free(b->entry_of);
	free(b);
}

/* Adds an item to the batch, taking what it owns. Returns 0 or -1 (out of memory). */
static int batch_add(batch *b, records_item *it, size_t recbytes, const char *code,
                     const char *message)
{
	entry *e;

	if (b->ne == b->ecap) {
		size_t cap = b->ecap ? 2 * b->ecap : 64;
		entry *ne = realloc(b->e, cap * sizeof *ne);

		if (!ne)
			return -1;
		b->e = ne;
		b->ecap = cap;
	}
	if (!code && b->nrec == b->reccap) {
		size_t cap = b->reccap ? 2 * b->reccap : 64;
		Cchc__V1__Record **nr = realloc(b->recs, cap * sizeof *nr);
		long *eo = realloc(b->entry_of, cap * sizeof *eo);

		if (nr)
			b->recs = nr;
		if (eo)
			b->entry_of = eo;
		if (!nr || !eo)
			return -1;
		b->reccap = cap;
	}
	e = &b->e[b->ne];
	memset(e, 0, sizeof *e);
	if (code) {
		e->message = strdup(message);
		if (!e->message)
			return -1;
		e->idx = -1;
		e->code = code;
	}
	e->line = it->line;
	e->text = it->text;
	it->text = NULL;
	if (!code) {
		e->idx = (long)b->nrec;
		b->entry_of[b->nrec] = (long)b->ne;
		b->recs[b->nrec++] = it->record;
		it->record = NULL;
		b->bytes += recbytes;
	}
	b->ne++;
	return 0;
}

/* A rejection's text must stay on one line of FILE.rejects. */
static char *one_line(const char *s)
{
	char *d = strdup(s ? s : "");

	if (d)
		for (char *c = d; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
	return d;
}

/* Writes the rejected entries of every batch whose turn has come. Caller holds p->mu. */
static void flush_done(push *p)
{
	for (;;) {
		batch **pp = &p->done, *b;

		while (*pp && (*pp)->seq != p->next_flush)
			pp = &(*pp)->next;
		if (!*pp)
			return;
		b = *pp;
		*pp = b->next;
		p->accepted += b->accepted;
		p->duplicate += b->duplicate;
		for (size_t i = 0; i < b->ne; i++) {
			entry *e = &b->e[i];

			if (!e->code)
				continue;
			p->rejected++;
			if (!p->rejects && !p->rejects_failed) {
				p->rejects = fopen(p->rejects_path, "w");
				if (!p->rejects) {
					p->rejects_failed = 1;
					fprintf(stderr, "%scchc %s: cannot write %s: %s\n", p->nl,
					        p->cmd, p->rejects_path, strerror(errno));
				}
			}
			if (p->rejects)
				fprintf(p->rejects, "line %lu: %s: %s\n%s\n", e->line, e->code,
				        e->message ? e->message : "", e->text ? e->text : "");
		}
		batch_free(b);
		p->next_flush++;
		p->outstanding--;
		pthread_cond_broadcast(&p->cv);
	}
}

static const char *status_hint(Cchc__V1__SubmitStatus s)
{
	switch (s) {
	case CCHC__V1__SUBMIT_STATUS__BAD_SIGNATURE:
		return " (is the key file the private key of this source?)";
	case CCHC__V1__SUBMIT_STATUS__UNKNOWN_SOURCE:
		return " (is the source in the server's sources file? see `cchc source add`)";
	case CCHC__V1__SUBMIT_STATUS__STALE:
		return " (is this machine's clock right?)";
	case CCHC__V1__SUBMIT_STATUS__TOO_LARGE:
		return " (lower max_batch_records in cchc.conf to the server's limit)";
	default:
		return "";
	}
}

static const char *status_name(Cchc__V1__SubmitStatus s)
{
	const ProtobufCEnumValue *v =
	    protobuf_c_enum_descriptor_get_value(&cchc__v1__submit_status__descriptor, (int)s);

	return v ? v->name : "unknown status";
}

/* Takes the reply's per-record outcome into the batch. */
static int take_reply(push *p, batch *b, const Cchc__V1__SubmitReply *r)
{
	int warned = 0;

	b->accepted = r->accepted;
	b->duplicate = r->duplicate;
	for (size_t i = 0; i < r->n_rejections; i++) {
		const Cchc__V1__Rejection *rj = r->rejections[i];
		entry *e;

		if (!rj->has_index || rj->index >= b->nrec || b->e[b->entry_of[rj->index]].code) {
			if (!warned++)
				fprintf(stderr,
				        "%scchc %s: ingest named a record index that is not in the "
				        "batch (lines %lu-%lu); ignored\n",
				        p->nl, p->cmd, b->e[0].line, b->e[b->ne - 1].line);
			continue;
		}
		e = &b->e[b->entry_of[rj->index]];
		e->owned_code = one_line(rj->code && rj->code[0] ? rj->code : "rejected");
		e->message = one_line(rj->message);
		if (!e->owned_code || !e->message)
			return -1;
		e->code = e->owned_code;
	}
	if ((size_t)r->accepted + r->duplicate + r->n_rejections != b->nrec) {
		p->unaccounted = 1;
		fprintf(stderr,
		        "%scchc %s: ingest accounted for %zu of the %zu records of lines %lu-%lu\n",
		        p->nl, p->cmd, (size_t)r->accepted + r->duplicate + r->n_rejections,
		        b->nrec, b->e[0].line, b->e[b->ne - 1].line);
	}
	return 0;
}

/* Sleeps ms, waking early when another thread hit a fatal error. Returns 0, or -1 when fatal. */
static int pause_ms(push *p, unsigned ms)
{
	struct timespec ts;
	int fatal;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&p->mu);
	while (!p->fatal && pthread_cond_timedwait(&p->cv, &p->mu, &ts) != ETIMEDOUT)
		;
	fatal = p->fatal;
	pthread_mutex_unlock(&p->mu);
	return fatal ? -1 : 0;
}

/* Packs, signs and sends one batch until ingest acknowledges it. Returns 0, or -1 after a fatal
 * error (already reported). The batch is signed anew on every attempt so that a long outage never
 * makes it stale. */
static int send_batch(push *p, batch *b)
{
	unsigned delay = 0;
	long attempt = 0;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		Cchc__V1__Batch msg = CCHC__V1__BATCH__INIT;
		Cchc__V1__SubmitRequest sub = CCHC__V1__SUBMIT_REQUEST__INIT;
		Cchc__V1__IngestRequest req = CCHC__V1__INGEST_REQUEST__INIT;
		Cchc__V1__IngestReply *rep;
		uint8_t sig[AUTH_SIGNATURE_BYTES];
		uint8_t *bbuf = NULL, *rbuf = NULL, *reply = NULL;
		size_t blen, rlen, replylen;
		char err[512] = "";
		int rv, retry = 0;

		msg.has_sent_at_ms = 1;
		msg.sent_at_ms = now_ms(CLOCK_REALTIME);
		msg.n_records = b->nrec;
		msg.records = b->recs;
		if (wire_pack(&msg.base, &bbuf, &blen)) {
			fatalf(p, "out of memory");
			return -1;
		}
		auth_sign(bbuf, blen, p->cl.sk, sig);
		sub.source = p->cl.source;
		sub.has_batch = 1;
		sub.batch.data = bbuf;
		sub.batch.len = blen;
		sub.has_signature = 1;
		sub.signature.data = sig;
		sub.signature.len = sizeof sig;
		req.body_case = CCHC__V1__INGEST_REQUEST__BODY_SUBMIT;
		req.submit = &sub;
		rv = wire_pack(&req.base, &rbuf, &rlen);
		free(bbuf);
		if (rv) {
			fatalf(p, "out of memory");
			return -1;
		}
		rv = wire_call(p->wc, rbuf, rlen, &reply, &replylen, err, sizeof err);
		free(rbuf);
		if (rv) {
			retry = 1; /* err says what nng said */
		} else {
			rep = cchc__v1__ingest_reply__unpack(NULL, replylen, reply);
			free(reply);
			if (!rep || rep->body_case != CCHC__V1__INGEST_REPLY__BODY_SUBMIT) {
				if (rep)
					cchc__v1__ingest_reply__free_unpacked(rep, NULL);
				fatalf(p,
				       "lines %lu-%lu: %s did not answer with a SubmitReply (is it "
				       "cchc-ingest?)",
				       b->e[0].line, b->e[b->ne - 1].line,
				       p->cl.conf.ingest_listen);
				return -1;
			}
			Cchc__V1__SubmitReply *sr = rep->submit;
			Cchc__V1__SubmitStatus st =
			    sr->has_status ? sr->status
			                   : CCHC__V1__SUBMIT_STATUS__SUBMIT_STATUS_UNSPECIFIED;

			if (st == CCHC__V1__SUBMIT_STATUS__OK) {
				rv = take_reply(p, b, sr);
				cchc__v1__ingest_reply__free_unpacked(rep, NULL);
				if (!rv && ack_observer) {
					struct timespec t1;

					clock_gettime(CLOCK_MONOTONIC, &t1);
					ack_observer(ack_observer_arg, b->nrec, b->accepted,
					             b->duplicate,
					             (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 +
					                 (t1.tv_nsec - t0.tv_nsec));
				}
				if (rv) {
					fatalf(p, "out of memory");
					return -1;
				}
				return 0;
			}
			snprintf(err, sizeof err, "ingest answered %s: %s", status_name(st),
			         sr->error && sr->error[0] ? sr->error : "(no reason given)");
			if (st == CCHC__V1__SUBMIT_STATUS__UNAVAILABLE) {
				retry = 1;
			} else {
				fatalf(p, "lines %lu-%lu refused as a whole, nothing stored: %s%s",
				       b->e[0].line, b->e[b->ne - 1].line, err, status_hint(st));
				cchc__v1__ingest_reply__free_unpacked(rep, NULL);
				return -1;
			}
			cchc__v1__ingest_reply__free_unpacked(rep, NULL);
		}
		if (!retry)
			return 0;
		attempt++;
		if (p->max_retries >= 0 && attempt > p->max_retries) {
			fatalf(p, "lines %lu-%lu: giving up after %ld retries: %s", b->e[0].line,
			       b->e[b->ne - 1].line, p->max_retries, err);
			return -1;
		}
		delay = push_backoff_next(delay);
		if (p->deadline_ms && now_ms(CLOCK_MONOTONIC) + delay > p->deadline_ms) {
			fatalf(p, "lines %lu-%lu: giving up at the deadline: %s", b->e[0].line,
			       b->e[b->ne - 1].line, err);
			return -1;
		}
		if (attempt == 1 || delay == BACKOFF_MAX_MS)
			fprintf(stderr, "%scchc %s: lines %lu-%lu: %s; retrying in %u ms\n", p->nl,
			        p->cmd, b->e[0].line, b->e[b->ne - 1].line, err, delay);
		if (pause_ms(p, delay))
			return -1;
	}
}

static void *worker(void *arg)
{
	push *p = arg;

	for (;;) {
		batch *b;
		int rc = 0;

		pthread_mutex_lock(&p->mu);
		while (!p->qhead && !p->closing && !p->fatal)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->fatal || !p->qhead) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		b = p->qhead;
		p->qhead = b->next;
		if (!p->qhead)
			p->qtail = NULL;
		b->next = NULL;
		pthread_mutex_unlock(&p->mu);

		if (b->nrec)
			rc = send_batch(p, b);
		pthread_mutex_lock(&p->mu);
		if (rc) {
			/* never accounted: the summary counts only what ingest acknowledged */
			p->outstanding--;
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
			batch_free(b);
			continue;
		}
		p->sent_records += b->nrec;
		b->next = p->done;
		p->done = b;
		flush_done(p);
		pthread_mutex_unlock(&p->mu);
	}
}

typedef struct progress {
	int on;
	off_t size; /* 0 when unknown (a pipe) */
	int64_t last_ms;
} progress;

static void progress_show(push *p, progress *pg, const records_reader *rd, int force)
{
	int64_t t;
	unsigned long long acked;

	if (!pg->on)
		return;
	t = now_ms(CLOCK_MONOTONIC);
	if (!force && t - pg->last_ms < 200)
		return;
	pg->last_ms = t;
	pthread_mutex_lock(&p->mu);
	acked = p->accepted + p->duplicate + p->rejected;
	pthread_mutex_unlock(&p->mu);
	if (pg->size > 0) {
		double f = (double)records_reader_offset(rd) / (double)pg->size;
		int w = 30, fill = (int)(f * w + 0.5);

		if (fill > w)
			fill = w;
		fprintf(stderr, "\r[%.*s%*s] %3.0f%%  %llu records done\033[K", fill,
		        "##############################", w - fill, "", f * 100, acked);
	} else {
		fprintf(stderr, "\r%llu records done\033[K", acked);
	}
}

/* Waits until fewer than `limit` batches are outstanding (or fatal), keeping the progress bar
 * moving. Caller holds p->mu. */
static void wait_window(push *p, size_t limit, progress *pg, const records_reader *rd)
{
	while (p->outstanding > limit && !p->fatal) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
		pthread_mutex_unlock(&p->mu);
		progress_show(p, pg, rd, 0);
		pthread_mutex_lock(&p->mu);
	}
}

/* Hands a batch to the workers (or, when it holds no record, straight to accounting). */
static int dispatch(push *p, batch *b, progress *pg, const records_reader *rd)
{
	pthread_mutex_lock(&p->mu);
	wait_window(p, 2 * (size_t)p->jobs - 1, pg, rd);
	if (p->fatal) {
		pthread_mutex_unlock(&p->mu);
		batch_free(b);
		return -1;
	}
	b->seq = p->next_seq++;
	p->outstanding++;
	if (b->nrec == 0) {
		b->next = p->done;
		p->done = b;
		flush_done(p);
	} else {
		if (p->qtail)
			p->qtail->next = b;
		else
			p->qhead = b;
		p->qtail = b;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cchc push FILE|- [--format jsonl|csv] [--jobs N] [--batch-records N]\n"
	           "                 [--max-retries N] [--deadline SECONDS] [--no-progress]\n"
	           "                 [--config FILE] [--source NAME] [--key-file FILE]\n"
	           "Sends JSONL or CSV records to cchc-ingest; rejected lines go to FILE.rejects.\n"
	           "Exit status: 0 all stored, 1 some rejected, 2 fatal error.\n");
}

enum {
	OPT_FORMAT = CLIENT_OPT_FIRST_FREE,
	OPT_JOBS,
	OPT_BATCH,
	OPT_RETRIES,
	OPT_DEADLINE,
	OPT_NO_PROGRESS
};

/* Reads the input and feeds the workers. Returns 0, or -1 on a fatal error (reported). */
static int read_input(push *p, records_reader *rd, const char *input, unsigned batch_records,
                      size_t budget, progress *pg)
{
	batch *cur = NULL;
	records_item it;
	char err[512];
	int rc;

	while ((rc = records_reader_next(rd, &it, err, sizeof err)) == 1) {
		size_t recbytes = 0;
		const char *code = NULL;
		char msg[320];

		if (it.record) {
			size_t sz = cchc__v1__record__get_packed_size(it.record);

			recbytes = sz + 6; /* field tag and length of the repeated field */
			if (recbytes > budget) {
				code = "too_large";
				snprintf(
				    msg, sizeof msg,
				    "the record takes %zu bytes, more than a batch may carry (%zu "
				    "with max_message_bytes %zu)",
				    sz, budget, p->cl.conf.max_message_bytes);
			}
		} else {
			code = "bad_field";
			snprintf(msg, sizeof msg, "%s", it.error);
		}
		if (cur &&
		    ((!code && (cur->nrec >= batch_records || cur->bytes + recbytes > budget)) ||
		     cur->ne >= 4 * (size_t)batch_records)) {
			if (dispatch(p, cur, pg, rd)) {
				cur = NULL;
				records_item_clear(&it);
				return -1;
			}
			cur = NULL;
		}
		if (!cur && !(cur = calloc(1, sizeof *cur))) {
			records_item_clear(&it);
			fatalf(p, "out of memory");
			return -1;
		}
		if (batch_add(cur, &it, recbytes, code, code ? msg : NULL)) {
			records_item_clear(&it);
			batch_free(cur);
			fatalf(p, "out of memory");
			return -1;
		}
		records_item_clear(&it);
		progress_show(p, pg, rd, 0);
	}
	if (rc < 0) {
		batch_free(cur);
		fatalf(p, "%s: %s", strcmp(input, "-") ? input : "stdin", err);
		return -1;
	}
	if (cur && dispatch(p, cur, pg, rd))
		return -1;
	return 0;
}

int cmd_push(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"jobs", required_argument, NULL, OPT_JOBS},
	    {"batch-records", required_argument, NULL, OPT_BATCH},
	    {"max-retries", required_argument, NULL, OPT_RETRIES},
	    {"deadline", required_argument, NULL, OPT_DEADLINE},
	    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	records_format fmt = RECORDS_AUTO;
	unsigned long long jobs = 16, batch_records = 0, v;
	long max_retries = -1;
	unsigned long long deadline_s = 0;
	int no_progress = 0, opt, status;
	const char *input;
	FILE *in = NULL;
	records_reader *rd = NULL;
	pthread_t threads[MAX_JOBS];
	unsigned started = 0;
	progress pg = {0};
	char err[512];
	push *p;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_FORMAT:
			if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
				fmt = RECORDS_JSONL;
			else if (!strcmp(optarg, "csv"))
				fmt = RECORDS_CSV;
			else {
				fprintf(stderr, "cchc push: --format: '%s' is not jsonl or csv\n",
				        optarg);
				return 2;
			}
			break;
		case OPT_JOBS:
			if (client_parse_uint("push", "--jobs", optarg, MAX_JOBS, &jobs) || !jobs) {
				fprintf(stderr, "cchc push: --jobs must be 1 to %d\n", MAX_JOBS);
				return 2;
			}
			break;
		case OPT_BATCH:
			if (client_parse_uint("push", "--batch-records", optarg, 1000000,
			                      &batch_records) ||
			    !batch_records)
				return 2;
			break;
		case OPT_RETRIES:
			if (client_parse_uint("push", "--max-retries", optarg, 1000000000, &v))
				return 2;
			max_retries = (long)v;
			break;
		case OPT_DEADLINE:
			if (client_parse_uint("push", "--deadline", optarg, 100000000,
			                      &deadline_s) ||
			    !deadline_s)
				return 2;
			break;
		case OPT_NO_PROGRESS:
			no_progress = 1;
			break;
		default:
			return client_usage_exit(opt, usage);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	input = argv[optind];

	p = calloc(1, sizeof *p);
	if (!p) {
		fprintf(stderr, "cchc push: out of memory\n");
		return 2;
	}
	p->cmd = "push";
	p->nl = "";
	p->jobs = (unsigned)jobs;
	p->max_retries = max_retries;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	push_rejects_path(input, p->rejects_path, sizeof p->rejects_path);
	status = client_setup("push", &co, 1, &p->cl);
	if (status)
		goto out;
	status = 2;
	if (!batch_records || batch_records > p->cl.conf.max_batch_records)
		batch_records = p->cl.conf.max_batch_records ? p->cl.conf.max_batch_records : 1000;

	if (!strcmp(input, "-")) {
		in = stdin;
	} else if (!(in = fopen(input, "r"))) {
		fprintf(stderr, "cchc push: %s: %s\n", input, strerror(errno));
		goto out;
	}
	if (records_reader_open(in, strcmp(input, "-") ? input : NULL, fmt, &rd, err, sizeof err)) {
		fprintf(stderr, "cchc push: %s: %s\n", input, err);
		goto out;
	}
	{
		unsigned timeout = p->cl.conf.request_timeout_ms;

		if (deadline_s) {
			p->deadline_ms = now_ms(CLOCK_MONOTONIC) + (int64_t)deadline_s * 1000;
			if (timeout > deadline_s * 1000)
				timeout = (unsigned)(deadline_s * 1000);
		}
		int rv = wire_client_open(p->cl.conf.ingest_listen, p->cl.conf.max_message_bytes,
		                          timeout, &p->wc, err, sizeof err);
		if (rv) {
			fprintf(stderr, "cchc push: %s\n", err);
			goto out;
		}
	}
	if (!no_progress && isatty(STDERR_FILENO)) {
		struct stat st;

		pg.on = 1;
		p->nl = "\r\033[K";
		if (in != stdin && !fstat(fileno(in), &st) && S_ISREG(st.st_mode))
			pg.size = st.st_size;
	}
	for (; started < p->jobs; started++) {
		int e = pthread_create(&threads[started], NULL, worker, p);

		if (e) {
			fatalf(p, "starting a sender thread: %s", strerror(e));
			break;
		}
	}
	if (started == p->jobs)
		read_input(p, rd, input, (unsigned)batch_records,
		           push_batch_budget(p->cl.conf.max_message_bytes), &pg);

	pthread_mutex_lock(&p->mu);
	p->closing = 1;
	pthread_cond_broadcast(&p->cv);
	wait_window(p, 0, &pg, rd);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	progress_show(p, &pg, rd, 1);
	if (pg.on)
		fprintf(stderr, "\r\033[K");

	/* Batches never sent (after a fatal error) are freed here, unaccounted. */
	while (p->qhead) {
		batch *b = p->qhead;

		p->qhead = b->next;
		batch_free(b);
	}
	while (p->done) {
		batch *b = p->done;

		p->done = b->next;
		batch_free(b);
	}
	if (p->rejects && fclose(p->rejects)) {
		fprintf(stderr, "cchc push: writing %s: %s\n", p->rejects_path, strerror(errno));
		p->rejects_failed = 1;
	}
	p->rejects = NULL;
	if (!p->rejected && !p->fatal && unlink(p->rejects_path) && errno != ENOENT)
		fprintf(stderr, "cchc push: removing the stale %s: %s\n", p->rejects_path,
		        strerror(errno));
	printf("accepted %llu, duplicate %llu, rejected %llu\n", p->accepted, p->duplicate,
	       p->rejected);
	fflush(stdout);
	if (p->rejected && !p->rejects_failed)
		fprintf(stderr, "cchc push: the rejected lines and why are in %s\n",
		        p->rejects_path);
	if (p->fatal || p->rejects_failed)
		status = 2;
	else
		status = p->rejected || p->unaccounted ? 1 : 0;
out:
	records_reader_close(rd);
	if (in && in != stdin)
		fclose(in);
	wire_client_close(p->wc);
	client_cleanup(&p->cl);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return status;
}
