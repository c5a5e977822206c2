// shard_split.cc - whole databases at a path cut into shards and shards
// merged back into one (docs/operations.md, "Shards").  Reads its
// sources only; writes only new databases at paths that hold none.

#include "nsx_impl.hh"

#include <memory>
#include <string>
#include <vector>

namespace {

// The first term of DOC starting with PREFIX, or "".
std::string idterm_of(const Xapian::Document &doc, const std::string &prefix)
{
	auto t = doc.termlist_begin();
	t.skip_to(prefix);
	if (t != doc.termlist_end() &&
	    (*t).compare(0, prefix.size(), prefix) == 0)
		return *t;
	return std::string();
}

// Refuse a destination that already holds a database: a split or a
// merge never writes over one.
void must_be_new(const std::string &dest)
{
	try {
		Xapian::Database there(dest);
	} catch (const Xapian::DatabaseOpeningError &) {
		return;
	}
	throw nsx::Refused(NSX_INVALID, dest + " already holds a database");
}

// What every shard of SRC carries besides its documents: the spelling
// table and the metadata (but the revision base: a shard starts its own).
void copy_tables(const Xapian::Database &src, Xapian::WritableDatabase &out)
{
	for (auto w = src.spellings_begin(); w != src.spellings_end(); ++w)
		out.add_spelling(*w, w.get_termfreq());
	for (auto k = src.metadata_keys_begin(); k != src.metadata_keys_end();
	     ++k)
		if (*k != nsx::revision_base_key)
			out.set_metadata(*k, src.get_metadata(*k));
}

} // namespace

extern "C" {

nsx_status_t nsx_split(const char *src, const char *const *dests, size_t n,
                       const char *id_prefix,
                       unsigned (*shard_of)(const char *idterm, void *ctx),
                       void *ctx, char **errmsg)
{
	bool ok = src && dests && n >= 2 && n <= 64 && id_prefix && shard_of;
	for (size_t i = 0; ok && i < n; i++)
		ok = dests[i] && *dests[i];
	return nsx::guard_errmsg(errmsg, ok, [&](std::string &) {
		Xapian::Database in(src);
		for (size_t i = 0; i < n; i++)
			must_be_new(dests[i]);
		std::vector<Xapian::WritableDatabase> out;
		for (size_t i = 0; i < n; i++) {
			out.emplace_back(dests[i], Xapian::DB_CREATE);
			copy_tables(in, out.back());
		}
		for (auto p = in.postlist_begin(""); p != in.postlist_end("");
		     ++p) {
			Xapian::Document doc = in.get_document(*p);
			std::string id = idterm_of(doc, id_prefix);
			size_t to =
			        id.empty() ? 0 : shard_of(id.c_str(), ctx) % n;
			if (id.empty())
				out[to].add_document(doc);
			else
				out[to].replace_document(id, doc);
		}
		for (auto &w : out)
			w.close(); // commits
		return NSX_OK;
	});
}

nsx_status_t nsx_merge(const char *const *srcs, size_t n, const char *dest,
                       char **errmsg)
{
	bool ok = srcs && n && dest && *dest;
	for (size_t i = 0; ok && i < n; i++)
		ok = srcs[i] && *srcs[i];
	return nsx::guard_errmsg(errmsg, ok, [&](std::string &) {
		Xapian::Database all;
		for (size_t i = 0; i < n; i++)
			all.add_database(Xapian::Database(srcs[i]));
		must_be_new(dest);
		// Compaction renumbers the documents of each source after the
		// last: ids of shards overlap, the merged ones do not.
		all.compact(dest, Xapian::DBCOMPACT_MULTIPASS |
		                          Xapian::Compactor::FULLER);
		return NSX_OK;
	});
}

} // extern "C"
