/* test_formats.c - every format the parser reads, and every kind of bad
 * file, on fixtures written for this project (tests/fixtures/formats):
 * each extracted field is asserted exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parse/article_impl.h"   /* art_parse_datetime */
#include "parse/article.h"
#include "testutil.h"

static char *read_format_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("NS_FORMAT_FIXTURES");
	assert_non_null(dir);
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: cannot open", path);
	free(path);
	char *buf = malloc(1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

static ns_article_t *parse_str(const char *text, const char *name);

static ns_article_t *parse_ok(const char *name, const char *default_lang)
{
	size_t len;
	char *bytes = read_format_fixture(name, &len);
	ns_parse_opts_t opts = {.default_language = default_lang};
	ns_article_t *a = NULL;
	char why[256];
	ns_status_t st = ns_article_parse(bytes, len, name, &opts, &a, why,
	                                  sizeof why);
	free(bytes);
	if (st != NS_OK)
		fail_msg("%s: %s", name, why);
	return a;
}

static void parse_fails(const char *name, const char *reason)
{
	size_t len;
	char *bytes = read_format_fixture(name, &len);
	ns_article_t *a = NULL;
	char why[256];
	assert_int_equal(ns_article_parse(bytes, len, name, NULL, &a, why,
	                                  sizeof why), NS_ERR_FORMAT);
	free(bytes);
	assert_null(a);
	assert_string_equal(why, reason);
}

static void test_hugo_markdown(void **state)
{
	ns_article_t *a = parse_ok("hugo.md", NULL);
	assert_string_equal(a->format, "markdown");
	assert_string_equal(a->title,
	                    "Glacier survey finds the Kessel ice field thinning faster");
	assert_string_equal(a->standfirst, "A second summer of radar flights "
	                    "shows the ice losing a metre a year.");
	assert_string_equal(a->date, "2025-03-14");   /* as written, zone kept out */
	assert_string_equal(a->time, "09:30");
	assert_strv(&a->authors, 2, "Ingrid Solvang", "Pavel Orlik");
	/* First category is the section; the others join the tags. */
	assert_string_equal(a->section, "Science");
	assert_strv(&a->tags, 3, "glaciers", "fieldwork", "Climate");
	assert_string_equal(a->language, "en");
	assert_true(a->language_given);
	assert_string_equal(a->url, "kessel-ice-field-survey");
	assert_false(a->draft);
	assert_int_equal(a->warnings.n, 0);
	/* Markdown syntax, shortcodes, link targets and footnotes are gone. */
	assert_string_equal(a->body,
	                    "Field notes\n\n"
	                    "The radar team flew twelve passes over the Kessel ice "
	                    "field in August.\n\n"
	                    "Thickness fell by a metre on average.\n\n"
	                    "The lower tongue lost three metres.\n\n"
	                    "Radar trace over the ice\n\n"
	                    "depth_m = 212\n\n"
	                    "See the survey-2025 data set for the raw traces.");
	ns_article_free(a);
}

static void test_jekyll_markdown(void **state)
{
	ns_article_t *a = parse_ok("jekyll.markdown", NULL);
	assert_string_equal(a->format, "markdown");
	assert_string_equal(a->title,
	                    "Harbour cranes go electric at the Pellworth container port");
	assert_string_equal(a->date, "2024-11-02");
	assert_string_equal(a->time, "18:05");
	assert_strv(&a->authors, 2, "Maren Holt", "Jonas Reif");
	assert_strv(&a->tags, 3, "ports", "shipping", "energy");
	assert_string_equal(a->section, "Business");
	assert_string_equal(a->url, "/business/2024/11/02/pellworth-cranes");
	assert_string_equal(a->body,
	                    "Pellworth's operator replaced its last diesel crane "
	                    "this week.\n\n"
	                    "The change cuts the port's fuel bill by a third, the "
	                    "operator said.\n\n"
	                    "Six cranes were converted.\n\n"
	                    "Two more are on order.");
	ns_article_free(a);
}

static void test_draft_flag(void **state)
{
	ns_article_t *a = parse_ok("draft.md", NULL);
	assert_true(a->draft);
	assert_string_equal(a->title, "Unfinished piece on the ferry timetable");
	ns_article_free(a);
}

static void test_broken_front_matter(void **state)
{
	/* The YAML is broken: its fields are left out, the text is kept and
	 * the first heading becomes the title. */
	ns_article_t *a = parse_ok("broken-yaml.md", NULL);
	assert_string_equal(a->title, "Storm closes the coastal road at Ardmoor");
	assert_string_equal(a->body, "Crews expect to reopen the road on Thursday.");
	assert_int_equal(a->tags.n, 0);
	assert_strv(&a->warnings, 1, "front matter: YAML error at line 4: found "
	            "unexpected end of stream; its fields are left out");
	ns_article_free(a);
}

static void test_unparseable_date(void **state)
{
	ns_article_t *a = parse_ok("bad-date.md", NULL);
	assert_string_equal(a->title, "Market hall reopens after the roof repair");
	assert_string_equal(a->date, "");
	assert_strv(&a->tags, 1, "markets");
	assert_strv(&a->warnings, 1,
	            "date \"next Tuesday\" is not a date; the article has none");
	ns_article_free(a);
}

static void test_cms_json(void **state)
{
	ns_article_t *a = parse_ok("cms.json", NULL);
	assert_string_equal(a->format, "json");
	assert_string_equal(a->title, "Tram depot fire under control after six hours");
	assert_string_equal(a->standfirst, "No one was hurt, the fire service said.");
	/* The HTML body is read as HTML: tags and scripts gone. */
	assert_string_equal(a->body, "Firefighters brought the blaze at the Vell "
	                    "Street depot under control before dawn.\n\n"
	                    "Four trams were damaged.");
	assert_string_equal(a->date, "2025-06-21");
	assert_string_equal(a->time, "05:40");
	assert_strv(&a->authors, 2, "Odile Ferrand", "Kasper Nyholm");
	assert_strv(&a->tags, 2, "Trams", "Fire");
	assert_string_equal(a->section, "City");
	assert_string_equal(a->language, "en");
	assert_string_equal(a->url, "https://news.example/city/tram-depot-fire");
	ns_article_free(a);
}

static ns_article_t *parse_str(const char *text, const char *name);

static void test_cms_json_variants(void **state)
{
	/* headline/text/category/keywords, an epoch date, "A and B". */
	ns_article_t *a = parse_ok("cms-epoch.json", NULL);
	assert_string_equal(a->title, "Council sets the winter gritting budget");
	assert_string_equal(a->body, "The council approved the budget on Monday."
	                    "\n\nIt covers three hundred kilometres of road.");
	assert_string_equal(a->date, "2025-01-01");
	assert_string_equal(a->time, "09:00");
	assert_strv(&a->authors, 2, "Rhea Voss", "Tamsin Kell");
	assert_strv(&a->tags, 2, "roads", "winter");
	assert_string_equal(a->section, "Politics");
	ns_article_free(a);

	/* A summary and an empty body: the body stays empty, the summary
	 * is the standfirst only. */
	a = parse_str("{\"title\": \"Quay closed\", \"summary\": \"For the "
	              "storm.\", \"body\": \"\"}", "q.json");
	assert_string_equal(a->standfirst, "For the storm.");
	assert_string_equal(a->body, "");
	ns_article_free(a);
}

/* A WordPress REST API post: texts in {"rendered": ...} (HTML, entities
 * in the title too), the UTC date in date_gmt, the site's own keys kept
 * as the article's fields; ids, links and objects are not fields. */
static void test_wordpress_json(void **state)
{
	ns_article_t *a = parse_ok("wordpress.json", NULL);
	assert_string_equal(a->format, "json");
	assert_string_equal(a->title, "Harbour caf\u00e9 reopens \u2013 at last");
	assert_string_equal(a->standfirst, "Saturday\u2019s reopening drew queues.");
	assert_string_equal(a->body, "The harbour caf\u00e9 opened its doors "
	                    "again on Saturday.\n\nQueues formed early.");
	assert_string_equal(a->date, "2025-03-01");
	assert_string_equal(a->time, "10:00");
	assert_string_equal(a->url,
	                    "https://news.example/2025/03/harbour-cafe-reopens/");
	assert_int_equal(a->tags.n, 0);     /* ids, not names */
	assert_int_equal(a->authors.n, 0);
	json_t *f = a->fields;
	assert_string_equal(json_string_value(json_object_get(f, "site")),
	                    "harbour-news");
	assert_true(json_is_true(json_object_get(f, "premium")));
	assert_int_equal(json_integer_value(json_object_get(f, "words")), 250);
	assert_int_equal(json_integer_value(json_object_get(f, "id")), 4711);
	assert_null(json_object_get(f, "guid"));
	assert_null(json_object_get(f, "_links"));
	assert_null(json_object_get(f, "categories")); /* numbers: no field */
	assert_null(json_object_get(f, "title"));
	ns_article_free(a);
}

/* Front matter beyond the built-in keys: YAML's plain scalars typed,
 * quoted ones strings, lists of scalars lists of strings. */
static void test_front_matter_fields(void **state)
{
	ns_article_t *a = parse_str("---\ntitle: Own fields\nsite: harbour\n"
	                            "premium: true\nwords: 350\nratio: 0.5\n"
	                            "post_id: \"0042\"\nregions: [north, south]\n"
	                            "nested: {a: 1}\ndraft: false\n---\nText.\n",
	                            "own.md");
	json_t *f = a->fields;
	assert_string_equal(json_string_value(json_object_get(f, "site")),
	                    "harbour");
	assert_true(json_is_true(json_object_get(f, "premium")));
	assert_int_equal(json_integer_value(json_object_get(f, "words")), 350);
	assert_true(json_real_value(json_object_get(f, "ratio")) == 0.5);
	assert_string_equal(json_string_value(json_object_get(f, "post_id")),
	                    "0042");
	assert_int_equal(json_array_size(json_object_get(f, "regions")), 2);
	assert_null(json_object_get(f, "nested"));
	assert_null(json_object_get(f, "title"));
	assert_null(json_object_get(f, "draft"));
	/* and they are part of the stored data */
	json_t *o = ns_article_json(a, "own.md");
	assert_true(json_equal(json_object_get(o, "fields"), f));
	json_decref(o);
	ns_article_free(a);
}

static void test_html_page(void **state)
{
	ns_article_t *a = parse_ok("page.html", NULL);
	assert_string_equal(a->format, "html");
	/* og:title wins over <title> with its site name. */
	assert_string_equal(a->title, "Bergbahn erneuert die Seilbahn am Hohen Kar");
	assert_string_equal(a->standfirst, "Die neue Bahn soll im Dezember fahren.");
	assert_string_equal(a->date, "2025-01-20");
	assert_string_equal(a->time, "07:15");
	assert_string_equal(a->section, "Region");
	assert_strv(&a->tags, 2, "Seilbahn", "Tourismus");
	assert_strv(&a->authors, 2, "Lea Gruber", "Florian Moser");
	assert_string_equal(a->language, "de");
	assert_string_equal(a->url, "https://alpenblatt.example/region/seilbahn");
	/* Only the <article>'s text: no navigation, script, style, aside,
	 * footer, and the <h1> is the title, not body. */
	assert_string_equal(a->body,
	                    "Die Bergbahn hat mit dem Bau der neuen Kabinenbahn "
	                    "begonnen.\n\n"
	                    "Die alten Gondeln stammen aus dem Jahr 1974 & werden "
	                    "verkauft.");
	ns_article_free(a);
}

static void test_html_minimal(void **state)
{
	ns_article_t *a = parse_ok("page-minimal.htm", NULL);
	assert_string_equal(a->format, "html");
	assert_string_equal(a->title, "Lighthouse keeper retires after forty years");
	assert_string_equal(a->date, "2023-08-30");   /* <time datetime> */
	assert_string_equal(a->time, "");
	/* <main> is the text; the menu outside it is not. */
	assert_string_equal(a->body,
	                    "30 August\n\n"
	                    "The keeper of the Skerrin light handed over the keys "
	                    "on Tuesday.\n\n"
	                    "An automatic lamp replaces him.");
	ns_article_free(a);
}

static void test_wire_copy(void **state)
{
	ns_article_t *a = parse_ok("wire.txt", NULL);
	assert_string_equal(a->format, "plain");
	assert_string_equal(a->title, "Grain prices steady ahead of harvest report");
	assert_string_equal(a->body,
	                    "LOWMARSH, July 9 - Wheat futures held steady on "
	                    "Wednesday as traders waited for the harvest estimate."
	                    "\n\nThe report is due on Friday.");
	assert_string_equal(a->language, "en");
	assert_false(a->language_given);
	ns_article_free(a);
}

static void test_news_page_teaser(void **state)
{
	ns_article_t *a = parse_ok("teaser.txt", NULL);
	assert_string_equal(a->format, "news-page");
	assert_string_equal(a->title,
	                    "Vessen rowing club wins the eights at the summer regatta");
	assert_string_equal(a->standfirst, "The crew led from the first hundred metres.");
	assert_string_equal(a->time, "18:40");
	assert_int_equal(a->reading_minutes, 2);
	assert_false(a->reading_estimated);
	assert_strv(&a->authors, 1, "Noor Haddad");
	assert_strv(&a->tags, 2, "Rowing", "Lake Vessen");
	/* The related-article teaser before the footer is not body. */
	assert_string_equal(a->body,
	                    "The eight from Vessen crossed the line two lengths "
	                    "ahead of the favourites.\n\n"
	                    "Their coach said the crew had trained through the "
	                    "spring floods.");
	ns_article_free(a);
}

static void test_news_page_variants(void **state)
{
	/* Chrome above the header, "By" capitalised, no blank line between
	 * the tags line and the title, no "Edit post". */
	const char *page =
		"Skip to content\n"
		"date 2025-09-01\n"
		"Business, Shipping\n"
		"Dock strike ends at Harlow Quay\n"
		"By Ana Lucas September 1, 2025 11:05 PM\n"
		"\n"
		"The dockers voted to accept the offer.\n"
		"\n"
		"Work resumes on Tuesday.\n";
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(page, strlen(page), "x.txt", NULL, &a,
	                                  NULL, 0), NS_OK);
	assert_string_equal(a->format, "news-page");
	assert_string_equal(a->date, "2025-09-01");
	assert_string_equal(a->time, "23:05");
	assert_string_equal(a->section, "Business");
	assert_strv(&a->tags, 1, "Shipping");
	assert_string_equal(a->title, "Dock strike ends at Harlow Quay");
	assert_strv(&a->authors, 1, "Ana Lucas");
	assert_string_equal(a->standfirst, "");
	/* Two single-line paragraphs are not a teaser without a body before. */
	assert_string_equal(a->body, "The dockers voted to accept the offer.\n\n"
	                    "Work resumes on Tuesday.");
	ns_article_free(a);
}

static void test_windows_1251(void **state)
{
	ns_article_t *a = parse_ok("river-bridge-cp1251.txt", "ru");
	assert_string_equal(a->encoding, "windows-1251");
	assert_string_equal(a->title, "Мост через реку Сверь откроют в мае");
	assert_string_equal(a->body, "Строители закончили укладку асфальта на "
	                    "новом мосту. Движение по мосту начнётся после "
	                    "проверки нагрузки.");
	/* No language in the file: the tree's default. */
	assert_string_equal(a->language, "ru");
	assert_false(a->language_given);
	ns_article_free(a);
}

static void test_windows_1252(void **state)
{
	ns_article_t *a = parse_ok("cafe-cp1252.txt", "fr");
	assert_string_equal(a->encoding, "windows-1252");
	assert_string_equal(a->title, "Le café du port rouvre après travaux");
	assert_string_equal(a->body,
	                    "Les habitués ont retrouvé leur comptoir « rénové » à l'été.");
	assert_string_equal(a->language, "fr");
	ns_article_free(a);
}

static void test_languages_from_metadata(void **state)
{
	ns_article_t *a = parse_ok("bridge-ru.md", "en");
	assert_string_equal(a->language, "ru");
	assert_strv(&a->tags, 1, "мосты");
	ns_article_free(a);
	a = parse_ok("harbour-zh.md", NULL);
	assert_string_equal(a->language, "zh");   /* "zh-CN" */
	assert_string_equal(a->title, "港口新码头开放");
	ns_article_free(a);

	char code[16];
	assert_true(ns_language_normalise("pt-BR", 5, code));
	assert_string_equal(code, "pt");
	assert_true(ns_language_normalise("English", 7, code));
	assert_string_equal(code, "en");
	assert_true(ns_language_normalise(" EN_us ", 7, code));
	assert_string_equal(code, "en");
	assert_false(ns_language_normalise("x", 1, code));
	assert_false(ns_language_normalise("12", 2, code));
	assert_false(ns_language_normalise("klingonese", 10, code));
}

static void test_bad_files(void **state)
{
	parse_fails("broken.json", "invalid JSON at line 1: premature end of input");
	parse_fails("image.png", "not text: a PNG image");
	parse_fails("empty.txt", "empty file");
	parse_fails("garbage.txt", "not UTF-8, and byte 0x98 at offset 10 is not "
	            "text in Windows-1251 either");

	ns_article_t *a = NULL;
	char why[128];
	assert_int_equal(ns_article_parse("ab\0cd", 5, "x.txt", NULL, &a, why,
	                                  sizeof why), NS_ERR_FORMAT);
	assert_string_equal(why, "not text: binary data (it has NUL bytes)");
	assert_int_equal(ns_article_parse("PK\x03\x04zz", 6, "a.txt", NULL, &a,
	                                  why, sizeof why), NS_ERR_FORMAT);
	assert_string_equal(why, "not text: a ZIP archive (or an office document)");
	assert_int_equal(ns_article_parse("[1, 2]", 6, "list.json", NULL, &a, why,
	                                  sizeof why), NS_ERR_FORMAT);
	assert_string_equal(why, "JSON, but not an article object");
	/* A text that only starts with a brace is text. */
	assert_int_equal(ns_article_parse("{draft} notes\n\nbody", 19, "n.txt",
	                                  NULL, &a, why, sizeof why), NS_OK);
	assert_string_equal(a->format, "plain");
	assert_string_equal(a->title, "{draft} notes");
	ns_article_free(a);
}

static void test_title_only(void **state)
{
	ns_article_t *a = parse_ok("title-only.txt", NULL);
	assert_string_equal(a->title, "Breaking: water main bursts on Quay Street");
	assert_string_equal(a->body, "");
	assert_int_equal(a->reading_minutes, 1);
	ns_article_free(a);
}

static void test_datetime_forms(void **state)
{
	static const struct {
		const char *in, *date, *time;
	} ok[] = {
		{"2024-04-08", "2024-04-08", ""},
		{"2024-04-08T08:21:00+02:00", "2024-04-08", "08:21"},
		{"2024-04-08 08:21:00 +0200", "2024-04-08", "08:21"},
		{"2024-04-08T23:59Z", "2024-04-08", "23:59"},
		{"2024-04-08T08:21:07.123456Z", "2024-04-08", "08:21"},
		{"April 8, 2024", "2024-04-08", ""},
		{"2024-02-29", "2024-02-29", ""},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		char d[11], t[6];
		if (!art_parse_datetime(ok[i].in, strlen(ok[i].in), d, t))
			fail_msg("%s: not parsed", ok[i].in);
		assert_string_equal(d, ok[i].date);
		assert_string_equal(t, ok[i].time);
	}
	static const char *const bad[] = {
		"2023-02-29", "2024-13-01", "2024-04-08T25:00", "2024-04-08X",
		"08/04/2024", "yesterday", "2024-04-08T08:21+2", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char d[11], t[6];
		if (art_parse_datetime(bad[i], strlen(bad[i]), d, t))
			fail_msg("%s: parsed as %s %s", bad[i], d, t);
	}
}

static ns_article_t *parse_str(const char *text, const char *name)
{
	ns_article_t *a = NULL;
	char why[256];
	if (ns_article_parse(text, strlen(text), name, NULL, &a, why,
	                     sizeof why) != NS_OK)
		fail_msg("%s: %s", name, why);
	return a;
}

/* Cases an independent review found; each was wrong before. */
static void test_review_cases(void **state)
{
	/* Portuguese in Windows-1252 is not Cyrillic. */
	const char pt[] = "Informa\xe7\xe3o sobre as elei\xe7\xf5" "es\n\nTexto.\n";
	ns_article_t *a = parse_str(pt, "pt.txt");
	assert_string_equal(a->encoding, "windows-1252");
	assert_string_equal(a->title, "Informação sobre as eleições");
	ns_article_free(a);

	/* The content decides before the extension: a news page named .md. */
	a = parse_str(" date 2025-01-02\nCity, Roads\n\nPotholes filled\n\n"
	              "by Ana Lucas January 2, 2025 9:00 AM 1 min read\n"
	              "Crews worked overnight.\n\nBody.\n", "page.md");
	assert_string_equal(a->format, "news-page");
	assert_string_equal(a->title, "Potholes filled");
	ns_article_free(a);

	/* HTML: landmarks in navigation are not the article; table cells do
	 * not run together; "author" among other rel tokens; an <h1> that is
	 * not the title stays in the body. */
	a = parse_str("<!DOCTYPE html><html><head>"
	              "<meta property=\"og:title\" content=\"Rates held\">"
	              "</head><body><nav><article>Menu item</article></nav>"
	              "<main><h1>Markets today</h1><table><tr><td>Oslo</td>"
	              "<td>42</td></tr></table><a rel=\"author noopener\" "
	              "href=\"/x\">Ida Berg</a></main></body></html>", "p.html");
	assert_string_equal(a->title, "Rates held");
	assert_string_equal(a->body, "Markets today\n\nOslo\n\n42\n\nIda Berg");
	assert_strv(&a->authors, 1, "Ida Berg");
	ns_article_free(a);

	/* JSON: the first date key decides, whatever its type. */
	a = parse_str("{\"title\": \"t\", \"published_at\": 1712563200, "
	              "\"date\": \"2020-01-01\"}", "a.json");
	assert_string_equal(a->date, "2024-04-08");
	ns_article_free(a);

	/* Drafts in any case; a byline of "and" names nobody. */
	a = parse_str("---\ntitle: x\ndraft: TRUE\n---\ntext\n", "d.md");
	assert_true(a->draft);
	ns_article_free(a);
	a = parse_str("date 2024-05-05\nNews\n\nT\n\nby and May 5, 2024\n\nB\n",
	              "n.txt");
	assert_int_equal(a->authors.n, 0);
	ns_article_free(a);

	/* A warning never cuts a character in two. */
	a = parse_str("---\ndate: \"ééééééééééééééééééééééé\"\n---\nx\n", "w.md");
	assert_int_equal(a->warnings.n, 1);
	assert_true(ns_utf8_valid(a->warnings.v[0], strlen(a->warnings.v[0])));
	assert_non_null(strstr(a->warnings.v[0], "…\" is not a date"));
	ns_article_free(a);
}

/* Inputs that once took minutes: refused or capped, at once. */
static void test_hostile_inputs(void **state)
{
	size_t n = 3 * 100000 + 64;
	char *buf = malloc(n + 1);
	assert_non_null(buf);
	strcpy(buf, "<html><body>");
	for (size_t i = 0; i < 100000; i++)
		strcat(buf + 12 + i * 3, "<b>");
	ns_article_t *a = NULL;
	char why[128];
	assert_int_equal(ns_article_parse(buf, strlen(buf), "x.html", NULL, &a,
	                                  why, sizeof why), NS_ERR_FORMAT);
	assert_string_equal(why, "HTML nested deeper than 2000 elements");

	/* 1000 tags: 256 are kept. */
	strcpy(buf, "---\ntags: [");
	size_t len = strlen(buf);
	for (int i = 0; i < 1000; i++)
		len += (size_t)sprintf(buf + len, "%st%d", i ? "," : "", i);
	strcpy(buf + len, "]\n---\nbody\n");
	a = parse_str(buf, "t.md");
	assert_int_equal(a->tags.n, 256);
	assert_string_equal(a->tags.v[255], "t255");
	ns_article_free(a);

	/* A line of unclosed brackets is text, and fast. */
	memset(buf, '[', 200000);
	buf[200000] = '\0';
	a = parse_str(buf, "b.md");
	assert_int_equal(strlen(a->body), 200000);
	ns_article_free(a);
	free(buf);
}

/* libgumbo decodes a numeric reference past U+10FFFF into bytes that are
 * no character (the article fuzzer found it): every field stays UTF-8. */
static void test_reference_past_unicode(void **state)
{
	ns_article_t *a = parse_str("<html><head><title>Quay notes</title></head>"
	                            "<body><p>Saturday&#8219999999999> the quay "
	                            "reopened.</p></body></html>", "a.html");
	assert_non_null(a);
	assert_true(ns_utf8_valid(a->body, strlen(a->body)));
	assert_non_null(strstr(a->body, "the quay reopened"));
	ns_article_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hugo_markdown),
		cmocka_unit_test(test_jekyll_markdown),
		cmocka_unit_test(test_draft_flag),
		cmocka_unit_test(test_broken_front_matter),
		cmocka_unit_test(test_unparseable_date),
		cmocka_unit_test(test_cms_json),
		cmocka_unit_test(test_cms_json_variants),
		cmocka_unit_test(test_html_page),
		cmocka_unit_test(test_html_minimal),
		cmocka_unit_test(test_wire_copy),
		cmocka_unit_test(test_news_page_teaser),
		cmocka_unit_test(test_news_page_variants),
		cmocka_unit_test(test_windows_1251),
		cmocka_unit_test(test_windows_1252),
		cmocka_unit_test(test_languages_from_metadata),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_title_only),
		cmocka_unit_test(test_datetime_forms),
		cmocka_unit_test(test_wordpress_json),
		cmocka_unit_test(test_front_matter_fields),
		cmocka_unit_test(test_review_cases),
		cmocka_unit_test(test_hostile_inputs),
		cmocka_unit_test(test_reference_past_unicode),
	};
	return cmocka_run_group_tests_name("formats", tests, NULL, NULL);
}
