// shards.cc - a reader over several shards (local databases and remote
// xapian-tcpsrv ones) searched as one database: opening them in
// parallel, telling which answer, and combining those that do; also
// splitting an index into shards and merging shards into one.  Never
// lets a failed shard fail the reader: it is marked down instead.

#include "nsx_impl.hh"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

// Is SPEC a remote shard, HOST:PORT or [V6]:PORT?  Then into HOST, PORT.
// A path (anything with a '/', or without a numeric port) is local.
bool remote_spec(const std::string &spec, std::string &host, unsigned &port)
{
	size_t colon = spec.rfind(':');
	if (colon == std::string::npos || colon == 0 ||
	    spec.find('/') != std::string::npos)
		return false;
	std::string digits = spec.substr(colon + 1);
	if (digits.empty() || digits.size() > 5 ||
	    digits.find_first_not_of("0123456789") != std::string::npos)
		return false;
	port = static_cast<unsigned>(std::strtoul(digits.c_str(), nullptr, 10));
	host = spec.substr(0, colon);
	if (host.size() > 2 && host.front() == '[' && host.back() == ']')
		host = host.substr(1, host.size() - 2);
	return port > 0 && port < 65536;
}

// The database of shard SPEC: a connection to it, or the local one.
// Throws what Xapian throws (NetworkError, DatabaseOpeningError...).
Xapian::Database open_spec(const std::string &spec, unsigned timeout_ms)
{
	std::string host;
	unsigned port = 0;
	if (remote_spec(spec, host, port))
		return Xapian::Remote::open(host, port, timeout_ms, timeout_ms);
	return Xapian::Database(spec);
}

// Open shard S (its spec) into S->db, or leave it down with why.  Never
// throws: it runs on a thread of its own.
void open_shard(nsx::Shard *s, unsigned timeout_ms) noexcept
{
	s->db.reset();
	nsx_status_t st = nsx::guard(&s->why, [&] {
		s->db.emplace(open_spec(s->spec, timeout_ms));
		return NSX_OK;
	});
	if (st != NSX_OK) {
		s->db.reset();
		if (s->why.empty())
			s->why = nsx_status_name(st);
	}
}

// Run OPEN for each shard of R that WANT(i) says, one thread each (a
// thread that cannot start runs it here): connecting to N shards takes
// as long as the slowest, not their sum.
template <typename W> void open_shards(nsx_reader *r, W want)
{
	std::vector<std::thread> threads;
	for (size_t i = 0; i < r->shards.size(); i++) {
		if (!want(i))
			continue;
		nsx::Shard *s = &r->shards[i];
		unsigned t = r->shard_timeout_ms;
		try {
			threads.emplace_back(open_shard, s, t);
		} catch (...) {
			open_shard(s, t);
		}
	}
	for (auto &t : threads)
		t.join();
}

// DB of R becomes the shards that are up, and its parser reads it.
void combine(nsx_reader *r)
{
	Xapian::Database all;
	for (const auto &s : r->shards)
		if (s.db)
			all.add_database(*s.db);
	r->db = all;
	r->qp.set_database(r->db);
}

} // namespace

namespace nsx {

void reopen_shards(nsx_reader *r)
{
	bool changed = false;
	for (auto &s : r->shards) {
		if (!s.db)
			continue;
		// A remote reopen is one exchange: it also says the shard
		// still answers, within the timeout.
		nsx_status_t st = guard(&s.why, [&] {
			s.db->reopen();
			return NSX_OK;
		});
		if (st == NSX_OK)
			continue;
		if (st == NSX_NO_MEMORY)
			throw std::bad_alloc();
		// A connection the server closed while idle (tcpsrv's
		// --idle-timeout) is no dead shard: one fresh try first.
		open_shard(&s, r->shard_timeout_ms);
		changed = true;
	}
	if (changed)
		combine(r);
}

} // namespace nsx

extern "C" {

nsx_status_t nsx_reader_open_shards(const char *const *specs, size_t n,
                                    unsigned timeout_ms, nsx_reader_t **out,
                                    char **errmsg)
{
	bool ok = specs && n && out && timeout_ms;
	for (size_t i = 0; ok && i < n; i++)
		ok = specs[i] && *specs[i];
	return nsx::guard_errmsg(errmsg, ok, [&](std::string &) {
		std::unique_ptr<nsx_reader_t> r(
		        new nsx_reader{ Xapian::Database(),
		                        Xapian::QueryParser(),
		                        std::string(),
		                        nsx::ParseProblem(),
		                        std::string(),
		                        {},
		                        0 });
		r->shard_timeout_ms = timeout_ms;
		for (size_t i = 0; i < n; i++)
			r->shards.push_back(
			        nsx::Shard{ specs[i], {}, std::string() });
		open_shards(r.get(), [](size_t) { return true; });
		combine(r.get());
		*out = r.release();
		return NSX_OK;
	});
}

size_t nsx_reader_shards(const nsx_reader_t *r)
{
	return r ? r->shards.size() : 0;
}

size_t nsx_reader_shards_up(const nsx_reader_t *r)
{
	size_t up = 0;
	for (size_t i = 0; r && i < r->shards.size(); i++)
		up += r->shards[i].db.has_value();
	return up;
}

int nsx_reader_shard_up(const nsx_reader_t *r, size_t i)
{
	return r && i < r->shards.size() && r->shards[i].db.has_value();
}

const char *nsx_reader_shard_error(const nsx_reader_t *r, size_t i)
{
	if (!r || i >= r->shards.size() || r->shards[i].db)
		return "";
	return r->shards[i].why.c_str();
}

nsx_status_t nsx_reader_probe_shards(nsx_reader_t *r)
{
	if (!r || r->shards.empty())
		return NSX_INVALID;
	return nsx::guard(&r->error, [&] {
		open_shards(r, [](size_t) { return true; });
		combine(r);
		return NSX_OK;
	});
}

nsx_status_t nsx_reader_set_shards(nsx_reader_t *r, const unsigned char *want)
{
	if (!r || r->shards.empty() || !want)
		return NSX_INVALID;
	return nsx::guard(&r->error, [&] {
		bool changed = false;
		for (size_t i = 0; i < r->shards.size(); i++) {
			auto &s = r->shards[i];
			if (!want[i] && s.db) {
				s.db.reset();
				s.why = "another reader found it down";
				changed = true;
			}
			changed |= want[i] && !s.db;
		}
		if (!changed)
			return NSX_OK;
		open_shards(r, [&](size_t i) {
			return want[i] && !r->shards[i].db;
		});
		combine(r);
		return NSX_OK;
	});
}

nsx_status_t nsx_shard_probe(const char *spec, unsigned timeout_ms,
                             char **errmsg)
{
	return nsx::guard_errmsg(
	        errmsg, spec && *spec && timeout_ms, [&](std::string &) {
		        Xapian::Database db = open_spec(spec, timeout_ms);
		        db.keep_alive(); // one more exchange: it answers, not only accepts
		        return NSX_OK;
	        });
}

} // extern "C"
