/* ops.c - nsearch-cli's status, stats, problems and wait: what the daemon
 * and its index are doing, for a person, and an exit status a script can
 * trust, decided from the parsed reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/errors.h"
#include "cli/print.h"
#include "core/proto_client.h"
#include "core/proto_queries.h"
#include "core/proto_replica.h"

char *nscli_status_request(nscli_run_t *run, char **args, unsigned nargs)
{
	return ns_proto_status_request(1);
}

static void print_status(const ns_daemon_status_t *st)
{
	printf("ready:     %s\n"
	       "documents: %llu\n"
	       "revision:  %llu\n",
	       st->ready ? "yes"
	       : !st->writable ? "no (the index cannot be written: see index)"
	       : st->root_gone ? "no (the articles directory is gone)"
	                       : "no (still indexing the tree)",
	       (unsigned long long)st->documents,
	       (unsigned long long)st->revision);
	/* The counters, from their list in nsearch/status.h. */
#define PRINT_COUNTER(name, label, help) \
	printf("%-11s%llu%s%s\n", label ":", (unsigned long long)st->name, \
	       *help ? " " : "", help);
	NS_STATUS_COUNTERS(PRINT_COUNTER)
#undef PRINT_COUNTER
}

/* The index's health: read-only (why, since when), rebuilt, retried
 * reads; nothing when all is well. */
static void print_health(const ns_daemon_status_t *st)
{
	char when[40], next[40];
	if (!st->writable) {
		nscli_utc_ms(st->index_error_since, when, sizeof when);
		nscli_utc_ms(st->index_next_retry, next, sizeof next);
		printf("index:     READ-ONLY since %s: %s\n"
		       "           searches answer from the last commit; %u "
		       "attempts to write, the next at %s; %llu changes to apply "
		       "again\n", when, st->index_error, st->index_retries, next,
		       (unsigned long long)st->unwritten);
	}
	if (st->rebuilds) {
		nscli_utc_ms(st->rebuilt_at, when, sizeof when);
		printf("rebuilt:   %llu damaged index%s moved aside; the last at "
		       "%s to %s: %s\n", (unsigned long long)st->rebuilds,
		       st->rebuilds == 1 ? "" : "es", when, st->rebuild_moved_to,
		       st->rebuild_reason);
	}
	if (st->read_retries)
		printf("retrying:  %llu files whose read failed for a passing "
		       "reason (nsearch-cli problems)\n",
		       (unsigned long long)st->read_retries);
}

/* A replica has no tree and no writer: its copy and its primary, the
 * first lines of its status. */
static void print_replica(const ns_daemon_status_t *st,
                          const ns_replication_status_t *r)
{
	char why[600];
	bool ready = ns_replica_status_ready(r, why, sizeof why);
	printf("replica of: %s, %s", r->address,
	       r->connected ? "reachable\n" : "UNREACHABLE");
	if (!r->connected)
		printf(" for %.0f s: %s\n", r->unreachable_s, r->error);
	printf("ready:     %s%s%s\n"
	       "documents: %llu\n"
	       "revision:  %llu\n"
	       "behind:    at most %.1f s (the last round began then; %llu "
	       "revisions behind as it began)\n"
	       "rounds:    %llu since start, %llu failed, %llu whole copies\n",
	       ready ? "yes" : "no (", ready ? "" : why, ready ? "" : ")",
	       (unsigned long long)st->documents,
	       (unsigned long long)st->revision, r->behind_s,
	       (unsigned long long)r->behind_revisions,
	       (unsigned long long)r->rounds, (unsigned long long)r->failures,
	       (unsigned long long)r->full_copies);
}

/* What the service issue added to status: time, clients, latency, the
 * newest problems and maintenance (from the reply LINE); a REPLICA has
 * no commits or reconciliation of its own to tell. */
static void print_status_more(const ns_daemon_status_t *st, const char *line,
                              size_t len, bool replica)
{
	char when[40];
	nscli_utc_ms(st->last_commit, when, sizeof when);
	unsigned long long up = (unsigned long long)st->uptime_s;
	printf("uptime:    %llud %02lluh %02llum %02llus\n", up / 86400,
	       up / 3600 % 24, up / 60 % 60, up % 60);
	if (!replica)
		printf("last commit: %s\n", when);
	print_health(st);
	if (st->root_gone) {
		nscli_utc_ms(st->root_gone_since, when, sizeof when);
		printf("articles directory: GONE since %s (%s); searches "
		       "answer from the index as it was\n", when, st->root_reason);
	}
	if (!replica && (st->ready || !st->writable || st->root_gone))
		printf("reconciled: %llu files at start, in %.1f s\n",
		       (unsigned long long)st->scanned, st->reconcile_s);
	else if (!replica)
		printf("reconciling: %llu of %llu files left (%.0f s so far)\n",
		       (unsigned long long)st->queued,
		       (unsigned long long)st->scanned, st->reconcile_s);
	printf("connections: %u\n", st->connections);
	if (st->searches)
		printf("latency:   p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (last %llu "
		       "of %llu searches)\n", st->latency_p50_ms,
		       st->latency_p95_ms, st->latency_p99_ms,
		       st->searches < 1000 ? (unsigned long long)st->searches
		                           : 1000ull,
		       (unsigned long long)st->searches);
	else
		printf("latency:   no search yet\n");
	ns_problem_t *v = NULL;
	size_t n = 0;
	uint64_t total;
	if (ns_proto_parse_problems(line, len, &v, &n, &total) && n) {
		printf("newest problems:\n");
		for (size_t i = 0; i < n; i++)
			printf("  %-8s %s: %s\n", v[i].partial ? "partial" : "skipped",
			       v[i].path ? v[i].path : "?",
			       v[i].reason ? v[i].reason : "?");
	}
	ns_problems_list_free(v, n);
	if (st->op[0])
		printf("operation: %s%s%s, %s, %llu of %llu done\n", st->op,
		       st->op_target[0] ? " " : "", st->op_target,
		       st->op_running ? "running" : "queued",
		       (unsigned long long)st->op_done,
		       (unsigned long long)st->op_total);
	if (st->last_op[0]) {
		nscli_utc_ms(st->last_op_finished, when, sizeof when);
		printf("last operation: %s %s at %s: %s\n", st->last_op,
		       st->last_op_ok ? "done" : "FAILED", when,
		       st->last_op_message);
	}
}

int nscli_status_reply(const nscli_run_t *run, const char *line, size_t len)
{
	ns_daemon_status_t st = {0};
	if (!ns_proto_parse_reply(line, len, NULL, &st, NULL, NULL))
		return nscli_bad_reply("a status");
	ns_replication_status_t rep;
	bool replica = ns_proto_parse_replication(line, len, &rep) &&
	               rep.role == NS_REPL_REPLICA;
	if (!run->json) {
		if (replica)
			print_replica(&st, &rep);
		else
			print_status(&st);
		if (rep.role == NS_REPL_PRIMARY)
			printf("replicas:  served on %s (xapian-replicate-server %s, "
			       "%llu restarts); the last %u commits' changesets "
			       "kept\n", rep.address, rep.serving ? "running" : "DOWN",
			       (unsigned long long)rep.restarts, rep.changesets);
		print_status_more(&st, line, len, replica);
	}
	/* Not ready: reconciling, the index read-only, the articles
	 * directory gone; a script waits, or alerts. */
	return st.ready ? NSCLI_EXIT_OK : NSCLI_EXIT_NONE;
}

char *nscli_stats_request(nscli_run_t *run, char **args, unsigned nargs)
{
	if (run->queries)
		return ns_proto_queries_request(1, run->limit < NS_PROTO_MAX_QUERIES
		                                   ? run->limit : NS_PROTO_MAX_QUERIES);
	return ns_proto_stats_request(1);
}

/* The queries of one list, TITLE first; their text made safe for a
 * terminal (they are what anyone typed). */
static void print_queries(const char *title, ns_query_stat_t *v, size_t n,
                          bool zero)
{
	printf("%s%s%s\n", nscli_style.bold, title, nscli_style.reset);
	if (!n)
		printf("  none\n");
	for (size_t i = 0; i < n; i++) {
		char when[40];
		nscli_defang(v[i].query, false, false);
		nscli_utc_ms(v[i].last, when, sizeof when);
		printf("%6llu  %s  %s(", (unsigned long long)(zero ? v[i].zero
		                                                   : v[i].count),
		       v[i].query, nscli_style.dim);
		if (!zero)
			printf("last %llu hits, ", (unsigned long long)v[i].last_hits);
		printf("%s)%s\n", when, nscli_style.reset);
	}
}

static int queries_reply(const nscli_run_t *run, const char *line, size_t len)
{
	ns_query_report_t r;
	if (!ns_proto_parse_queries(line, len, &r))
		return nscli_bad_reply("queries");
	if (!run->json) {
		char since[40];
		nscli_utc_ms(r.since, since, sizeof since);
		printf("%llu searches since %s (query log: %s)\n",
		       (unsigned long long)r.searches, r.since ? since : "start",
		       r.logging);
		print_queries("most asked", r.top, r.ntop, false);
		print_queries("found nothing", r.zero, r.nzero, true);
		if (r.not_counted)
			printf("%llu searches not counted (over 1000 different "
			       "queries in an hour)\n",
			       (unsigned long long)r.not_counted);
	}
	ns_query_report_clear(&r);
	return NSCLI_EXIT_OK;
}

static void print_stats(const ns_stats_t *st)
{
	char when[40], size[32];
	nscli_utc_ms(st->last_commit * 1000, when, sizeof when);
	nscli_size(st->index_bytes, size, sizeof size);
	printf("%-12s %llu (revision %llu)\n", "documents",
	       (unsigned long long)st->documents,
	       (unsigned long long)st->revision);
	printf("%-12s %s\n", "index size", size);
	printf("%-12s %s\n", "last change", when);
	nscli_print_counts("sections    ", st->sections, st->nsections);
	nscli_print_counts("languages   ", st->langs, st->nlangs);
	nscli_print_counts("years       ", st->years, st->nyears);
}

int nscli_stats_reply(const nscli_run_t *run, const char *line, size_t len)
{
	if (run->queries)
		return queries_reply(run, line, len);
	ns_stats_t st;
	if (!ns_proto_parse_stats(line, len, &st)) {
		ns_stats_clear(&st);
		return nscli_bad_reply("stats");
	}
	if (!run->json) {
		nscli_defang_values(st.sections, st.nsections);
		nscli_defang_values(st.langs, st.nlangs);
		nscli_defang_values(st.years, st.nyears);
		print_stats(&st);
	}
	ns_stats_clear(&st);
	return NSCLI_EXIT_OK;
}

char *nscli_problems_request(nscli_run_t *run, char **args, unsigned nargs)
{
	return ns_proto_problems_request(1, run->limit ? run->limit : 100,
	                                 run->offset);
}

int nscli_problems_reply(const nscli_run_t *run, const char *line,
                         size_t len)
{
	ns_problem_t *v = NULL;
	size_t n = 0;
	uint64_t total = 0;
	if (!ns_proto_parse_problems(line, len, &v, &n, &total))
		return nscli_bad_reply("a problems list");
	if (run->json)
		n = 0;
	else if (!total)
		printf("no problems: every file is indexed in full\n");
	else if (n < total)
		printf("%llu files not indexed in full; the newest %zu:\n",
		       (unsigned long long)total, n);
	else
		printf("%llu file%s not indexed in full:\n",
		       (unsigned long long)total, total == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		nscli_defang(v[i].path, false, false);
		nscli_defang(v[i].reason, false, false);
		printf("%-8s %s\n         %s\n", v[i].partial ? "partial" : "skipped",
		       v[i].path, v[i].reason);
	}
	ns_problems_list_free(v, n);
	return NSCLI_EXIT_OK;
}

char *nscli_wait_request(nscli_run_t *run, char **args, unsigned nargs)
{
	return ns_proto_wait_request(1, nargs ? args[0] : NULL, 60000);
}

int nscli_wait_reply(const nscli_run_t *run, const char *line, size_t len)
{
	ns_wait_result_t w;
	if (!ns_proto_parse_wait(line, len, &w))
		return nscli_bad_reply("the end of a wait");
	const char *what = !w.state[0] ? "every change so far is searchable"
	                 : strcmp(w.state, "removed") == 0
	                 ? "removed: no such file under the articles "
	                   "directory now (deleted, or never there; the "
	                   "path is relative to it)"
	                 : w.state;
	if (!run->json) {
		nscli_defang(w.reason, false, false);
		printf("%s%s%s (revision %llu)\n", what, w.reason[0] ? ": " : "",
		       w.reason, (unsigned long long)w.revision);
	}
	return ns_wait_searchable(&w) ? NSCLI_EXIT_OK : NSCLI_EXIT_NONE;
}
