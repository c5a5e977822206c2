/* complete.c - the "suggest" request answered on a reader (complete.h):
 * the shim's completions turned into the protocol's.  Reads the index
 * through the shim only; never writes it. */
#include "daemon/complete.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/schema.h"
#include "daemon/stored.h"

/* The title and path of stored DATA (LEN bytes) into *T. */
static ns_status_t title_of(const char *data, size_t len, ns_title_t *t)
{
	ns_stored_t sd;
	if (ns_stored_read(data, len, &sd) != NS_OK)
		return NS_ERR_INDEX; /* not our layout: report, don't guess */
	const char *title =
	        json_string_value(json_object_get(sd.fields, "title"));
	const char *path =
	        json_string_value(json_object_get(sd.fields, "path"));
	ns_status_t st = NS_OK;
	if (!(t->title = strdup(title ? title : "")) ||
	    !(t->path = strdup(path ? path : "")))
		st = NS_ERR_NOMEM;
	ns_stored_clear(&sd);
	return st;
}

/* XC's words and titles into OUT. */
static nsx_status_t convert(const nsx_completions_t *xc, ns_completions_t *out)
{
	size_t nw = nsx_completions_words(xc), nt = nsx_completions_titles(xc);
	if (!(out->words = calloc(nw + 1, sizeof *out->words)) ||
	    !(out->titles = calloc(nt + 1, sizeof *out->titles)))
		return NSX_NO_MEMORY;
	for (size_t i = 0; i < nw; i++) {
		const char *text = NULL;
		uint64_t docs = 0;
		const char *word = nsx_completions_word(xc, i, &text, &docs);
		ns_completion_t *c = &out->words[out->nwords++];
		c->count = docs;
		if (!(c->word = strdup(word)) || !(c->text = strdup(text)))
			return NSX_NO_MEMORY;
	}
	for (size_t i = 0; i < nt; i++) {
		const char *data;
		size_t len;
		if (nsx_completions_title(xc, i, &data, &len) != NSX_OK)
			return NSX_INTERNAL;
		ns_status_t st =
		        title_of(data, len, &out->titles[out->ntitles++]);
		if (st != NS_OK)
			return st == NS_ERR_NOMEM ? NSX_NO_MEMORY : NSX_CORRUPT;
	}
	return NSX_OK;
}

nsx_status_t ns_complete(nsx_reader_t *r, const char *q, const char *lang,
                         unsigned limit, double deadline, ns_completions_t *out)
{
	memset(out, 0, sizeof *out);
	nsx_complete_t req = {
		.query = q,
		.language = lang,
		.words = limit,
		.titles = limit,
		.title_prefix = NS_PREFIX_TITLE,
		.collapse_slot = NS_SLOT_CONTENT,
		.deadline = deadline,
	};
	nsx_completions_t *xc = NULL;
	nsx_status_t st = nsx_reader_complete(r, &req, &xc);
	if (st == NSX_OK)
		st = convert(xc, out);
	nsx_completions_free(xc);
	if (st != NSX_OK)
		ns_completions_clear(out);
	else
		out->revision = nsx_reader_revision(r);
	return st;
}
