/* proto_replica.c - the wire's side of replication (proto_replica.h):
 * the "replication" object of a status reply and the lag every search
 * reply of a replica carries ("min_revision" is proto_request.c's).
 * Pure functions over jansson; no I/O. */
#include "core/proto_replica.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ns_replica_status_ready(const ns_replication_status_t *rep, char *why,
                             size_t size)
{
	if (rep->synced && rep->behind_s <= (double)rep->max_lag_s)
		return true;
	if (!why)
		return false;
	if (!rep->synced)
		snprintf(why, size, "no copy of the primary's index yet "
		         "(following %s%s%.300s)", rep->address,
		         rep->error[0] ? ": " : "", rep->error);
	else
		snprintf(why, size, "%.0f s behind the primary at %s, over "
		         "[replica] max_lag (%u s)%s%.300s", rep->behind_s,
		         rep->address, rep->max_lag_s, rep->connected ? "" : ": ",
		         rep->connected ? "" : rep->error);
	return false;
}

/* A count of seconds to the millisecond: more digits are noise. */
static json_t *seconds(double s)
{
	return json_real((double)(long long)(s * 1000.0 + 0.5) / 1000.0);
}

static json_t *primary_json(const ns_replication_status_t *st)
{
	return json_pack("{s:s, s:s, s:b, s:i, s:I}", "role", "primary",
	                 "listen", st->address, "serving", st->serving,
	                 "changesets", (int)st->changesets,
	                 "restarts", (json_int_t)st->restarts);
}

static json_t *replica_json(const ns_replication_status_t *st)
{
	json_t *o = json_pack(
		"{s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:o, s:i, s:o, s:I, s:I, "
		"s:I, s:o}",
		"role", "replica", "primary", st->address, "synced", st->synced,
		"connected", st->connected, "revision", (json_int_t)st->revision,
		"documents", (json_int_t)st->documents,
		"behind_revisions", (json_int_t)st->behind_revisions,
		"behind_s", seconds(st->behind_s), "max_lag_s", (int)st->max_lag_s,
		"unreachable_s", st->connected ? json_null()
		                               : seconds(st->unreachable_s),
		"rounds", (json_int_t)st->rounds,
		"failures", (json_int_t)st->failures,
		"full_copies", (json_int_t)st->full_copies,
		"error", st->error[0] ? json_string(st->error) : json_null());
	return o;
}

json_t *ns_proto_replication_json(const ns_replication_status_t *st)
{
	if (!st || st->role == NS_REPL_NONE)
		return NULL;
	return st->role == NS_REPL_PRIMARY ? primary_json(st) : replica_json(st);
}

char *ns_proto_splice(char *line, const char *key, json_t *value)
{
	char *v = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY |
	                                    JSON_REAL_PRECISION(9))
	                : NULL;
	json_decref(value);
	char *out = NULL;
	if (!line || line[0] != '{' || !v ||
	    asprintf(&out, "{\"%s\":%s%s%s", key, v, line[1] == '}' ? "" : ",",
	             line + 1) < 0) {
		free(v);
		return line;
	}
	free(v);
	free(line);
	return out;
}

char *ns_proto_search_meta(char *line, bool ready,
                           const ns_replication_status_t *rep)
{
	if (rep && rep->role == NS_REPL_REPLICA)
		line = ns_proto_splice(line, "replica", json_pack(
			"{s:s, s:b, s:I, s:o}", "primary", rep->address,
			"connected", rep->connected,
			"behind_revisions", (json_int_t)rep->behind_revisions,
			"behind_s", seconds(rep->behind_s)));
	return ns_proto_splice(line, "ready", json_boolean(ready));
}

static uint64_t u64_of(json_t *o, const char *key)
{
	json_int_t n = json_integer_value(json_object_get(o, key));
	return n > 0 ? (uint64_t)n : 0;
}

static void read_replica(json_t *o, ns_replication_status_t *out)
{
	out->synced = json_is_true(json_object_get(o, "synced"));
	out->connected = json_is_true(json_object_get(o, "connected"));
	out->revision = u64_of(o, "revision");
	out->documents = u64_of(o, "documents");
	out->behind_revisions = u64_of(o, "behind_revisions");
	out->behind_s = json_number_value(json_object_get(o, "behind_s"));
	out->max_lag_s = (unsigned)u64_of(o, "max_lag_s");
	out->unreachable_s = json_number_value(json_object_get(o,
	                                                       "unreachable_s"));
	out->rounds = u64_of(o, "rounds");
	out->failures = u64_of(o, "failures");
	out->full_copies = u64_of(o, "full_copies");
	const char *e = json_string_value(json_object_get(o, "error"));
	snprintf(out->error, sizeof out->error, "%s", e ? e : "");
}

bool ns_proto_parse_replication(const char *line, size_t len,
                                ns_replication_status_t *out)
{
	memset(out, 0, sizeof *out);
	json_t *root = json_loadb(line, len, 0, NULL);
	json_t *o = json_object_get(root, "replication");
	const char *role = json_string_value(json_object_get(o, "role"));
	bool primary = role && strcmp(role, "primary") == 0;
	bool replica = role && strcmp(role, "replica") == 0;
	if (primary || replica) {
		out->role = primary ? NS_REPL_PRIMARY : NS_REPL_REPLICA;
		const char *a = json_string_value(json_object_get(
			o, primary ? "listen" : "primary"));
		snprintf(out->address, sizeof out->address, "%s", a ? a : "");
		out->serving = json_is_true(json_object_get(o, "serving"));
		out->changesets = (unsigned)u64_of(o, "changesets");
		out->restarts = u64_of(o, "restarts");
		if (replica)
			read_replica(o, out);
	}
	json_decref(root);
	return primary || replica;
}
