/* test_sidecar.c - archives whose articles carry no metadata, with the real
 * daemon: dates, sections and tags from a NAME.meta.json and from a
 * folder's metadata.tsv, found by date filters and counted in facets; the
 * .meta.json over the table; edits to either while the daemon runs and
 * while it is down; a sidecar that is a link out of the tree refused; a
 * broken one listed as a problem while its article is still indexed;
 * hostile ones (a FIFO, a directory, a table of thousands of columns, a
 * sidecar renamed, one for a file not there yet). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Plain text: no date, no section, no tags of its own. */
static void put_article(const char *rel, const char *word)
{
	char text[200];
	snprintf(text, sizeof text, "A story about %s\n\nThe %s paragraph of "
	         "the archive.\n", word, word);
	put_file(rel, text);
}

static int group_setup(void **state)
{
	if (e2e_make_dirs() != 0)
		return -1;
	put_article("archive/harbour.txt", "zephyrdock");
	put_file("archive/harbour.txt.meta.json",
	         "{\"date\": \"1987-03-02\", \"section\": \"Shipping\", "
	         "\"tags\": [\"Labour\", \"Ports\"], \"authors\": [\"Ana Ruiz\"]}");
	put_article("desk/tram.txt", "zephyrtram");
	put_article("desk/bus.txt", "zephyrbus");
	put_article("desk/ferry.txt", "zephyrferry");
	put_file("desk/metadata.tsv",
	         "file\tdate\tsection\ttags\n"
	         "tram.txt\t1999-06-01\tTransport\tTrams; Council\n"
	         "bus.txt\t1999-07-15\tTransport\tBuses\n"
	         "ferry.txt\t1999-08-01\tTransport\tFerries\n");
	/* The .meta.json wins over the table's row, field by field. */
	put_file("desk/ferry.txt.meta.json", "{\"date\": \"2003-03-03\"}");
	/* A link out of the tree, to metadata an article must not get. */
	char *outside = NULL, *link = NULL;
	if (asprintf(&outside, "%s/outside.json", e2e_dir()) < 0 ||
	    asprintf(&link, "%s/linked/secret.txt.meta.json", e2e_tree()) < 0)
		return -1;
	FILE *f = fopen(outside, "w");
	if (!f)
		return -1;
	fputs("{\"section\": \"Leaked\", \"date\": \"2011-11-11\"}", f);
	fclose(f);
	put_article("linked/secret.txt", "zephyrsecret");
	if (symlink(outside, link) != 0)
		return -1;
	free(outside);
	free(link);
	/* Broken sidecars: the article is indexed from its other sources. */
	put_article("broken/bad.txt", "zephyrbad");
	put_file("broken/bad.txt.meta.json", "{\"date\": \"1987-03-0");
	put_article("broken/soon.txt", "zephyrsoon");
	put_file("broken/metadata.tsv", "file\tdate\tsection\n"
	         "bad.txt\t1988-08-08\tMended\n"
	         "soon.txt\tsoon\tLater\n");
	start_daemon();
	return 0;
}

static int group_teardown(void **state)
{
	return e2e_teardown();
}

/* A search for Q ("" for all) dated FROM to TO. */
static json_t *dated(const char *q, const char *from, const char *to)
{
	return request("{s:s, s:s, s:{s:s, s:s}, s:s, s:i}", "op", "search",
	               "q", q, "filter", "date_from", from, "date_to", to,
	               "sort", "oldest", "limit", 50);
}

/* Poll until dated(Q, FROM, TO) finds the paths EXPECTED, in order. */
static void wait_dated(const char *q, const char *from, const char *to,
                       const char *expected)
{
	char *got = NULL;
	for (int i = 0; i < 3000; i++) {
		free(got);
		json_t *r = dated(q, from, to);
		got = paths_of(r);
		json_decref(r);
		if (strcmp(got, expected) == 0) {
			free(got);
			return;
		}
		sleep_ms(10);
	}
	fail_msg("from %s to %s: \"%s\", not \"%s\", after 30 s", from, to, got,
	         expected);
}

/* The count of VALUE in the facet NAME of REPLY; -1 when not there. */
static json_int_t facet_count(json_t *reply, const char *name,
                              const char *value)
{
	json_t *f = json_object_get(json_object_get(reply, "facets"), name), *v;
	size_t i;
	json_array_foreach(f, i, v)
		if (strcmp(json_string_value(json_object_get(v, "value")),
		           value) == 0)
			return json_integer_value(json_object_get(v, "count"));
	return -1;
}

/* The reason PATH is in the problems list (new), or NULL. */
static char *problem_of(const char *path)
{
	json_t *r = request("{s:s, s:i}", "op", "problems", "limit", 1000), *p;
	size_t i;
	char *reason = NULL;
	json_array_foreach(json_object_get(r, "problems"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "path")), path) == 0)
			reason = strdup(json_string_value(json_object_get(p, "reason")));
	json_decref(r);
	return reason;
}

static char *wait_problem(const char *path)
{
	for (int i = 0; i < 3000; i++) {
		char *reason = problem_of(path);
		if (reason)
			return reason;
		sleep_ms(10);
	}
	fail_msg("%s is not listed as a problem within 30 s", path);
	return NULL;
}

/* Wait until PATH's problem is WANT: a sidecar written in place may be
 * read half written first (an empty table has no header row), and is
 * read again once it is whole. */
static void wait_reason(const char *path, const char *want)
{
	char *reason = NULL;
	for (int i = 0; i < 3000; i++) {
		free(reason);
		reason = problem_of(path);
		if (reason && strcmp(reason, want) == 0) {
			free(reason);
			return;
		}
		sleep_ms(10);
	}
	fail_msg("%s: the problem is \"%s\" after 30 s, not \"%s\"", path,
	         reason ? reason : "(none)", want);
}

static void wait_no_problem(const char *path)
{
	char *reason = NULL;
	for (int i = 0; i < 3000; i++) {
		free(reason);
		if (!(reason = problem_of(path)))
			return;
		sleep_ms(10);
	}
	fail_msg("%s is still listed as a problem after 30 s: %s", path, reason);
}

static void test_json_sidecar_dates_and_facets(void **state)
{
	assert_paths(dated("", "1987-03-01", "1987-03-31"),
	             "archive/harbour.txt");
	json_t *r = request("{s:s, s:s, s:[s, s, s]}", "op", "search", "q",
	                    "zephyrdock", "facets", "section", "tag", "author");
	assert_int_equal(nhits(r), 1);
	assert_int_equal(facet_count(r, "section", "Shipping"), 1);
	assert_int_equal(facet_count(r, "tag", "Labour"), 1);
	assert_int_equal(facet_count(r, "tag", "Ports"), 1);
	assert_int_equal(facet_count(r, "author", "Ana Ruiz"), 1);
	json_decref(r);
	assert_paths(request("{s:s, s:s, s:{s:s}}", "op", "search", "q", "",
	                     "filter", "tag", "ports"), "archive/harbour.txt");

	/* Sidecars are no articles: seven documents, none a sidecar, and no
	 * sidecar listed as a file that could not be indexed. */
	json_t *st = status();
	assert_int_equal(json_integer_value(json_object_get(st, "documents")), 7);
	json_decref(st);
	char *reason = problem_of("archive/harbour.txt.meta.json");
	assert_null(reason);
	reason = problem_of("desk/metadata.tsv");
	assert_null(reason);
}

/* nsearchd --check on FILES (in the tree, joined by spaces): its output
 * (new). */
static char *check(const char *files)
{
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "cd '%s' && '%s' --config /dev/null "
	                     "--articles . --check %s 2>&1", e2e_tree(),
	                     getenv("NSEARCHD"), files) > 0);
	int rc = -1;
	return run_capture(cmd, &rc);
}

/* --check shows what the indexer makes of an article with sidecars, and
 * refuses a sidecar as an article. */
static void test_check_applies_sidecars(void **state)
{
	char *out = check("desk/ferry.txt broken/bad.txt "
	                  "desk/ferry.txt.meta.json");
	char *ferry = strstr(out, "\"file\":\"desk/ferry.txt\"");
	if (!ferry || !strstr(out, "\"date\":\"2003-03-03\"") ||
	    !strstr(out, "\"section\":\"Transport\"") ||
	    !strstr(out, "bad.txt.meta.json: invalid JSON at line 1") ||
	    !strstr(out, "\"reason\":\"sidecar metadata, never an article (it "
	            "describes the file its name starts with)\""))
		fail_msg("not what --check should say:\n%s", out);
	free(out);
}

static void test_tsv_sidecar_dates_and_facets(void **state)
{
	assert_paths(dated("", "1999-06-01", "1999-07-31"),
	             "desk/tram.txt desk/bus.txt");
	json_t *r = request("{s:s, s:s, s:{s:s}, s:[s, s]}", "op", "search",
	                    "q", "", "filter", "section", "transport", "facets",
	                    "section", "tag");
	assert_int_equal(nhits(r), 3);
	assert_int_equal(facet_count(r, "section", "Transport"), 3);
	assert_int_equal(facet_count(r, "tag", "Trams"), 1);
	assert_int_equal(facet_count(r, "tag", "Council"), 1);
	assert_int_equal(facet_count(r, "tag", "Ferries"), 1);
	json_decref(r);
	/* The .meta.json's date over the table's; the table's section
	 * where the .meta.json gives none. */
	r = dated("zephyrferry", "2003-03-03", "2003-03-03");
	assert_int_equal(nhits(r), 1);
	assert_string_equal(hit_str(r, 0, "section"), "Transport");
	json_decref(r);
}

static void test_symlinked_sidecar_refused(void **state)
{
	json_t *r = search("zephyrsecret");
	assert_int_equal(nhits(r), 1);
	assert_string_equal(hit_str(r, 0, "section"), "linked"); /* the path's */
	assert_string_equal(hit_str(r, 0, "date"), "");
	json_decref(r);
	assert_paths(dated("", "2011-11-11", "2011-11-11"), "");
	char *reason = wait_problem("linked/secret.txt");
	assert_string_equal(reason, "secret.txt.meta.json: not read: a symbolic "
	                    "link is on the path (links are never followed)");
	free(reason);

	/* A link made while the daemon runs is refused the same way. */
	put_article("linked/other.txt", "zephyrother");
	json_decref(wait_hits("zephyrother", 1));
	char *outside = NULL, *link = NULL;
	assert_true(asprintf(&outside, "%s/outside.json", e2e_dir()) > 0);
	assert_true(asprintf(&link, "%s/linked/other.txt.meta.json",
	                     e2e_tree()) > 0);
	assert_int_equal(symlink(outside, link), 0);
	reason = wait_problem("linked/other.txt");
	assert_non_null(strstr(reason, "other.txt.meta.json: not read: a "
	                       "symbolic link"));
	assert_paths(dated("", "2011-11-11", "2011-11-11"), "");
	free(reason);
	free(outside);
	free(link);
}

static void test_broken_sidecar_in_problems(void **state)
{
	char *reason = wait_problem("broken/bad.txt");
	assert_non_null(strstr(reason, "bad.txt.meta.json: invalid JSON at "
	                       "line 1"));
	assert_non_null(strstr(reason, "its fields are left out"));
	free(reason);
	/* Still indexed, from the table. */
	assert_paths(dated("zephyrbad", "1988-08-08", "1988-08-08"),
	             "broken/bad.txt");
	reason = wait_problem("broken/soon.txt");
	assert_string_equal(reason, "metadata.tsv: date \"soon\" is not a date; "
	                    "left out");
	free(reason);
	json_t *r = search("zephyrsoon");
	assert_string_equal(hit_str(r, 0, "section"), "Later");
	json_decref(r);

	/* Mended, it leaves the list. */
	put_file("broken/bad.txt.meta.json", "{\"date\": \"1987-03-04\"}");
	wait_dated("zephyrbad", "1987-03-04", "1987-03-04", "broken/bad.txt");
	reason = problem_of("broken/bad.txt");
	assert_null(reason);
}

static void test_edits_while_running(void **state)
{
	put_file("archive/harbour.txt.meta.json",
	         "{\"date\": \"1990-05-06\", \"section\": \"Ports\"}");
	wait_dated("", "1990-05-01", "1990-05-31", "archive/harbour.txt");
	assert_paths(dated("zephyrdock", "1987-03-01", "1987-03-31"), "");
	json_t *r = search("zephyrdock");
	assert_string_equal(hit_str(r, 0, "section"), "Ports");
	json_decref(r);

	/* The table: every article of its folder is read again. */
	put_file("desk/metadata.tsv",
	         "file\tdate\tsection\n"
	         "tram.txt\t2001-01-01\tTrams\n"
	         "bus.txt\t1999-07-15\tTransport\n");
	wait_dated("", "2001-01-01", "2001-01-01", "desk/tram.txt");
	r = search("zephyrbus");
	assert_string_equal(hit_str(r, 0, "section"), "Transport");
	json_decref(r);

	/* Removed: the article falls back on what its path says. */
	remove_file("archive/harbour.txt.meta.json");
	wait_dated("zephyrdock", "1900-01-01", "2100-01-01", "");
	r = search("zephyrdock");
	assert_string_equal(hit_str(r, 0, "section"), "archive");
	json_decref(r);
	remove_file("desk/metadata.tsv");
	wait_dated("zephyrtram", "1900-01-01", "2100-01-01", "");
}

/* Stop and start again once every file is over 2 s old: from then on
 * a file's stat vouches for it, and only what changes is read again. */
static void restart_settled(void)
{
	sleep_ms(2100);
	assert_int_equal(stop_daemon(), 0);
	start_daemon();
}

static void test_changed_while_down(void **state)
{
	restart_settled();
	assert_int_equal(stop_daemon(), 0);
	put_file("archive/harbour.txt.meta.json", "{\"date\": \"1970-01-02\"}");
	put_file("desk/metadata.tsv", "file\tdate\nbus.txt\t2005-05-05\n");
	start_daemon();
	assert_paths(dated("", "1970-01-02", "1970-01-02"),
	             "archive/harbour.txt");
	assert_paths(dated("", "2005-05-05", "2005-05-05"), "desk/bus.txt");
	/* Another start with nothing changed reads nothing again. */
	restart_settled();
	assert_int_equal(stop_daemon(), 0);
	start_daemon();
	json_t *st = status();
	assert_int_equal(json_integer_value(json_object_get(st, "indexed")), 0);
	assert_int_equal(json_integer_value(json_object_get(st, "same_content")),
	                 0);
	json_decref(st);
}

/* The tree's path of REL (new). */
static char *in_tree(const char *rel)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", e2e_tree(), rel) > 0);
	return path;
}

/* Sidecars no one should write: a FIFO (never waited on), a directory
 * (its own articles indexed), a table of 3,000 columns (one warning, not
 * 3,000), one for an article not there yet, one renamed to another
 * article's.  The daemon goes on answering. */
static void test_hostile_sidecars(void **state)
{
	/* Made after their articles were indexed: the articles are read
	 * again, as for a sidecar written. */
	put_article("odd/fifo.txt", "zephyrfifo");
	put_article("odd/dir.txt", "zephyrdir");
	json_decref(wait_hits("zephyrdir", 1));
	json_decref(wait_hits("zephyrfifo", 1));
	char *fifo = in_tree("odd/metadata.tsv");
	char *dir = in_tree("odd/dir.txt.meta.json");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	put_article("odd/dir.txt.meta.json/inner.txt", "zephyrinner");
	json_decref(wait_hits("zephyrinner", 1));
	char *reason = wait_problem("odd/fifo.txt");
	assert_string_equal(reason, "metadata.tsv: not read: not a regular file");
	free(reason);
	reason = wait_problem("odd/dir.txt");
	assert_non_null(strstr(reason, "dir.txt.meta.json: not read: not a "
	                       "regular file"));
	free(reason);
	/* Gone, they no longer say anything of their articles. */
	assert_int_equal(unlink(fifo), 0);
	remove_file("odd/dir.txt.meta.json/inner.txt");
	assert_int_equal(rmdir(dir), 0);
	wait_no_problem("odd/dir.txt");
	wait_no_problem("odd/fifo.txt");
	json_decref(wait_hits("zephyrinner", 0));

	ns_buf_t wide = {0};
	ns_buf_printf(&wide, "file");
	for (int i = 0; i < 3000; i++)
		ns_buf_printf(&wide, "\tcolumn%d", i);
	ns_buf_printf(&wide, "\nwide.txt");
	for (int i = 0; i < 3000; i++)
		ns_buf_printf(&wide, "\tvalue%d", i);
	ns_buf_printf(&wide, "\n");
	put_article("wide/wide.txt", "zephyrwide");
	put_file("wide/metadata.tsv", wide.data);
	ns_buf_free(&wide);
	wait_reason("wide/wide.txt", "metadata.tsv: more than 64 fields of "
	                             "its own; column64 and the rest left out");
	json_decref(wait_for("wide/metadata.tsv"));
	json_t *r = search("zephyrwide");
	assert_int_equal(json_object_size(json_object_get(
	                 json_array_get(json_object_get(r, "hits"), 0),
	                 "fields")), 64);
	json_decref(r);

	/* A .meta.json before its article, then renamed to another's. */
	put_file("later/ghost.txt.meta.json", "{\"date\": \"1961-04-12\"}");
	put_article("later/other.txt", "zephyrother2");
	json_decref(wait_hits("zephyrother2", 1));
	reason = problem_of("later/ghost.txt");
	assert_null(reason);
	put_article("later/ghost.txt", "zephyrghost");
	wait_dated("zephyrghost", "1961-04-12", "1961-04-12", "later/ghost.txt");
	char *from = in_tree("later/ghost.txt.meta.json");
	char *to = in_tree("later/other.txt.meta.json");
	assert_int_equal(rename(from, to), 0);
	wait_dated("", "1961-04-12", "1961-04-12", "later/other.txt");
	assert_paths(request("{s:s, s:s, s:{s:s}}", "op", "search", "q",
	                     "zephyrghost", "filter", "date_from", "1900-01-01"),
	             "");
	json_t *st = status();
	assert_true(json_is_true(json_object_get(st, "ready")));
	json_decref(st);
	free(from);
	free(to);
	free(fifo);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_sidecar_dates_and_facets),
		cmocka_unit_test(test_tsv_sidecar_dates_and_facets),
		cmocka_unit_test(test_check_applies_sidecars),
		cmocka_unit_test(test_symlinked_sidecar_refused),
		cmocka_unit_test(test_broken_sidecar_in_problems),
		cmocka_unit_test(test_edits_while_running),
		cmocka_unit_test(test_changed_while_down),
		cmocka_unit_test(test_hostile_sidecars),
	};
	return cmocka_run_group_tests_name("sidecar", tests, group_setup,
	                                   group_teardown);
}
