/* stored.c - a document's stored data: its fields' JSON and its body
 * apart (stored.h).  Never touches the index: docbuild.c and query.c
 * hand the bytes over. */
#include "daemon/stored.h"

#include <stdlib.h>
#include <string.h>

ns_status_t ns_stored_make(const ns_article_t *a, const char *relpath,
                           char **out, size_t *len)
{
	json_t *o = ns_article_json(a, relpath);
	if (!o)
		return NS_ERR_NOMEM;
	json_object_del(o, "body");
	char *fields = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!fields)
		return NS_ERR_NOMEM;
	/* JSON escapes every NUL: the first one is the separator. */
	size_t flen = strlen(fields), blen = strlen(a->body);
	char *data = malloc(flen + 1 + blen + 1);
	if (!data) {
		free(fields);
		return NS_ERR_NOMEM;
	}
	memcpy(data, fields, flen + 1);
	memcpy(data + flen + 1, a->body, blen + 1);
	free(fields);
	*out = data;
	*len = flen + 1 + blen;
	return NS_OK;
}

ns_status_t ns_stored_read(const char *data, size_t len, ns_stored_t *out)
{
	memset(out, 0, sizeof *out);
	const char *nul = data ? memchr(data, '\0', len) : NULL;
	size_t flen = nul ? (size_t)(nul - data) : len;
	json_t *o = data ? json_loadb(data, flen, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return NS_ERR_INDEX; /* not our layout: report, don't guess */
	}
	out->fields = o;
	if (nul) {
		/* Never past the data, even when the body is empty. */
		out->body_len = len - flen - 1;
		out->body = out->body_len ? nul + 1 : "";
		return NS_OK;
	}
	/* Layout 4 and before: the body is one of the fields. */
	json_t *body = json_object_get(o, "body");
	out->body = json_is_string(body) ? json_string_value(body) : "";
	out->body_len = json_is_string(body) ? json_string_length(body) : 0;
	return NS_OK;
}

void ns_stored_clear(ns_stored_t *s)
{
	if (!s)
		return;
	json_decref(s->fields);
	memset(s, 0, sizeof *s);
}
