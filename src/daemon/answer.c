/* answer.c - read requests run on the searcher and written as a reply
 * (answer.h).  Knows neither connections nor HTTP: both protocols call
 * it from their worker. */
#include "daemon/answer.h"

#include "daemon/paths.h"

#include <stdlib.h>

ns_status_t ns_answer(ns_searcher_t *s, const ns_request_t *r,
                      const ns_asker_t *who, char **reply, bool *found,
                      char **err)
{
	ns_result_t *res = NULL;
	ns_hit_t article = {0};
	ns_stats_t stats = {0};
	uint64_t revision = 0;
	ns_status_t st;
	*reply = NULL;
	if (found)
		*found = false;
	switch (r->op) {
	case NS_OP_GET:
		st = ns_searcher_get(s, r->path, &article, &revision, err);
		if (st == NS_OK)
			*reply = ns_proto_get_reply(r->id, revision, &article,
			                            r->fields);
		break;
	case NS_OP_STATS:
		st = ns_searcher_stats(s, &stats, err);
		if (st == NS_OK)
			*reply = ns_proto_stats_reply(r->id, &stats);
		break;
	case NS_OP_PATHS:
		st = ns_paths_reply(s, r, reply, err);
		break;
	case NS_OP_SUGGEST: {
		ns_completions_t c;
		st = ns_searcher_complete(s, r->q, r->lang, r->limit, &c, err);
		if (st == NS_OK) {
			*reply = ns_proto_suggest_reply(r->id, &c);
			ns_completions_clear(&c);
		}
		break;
	}
	default: {
		ns_search_req_t sreq = ns_search_req_of(r);
		st = ns_searcher_search(s, &sreq, &res, err);
		if (st == NS_OK)
			*reply = ns_proto_search_reply(r->id, res, r->fields);
		if (found)
			*found = *reply != NULL;
		break;
	}
	}
	ns_querylog_search(who->log, r, res, ns_monotonic_us() - who->start_us,
	                   who->protocol, who->conn);
	ns_result_free(res);
	ns_hit_clear(&article);
	ns_stats_clear(&stats);
	return st;
}
