// handles.cc - the lifecycle of the shim's handles: opening, reopening,
// committing and closing writers and readers, their revisions and
// document counts, and the mapping of every exception to a status
// (classify(), behind guard()).  Reads or changes no document itself.

#include "nsx_impl.hh"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>
#include <string>

#include <unistd.h>

namespace nsx {

nsx_status_t classify(std::string *msg) noexcept
{
	nsx_status_t st = NSX_INTERNAL;
	const char *text = "unknown exception";
	std::string xtext;
	try {
		throw;
	} catch (const Xapian::DatabaseLockError &e) {
		st = NSX_LOCKED; xtext = e.get_description();
	} catch (const Xapian::DatabaseModifiedError &e) {
		st = NSX_MODIFIED; xtext = e.get_description();
	} catch (const Xapian::DatabaseCorruptError &e) {
		st = NSX_CORRUPT; xtext = e.get_description();
	} catch (const Xapian::DatabaseNotFoundError &e) {
		st = NSX_NOT_FOUND; xtext = e.get_description();
	} catch (const Xapian::DatabaseVersionError &e) {
		st = NSX_CORRUPT; xtext = e.get_description();
	} catch (const Xapian::DocNotFoundError &e) {
		st = NSX_NOT_FOUND; xtext = e.get_description();
	} catch (const Xapian::QueryParserError &e) {
		// The message alone ("Syntax: <expression> AND <expression>"):
		// it is for the person who typed the query.
		st = NSX_BAD_QUERY; xtext = e.get_msg();
	} catch (const Xapian::NetworkError &e) {
		// A timeout too (NetworkTimeoutError): a shard, not the query.
		st = NSX_NETWORK;
		xtext = e.get_description();
	} catch (const Refused &e) {
		st = e.status; xtext = e.what();
	} catch (const Xapian::WildcardError &e) {
		st = NSX_TOO_BROAD; xtext = e.get_description();
	} catch (const Xapian::InvalidArgumentError &e) {
		st = NSX_INVALID; xtext = e.get_description();
	} catch (const Xapian::DatabaseError &e) {
		// Create, opening and closed errors: the filesystem said no.
		st = NSX_IO; xtext = e.get_description();
	} catch (const Xapian::Error &e) {
		st = NSX_INTERNAL; xtext = e.get_description();
	} catch (const std::bad_alloc &) {
		st = NSX_NO_MEMORY; text = "out of memory";
	} catch (const std::exception &e) {
		text = e.what();
	} catch (...) {
	}
	if (msg) {
		try {
			*msg = xtext.empty() ? std::string(text) : xtext;
		} catch (...) {
			// Out of memory for the message itself: keep the status.
		}
	}
	return st;
}

char *dup_string(const std::string &s) noexcept
{
	char *p = static_cast<char *>(std::malloc(s.size() + 1));
	if (p) {
		std::memcpy(p, s.data(), s.size());
		p[s.size()] = '\0';
	}
	return p;
}

const char revision_base_key[] = "nsearch:revision-base";

uint64_t revision_of(const Xapian::Database &db) noexcept
{
	uint64_t extra = 0;
	if (extra_revision(db, &extra))
		return extra;
	try {
		std::string base = db.get_metadata(revision_base_key);
		return db.get_revision() +
		       (base.empty() ? 0 : std::strtoull(base.c_str(), nullptr, 10));
	} catch (...) {
		return 0;
	}
}

void reopen(nsx_reader *r)
{
	if (!r->shards.empty()) {
		reopen_shards(r);
		return;
	}
	follow_extra(r);
	try {
		r->db.reopen();
	} catch (const Xapian::DatabaseOpeningError &) {
		// reopen() rereads the files it opened; Xapian's replica
		// removed them after a whole copy and points its stub at the
		// new one.  A new handle follows the stub.
		r->db = Xapian::Database(r->path);
		r->qp.set_database(r->db);
	}
}

} // namespace nsx

using nsx::guard;

namespace {

// The metadata key nsx_writer_probe() writes.
const char probe_key[] = "nsearch:write-probe";

// Document count of any database; 0 if Xapian throws, as revision_of().
uint64_t doccount_of(const Xapian::Database &db) noexcept
{
	try {
		return db.get_doccount();
	} catch (...) {
		return 0;
	}
}

// Xapian says "lock" also when the lock file cannot be opened at all (a
// read-only filesystem): is that what stopped the writer at PATH?
bool lock_unwritable(const char *path)
{
	std::string lock = std::string(path) + "/flintlock";
	return access(lock.c_str(), W_OK) < 0 &&
	       (errno != ENOENT || access(path, W_OK) < 0);
}

} // namespace

extern "C" {

const char *nsx_status_name(nsx_status_t st)
{
	switch (st) {
	case NSX_OK: return "OK";
	case NSX_NOT_FOUND: return "NOT_FOUND";
	case NSX_LOCKED: return "LOCKED";
	case NSX_BAD_QUERY: return "BAD_QUERY";
	case NSX_CORRUPT: return "CORRUPT";
	case NSX_MODIFIED: return "MODIFIED";
	case NSX_INVALID: return "INVALID";
	case NSX_NO_MEMORY: return "NO_MEMORY";
	case NSX_IO: return "IO";
	case NSX_INTERNAL: return "INTERNAL";
	case NSX_TOO_BROAD: return "TOO_BROAD";
	case NSX_TOO_COMPLEX: return "TOO_COMPLEX";
	case NSX_TIMEOUT: return "TIMEOUT";
	case NSX_NETWORK: return "NETWORK";
	}
	return "UNKNOWN";
}

const char *nsx_xapian_version(void)
{
	return Xapian::version_string();
}

/* ---- the writer ---------------------------------------------------------- */

nsx_status_t nsx_writer_open(const char *path, nsx_writer_t **out,
                             char **errmsg)
{
	nsx_status_t st = nsx::guard_errmsg(errmsg, path && out,
	                                    [&](std::string &) {
		*out = new nsx_writer{
			Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN),
			std::string()};
		return NSX_OK;
	});
	if (st == NSX_LOCKED && lock_unwritable(path))
		st = NSX_IO; // no other writer: the filesystem said no
	return st;
}

void nsx_writer_close(nsx_writer_t *w)
{
	if (!w)
		return;
	// close() commits; a failure here has nowhere to go but the log of
	// the caller, who has already committed explicitly before closing.
	(void)guard(&w->error, [&] {
		w->db.close();
		return NSX_OK;
	});
	delete w;
}

const char *nsx_writer_error(const nsx_writer_t *w)
{
	return w ? w->error.c_str() : "";
}

nsx_status_t nsx_writer_commit(nsx_writer_t *w)
{
	if (!w)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		w->db.commit();
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_probe(nsx_writer_t *w)
{
	if (!w)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		// A value that changes, so that the commit has a block to write.
		w->db.set_metadata(probe_key, std::to_string(std::time(nullptr)));
		w->db.commit();
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_continue_from(nsx_writer_t *w, uint64_t rev)
{
	if (!w)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		uint64_t own = w->db.get_revision();
		w->db.set_metadata(nsx::revision_base_key,
		                   std::to_string(rev > own ? rev - own : 0));
		return NSX_OK;
	});
}

uint64_t nsx_writer_revision(const nsx_writer_t *w)
{
	return w ? nsx::revision_of(w->db) : 0;
}

uint64_t nsx_writer_doccount(const nsx_writer_t *w)
{
	return w ? doccount_of(w->db) : 0;
}

/* ---- readers ------------------------------------------------------------- */

nsx_status_t nsx_reader_open(const char *path, nsx_reader_t **out,
                             char **errmsg)
{
	return nsx::guard_errmsg(errmsg, path && out, [&](std::string &) {
		std::unique_ptr<nsx_reader_t> r(
		        new nsx_reader{ Xapian::Database(path),
		                        Xapian::QueryParser(),
		                        std::string(),
		                        nsx::ParseProblem(),
		                        std::string(path),
		                        {},
		                        0 });
		r->qp.set_database(r->db);
		*out = r.release();
		return NSX_OK;
	});
}

void nsx_reader_close(nsx_reader_t *r)
{
	delete r;
}

const char *nsx_reader_error(const nsx_reader_t *r)
{
	return r ? r->error.c_str() : "";
}

nsx_status_t nsx_reader_reopen(nsx_reader_t *r)
{
	if (!r)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		nsx::reopen(r);
		return NSX_OK;
	});
}

uint64_t nsx_reader_revision(const nsx_reader_t *r)
{
	return r && r->shards.empty() ? nsx::revision_of(r->db) : 0;
}

uint64_t nsx_reader_doccount(const nsx_reader_t *r)
{
	return r ? doccount_of(r->db) : 0;
}

} // extern "C"
