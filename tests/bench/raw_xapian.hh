// raw_xapian.hh - what the raw Xapian program's files share: how it reads
// the daemon's index (the query parser's fields, a hit's text), and its
// commands kept in files of their own (compare, snippets).  Benchmark
// code only.
#ifndef NS_RAW_XAPIAN_HH
#define NS_RAW_XAPIAN_HH

#include <xapian.h>

#include <string>

// As src/daemon/query.c's borrow(): the fields and the date range of the
// query language, on QP reading DB.
void raw_set_up_fields(Xapian::QueryParser &qp, const Xapian::Database &db);

// The text a hit's snippet is cut from, out of its stored DATA (as
// query.c's cut_snippet(): standfirst, a blank line, body; the title when
// both are empty).  Throws std::runtime_error on data not of our layout.
std::string raw_snippet_text(const std::string &data);

// raw_xapian compare: do the indexes at A and B hold the same documents
// (raw_compare.cc)?  0 when they do.
int cmd_compare(const char *a, const char *b);

// raw_xapian snippets: the snippets of every hit cut three ways, how
// many query words each shows, what each costs (raw_snippets.cc).
int cmd_snippets(const char *db, const char *qfile, unsigned limit,
                 size_t length, unsigned examples);

#endif
