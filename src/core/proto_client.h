/* proto_client.h - readings of the replies only a client needs that
 * proto.h has no parser for: a finished wait, a finished maintenance
 * operation.  Implemented in proto_client.c. */
#ifndef NS_PROTO_CLIENT_H
#define NS_PROTO_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A finished "wait" (docs/protocol.md). */
typedef struct {
	char state[16];        /* "indexed", "partial", "skipped", "removed";
	                          "" for a wait without a path */
	char reason[512];      /* why skipped or partial; "" when none */
	uint64_t revision;
} ns_wait_result_t;

/* Is the file of a finished wait searchable now (indexed, in full or in
 * part), or was the wait for every change (no state)? */
bool ns_wait_searchable(const ns_wait_result_t *w);

/* The {"ok":true} reply of a wait, LINE (LEN bytes), into *OUT; false
 * when it is not one. */
bool ns_proto_parse_wait(const char *line, size_t len, ns_wait_result_t *out);

/* A finished reindex, compact or backup. */
typedef struct {
	char op[16];           /* "reindex", "compact", "backup" */
	char message[1024];    /* what it did, in words */
	uint64_t revision;
} ns_maint_result_t;

/* The {"ok":true} reply of a maintenance operation into *OUT; false when
 * LINE is not one. */
bool ns_proto_parse_maint(const char *line, size_t len,
                          ns_maint_result_t *out);

#endif
