/* proto_suggest.c - the "suggest" request on the wire (proto_suggest.h):
 * its decoder (one of proto_request.c's table), its reply, and the
 * client's encoder and parser.  No state. */
#include "core/proto_suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/proto_impl.h"

bool ns_proto_decode_suggest(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
		if (strcmp(key, "id") && strcmp(key, "op") &&
		    strcmp(key, "q") && strcmp(key, "limit") &&
		    strcmp(key, "lang"))
			return ns_proto_fail(
			        err, NS_E_BAD_REQUEST,
			        "unknown field: "
			        "\"suggest\" takes \"q\", \"limit\" and "
			        "\"lang\"");
	json_t *q = json_object_get(o, "q");
	if (!json_is_string(q) ||
	    strlen(json_string_value(q)) != json_string_length(q) ||
	    json_string_length(q) > NS_PROTO_MAX_SUGGEST_Q)
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"q\" must be what has been "
		                     "typed: a string of at most 1000 bytes");
	json_t *limit = json_object_get(o, "limit");
	json_int_t n =
	        limit ? json_integer_value(limit) : NS_PROTO_DEFAULT_SUGGEST;
	if (limit &&
	    (!json_is_integer(limit) || n < 1 || n > NS_PROTO_MAX_SUGGEST))
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"limit\" must be an "
		                     "integer between 1 and 20");
	req->limit = (unsigned)n;
	if (!ns_proto_decode_lang(o, &req->lang, err))
		return false;
	if (!(req->q = strdup(json_string_value(q))))
		return ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
	return true;
}

/* ---- the reply ---- */

static json_t *words_json(const ns_completions_t *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->nwords; i++) {
		json_t *w =
		        json_pack("{s:s, s:s, s:I}", "text", c->words[i].text,
		                  "word", c->words[i].word, "count",
		                  (json_int_t)c->words[i].count);
		if (!w || json_array_append_new(a, w) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *titles_json(const ns_completions_t *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->ntitles; i++) {
		json_t *t = json_pack("{s:s, s:s}", "title", c->titles[i].title,
		                      "path", c->titles[i].path);
		if (!t || json_array_append_new(a, t) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

char *ns_proto_suggest_reply(json_t *id, const ns_completions_t *c)
{
	return ns_proto_line(json_pack(
	        "{s:O, s:b, s:I, s:f, s:o, s:o}", "id", id ? id : json_null(),
	        "ok", 1, "revision", (json_int_t)c->revision, "took_ms",
	        c->took_ms, "completions", words_json(c), "titles",
	        titles_json(c)));
}

/* ---- the client's side ---- */

char *ns_proto_suggest_request(long long id, const char *q, unsigned limit)
{
	return ns_proto_line(json_pack(
	        "{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "op", "suggest",
	        "q", OR_EMPTY(q), "limit",
	        (json_int_t)(limit ? limit : NS_PROTO_DEFAULT_SUGGEST)));
}

void ns_completions_clear(ns_completions_t *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nwords; i++) {
		free(c->words[i].word);
		free(c->words[i].text);
	}
	for (size_t i = 0; i < c->ntitles; i++) {
		free(c->titles[i].title);
		free(c->titles[i].path);
	}
	free(c->words);
	free(c->titles);
	memset(c, 0, sizeof *c);
}

static bool parse_words(json_t *a, ns_completions_t *out)
{
	size_t i;
	json_t *w;
	if (!json_is_array(a) ||
	    !(out->words = calloc(json_array_size(a) + 1, sizeof *out->words)))
		return false;
	json_array_foreach(a, i, w) {
		const char *text =
		        json_string_value(json_object_get(w, "text"));
		const char *word =
		        json_string_value(json_object_get(w, "word"));
		json_int_t n = json_integer_value(json_object_get(w, "count"));
		if (!text || !word)
			return false;
		ns_completion_t *c = &out->words[out->nwords++];
		c->count = n > 0 ? (uint64_t)n : 0;
		if (!(c->text = strdup(text)) || !(c->word = strdup(word)))
			return false;
	}
	return true;
}

static bool parse_titles(json_t *a, ns_completions_t *out)
{
	size_t i;
	json_t *t;
	if (!json_is_array(a) || !(out->titles = calloc(json_array_size(a) + 1,
	                                                sizeof *out->titles)))
		return false;
	json_array_foreach(a, i, t) {
		const char *title =
		        json_string_value(json_object_get(t, "title"));
		const char *path =
		        json_string_value(json_object_get(t, "path"));
		if (!title || !path)
			return false;
		ns_title_t *x = &out->titles[out->ntitles++];
		if (!(x->title = strdup(title)) || !(x->path = strdup(path)))
			return false;
	}
	return true;
}

bool ns_proto_parse_suggest(const char *line, size_t len, ns_completions_t *out)
{
	memset(out, 0, sizeof *out);
	json_t *o = json_loadb(line, len, 0, NULL);
	bool ok = json_is_true(json_object_get(o, "ok")) &&
	          parse_words(json_object_get(o, "completions"), out) &&
	          parse_titles(json_object_get(o, "titles"), out);
	if (ok) {
		json_int_t rev =
		        json_integer_value(json_object_get(o, "revision"));
		out->revision = rev > 0 ? (uint64_t)rev : 0;
		out->took_ms = json_number_value(json_object_get(o, "took_ms"));
	} else {
		ns_completions_clear(out);
	}
	json_decref(o);
	return ok;
}
