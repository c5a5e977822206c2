/* proto_queries.h - the "queries" request: what people searched for (the
 * most asked queries of the last day, and those that found nothing), from
 * the daemon's query log.  Its decoder, its reply, and the client's side. */
#ifndef NS_PROTO_QUERIES_H
#define NS_PROTO_QUERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/proto.h"

#define NS_PROTO_DEFAULT_QUERIES 10   /* queries per list */
#define NS_PROTO_MAX_QUERIES 100

/* One query as the log counted it over the last day. */
typedef struct {
	char *query;          /* as typed, blanks collapsed */
	uint64_t count;       /* searches for it */
	uint64_t zero;        /* of which found nothing */
	uint64_t last_hits;   /* what the last one found */
	int64_t last;         /* Unix ms of the last one */
	double max_ms;        /* the slowest, queueing included */
} ns_query_stat_t;

typedef struct {
	char logging[16];     /* [log] queries: off, zero, slow, sampled, all */
	int64_t since;        /* Unix ms the counts start from */
	uint64_t searches;    /* counted since then */
	uint64_t not_counted; /* searches for a query past the table's room */
	ns_query_stat_t *top; /* the most asked first */
	size_t ntop;
	ns_query_stat_t *zero; /* those that found nothing, the most asked
	                          first */
	size_t nzero;
} ns_query_report_t;

/* Frees what R owns and zeroes it.  Accepts NULL. */
void ns_query_report_clear(ns_query_report_t *r);

/* {"op":"queries","limit":N} (O, its "op" already read) into REQ:
 * REQ->limit.  False with *ERR (BAD_REQUEST) for an unknown field or a
 * limit out of range. */
bool ns_proto_decode_queries(json_t *o, ns_request_t *req,
                             ns_proto_err_t *err);

/* The reply, at index REVISION: a new line ending in "\n", NULL when out
 * of memory.  ID borrowed. */
char *ns_proto_queries_reply(json_t *id, uint64_t revision,
                             const ns_query_report_t *r);

/* The client's side: the request line (new; LIMIT 0: the default), and
 * the reply's report into *OUT (ns_query_report_clear); false when LINE
 * is not one. */
char *ns_proto_queries_request(long long id, unsigned limit);
bool ns_proto_parse_queries(const char *line, size_t len,
                            ns_query_report_t *out);

#endif
