/* proto_client.c - the client's readings of wait and maintenance replies
 * (proto_client.h).  Reads only; never builds a reply. */
#include "core/proto_client.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* O, if it is an {"ok":true} reply; else NULL (and O is freed). */
static json_t *ok_reply(const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	if (json_is_object(o) && json_is_true(json_object_get(o, "ok")))
		return o;
	json_decref(o);
	return NULL;
}

static void copy_field(json_t *o, const char *key, char *out, size_t size)
{
	const char *v = json_string_value(json_object_get(o, key));
	snprintf(out, size, "%s", v ? v : "");
}

static uint64_t revision_of(json_t *o)
{
	json_int_t v = json_integer_value(json_object_get(o, "revision"));
	return v > 0 ? (uint64_t)v : 0;
}

bool ns_wait_searchable(const ns_wait_result_t *w)
{
	return !w->state[0] || strcmp(w->state, "indexed") == 0 ||
	       strcmp(w->state, "partial") == 0;
}

bool ns_proto_parse_wait(const char *line, size_t len, ns_wait_result_t *out)
{
	memset(out, 0, sizeof *out);
	json_t *o = ok_reply(line, len);
	if (!o)
		return false;
	copy_field(o, "state", out->state, sizeof out->state);
	copy_field(o, "reason", out->reason, sizeof out->reason);
	out->revision = revision_of(o);
	json_decref(o);
	return true;
}

bool ns_proto_parse_maint(const char *line, size_t len,
                          ns_maint_result_t *out)
{
	memset(out, 0, sizeof *out);
	json_t *o = ok_reply(line, len);
	bool ok = o && json_is_string(json_object_get(o, "op"));
	if (ok) {
		copy_field(o, "op", out->op, sizeof out->op);
		copy_field(o, "message", out->message, sizeof out->message);
		out->revision = revision_of(o);
	}
	json_decref(o);
	return ok;
}
