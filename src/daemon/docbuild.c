/* docbuild.c - an article as a Xapian document: its terms, values and
 * stored data, laid out as schema.h says.  Pure: it never touches the
 * index, the writer's state or the disk, so any thread may call it. */
#include "daemon/index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "daemon/fields_index.h"
#include "daemon/schema.h"
#include "daemon/stored.h"

ns_status_t ns_index_idterm(const char *relpath, char *buf, size_t size)
{
	size_t need = strlen(NS_PREFIX_ID) + strlen(relpath);
	if (!*relpath || need > NSX_MAX_TERM || need + 1 > size)
		return NS_ERR_TOO_LARGE;
	snprintf(buf, size, "%s%s", NS_PREFIX_ID, relpath);
	return NS_OK;
}

static nsx_status_t add_date_terms(nsx_doc_t *doc, const char *date,
                                   const char *time)
{
	/* date is "YYYY-MM-DD"; terms and the slot use "YYYYMMDD". */
	char ymd[9] = {date[0], date[1], date[2], date[3], date[5], date[6],
	               date[8], date[9], '\0'};
	char part[9], when[13];
	snprintf(when, sizeof when, "%s%.2s%.2s", ymd, time[0] ? time : "00",
	         time[0] ? time + 3 : "00");
	nsx_status_t st = nsx_doc_set_value(doc, NS_SLOT_DATE, ymd, 8);
	if (st == NSX_OK)
		st = nsx_doc_set_value(doc, NS_SLOT_DATETIME, when, 12);
	snprintf(part, sizeof part, "%.4s", ymd);
	if (st == NSX_OK)
		st = nsx_doc_add_boolean(doc, NS_PREFIX_YEAR, part);
	snprintf(part, sizeof part, "%.6s", ymd);
	if (st == NSX_OK)
		st = nsx_doc_add_boolean(doc, NS_PREFIX_MONTH, part);
	if (st == NSX_OK)
		st = nsx_doc_add_boolean(doc, NS_PREFIX_DAY, ymd);
	return st;
}

static nsx_status_t set_list_value(nsx_doc_t *doc, unsigned slot,
                                   const ns_strv_t *values)
{
	ns_buf_t b = {0};
	ns_status_t st = ns_buf_append(&b, "", 0);
	for (size_t i = 0; st == NS_OK && i < values->n; i++) {
		if (i)
			st = ns_buf_append(&b, (char[]){NSX_LIST_SEP}, 1);
		if (st == NS_OK)
			st = ns_buf_append(&b, values->v[i], strlen(values->v[i]));
	}
	nsx_status_t xst = st == NS_OK ? nsx_doc_set_value(doc, slot, b.data, b.len)
	                               : NSX_NO_MEMORY;
	ns_buf_free(&b);
	return xst;
}

/* The values facets count and duplicates collapse on. */
static nsx_status_t add_facet_values(nsx_doc_t *doc, const ns_article_t *a)
{
	nsx_status_t st = set_list_value(doc, NS_SLOT_TAGS, &a->tags);
	if (st == NSX_OK)
		st = set_list_value(doc, NS_SLOT_AUTHORS, &a->authors);
	if (st == NSX_OK && a->section[0])
		st = nsx_doc_set_value(doc, NS_SLOT_SECTION, a->section,
		                       strlen(a->section));
	if (st == NSX_OK && a->language[0])
		st = nsx_doc_set_value(doc, NS_SLOT_LANG, a->language,
		                       strlen(a->language));
	if (st == NSX_OK) {
		/* Title, standfirst and body, each seeding the next. */
		uint64_t hash = XXH3_64bits(a->title, strlen(a->title));
		hash = XXH3_64bits_withSeed(a->standfirst, strlen(a->standfirst),
		                            hash);
		hash = XXH3_64bits_withSeed(a->body, strlen(a->body), hash);
		char hex[17];
		snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
		st = nsx_doc_set_value(doc, NS_SLOT_CONTENT, hex, 16);
	}
	return st;
}

ns_status_t ns_index_build_doc(const ns_article_t *a, const char *relpath,
                               nsx_doc_t **out)
{
	if (!a || !relpath || !out)
		return NS_ERR_INVALID;
	nsx_doc_t *doc = NULL;
	nsx_status_t st = nsx_doc_new(a->language, &doc);
	if (st == NSX_INVALID) /* no stemmer for this language: index as is */
		st = nsx_doc_new("none", &doc);
	if (st != NSX_OK)
		return st == NSX_NO_MEMORY ? NS_ERR_NOMEM : NS_ERR_INDEX;

	st = nsx_doc_index_text(doc, a->title, strlen(a->title),
	                        NS_WDF_TITLE, NULL);
	if (st == NSX_OK)
		st = nsx_doc_index_text(doc, a->title, strlen(a->title), 1,
		                        NS_PREFIX_TITLE);
	if (st == NSX_OK)
		st = nsx_doc_index_text(doc, a->standfirst, strlen(a->standfirst),
		                        NS_WDF_STANDFIRST, NULL);
	if (st == NSX_OK)
		st = nsx_doc_index_text(doc, a->body, strlen(a->body),
		                        NS_WDF_BODY, NULL);
	for (size_t i = 0; st == NSX_OK && i < a->authors.n; i++) {
		/* A reporter's name finds the articles with it in the byline,
		 * as plain words (weighing as a body mention) and as author:. */
		const char *name = a->authors.v[i];
		st = nsx_doc_index_text(doc, name, strlen(name), 1, NULL);
		if (st == NSX_OK)
			st = nsx_doc_index_text(doc, name, strlen(name), 1,
			                        NS_PREFIX_AUTHOR);
		/* A name too long for one term is still searchable as words. */
		if (st == NSX_OK &&
		    nsx_doc_add_boolean(doc, NS_PREFIX_AUTHOR_EXACT, name) == NSX_NO_MEMORY)
			st = NSX_NO_MEMORY;
	}
	for (size_t i = 0; st == NSX_OK && i < a->tags.n; i++)
		if (nsx_doc_add_boolean(doc, NS_PREFIX_TAG, a->tags.v[i]) == NSX_NO_MEMORY)
			st = NSX_NO_MEMORY;
	if (st == NSX_OK && a->section[0] &&
	    nsx_doc_add_boolean(doc, NS_PREFIX_SECTION, a->section) == NSX_NO_MEMORY)
		st = NSX_NO_MEMORY;
	if (st == NSX_OK)
		st = nsx_doc_add_boolean(doc, NS_PREFIX_LANG, a->language);
	if (st == NSX_OK && a->date[0])
		st = add_date_terms(doc, a->date, a->time);
	if (st == NSX_OK)
		st = add_facet_values(doc, a);
	if (st == NSX_OK)
		st = ns_fields_index_doc(doc, a);

	/* The stored data: what a hit shows, and the text snippets are cut
	 * from (stored.h). */
	char *data = NULL;
	size_t len = 0;
	if (st == NSX_OK)
		st = ns_stored_make(a, relpath, &data, &len) == NS_OK
		     ? nsx_doc_set_data(doc, data, len) : NSX_NO_MEMORY;
	free(data);
	if (st != NSX_OK) {
		nsx_doc_free(doc);
		return st == NSX_NO_MEMORY ? NS_ERR_NOMEM : NS_ERR_INDEX;
	}
	*out = doc;
	return NS_OK;
}
