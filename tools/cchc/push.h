/* push: `cchc push FILE|-`, records to cchc-ingest in signed batches, retried until acknowledged.
 * The pure pieces are here so tests can reach them without sockets. */
#ifndef CCHC_PUSH_H
#define CCHC_PUSH_H

#include <stddef.h>
#include <stdint.h>

/* Where the rejected lines of `input` go: "INPUT.rejects", or "stdin.rejects" for "-". */
void push_rejects_path(const char *input, char *out, size_t len);

/* The wait after a failed attempt that waited `ms` (0 for the first): 100 ms doubling to 5 s. */
unsigned push_backoff_next(unsigned ms);

/* How many packed record bytes one batch may carry when no message may exceed max_message_bytes:
 * half of it, leaving room for the envelope (source, signature, framing) and for mistakes. */
size_t push_batch_budget(size_t max_message_bytes);

/* For `cchc bench`: called from a sender thread once per acknowledged batch with its record
 * count, ingest's counts and the nanoseconds from its first send to its acknowledgement. Set it
 * before cmd_push and clear it (NULL) after; none by default. */
typedef void (*push_ack_observer)(void *arg, size_t records, unsigned accepted, unsigned duplicate,
                                  int64_t latency_ns);
void push_observe_acks(push_ack_observer fn, void *arg);

#endif
