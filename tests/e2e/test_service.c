/* test_service.c - nsearchd as a service: what it tells systemd over a
 * real NOTIFY_SOCKET, sockets passed by systemd-socket-activate, every
 * option of the configuration file by its effect, flags over the file, bad
 * files and bad reloads refused, TCP with a token, and clients over their
 * limits cut off while others are served.  Each test starts its own daemon
 * under its own temporary directory and stops it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "svc.h"

static const char *token = "correct-horse-battery-staple-7";

/* ---- systemd's notification socket ---- */

static int notify_open(void)
{
	char *path = in_dir("notify.sock");
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	struct timeval tv = {.tv_sec = 20};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	free(path);
	return fd;
}

/* The next datagram (new), or fail after 20 s. */
static char *notify_next(int fd)
{
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	if (n < 0)
		fail_msg("no notification within 20 s");
	buf[n] = '\0';
	return strdup(buf);
}

/* Skip WATCHDOG=1 and plain STATUS= messages (counted into *WATCHDOGS and
 * kept in STATUSES); the next other message (new). */
static char *notify_event(int fd, int *watchdogs, ns_strv_t *statuses)
{
	for (;;) {
		char *m = notify_next(fd);
		if (strcmp(m, "WATCHDOG=1") == 0) {
			(*watchdogs)++;
		} else if (strncmp(m, "STATUS=", 7) == 0 ||
		           strncmp(m, "EXTEND_TIMEOUT_USEC=", 20) == 0) {
			ns_strv_push(statuses, m, strlen(m));
		} else {
			return m;
		}
		free(m);
	}
}

static void test_notify_ready_reload_stop(void **state)
{
	enum { NFILES = 300 };
	for (int i = 0; i < NFILES; i++) {
		char rel[64], text[160];
		snprintf(rel, sizeof rel, "desk%d/story%03d.txt", i % 7, i);
		snprintf(text, sizeof text, "Story %d\n\nThe harbour board met for "
		         "the %dth time.\n", i, i);
		put_file(rel, text);
	}
	char *conf = write_in_dir("nsearchd.conf", "[log]\nlevel = info\n", 0644);
	int nfd = notify_open();
	char *sock_env = NULL;
	assert_true(asprintf(&sock_env, "NOTIFY_SOCKET=%s/notify.sock",
	                     e2e_dir()) > 0);
	const char *env[] = {sock_env, "WATCHDOG_USEC=400000", NULL};
	const char *args[] = {"--config", conf, "--articles", e2e_tree(),
	                      "--index", e2e_index(), "--socket", e2e_sock(),
	                      NULL};
	spawn(args, env);

	int watchdogs = 0;
	ns_strv_t statuses = {0};
	char *m = notify_event(nfd, &watchdogs, &statuses);
	/* READY comes once the tree is reconciled: every file is in. */
	assert_non_null(strstr(m, "READY=1"));
	assert_non_null(strstr(m, "STATUS=ready: 300 articles"));
	free(m);
	json_t *st = status();
	assert_non_null(st);
	assert_true(json_is_true(json_object_get(st, "ready")));
	assert_int_equal(json_integer_value(json_object_get(st, "documents")),
	                 NFILES);
	json_decref(st);
	/* While it reconciled it said how much was left. */
	assert_true(statuses.n >= 1);
	assert_non_null(strstr(statuses.v[0], "STATUS=reconciling the tree with "
	                       "the index: "));
	assert_non_null(strstr(statuses.v[0], " files left"));
	ns_strv_clear(&statuses);

	/* The watchdog is fed about every 200 ms (half of WATCHDOG_USEC). */
	int before = watchdogs;
	unsigned long long t0 = ns_now_ms();
	while (watchdogs < before + 3) {
		m = notify_next(nfd);
		watchdogs += strcmp(m, "WATCHDOG=1") == 0;
		free(m);
	}
	assert_true(ns_now_ms() - t0 < 3000);

	/* SIGHUP: RELOADING, then READY again. */
	kill(e2e_pid(), SIGHUP);
	m = notify_event(nfd, &watchdogs, &statuses);
	assert_true(strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	free(m);
	m = notify_event(nfd, &watchdogs, &statuses);
	assert_true(strncmp(m, "READY=1\nSTATUS=ready: 300 articles", 34) == 0);
	free(m);
	wait_log("main: reloaded: nothing changed");

	/* SIGTERM: STOPPING, then a clean exit. */
	kill(e2e_pid(), SIGTERM);
	m = notify_event(nfd, &watchdogs, &statuses);
	assert_true(strncmp(m, "STOPPING=1", 10) == 0);
	free(m);
	assert_int_equal(wait_exit(), 0);
	ns_strv_clear(&statuses);
	close(nfd);
	free(sock_env);
	free(conf);
}

/* ---- socket activation ---- */

static void test_socket_activation(void **state)
{
	put_file("world/ferry.txt", "Ferry crews strike\n\nThe ferry crews "
	         "walked out at dawn.\n");
	char *tok = write_in_dir("token", token, 0600);
	unsigned port = free_port();
	char *tcp = NULL, *unused = in_dir("unused.sock");
	assert_true(asprintf(&tcp, "127.0.0.1:%u", port) > 0);
	/* systemd-socket-activate listens, and on the first connection execs
	 * the daemon with the sockets as systemd passes them ($LISTEN_FDS). */
	const char *args[] = {
		"-l", e2e_sock(), "-l", tcp,
		"-E", "ASAN_OPTIONS", "-E", "UBSAN_OPTIONS",
		getenv("NSEARCHD"), "--config", "/dev/null",
		"--articles", e2e_tree(), "--index", e2e_index(),
		"--socket", unused, "--token-file", tok, NULL,
	};
	spawn_prog("systemd-socket-activate", args, NULL);
	/* Its socket is there before the daemon is. */
	struct stat sb;
	for (int i = 0; i < 500 && stat(e2e_sock(), &sb) < 0; i++)
		sleep_ms(10);
	assert_int_equal(stat(e2e_sock(), &sb), 0);

	/* This first connection starts the daemon and is answered by it. */
	wait_ready();
	json_t *r = search("ferry");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	wait_log("socket activation: 2 sockets from systemd");
	assert_true(log_has(e2e_sock()));
	/* The configured path is not used when systemd passes sockets. */
	assert_int_equal(stat(unused, &sb), -1);

	/* The passed TCP socket is under the token rule. */
	struct client c;
	tcp_open(&c, port, 0);
	assert_code(ask(&c, "{\"op\":\"status\"}\n"), "UNAUTHORIZED");
	assert_closed(&c);
	client_close(&c);
	tcp_open(&c, port, 0);
	auth(&c, token);
	r = ask(&c, "{\"op\":\"search\",\"q\":\"crews\"}\n");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	client_close(&c);

	/* A clean stop leaves systemd's socket file alone. */
	assert_int_equal(stop_daemon(), 0);
	assert_int_equal(stat(e2e_sock(), &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	free(tcp);
	free(tok);
	free(unused);
}

/* ---- the configuration file ---- */

static void test_every_option_takes_effect(void **state)
{
	put_file("world/kyiv.txt", "Kyiv metro extends\n\nThe Kyiv metro opened "
	         "two stations.\n");
	put_file("air/zeppelin.txt", "Zeppelin returns\n\nA zeppelin flew over "
	         "the harbour.\n");
	put_file("air/zephyr.txt", "Zephyr glider\n\nA zephyr carried the "
	         "glider.\n");
	put_file("notes/plan.draft", "Draft\n\nThe quokkaplan is secret.\n");
	char big[3000];
	memset(big, 'w', sizeof big);
	memcpy(big, "Big\n\n", 5);
	big[sizeof big - 1] = '\0';
	put_file("big.txt", big);
	char *syn = write_in_dir("synonyms.txt", "kyiv, kiev\n", 0644);
	char *tok = write_in_dir("token", token, 0600);
	unsigned port = free_port();
	struct group *gr = getgrnam("daemon");
	assert_non_null(gr);
	gid_t daemon_gid = gr->gr_gid;
	char *sock = in_dir("custom.sock");
	e2e_set_sock(sock);
	free(sock);
	char *index = in_dir("custom/index"), *text = NULL;
	assert_true(asprintf(&text,
		"; every option (tests/e2e/test_service.c)\n"
		"[articles]\n"
		"root = %s\n"
		"ignore = *.draft\n"
		"language = de\n"
		"max_file_size = 1K\n"
		"rescan_interval = 77\n"
		"[index]\n"
		"path = %s\n"
		"batch = 1\n"
		"commit_delay_ms = 60000\n"
		"[search]\n"
		"synonyms = %s\n"
		"max_expansion = 1\n"
		"query_timeout_ms = 4321\n"
		"max_results = 5\n"
		"max_offset = 20\n"
		"[socket]\n"
		"path = %s\n"
		"mode = 0640\n"
		"group = daemon\n"
		"[tcp]\n"
		"listen = %u\n"
		"token_file = %s\n"
		"[limits]\n"
		"max_connections = 4\n"
		"max_unauthenticated = 3\n"
		"auth_timeout = 30\n"
		"max_request_size = 2K\n"
		"max_pending = 1M\n"
		"max_pending_total = 2M\n"
		"idle_timeout = 2\n"
		"[log]\n"
		"level = debug\n",
		e2e_tree(), index, syn, e2e_sock(), port, tok) > 0);
	char *conf = write_in_dir("nsearchd.conf", text, 0644);
	const char *args[] = {"--config", conf, NULL};
	spawn(args, NULL);
	wait_ready();

	/* [socket]: where, with which mode and group. */
	struct stat sb;
	assert_int_equal(stat(e2e_sock(), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	assert_int_equal(sb.st_gid, daemon_gid);
	/* [index] path */
	char *glass = NULL;
	assert_true(asprintf(&glass, "%s/iamglass", index) > 0);
	assert_int_equal(stat(glass, &sb), 0);
	free(glass);
	/* [articles]: root, ignore, language, max_file_size */
	json_t *r = search("quokkaplan");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	r = search("zeppelin");
	assert_int_equal(nhits(r), 1);
	assert_string_equal(hit_str(r, 0, "language"), "de");
	json_decref(r);
	r = request_json(json_pack("{s:s}", "op", "problems"));
	char *dump = json_dumps(r, JSON_COMPACT);
	assert_non_null(strstr(dump, "\"path\":\"big.txt\""));
	assert_non_null(strstr(dump, "over the limit of 1024"));
	free(dump);
	json_decref(r);
	/* [search]: synonyms, max_expansion */
	r = search("kiev");
	assert_int_equal(nhits(r), 1);
	assert_string_equal(hit_str(r, 0, "path"), "world/kyiv.txt");
	json_decref(r);
	assert_code(request_json(json_pack("{s:s, s:s}", "op", "search", "q",
	                                   "zep*")), "TOO_BROAD");
	/* max_results, max_offset */
	r = request_json(json_pack("{s:s, s:s, s:i, s:i}", "op", "search", "q",
	                           "zeppelin", "limit", 5, "offset", 20));
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	assert_code(request_json(json_pack("{s:s, s:s, s:i}", "op", "search",
	                                   "q", "zeppelin", "limit", 6)),
	            "BAD_REQUEST");
	assert_code(request_json(json_pack("{s:s, s:s, s:i}", "op", "search",
	                                   "q", "zeppelin", "offset", 21)),
	            "BAD_REQUEST");
	/* [index] batch = 1: a change is committed at once, although the
	 * commit delay is a minute. */
	unsigned long long t0 = ns_now_ms();
	put_file("air/blimp.txt", "Blimp\n\nThe blimpworthy craft landed.\n");
	json_decref(wait_hits("blimpworthy", 1));
	assert_true(ns_now_ms() - t0 < 10000);
	/* [tcp]: loopback, with the token. */
	struct client c;
	tcp_open(&c, port, 0);
	auth(&c, token);
	r = ask(&c, "{\"op\":\"search\",\"q\":\"zephyr\"}\n");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	client_close(&c);
	char *where = NULL;
	assert_true(asprintf(&where, "listening on %s, 127.0.0.1:%u (TCP)",
	                     e2e_sock(), port) > 0);
	assert_true(log_has(where));
	free(where);
	/* [limits] max_request_size */
	assert_true(client_open(&c));
	char line[3000];
	memset(line, ' ', sizeof line);
	memcpy(line, "{\"op\":\"status\"}", 15);
	line[sizeof line - 1] = '\n';
	client_send(&c, line, sizeof line);
	r = client_recv(&c);
	assert_non_null(strstr(json_string_value(json_object_get(
		json_object_get(r, "error"), "message")), "longer than 2048 bytes"));
	assert_code(r, "LINE_TOO_LONG");
	client_close(&c);
	/* [limits] max_connections: the fifth is told and closed, the four
	 * are served. */
	struct client held[4];
	assert_true(client_open(&held[0]));
	/* Until the daemon has seen the clients above leave: the one
	 * asking is the only one left. */
	for (int i = 0; i < 500; i++) {
		json_t *st = ask(&held[0], "{\"op\":\"status\"}\n");
		json_int_t open = json_integer_value(json_object_get(st,
		                                                     "connections"));
		json_decref(st);
		if (open == 1)
			break;
		sleep_ms(10);
	}
	for (int i = 1; i < 4; i++)
		assert_true(client_open(&held[i]));
	assert_true(client_open(&c));
	assert_code(client_recv(&c), "TOO_MANY_CONNECTIONS");
	assert_closed(&c);
	client_close(&c);
	for (int i = 0; i < 4; i++) {
		r = ask(&held[i], "{\"op\":\"status\"}\n");
		assert_true(json_is_true(json_object_get(r, "ok")));
		json_decref(r);
		client_close(&held[i]);
	}
	/* [limits] idle_timeout: silent for 2 s, told, closed. */
	assert_true(client_open(&c));
	t0 = ns_now_ms();
	r = client_recv(&c);
	unsigned long long idle = ns_now_ms() - t0;
	assert_code(r, "IDLE_TIMEOUT");
	assert_closed(&c);
	client_close(&c);
	assert_true(idle >= 1900 && idle < 6000);
	/* [log] level = debug */
	assert_true(log_has("nsearchd: debug: server: conn "));
	/* What has no outward effect here, the daemon still took from the
	 * file: [articles] rescan_interval, [search] query_timeout_ms,
	 * [limits] max_pending (see test_slow_client_cut_off),
	 * max_unauthenticated, auth_timeout and max_pending_total (see
	 * test_overload.c). */
	int rc;
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "'%s' --config '%s' --check-config 2>&1",
	                     getenv("NSEARCHD"), conf) > 0);
	char *out = run_capture(cmd, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "rescan_interval = 77   ; "));
	assert_non_null(strstr(out, "query_timeout_ms = 4321   ; "));
	assert_non_null(strstr(out, "max_pending = 1M   ; "));
	assert_non_null(strstr(out, "max_unauthenticated = 3   ; "));
	assert_non_null(strstr(out, "auth_timeout = 30   ; "));
	assert_non_null(strstr(out, "max_pending_total = 2M   ; "));
	free(out);

	free(conf);
	free(text);
	free(index);
	free(syn);
	free(tok);
}

static void test_flags_override_file(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	char *elsewhere = in_dir("from-file.sock"), *text = NULL;
	assert_true(asprintf(&text, "[socket]\npath = %s\n[log]\nlevel = warning\n"
	                     "[index]\nbatch = 500\n", elsewhere) > 0);
	char *conf = write_in_dir("nsearchd.conf", text, 0644);
	const char *args[] = {"--config", conf, "--articles", e2e_tree(),
	                      "--index", e2e_index(), "--socket", e2e_sock(),
	                      NULL};
	spawn(args, NULL);
	wait_ready();
	/* The flag's socket, not the file's; the file's level. */
	struct stat sb;
	assert_int_equal(stat(elsewhere, &sb), -1);
	/* Made with the default mode: the owner and the group only. */
	assert_int_equal(stat(e2e_sock(), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
	json_t *r = search("alphaword");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	assert_false(log_has("info:"));
	assert_false(log_has("notice:"));

	int rc;
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "'%s' --config '%s' --articles '%s' --socket "
	                     "'%s' --batch 9 --check-config 2>&1",
	                     getenv("NSEARCHD"), conf, e2e_tree(),
	                     e2e_sock()) > 0);
	char *out = run_capture(cmd, &rc);
	assert_int_equal(rc, 0);
	char *want = NULL;
	assert_true(asprintf(&want, "path = %s   ; --socket\n",
	                     e2e_sock()) > 0);
	assert_non_null(strstr(out, want));
	free(want);
	assert_true(asprintf(&want, "level = warning   ; %s:4\n", conf) > 0);
	assert_non_null(strstr(out, want));
	free(want);
	assert_non_null(strstr(out, "batch = 9   ; --batch\n"));
	free(out);
	free(conf);
	free(text);
	free(elsewhere);
}

static void test_bad_file_refused(void **state)
{
	char *conf = write_in_dir("bad.conf", "[index]\nbatch = 10\n\n"
	                          "[limits]\nmax_connections = many\n", 0644);
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "'%s' --config '%s' --articles '%s' --index "
	                     "'%s' --socket '%s' 2>&1", getenv("NSEARCHD"), conf,
	                     e2e_tree(), e2e_index(), e2e_sock()) > 0);
	int rc;
	char *out = run_capture(cmd, &rc);
	assert_int_equal(rc, 2);
	char *want = NULL;
	assert_true(asprintf(&want, "nsearchd: %s:5: [limits] max_connections: "
	                     "not a number from 1 to 65536: \"many\"\n", conf) > 0);
	assert_string_equal(out, want);
	free(want);
	free(out);
	struct stat sb;
	assert_int_equal(stat(e2e_sock(), &sb), -1); /* never started */

	/* --check-config says the same, and prints nothing else. */
	assert_true(asprintf(&cmd, "'%s' --config '%s' --check-config 2>&1",
	                     getenv("NSEARCHD"), conf) > 0);
	out = run_capture(cmd, &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "bad.conf:5: [limits] max_connections"));
	assert_null(strstr(out, "[index]"));
	free(out);
	/* A file that parses but names what is not there fails the checks. */
	free(conf);
	conf = write_in_dir("missing.conf", "[articles]\nroot = /nonexistent/tree\n",
	                    0644);
	assert_true(asprintf(&cmd, "'%s' --config '%s' --check-config 2>&1",
	                     getenv("NSEARCHD"), conf) > 0);
	out = run_capture(cmd, &rc);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "root = /nonexistent/tree   ; "));
	assert_non_null(strstr(out, "missing.conf:2): No such file or directory"));
	free(out);
	free(conf);
}

static void test_reload_applied_and_refused(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	char *conf = write_in_dir("nsearchd.conf", "[limits]\nidle_timeout = 0\n"
	                          "[log]\nlevel = info\n", 0644);
	const char *args[] = {"--config", conf, "--articles", e2e_tree(),
	                      "--index", e2e_index(), "--socket", e2e_sock(),
	                      NULL};
	spawn(args, NULL);
	wait_ready();
	assert_false(log_has("debug:"));

	/* A good file: applied without a restart. */
	free(write_in_dir("nsearchd.conf", "[limits]\nidle_timeout = 1\n[log]\n"
	             "level = debug\n[articles]\nlanguage = fr\n", 0644));
	kill(e2e_pid(), SIGHUP);
	wait_log("main: reloaded: [limits] idle_timeout 0 -> 1, [log] level "
	         "info -> debug");
	assert_true(log_has("reload: [articles] language changed: only a "
	                    "restart applies that"));
	struct client c;
	assert_true(client_open(&c));
	assert_code(client_recv(&c), "IDLE_TIMEOUT");
	assert_closed(&c);
	client_close(&c);
	wait_log("debug: server: conn ");
	json_t *r = search("alphaword"); /* the index in force stays */
	assert_int_equal(nhits(r), 1);
	json_decref(r);

	/* A bad file: refused, with its line; the configuration in force
	 * stays whole. */
	free(write_in_dir("nsearchd.conf", "[limits]\nidle_timeout = 0\n[log]\n"
	             "level = shout\n", 0644));
	kill(e2e_pid(), SIGHUP);
	char *want = NULL;
	assert_true(asprintf(&want, "reload refused: %s:4: [log] level: not a "
	                     "level (err, warning, notice, info, debug): "
	                     "\"shout\"; the configuration in force is "
	                     "unchanged", conf) > 0);
	wait_log(want);
	free(want);
	assert_true(client_open(&c));
	assert_code(client_recv(&c), "IDLE_TIMEOUT"); /* still 1 s */
	client_close(&c);
	r = search("alphaword");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	free(conf);
}

/* ---- TCP and limits ---- */

static void test_tcp_token(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	unsigned port = free_port();
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%u", port);
	char *tok = write_in_dir("token", token, 0644);
	const char *args[] = {"--config", "/dev/null", "--articles",
	                      e2e_tree(), "--index", e2e_index(), "--socket",
	                      e2e_sock(), "--tcp", portstr, "--token-file", tok,
	                      NULL};
	/* A token others can read is refused: the daemon does not start. */
	spawn(args, NULL);
	assert_int_equal(wait_exit(), 1);
	assert_true(log_has("must belong to the daemon's user (uid "));
	assert_true(log_has("and be readable by no one else (mode 0644; "
	                    "chmod 600)"));
	/* And TCP without a token at all. */
	const char *no_token[] = {"--config", "/dev/null", "--articles",
	                          e2e_tree(), "--index", e2e_index(),
	                          "--socket", e2e_sock(), "--tcp", portstr,
	                          NULL};
	spawn(no_token, NULL);
	assert_int_equal(wait_exit(), 2); /* never retried by systemd */
	assert_true(log_has("[tcp] listen (--tcp) needs [tcp] token_file"));

	assert_int_equal(chmod(tok, 0600), 0);
	spawn(args, NULL);
	wait_ready();
	struct client c;
	/* No token: the first request is refused and the connection closed. */
	tcp_open(&c, port, 0);
	json_t *r = ask(&c, "{\"id\":1,\"op\":\"search\",\"q\":\"alphaword\"}\n");
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
	assert_code(r, "UNAUTHORIZED");
	assert_closed(&c);
	client_close(&c);
	/* A wrong token, even one that shares the right one's start. */
	tcp_open(&c, port, 0);
	r = ask(&c, "{\"id\":2,\"op\":\"auth\",\"token\":"
	        "\"correct-horse-battery-staple-8\"}\n");
	assert_code(r, "UNAUTHORIZED");
	assert_closed(&c);
	client_close(&c);
	tcp_open(&c, port, 0);
	assert_code(ask(&c, "{\"op\":\"auth\"}\n"), "UNAUTHORIZED");
	assert_closed(&c);
	client_close(&c);
	/* The right one: then requests as on the Unix socket. */
	tcp_open(&c, port, 0);
	auth(&c, token);
	r = ask(&c, "{\"id\":3,\"op\":\"search\",\"q\":\"alphaword\"}\n");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	r = ask(&c, "{\"op\":\"status\"}\n");
	assert_true(json_is_true(json_object_get(r, "ready")));
	json_decref(r);
	client_close(&c);
	/* The first failure is logged; those that follow within a second
	 * are counted (test_overload.c). */
	wait_log("refused: the first request must be {\"op\":\"auth\"");
	free(tok);
}

static void test_slow_client_cut_off(void **state)
{
	/* Replies of a few kilobytes each. */
	for (int i = 0; i < 40; i++) {
		char rel[32], text[1200];
		snprintf(rel, sizeof rel, "port/%02d.txt", i);
		int n = snprintf(text, sizeof text, "Harbour report %d\n\n", i);
		while (n < (int)sizeof text - 60)
			n += snprintf(text + n, sizeof text - (size_t)n, "The harbour "
			              "pilots logged vessel %d arriving. ", i);
		put_file(rel, text);
	}
	unsigned port = free_port();
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%u", port);
	char *tok = write_in_dir("token", token, 0600);
	const char *args[] = {"--config", "/dev/null", "--articles",
	                      e2e_tree(), "--index", e2e_index(), "--socket",
	                      e2e_sock(), "--tcp", portstr, "--token-file", tok,
	                      "--max-pending", "64K", NULL};
	spawn(args, NULL);
	wait_ready();

	/* A sends search after search and reads nothing. */
	struct client a, b;
	tcp_open(&a, port, 4096);
	auth(&a, token);
	tcp_open(&b, port, 0);
	auth(&b, token);
	const char *req = "{\"op\":\"search\",\"q\":\"harbour\",\"limit\":40}\n";
	size_t sent = 0;
	bool cut = false;
	for (int i = 0; i < 5000 && !cut; i++) {
		if (send(a.fd, req, strlen(req), MSG_DONTWAIT) ==
		    (ssize_t)strlen(req))
			sent++;
		if (i % 50 == 49) {
			/* B is served all along. */
			json_t *r = ask(&b, "{\"op\":\"search\",\"q\":\"pilots\","
			                "\"limit\":1}\n");
			assert_int_equal(nhits(r), 1);
			json_decref(r);
			cut = log_has("cut off: ");
		}
	}
	wait_log("cut off: ");
	assert_true(log_has("bytes of replies not read; the limit is 65536"));
	json_t *r = ask(&b, "{\"op\":\"status\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);

	/* A reads at last: the replies sent before the limit, then why it
	 * was cut off, then the end. */
	size_t replies = 0;
	for (;;) {
		r = client_recv(&a);
		if (!json_is_true(json_object_get(r, "ok")))
			break;
		replies++;
		json_decref(r);
	}
	assert_true(json_is_null(json_object_get(r, "id")));
	assert_code(r, "SLOW_CLIENT");
	assert_closed(&a);
	assert_true(replies > 0 && replies < sent);
	client_close(&a);
	r = ask(&b, "{\"op\":\"search\",\"q\":\"pilots\",\"limit\":1}\n");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	client_close(&b);
	free(tok);
}

/* ---- logging ---- */

static void test_journal_prefixes(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	char *log = log_path();
	assert_int_equal(write_file(log, "", 0), 0);
	struct stat sb;
	assert_int_equal(stat(log, &sb), 0);
	/* stderr is the stream systemd says is the journal's: <N> prefixes. */
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
	wait_log("<5>main: ready: 1 articles in the index");
	assert_true(log_has("<6>main: nsearchd "));
	assert_false(log_has("nsearchd: notice:"));
	assert_int_equal(stop_daemon(), 0);
	assert_true(log_has("<5>main: stopped\n"));

	/* stderr is something else (a redirection): plain lines. */
	assert_int_equal(write_file(log, "", 0), 0);
	const char *other[] = {"JOURNAL_STREAM=1:1", NULL};
	spawn(args, other);
	wait_ready();
	wait_log("nsearchd: notice: main: ready: 1 articles in the index");
	assert_false(log_has("<5>"));
	free(stream);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		svc_test(test_notify_ready_reload_stop),
		svc_test(test_socket_activation),
		svc_test(test_every_option_takes_effect),
		svc_test(test_flags_override_file),
		svc_test(test_bad_file_refused),
		svc_test(test_reload_applied_and_refused),
		svc_test(test_tcp_token),
		svc_test(test_slow_client_cut_off),
		svc_test(test_journal_prefixes),
	};
	return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}
