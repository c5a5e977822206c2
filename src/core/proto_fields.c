/* proto_fields.c - what both sides of the protocol share: the wire's
 * names of the operations, sort orders and match modes, and the helper
 * that turns JSON into a line.  No request is decoded and no reply is
 * built here. */
#include "core/proto.h"
#include "core/proto_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ns_proto_op_name(ns_op_t op)
{
	static const char *const names[] = {
#define OP_NAME(NAME, wire) [NS_OP_##NAME] = wire,
		NS_OPS(OP_NAME)
#undef OP_NAME
	};
	return (unsigned)op < sizeof names / sizeof *names && names[op]
	       ? names[op] : "?";
}

const char *const ns_proto_sort_names[] = {
	[NS_SORT_RELEVANCE] = "relevance", [NS_SORT_NEWEST] = "newest",
	[NS_SORT_OLDEST] = "oldest", [NS_SORT_OLDEST + 1] = NULL,
};

const char *const ns_proto_match_names[] = {
	[NS_MATCH_AUTO] = "auto", [NS_MATCH_ALL] = "all",
	[NS_MATCH_ANY] = "any", [NS_MATCH_ANY + 1] = NULL,
};

char *ns_proto_line(json_t *o)
{
	if (!o)
		return NULL;
	char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9));
	json_decref(o);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

bool ns_proto_has_filter(const ns_filter_t *f)
{
	return f->sections.n || f->tags.n || f->authors.n || f->langs.n ||
	       f->date_from[0] || f->date_to[0] || f->nfields;
}

bool ns_proto_fail(ns_proto_err_t *err, const char *code, const char *fmt, ...)
{
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return false;
}
