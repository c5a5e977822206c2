// extra.cc - databases every reader searches beside the index for a while:
// the writer's bulk shards during a bulk load, each committed on its own
// thread.  Owns the list and its generation; opens readers only, never
// writes to a database.
//
// For the lead: the readers follow the list through two calls in
// handles.cc (nsx::follow_extra() at the top of nsx::reopen(), and
// nsx::extra_revision() in nsx::revision_of() for a reader over several
// databases); the rest is here, so that a reader-over-several-databases
// open elsewhere can call the same two.

#include "nsx_impl.hh"

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

namespace {

std::mutex extra_mu;
std::vector<std::string> extra_paths; // under extra_mu
std::atomic<uint64_t> extra_gen{ 0 }; // bumped by every change
std::atomic<uint64_t> extra_rev{ 0 };

} // namespace

namespace nsx {

void follow_extra(nsx_reader *r)
{
	uint64_t gen = extra_gen.load();
	if (r->extra_gen == gen)
		return;
	std::vector<std::string> paths;
	{
		std::lock_guard<std::mutex> lock(extra_mu);
		paths = extra_paths;
		gen = extra_gen.load();
	}
	Xapian::Database db(r->path);
	for (const auto &p : paths)
		db.add_database(Xapian::Database(p));
	r->db = db;
	r->qp.set_database(r->db);
	r->extra_gen = gen;
}

bool extra_revision(const Xapian::Database &db, uint64_t *rev) noexcept
{
	if (db.size() < 2)
		return false;
	*rev = extra_rev.load();
	return true;
}

} // namespace nsx

extern "C" {

nsx_status_t nsx_readers_set_extra(const char *const *paths, size_t n)
{
	if (n && !paths)
		return NSX_INVALID;
	return nsx::guard(nullptr, [&] {
		std::vector<std::string> v(paths, paths + n);
		std::lock_guard<std::mutex> lock(extra_mu);
		extra_paths.swap(v);
		extra_gen++;
		return NSX_OK;
	});
}

void nsx_readers_set_extra_revision(uint64_t rev)
{
	extra_rev.store(rev);
}

} // extern "C"
