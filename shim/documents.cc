// documents.cc - the documents of the index: building one (terms,
// values, stored data) for the writer, replacing, changing and deleting
// them, and listing what the index holds.  Knows no article fields: the
// caller says which text goes under which prefix.

#include "nsx_impl.hh"
#include "policy.hh"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

using nsx::guard;

namespace {

Xapian::Stem make_stem(const char *language)
{
	if (!language || !*language || std::strcmp(language, "none") == 0)
		return Xapian::Stem();
	return Xapian::Stem(language);
}

// The boolean term PREFIX + lowercase(VALUE) into *TERM; false when it is
// longer than Xapian takes.
bool boolean_term(const char *prefix, const char *value, std::string *term)
{
	*term = prefix + Xapian::Unicode::tolower(value);
	return term->size() <= NSX_MAX_TERM;
}

} // namespace

extern "C" {

nsx_status_t nsx_boolean_term(const char *prefix, const char *value,
                              char **out)
{
	if (!prefix || !value || !*value || !out)
		return NSX_INVALID;
	return guard(nullptr, [&] {
		std::string term;
		if (!boolean_term(prefix, value, &term))
			return NSX_INVALID;
		char *p = nsx::dup_string(term);
		if (!p)
			return NSX_NO_MEMORY;
		*out = p;
		return NSX_OK;
	});
}

int nsx_stemmer_exists(const char *language)
{
	if (!language || !*language)
		return 0;
	return guard(nullptr, [&] {
		Xapian::Stem s(language);
		return NSX_OK;
	}) == NSX_OK;
}

/* ---- building a document ---------------------------------------------- */

nsx_status_t nsx_doc_new(const char *language, nsx_doc_t **out)
{
	if (!out)
		return NSX_INVALID;
	return guard(nullptr, [&] {
		std::unique_ptr<nsx_doc_t> d(new nsx_doc);
		nsx::set_up_indexing(d->tg, make_stem(language));
		d->tg.set_document(d->doc);
		*out = d.release();
		return NSX_OK;
	});
}

void nsx_doc_free(nsx_doc_t *doc)
{
	delete doc;
}

nsx_status_t nsx_doc_index_text(nsx_doc_t *doc, const char *text, size_t len,
                                unsigned wdf_inc, const char *prefix)
{
	if (!doc || (!text && len))
		return NSX_INVALID;
	return guard(nullptr, [&] {
		if (doc->has_text)
			doc->tg.increase_termpos();
		// Initials in any case make one word, as a query's do.
		doc->tg.index_text(
		        nsx::fold_initials(std::string(text ? text : "", len)),
		        wdf_inc, prefix ? prefix : "");
		doc->has_text = true;
		doc->text_bytes += len;
		return NSX_OK;
	});
}

size_t nsx_doc_text_bytes(const nsx_doc_t *doc)
{
	return doc ? doc->text_bytes : 0;
}

nsx_status_t nsx_doc_add_boolean(nsx_doc_t *doc, const char *prefix,
                                 const char *value)
{
	if (!doc || !prefix || !value || !*value)
		return NSX_INVALID;
	return guard(nullptr, [&] {
		std::string term;
		if (!boolean_term(prefix, value, &term))
			return NSX_INVALID;
		doc->doc.add_boolean_term(term);
		return NSX_OK;
	});
}

nsx_status_t nsx_doc_set_value(nsx_doc_t *doc, unsigned slot,
                               const char *bytes, size_t len)
{
	if (!doc || (!bytes && len))
		return NSX_INVALID;
	return guard(nullptr, [&] {
		doc->doc.add_value(slot, std::string(bytes ? bytes : "", len));
		return NSX_OK;
	});
}

nsx_status_t nsx_doc_set_data(nsx_doc_t *doc, const char *bytes, size_t len)
{
	if (!doc || (!bytes && len))
		return NSX_INVALID;
	return guard(nullptr, [&] {
		doc->doc.set_data(std::string(bytes ? bytes : "", len));
		return NSX_OK;
	});
}

/* ---- the writer's documents -------------------------------------------- */

nsx_status_t nsx_writer_replace(nsx_writer_t *w, const char *idterm,
                                nsx_doc_t *doc)
{
	if (!w || !idterm || !*idterm || !doc || std::strlen(idterm) > NSX_MAX_TERM)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		doc->doc.add_boolean_term(idterm);
		w->db.replace_document(idterm, doc->doc);
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_delete(nsx_writer_t *w, const char *idterm,
                               int *existed)
{
	if (!w || !idterm || !*idterm)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		bool had = w->db.term_exists(idterm);
		if (had)
			w->db.delete_document(idterm);
		if (existed)
			*existed = had;
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_each_term(nsx_writer_t *w, const char *prefix,
                                  void (*each)(const char *term, void *ctx),
                                  void *ctx)
{
	if (!w || !prefix || !each)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		for (auto t = w->db.allterms_begin(prefix);
		     t != w->db.allterms_end(prefix); ++t)
			each((*t).c_str(), ctx);
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_each_value(nsx_writer_t *w, unsigned slot,
                                   void (*each)(const char *value, size_t len,
                                                void *ctx),
                                   void *ctx)
{
	if (!w || !each)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		for (auto v = w->db.valuestream_begin(slot);
		     v != w->db.valuestream_end(slot); ++v) {
			const std::string &s = *v;
			each(s.data(), s.size(), ctx);
		}
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_set_value(nsx_writer_t *w, const char *idterm,
                                  unsigned slot, const char *value,
                                  size_t len)
{
	if (!w || !idterm || !*idterm || (!value && len))
		return NSX_INVALID;
	return guard(&w->error, [&] {
		auto p = w->db.postlist_begin(idterm);
		if (p == w->db.postlist_end(idterm))
			return NSX_NOT_FOUND;
		Xapian::docid id = *p;
		Xapian::Document doc = w->db.get_document(id);
		doc.add_value(slot, std::string(value ? value : "", len));
		w->db.replace_document(id, doc);
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_delete_prefix(nsx_writer_t *w, const char *prefix,
                                      unsigned *deleted)
{
	if (!w || !prefix || !*prefix)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		std::vector<std::string> doomed;
		for (auto t = w->db.allterms_begin(prefix);
		     t != w->db.allterms_end(prefix); ++t)
			doomed.push_back(*t);
		for (const auto &t : doomed)
			w->db.delete_document(t);
		if (deleted)
			*deleted = static_cast<unsigned>(doomed.size());
		return NSX_OK;
	});
}

/* ---- a reader's documents ---------------------------------------------- */

nsx_status_t nsx_reader_get(nsx_reader_t *r, const char *idterm,
                            char **data, size_t *len)
{
	if (!r || !idterm || !*idterm || !data || !len)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		auto p = r->db.postlist_begin(idterm);
		if (p == r->db.postlist_end(idterm))
			return NSX_NOT_FOUND;
		std::string d = r->db.get_document(*p).get_data();
		char *out = nsx::dup_string(d);
		if (!out)
			return NSX_NO_MEMORY;
		*data = out;
		*len = d.size();
		return NSX_OK;
	});
}

nsx_status_t nsx_reader_each_term(nsx_reader_t *r, const char *prefix,
                                  void (*each)(const char *term,
                                               uint64_t docs, void *ctx),
                                  void *ctx)
{
	if (!r || !prefix || !each)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		for (auto t = r->db.allterms_begin(prefix);
		     t != r->db.allterms_end(prefix); ++t)
			each((*t).c_str(), t.get_termfreq(), ctx);
		return NSX_OK;
	});
}

} // extern "C"
