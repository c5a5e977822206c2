/* proto_paths.c - the "paths" request on the wire (proto_paths.h): its
 * decoder, called by ns_proto_decode, and the client's encoder. */
#include "core/proto_paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool refuse(ns_proto_err_t *err, const char *message)
{
	err->code = NS_E_BAD_REQUEST;
	snprintf(err->message, sizeof err->message, "%s", message);
	return false;
}

bool ns_proto_decode_paths(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (strcmp(key, "id") && strcmp(key, "op") &&
		    strcmp(key, "prefix") && strcmp(key, "limit"))
			return refuse(err, "unknown field: \"paths\" takes \"prefix\" "
			              "and \"limit\"");
	}
	json_t *prefix = json_object_get(o, "prefix");
	const char *p = prefix ? json_string_value(prefix) : "";
	if (!p || (prefix && strlen(p) != json_string_length(prefix)) ||
	    strlen(p) > NS_PROTO_MAX_PREFIX || p[0] == '/')
		return refuse(err, "\"prefix\" must be the beginning of a path "
		              "relative to the articles root");
	json_t *limit = json_object_get(o, "limit");
	json_int_t n = limit ? json_integer_value(limit) : NS_PROTO_DEFAULT_PATHS;
	if (limit && (!json_is_integer(limit) || n < 1 || n > NS_PROTO_MAX_PATHS))
		return refuse(err, "\"limit\" must be an integer between 1 and 1000");
	req->limit = (unsigned)n;
	if (!(req->path = strdup(p))) {
		err->code = NS_E_INTERNAL;
		snprintf(err->message, sizeof err->message, "out of memory");
		return false;
	}
	return true;
}

char *ns_proto_paths_request(long long id, const char *prefix,
                             unsigned limit)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "op",
	                      "paths", "prefix", prefix ? prefix : "", "limit",
	                      (json_int_t)(limit ? limit : NS_PROTO_DEFAULT_PATHS));
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL, *line = NULL;
	json_decref(o);
	if (s && asprintf(&line, "%s\n", s) < 0)
		line = NULL;
	free(s);
	return line;
}
