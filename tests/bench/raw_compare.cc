// raw_compare.cc - raw_xapian compare: do two indexes hold the same
// documents?  The smoke test holds the raw loop's index against the
// daemon's with it, which keeps the raw loop honest as docbuild.c changes.
// Benchmark code: never linked into the daemon.

extern "C" {
#include "daemon/schema.h"
}

#include <cstdio>
#include <string>

#include "raw_xapian.hh"

// Does the index at B hold the same documents as the one at A: the same
// terms with the same wdf and positions, values and stored data, and the
// same spelling dictionary?  Only the file metadata slot (times, inode)
// may differ.  This keeps the raw loop honest as index.c changes.
static std::string describe_doc(const Xapian::Document &d)
{
	std::string out;
	for (auto t = d.termlist_begin(); t != d.termlist_end(); ++t) {
		out += *t + " wdf=" + std::to_string(t.get_wdf()) + " pos=";
		for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
			out += std::to_string(*p) + ",";
		out += "\n";
	}
	for (auto v = d.values_begin(); v != d.values_end(); ++v)
		if (v.get_valueno() != NS_SLOT_FILE)
			out += "value " + std::to_string(v.get_valueno()) + "=" + *v + "\n";
	return out + "data=" + d.get_data();
}

int cmd_compare(const char *pa, const char *pb)
{
	Xapian::Database a(pa), b(pb);
	size_t docs = 0, bad = 0;
	for (auto t = a.allterms_begin(NS_PREFIX_ID);
	     t != a.allterms_end(NS_PREFIX_ID); ++t) {
		auto pb_it = b.postlist_begin(*t);
		if (pb_it == b.postlist_end(*t)) {
			if (!bad++)
				fprintf(stderr, "compare: %s only in %s\n", (*t).c_str(), pa);
			continue;
		}
		std::string da = describe_doc(a.get_document(*a.postlist_begin(*t)));
		std::string db = describe_doc(b.get_document(*pb_it));
		if (da != db && !bad++) {
			size_t k = 0;
			while (k < da.size() && k < db.size() && da[k] == db[k])
				k++;
			size_t from = da.rfind('\n', k);
			from = from == std::string::npos ? 0 : from + 1;
			fprintf(stderr, "compare: %s differs:\n  %s: %.200s\n  %s: %.200s\n",
			        (*t).c_str(), pa, da.c_str() + from, pb,
			        db.c_str() + std::min(from, db.size()));
		}
		docs++;
	}
	if (a.get_doccount() != b.get_doccount()) {
		fprintf(stderr, "compare: %u documents in %s, %u in %s\n",
		        a.get_doccount(), pa, b.get_doccount(), pb);
		bad++;
	}
	std::string sa, sb;
	for (auto w = a.spellings_begin(); w != a.spellings_end(); ++w)
		sa += *w + " " + std::to_string(w.get_termfreq()) + "\n";
	for (auto w = b.spellings_begin(); w != b.spellings_end(); ++w)
		sb += *w + " " + std::to_string(w.get_termfreq()) + "\n";
	if (sa != sb) {
		fprintf(stderr, "compare: the spelling dictionaries differ\n");
		bad++;
	}
	printf("{\"documents\":%zu,\"mismatches\":%zu}\n", docs, bad);
	return bad ? 1 : 0;
}
