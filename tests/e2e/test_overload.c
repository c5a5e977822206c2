/* test_overload.c - nsearchd under a hostile or careless load:
 * connections that never authenticate, clients that send blank lines or
 * a byte now and then, failed logins by the dozen, many clients that
 * never read their replies, requests and file names made to forge log
 * lines.  Each test starts its own daemon with small limits and checks
 * that the offender is told why and closed, and that a client that
 * behaves is served all along. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "svc.h"

static const char *token = "overload-token-0123456789";

/* Start the daemon on E's tree with TCP and the token, and EXTRA options
 * (NULL-terminated, may be NULL); wait until it is ready.  Its port. */
static unsigned start_tcp(const char *const *extra)
{
	unsigned port = free_port();
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%u", port);
	char *tok = write_in_dir("token", token, 0600);
	const char *args[40] = {"--config", "/dev/null", "--articles",
	                        e2e_tree(), "--index", e2e_index(), "--socket",
	                        e2e_sock(), "--tcp", portstr, "--token-file",
	                        tok};
	size_t n = 12;
	for (size_t i = 0; extra && extra[i] && n < 39; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	spawn(args, NULL);
	wait_ready();
	free(tok);
	return port;
}

static void start_unix(const char *const *extra)
{
	const char *args[40] = {"--config", "/dev/null", "--articles",
	                        e2e_tree(), "--index", e2e_index(), "--socket",
	                        e2e_sock()};
	size_t n = 8;
	for (size_t i = 0; extra && extra[i] && n < 39; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	spawn(args, NULL);
	wait_ready();
}

/* Send without waiting, and without minding a connection the daemon has
 * closed meanwhile. */
static void send_quietly(struct client *c, const char *data, size_t len)
{
	ssize_t w = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)w;
}

/* The next reply if one has come (new), else NULL at once. */
static json_t *reply_if_any(struct client *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	if (!memchr(c->in.data ? c->in.data : "", '\n', c->in.len) &&
	    poll(&p, 1, 0) != 1)
		return NULL;
	return client_recv(c);
}

static void assert_search_hits(struct client *c, const char *line, size_t n)
{
	json_t *r = ask(c, line);
	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("not served: %s", json_dumps(r, JSON_COMPACT));
	assert_int_equal(nhits(r), n);
	json_decref(r);
}

/* ---- connections that never authenticate ---- */

/* Before: they filled max_connections, and nobody else got in, on the
 * Unix socket either, for as long as they stayed. */
static void test_unauthenticated_never_lock_out(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	const char *extra[] = {"--max-connections", "4", "--max-unauthenticated",
	                       "4", "--auth-timeout", "600", NULL};
	unsigned port = start_tcp(extra);
	enum { SILENT = 4 + 10 };
	struct client silent[SILENT];
	for (int i = 0; i < SILENT; i++)
		tcp_open(&silent[i], port, 0);
	/* The daemon has taken the first four and refused the rest. */
	for (int i = 4; i < SILENT; i++) {
		json_t *r = client_recv(&silent[i]);
		assert_non_null(strstr(json_string_value(json_object_get(
			json_object_get(r, "error"), "message")),
			"4 connections are waiting to authenticate, the limit"));
		assert_code(r, "TOO_MANY_CONNECTIONS");
		assert_closed(&silent[i]);
	}
	/* Unix clients still get in, as many as max_connections. */
	struct client u[5];
	for (int i = 0; i < 4; i++) {
		assert_true(client_open(&u[i]));
		assert_search_hits(&u[i], "{\"op\":\"search\",\"q\":\"alphaword\"}\n",
		                   1);
	}
	json_t *st = ask(&u[0], "{\"op\":\"status\"}\n");
	assert_int_equal(json_integer_value(json_object_get(st, "connections")),
	                 4 + 4);
	json_decref(st);
	assert_true(client_open(&u[4]));
	assert_code(client_recv(&u[4]), "TOO_MANY_CONNECTIONS");
	assert_closed(&u[4]);
	/* The four silent ones are still there, told nothing: the deadline
	 * is far. */
	for (int i = 0; i < 4; i++)
		assert_null(reply_if_any(&silent[i]));
	for (int i = 0; i < SILENT; i++)
		client_close(&silent[i]);
	for (int i = 0; i < 5; i++)
		client_close(&u[i]);
	/* Ten refusals in a burst: fewer lines, all accounted for. */
	wait_log("refused: 4 connections are waiting to authenticate");
}

/* Before: a TCP client could stay without saying the token for as long
 * as it liked, a blank line now and then keeping it open. */
static void test_auth_deadline(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	const char *extra[] = {"--auth-timeout", "1", NULL};
	unsigned port = start_tcp(extra);
	struct client silent, blanks, ok;
	tcp_open(&silent, port, 0);
	tcp_open(&blanks, port, 0);
	unsigned long long t0 = ns_now_ms();
	json_t *r = NULL;
	for (int i = 0; i < 100 && !(r = reply_if_any(&blanks)); i++) {
		send_quietly(&blanks, "\n", 1);
		sleep_ms(100);
	}
	assert_non_null(r);
	assert_code(r, "AUTH_TIMEOUT");
	assert_closed(&blanks);
	r = client_recv(&silent);
	unsigned long long took = ns_now_ms() - t0;
	assert_non_null(strstr(json_string_value(json_object_get(
		json_object_get(r, "error"), "message")), "no token within 1 s"));
	assert_code(r, "AUTH_TIMEOUT");
	assert_closed(&silent);
	assert_true(took >= 900);
	/* The token in time: in, and served. */
	tcp_open(&ok, port, 0);
	auth(&ok, token);
	sleep_ms(1500); /* past the deadline: it no longer applies */
	assert_search_hits(&ok, "{\"op\":\"search\",\"q\":\"alphaword\"}\n", 1);
	client_close(&silent);
	client_close(&blanks);
	client_close(&ok);
	wait_log("refused: no token within 1 s; closing");
}

/* ---- slow senders ---- */

/* Before: every byte, and every blank line, started the idle time again,
 * so a client sending one a second stayed for ever. */
static void test_slow_senders_cut_off(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	const char *extra[] = {"--idle-timeout", "2", NULL};
	start_unix(extra);
	struct client blanks, trickle, good;
	assert_true(client_open(&blanks));
	assert_true(client_open(&trickle));
	assert_true(client_open(&good));
	const char *slow = "{\"op\":\"status\"                                  "
	                   "                                  }\n";
	size_t sent = 0;
	json_t *blanks_r = NULL, *trickle_r = NULL;
	unsigned long long t0 = ns_now_ms();
	for (int i = 0; i < 100 && (!blanks_r || !trickle_r); i++) {
		if (!blanks_r && !(blanks_r = reply_if_any(&blanks)))
			send_quietly(&blanks, "\n", 1);
		if (!trickle_r && !(trickle_r = reply_if_any(&trickle)))
			send_quietly(&trickle, slow + sent++, 1);
		/* A client with something to ask is served all along. */
		assert_search_hits(&good, "{\"op\":\"search\",\"q\":\"alphaword\"}\n",
		                   1);
		sleep_ms(200);
	}
	unsigned long long took = ns_now_ms() - t0;
	assert_non_null(blanks_r);
	assert_non_null(trickle_r);
	assert_code(blanks_r, "IDLE_TIMEOUT");
	assert_closed(&blanks);
	assert_true(sent < strlen(slow)); /* cut off before it was whole */
	assert_non_null(strstr(json_string_value(json_object_get(
		json_object_get(trickle_r, "error"), "message")),
		"still not complete; the limit is 2 s"));
	assert_code(trickle_r, "REQUEST_TIMEOUT");
	assert_closed(&trickle);
	assert_true(took >= 1900);
	assert_search_hits(&good, "{\"op\":\"search\",\"q\":\"alphaword\"}\n", 1);
	client_close(&blanks);
	client_close(&trickle);
	client_close(&good);
}

/* ---- the log ---- */

/* Every failed login the log stands for: lines that say one, the "(and N
 * more like it ...)" on them, and "N more failed logins, not logged".
 * The number of lines into *LINES. */
static unsigned failed_logins(unsigned *lines)
{
	char *text = read_log();
	unsigned n = 0;
	*lines = 0;
	for (char *l = text, *end; *l; l = end) {
		end = l + strcspn(l, "\n");
		if (*end)
			*end++ = '\0';
		const char *more = strstr(l, "(and ");
		const char *summary = strstr(l, "server: ");
		if (strstr(l, ": refused: wrong token")) {
			(*lines)++;
			n += 1 + (more ? (unsigned)atoi(more + 5) : 0);
		} else if (summary && strstr(l, " more failed logins, not logged")) {
			(*lines)++;
			n += (unsigned)atoi(summary + 8);
		}
	}
	free(text);
	return n;
}

/* Before: one warning for each, as fast as a client could make them. */
static void test_failed_logins_rate_limited(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	unsigned port = start_tcp(NULL);
	enum { FAILS = 40 };
	for (int i = 0; i < FAILS; i++) {
		struct client c;
		tcp_open(&c, port, 0);
		assert_code(ask(&c, "{\"op\":\"auth\",\"token\":\"guess\"}\n"),
		            "UNAUTHORIZED");
		assert_closed(&c);
		client_close(&c);
	}
	unsigned lines = 0, n = 0;
	for (int i = 0; i < 500 && (n = failed_logins(&lines)) < FAILS; i++)
		sleep_ms(10);
	assert_int_equal(n, FAILS);
	if (lines > FAILS / 4)
		fail_msg("%u lines for %d failed logins", lines, FAILS);
	/* The right token is still let in. */
	struct client ok;
	tcp_open(&ok, port, 0);
	auth(&ok, token);
	assert_search_hits(&ok, "{\"op\":\"search\",\"q\":\"alphaword\"}\n", 1);
	client_close(&ok);
}

/* The log's lines, each checked: none may start with a priority the
 * daemon did not give it. */
static void assert_no_forged_line(void)
{
	char *text = read_log();
	for (char *l = text, *end; *l; l = end) {
		end = l + strcspn(l, "\n");
		if (*end)
			*end++ = '\0';
		if (strncmp(l, "<0>", 3) == 0 || strstr(l, "forged") == l)
			fail_msg("a forged line in the log: %s", l);
	}
	free(text);
}

/* Before: a newline in a file name or in a request started a line of its
 * own, which the journal read with the priority it claimed. */
static void test_logged_values_stay_one_line(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	put_bytes("bad\n<0>forged: evil.txt", "", 0); /* empty: logged */
	char *log = log_path();
	assert_int_equal(write_file(log, "", 0), 0);
	struct stat sb;
	assert_int_equal(stat(log, &sb), 0);
	char *stream = NULL;
	assert_true(asprintf(&stream, "JOURNAL_STREAM=%llu:%llu",
	                     (unsigned long long)sb.st_dev,
	                     (unsigned long long)sb.st_ino) > 0);
	const char *env[] = {stream, NULL};
	const char *args[] = {"--config", "/dev/null", "--articles",
	                      e2e_tree(), "--index", e2e_index(), "--socket",
	                      e2e_sock(), NULL};
	spawn(args, env);
	wait_ready();
	wait_log("<4>index: bad\\n<0>forged: evil.txt: not indexed: empty file");
	/* A client's string: a backup directory with a newline and an
	 * escape sequence in its name is refused (a name with control
	 * characters is never a backup's), and its refusal forges no line. */
	char *dir = in_dir("bk\n<0>forged\x1b[2J"), *req = NULL;
	json_t *o = json_pack("{s:s, s:s}", "op", "backup", "dir", dir);
	char *line = json_dumps(o, JSON_COMPACT);
	assert_true(asprintf(&req, "%s\n", line) > 0);
	struct client c;
	assert_true(client_open(&c));
	json_t *r = ask(&c, req);
	assert_false(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(r, "error"), "code")), "BAD_REQUEST");
	json_decref(r);
	client_close(&c);
	assert_no_forged_line();
	free(line);
	free(req);
	json_decref(o);
	free(dir);
	free(stream);
	free(log);
}

/* ---- replies nobody reads ---- */

/* Articles whose search replies are a few kilobytes each. */
static void put_harbour_reports(void)
{
	for (int i = 0; i < 40; i++) {
		char rel[32], text[1200];
		snprintf(rel, sizeof rel, "port/%02d.txt", i);
		int n = snprintf(text, sizeof text, "Harbour report %d\n\n", i);
		while (n < (int)sizeof text - 60)
			n += snprintf(text + n, sizeof text - (size_t)n, "The harbour "
			              "pilots logged vessel %d arriving. ", i);
		put_file(rel, text);
	}
}

/* How C's stream ends once read: 1 when told SLOW_CLIENT (then closed),
 * 2 when closed without it (the daemon needed the memory), 0 when it is
 * still open with nothing more to read. */
static int how_it_ends(struct client *c)
{
	struct timeval tv = {.tv_sec = 2};
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (;;) {
		char *nl = c->in.len ? memchr(c->in.data, '\n', c->in.len) : NULL;
		if (nl) {
			json_t *r = client_recv(c);
			bool ok = json_is_true(json_object_get(r, "ok"));
			if (!ok)
				assert_code(r, "SLOW_CLIENT");
			else
				json_decref(r);
			if (!ok) {
				assert_closed(c);
				return 1;
			}
			continue;
		}
		char buf[65536];
		ssize_t n = read(c->fd, buf, sizeof buf);
		if (n > 0)
			ns_buf_append(&c->in, buf, (size_t)n);
		else if (n == 0 || errno == ECONNRESET)
			return 2;
		else
			return 0;
	}
}

/* Before: each client was held to max_pending, but two hundred of them
 * took as many times that. */
static void test_reply_budget(void **state)
{
	put_harbour_reports();
	const char *extra[] = {"--max-pending", "4M", "--max-pending-total",
	                       "256K", NULL};
	unsigned port = start_tcp(extra);
	enum { DEAF = 8 };
	struct client deaf[DEAF], b;
	for (int i = 0; i < DEAF; i++) {
		tcp_open(&deaf[i], port, 4096);
		auth(&deaf[i], token);
	}
	tcp_open(&b, port, 0);
	auth(&b, token);
	const char *req = "{\"op\":\"search\",\"q\":\"harbour\",\"limit\":40}\n";
	bool cut = false;
	for (int i = 0; i < 5000 && !cut; i++) {
		for (int k = 0; k < DEAF; k++)
			send_quietly(&deaf[k], req, strlen(req));
		if (i % 20 == 19) {
			/* B reads its replies, and is served all along. */
			assert_search_hits(&b, "{\"op\":\"search\",\"q\":\"pilots\","
			                   "\"limit\":1}\n", 1);
			cut = log_has("cut off: the daemon holds");
		}
	}
	wait_log("cut off: the daemon holds");
	assert_true(log_has("bytes of replies its clients have not read, over "
	                    "its limit of 262144"));
	assert_false(log_has("the limit is 4194304")); /* not their own */
	assert_search_hits(&b, "{\"op\":\"search\",\"q\":\"pilots\","
	                   "\"limit\":1}\n", 1);
	/* The deaf ones read at last: those cut off find why at the end of
	 * what was sent to them, or a closed connection. */
	int cut_off = 0;
	for (int k = 0; k < DEAF; k++) {
		cut_off += how_it_ends(&deaf[k]) != 0;
		client_close(&deaf[k]);
	}
	assert_true(cut_off >= 1);
	assert_search_hits(&b, "{\"op\":\"search\",\"q\":\"pilots\","
	                   "\"limit\":1}\n", 1);
	client_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		svc_test(test_unauthenticated_never_lock_out),
		svc_test(test_auth_deadline),
		svc_test(test_slow_senders_cut_off),
		svc_test(test_failed_logins_rate_limited),
		svc_test(test_logged_values_stay_one_line),
		svc_test(test_reply_budget),
	};
	return cmocka_run_group_tests_name("overload", tests, NULL, NULL);
}
