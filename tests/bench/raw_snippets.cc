// raw_snippets.cc - raw_xapian snippets: are window snippets as good as
// the exhaustive ones they replaced?  For every hit of every query, the
// snippet is cut three ways from the same text: exhaustively from the
// whole text (nsearchd before windows), exhaustively from the region
// around the densest cluster of query words (shim/snippet_window.hh,
// nsearchd now), and with Xapian's fast flags (0) from the whole text.
// For each it counts the query words shown and the highlights, and times
// the cutting; it prints examples where the window changed the snippet.
// Benchmark code: never linked into the daemon.
//
//   raw_xapian snippets DB QUERIES [--limit N] [--length L] [--examples K]
//
// Prints K example lines ({"query", "whole", "window"}, highlights as
// **word**), then one line of JSON with the figures.

extern "C" {
#include "daemon/query.h"
}

#include <algorithm>
#include <string>
#include <vector>

#include "bench.h"
#include "policy.hh"
#include "raw_xapian.hh"
#include "snippet_window.hh"

namespace {

// Highlight markers no text has, to count highlights by.
const char HI_START[] = "\x01";
const char HI_END[] = "\x02";

// Figures of one way of cutting, over all snippets and over those of
// texts long enough for a window.
struct Way {
	const char *name;
	double seconds = 0;
	unsigned long n = 0, words = 0, highlights = 0, fewer = 0, more = 0,
	              same = 0;
	unsigned long n_long = 0, words_long = 0, highlights_long = 0,
	              fewer_long = 0;
};

struct Shown {
	unsigned words = 0, highlights = 0;
};

// What snippet S shows: its highlights, and the different query words
// among them.
Shown shown(const std::string &s, const nsx::SnippetWords &w,
            const Xapian::Stem &stem)
{
	Shown r;
	std::vector<bool> seen(w.groups, false);
	for (size_t i = s.find(HI_START[0]); i != std::string::npos;
	     i = s.find(HI_START[0], i + 1)) {
		size_t j = s.find(HI_END[0], i);
		if (j == std::string::npos)
			break;
		r.highlights++;
		for (const nsx::WordMatch &m :
		     nsx::find_words(s.substr(i + 1, j - i - 1), w, stem))
			if (!seen[m.group]) {
				seen[m.group] = true;
				r.words++;
			}
	}
	return r;
}

void count(Way &way, const Shown &s, const Shown &before, bool long_text,
           bool same)
{
	way.n++;
	way.same += same;
	way.words += s.words;
	way.highlights += s.highlights;
	way.fewer += s.words < before.words;
	way.more += s.words > before.words;
	if (long_text) {
		way.n_long++;
		way.words_long += s.words;
		way.highlights_long += s.highlights;
		way.fewer_long += s.words < before.words;
	}
}

// S for people: highlights in Markdown's bold, as JSON string content.
std::string readable(const std::string &s)
{
	std::string out;
	for (char c : s) {
		if (c == HI_START[0] || c == HI_END[0])
			out += "**";
		else if (c == '"' || c == '\\')
			out += std::string("\\") + c;
		else if (static_cast<unsigned char>(c) >= 0x20)
			out += c;
	}
	return out;
}

void print_way(const Way &w, size_t queries, bool last)
{
	auto per = [](unsigned long a, unsigned long n) {
		return n ? static_cast<double>(a) / n : 0.0;
	};
	printf("\"%s\":{\"ms_per_query\":%.3f,\"words\":%.3f,"
	       "\"highlights\":%.3f,\"fewer_words\":%.4f,\"more_words\":%.4f,"
	       "\"same_as_whole\":%.4f,"
	       "\"long\":%lu,\"words_long\":%.3f,\"highlights_long\":%.3f,"
	       "\"fewer_words_long\":%.4f}%s",
	       w.name, queries ? w.seconds * 1e3 / queries : 0.0,
	       per(w.words, w.n), per(w.highlights, w.n), per(w.fewer, w.n),
	       per(w.more, w.n), per(w.same, w.n), w.n_long, per(w.words_long, w.n_long),
	       per(w.highlights_long, w.n_long), per(w.fewer_long, w.n_long),
	       last ? "" : ",");
}

} // namespace

int cmd_snippets(const char *path, const char *qfile, unsigned limit,
                 size_t length, unsigned examples)
{
	bench_list_t queries = bench_read_lines(qfile);
	Xapian::Database db(path);
	Xapian::QueryParser qp;
	raw_set_up_fields(qp, db);
	Way whole{"whole"}, window{"window"}, fast{"fast"};
	size_t size = std::max(nsx::SNIPPET_REGION, 2 * length);
	// One example a query at most; those of queries of several words
	// first, as they show more.
	std::vector<std::string> changed, changed_one;
	for (size_t q = 0; q < queries.n; q++) {
		Xapian::Stem stem("english", true);
		unsigned flags = nsx::set_up_parser(
			qp, stem, nsx::query_stopper("english", queries.v[q]),
			NS_DEFAULT_MAX_EXPANSION);
		qp.set_default_op(Xapian::Query::OP_AND);
		Xapian::Query text = qp.parse_query(queries.v[q], flags);
		Xapian::Enquire enq(db);
		enq.set_query(text);
		enq.set_weighting_scheme(nsx::ranking());
		Xapian::MSet mset = enq.get_mset(0, limit);
		nsx::SnippetWords words = nsx::snippet_words(text, stem);
		bool example = false;
		for (auto it = mset.begin(); it != mset.end(); ++it) {
			std::string t = raw_snippet_text(it.get_document().get_data());
			bool long_text = t.size() > size + size / 2;
			double t0 = bench_now();
			std::string a = mset.snippet(t, length, stem, nsx::SNIPPET_FLAGS,
			                             HI_START, HI_END, nsx::SNIPPET_OMIT);
			double t1 = bench_now();
			std::string b = nsx::window_snippet(
				mset, t, length, stem, nsx::SNIPPET_FLAGS, HI_START, HI_END,
				nsx::SNIPPET_OMIT, words);
			double t2 = bench_now();
			std::string c = mset.snippet(t, length, stem, 0, HI_START,
			                             HI_END, nsx::SNIPPET_OMIT);
			double t3 = bench_now();
			whole.seconds += t1 - t0;
			window.seconds += t2 - t1;
			fast.seconds += t3 - t2;
			Shown sa = shown(a, words, stem);
			count(whole, sa, sa, long_text, true);
			count(window, shown(b, words, stem), sa, long_text, a == b);
			count(fast, shown(c, words, stem), sa, long_text, a == c);
			if (long_text && a != b && !example) {
				example = true;
				(words.groups > 1 ? changed : changed_one).push_back("{\"query\":\"" + readable(queries.v[q]) +
				                  "\",\"whole\":\"" + readable(a) +
				                  "\",\"window\":\"" + readable(b) + "\"}");
			}
		}
	}
	changed.insert(changed.end(), changed_one.begin(), changed_one.end());
	// Examples spread over the queries, in their order.
	for (unsigned k = 0; k < examples && k < changed.size(); k++)
		printf("%s\n", changed[k * changed.size() /
		                       std::min<size_t>(examples, changed.size())]
		                   .c_str());
	printf("{\"queries\":%zu,\"snippets\":%lu,\"length\":%zu,\"region\":%zu,"
	       "\"changed_examples\":%zu,",
	       queries.n, whole.n, length, size, changed.size());
	print_way(whole, queries.n, false);
	print_way(window, queries.n, false);
	print_way(fast, queries.n, true);
	printf("}\n");
	bench_list_free(&queries);
	return 0;
}
