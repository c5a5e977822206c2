// compact.cc - whole databases at a path, with no handle open on them:
// checking one (fully or quickly) and writing a compacted copy (a backup,
// the swap of a compaction, or the merge of a bulk load's shards).  Never
// writes to the databases it reads.

#include "nsx_impl.hh"

#include <string>

namespace {

// Reports each table as Xapian starts it ("") and finishes it (a summary).
class ProgressCompactor : public Xapian::Compactor {
public:
	ProgressCompactor(nsx_progress_fn fn, void *ctx) : fn_(fn), ctx_(ctx) {}
	void set_status(const std::string &table,
	                const std::string &status) override
	{
		if (fn_)
			fn_(ctx_, table.c_str(), status.c_str());
	}

private:
	nsx_progress_fn fn_;
	void *ctx_;
};

// Read document ID of DB from every table: its data, values, the
// positions and postings of its first term.  Throws what Xapian throws
// for a table it cannot read; nothing for a document deleted.
void read_through(const Xapian::Database &db, Xapian::docid id)
{
	Xapian::Document doc;
	try {
		doc = db.get_document(id);
	} catch (const Xapian::DocNotFoundError &) {
		return; // the last one was deleted
	}
	(void)doc.get_data();
	for (auto v = doc.values_begin(); v != doc.values_end(); ++v)
		(void)*v;
	auto t = doc.termlist_begin();
	if (t == doc.termlist_end())
		return;
	for (auto p = db.positionlist_begin(id, *t);
	     p != db.positionlist_end(id, *t); ++p)
		(void)*p;
	auto pl = db.postlist_begin(*t);
	if (pl != db.postlist_end(*t))
		(void)pl.get_wdf();
}

// The copy at DEST goes on from revision SEEN: after the commit this
// makes its revision is Xapian's plus the base, one more than SEEN.
void continue_after(const char *dest, uint64_t seen)
{
	Xapian::WritableDatabase out(dest, Xapian::DB_OPEN);
	uint64_t next = out.get_revision() + 1;
	uint64_t base = seen + 1 > next ? seen + 1 - next : 0;
	out.set_metadata(nsx::revision_base_key, std::to_string(base));
	out.commit();
	out.close();
}

} // namespace

extern "C" {

nsx_status_t nsx_check(const char *path, char **errmsg)
{
	return nsx::guard_errmsg(errmsg, path != nullptr, [&](std::string &msg) {
		// Opening first tells a missing database from a damaged one.
		{
			Xapian::Database db(path);
		}
		// Without an output stream Xapian throws at the first fault;
		// a count of faults is returned only when it can go on.
		size_t faults = Xapian::Database::check(path, 0, nullptr);
		if (faults) {
			msg = std::to_string(faults) + " faults in the tables";
			return NSX_CORRUPT;
		}
		return NSX_OK;
	});
}

nsx_status_t nsx_open_check(const char *path, char **errmsg)
{
	return nsx::guard_errmsg(errmsg, path != nullptr, [&](std::string &) {
		Xapian::Database db(path);
		(void)db.get_metadata(nsx::revision_base_key);
		auto first = db.postlist_begin("");
		if (first == db.postlist_end(""))
			return NSX_OK;
		read_through(db, *first);
		read_through(db, db.get_lastdocid());
		return NSX_OK;
	});
}

nsx_status_t nsx_compact(const char *src, const char *dest,
                         nsx_progress_fn progress, void *ctx, char **errmsg)
{
	return nsx::guard_errmsg(errmsg, src && dest, [&](std::string &) {
		Xapian::Database db(src);
		uint64_t seen = nsx::revision_of(db);
		ProgressCompactor compactor(progress, ctx);
		// Document ids are kept: nothing depends on them, but a copy
		// that matches its source is easier to reason about.
		db.compact(dest, Xapian::DBCOMPACT_NO_RENUMBER, 0, compactor);
		continue_after(dest, seen);
		return NSX_OK;
	});
}

nsx_status_t nsx_compact_merge(const char *const *srcs, size_t n,
                               const char *dest, uint64_t after,
                               nsx_progress_fn progress, void *ctx,
                               char **errmsg)
{
	return nsx::guard_errmsg(errmsg, srcs && n && dest, [&](std::string &) {
		Xapian::Database db;
		for (size_t i = 0; i < n; i++)
			db.add_database(Xapian::Database(srcs[i]));
		uint64_t seen = nsx::revision_of(Xapian::Database(srcs[0]));
		if (after > seen)
			seen = after;
		ProgressCompactor compactor(progress, ctx);
		// The shards' document ids overlap: renumbered, one source
		// after the other (nothing depends on them).
		db.compact(dest, 0, 0, compactor);
		continue_after(dest, seen);
		return NSX_OK;
	});
}

} // extern "C"
