/* http_page.c - the one static page GET / serves: a search box over the
 * HTTP API (docs/http.md). */
#include "daemon/http_impl.h"

const char ns_http_page[] =
	"<!doctype html><meta charset=utf-8><title>nsearch</title>"
	"<p>nsearch: GET /search?q=...</p>\n";
