/* test_chaos.c - the whole topology killed at random points under load
 * (docs/scaling.md, "Killing it at random"): a primary serving replication, a replica
 * following it, a copy of the primary's index split into three shards
 * each served by xapian-tcpsrv, and a front over them.  While two client
 * threads search the front and the replica, a seeded schedule (printed;
 * NS_CHAOS_SEED replays it) kills or stops a shard, kills the replica or
 * the primary, and brings it back.  Every reply must come within a bound
 * and be right: complete, or marked partial with exactly the articles of
 * the shards that answered; the replica's from its copy, or refused while
 * it restarts.  At the end everything recovers by itself.  The client
 * threads never call cmocka: they note the first failure, and the main
 * thread fails with it.  Needs xapian-tools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chaos.h"
#include "svc.h"

#define ROUNDS 20

/* The processes the test started beyond the harness's primary. */
static struct {
	pid_t front, replica;
	pid_t srv[NSHARDS]; /* xapian-tcpsrv, each its own process group */
	unsigned port[NSHARDS];
	bool stopped[NSHARDS];
	int folder_of[NSHARDS]; /* shard K holds chaos_folders[folder_of[K]] */
	char *front_sock, *front_log, *rsock, *rindex, *rlog, *shards;
	char primary[32]; /* the primary's replication, "127.0.0.1:PORT" */
} T;

/* ---- every process killed on every way out ---- */

static void kill_all(void)
{
	for (int k = 0; k < NSHARDS; k++)
		if (T.srv[k] > 0) {
			kill(-T.srv[k], SIGCONT);
			kill(-T.srv[k], SIGKILL);
		}
	if (T.replica > 0)
		kill(T.replica, SIGKILL);
	if (T.front > 0)
		kill(T.front, SIGKILL);
	if (e2e_pid() > 0)
		kill(e2e_pid(), SIGKILL);
}

static void on_signal(int sig)
{
	kill_all(); /* kill() only: async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Fail with the client threads' first failure, if any. */
static void assert_no_failure(void)
{
	char msg[1024];
	if (chaos_failure(msg, sizeof msg))
		fail_msg("%s", msg);
}

static const char *error_code(json_t *reply)
{
	const char *c = json_string_value(
	        json_object_get(json_object_get(reply, "error"), "code"));
	return c ? c : "?";
}

/* ---- the processes ---- */

static void start_primary(void)
{
	const char *extra[] = { "--replication-listen", T.primary, NULL };
	start_daemon_with(extra);
}

/* NSEARCHD with ARGV (after the program's name; NULL-terminated), its
 * output appended to LOG; its pid. */
static pid_t spawn_nsearchd(const char *const *argv, const char *log)
{
	const char *full[24] = { getenv("NSEARCHD") };
	for (size_t i = 0; argv[i] && i < 22; i++)
		full[i + 1] = argv[i];
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(full[0], (char *const *)full);
		_exit(127);
	}
	return pid;
}

/* The replica follows every 100 ms; never out of rotation for lag (the
 * primary is down often): what is checked is that it answers. */
static void spawn_replica(void)
{
	const char *argv[] = { "--replica-of",
		               T.primary,
		               "--index",
		               T.rindex,
		               "--socket",
		               T.rsock,
		               "--replica-interval-ms",
		               "100",
		               "--max-lag",
		               "600",
		               "--min-revision-wait-ms",
		               "20000",
		               NULL };
	T.replica = spawn_nsearchd(argv, T.rlog);
}

static json_int_t int_of(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* SOCK's status, or NULL while nothing listens there (new). */
static json_t *try_status(const char *sock)
{
	char *keep = strdup(e2e_sock());
	e2e_set_sock(sock);
	json_t *st = status();
	e2e_set_sock(keep);
	free(keep);
	return st;
}

/* Poll SOCK's status until KEY is at least MIN (key NULL: until it
 * answers); the status (new).  PID must not exit; fail after 30 s. */
static json_t *wait_status(pid_t pid, const char *sock, const char *key,
                           json_int_t min)
{
	for (int i = 0; i < 3000; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			fail_msg("%s: the daemon exited", sock);
		json_t *st = try_status(sock);
		if (st && (!key || int_of(st, key) >= min))
			return st;
		json_decref(st);
		sleep_ms(10);
	}
	fail_msg("%s: status %s never reached %lld", sock, key ? key : "",
	         (long long)min);
	return NULL;
}

/* A copy of the primary's index, split into T.shards/shard-1..3, one
 * folder each (which one is the split's to say). */
static void make_shards(void)
{
	char *copy = in_dir("copy"), *cmd = NULL;
	int rc = -1;
	assert_true(asprintf(&cmd, "cp -a %s %s 2>&1", e2e_index(), copy) > 0);
	free(run_capture(cmd, &rc));
	assert_int_equal(rc, 0);
	assert_true(asprintf(&cmd, "%s --index %s --split-index %d %s 2>&1",
	                     getenv("NSEARCHD"), copy, NSHARDS, T.shards) > 0);
	char *out = run_capture(cmd, &rc);
	assert_int_equal(rc, 0);
	for (int k = 0; k < NSHARDS; k++) {
		char line[64];
		T.folder_of[k] = -1;
		for (int f = 0; f < NSHARDS; f++) {
			snprintf(line, sizeof line, "shard-%d: %s/ (%d)", k + 1,
			         chaos_folders[f], PER_FOLDER);
			if (strstr(out, line))
				T.folder_of[k] = f;
		}
		if (T.folder_of[k] < 0)
			fail_msg("shard-%d holds no one folder: %s", k + 1,
			         out);
	}
	chaos_set_layout(T.folder_of);
	free(out);
	free(copy);
}

static void start_shard(int k, bool same_port)
{
	char *db = NULL, *log = NULL;
	assert_true(asprintf(&db, "%s/shard-%d", T.shards, k + 1) > 0);
	assert_true(asprintf(&log, "%s/tcpsrv-%d.log", e2e_dir(), k) > 0);
	T.srv[k] = start_tcpsrv(db, log, &T.port[k], same_port);
	free(db);
	free(log);
}

static void kill_shard(int k)
{
	kill(-T.srv[k], SIGKILL);
	waitpid(T.srv[k], NULL, 0);
	T.srv[k] = 0;
}

/* The front over the three tcpsrv, each given 300 ms. */
static void spawn_front(void)
{
	char specs[128];
	snprintf(specs, sizeof specs, "127.0.0.1:%u,127.0.0.1:%u,127.0.0.1:%u",
	         T.port[0], T.port[1], T.port[2]);
	const char *argv[] = { "--shard",     specs,      "--shard-timeout-ms",
		               "300",         "--socket", T.front_sock,
		               "--log-level", "info",     NULL };
	T.front = spawn_nsearchd(argv, T.front_log);
}

/* The front's status once no shard is down (new). */
static json_t *wait_front_whole(void)
{
	for (int i = 0; i < 3000; i++) {
		json_t *st = wait_status(T.front, T.front_sock, NULL, 0);
		if (int_of(st, "shards") == NSHARDS &&
		    int_of(st, "shards_down") == 0)
			return st;
		json_decref(st);
		sleep_ms(10);
	}
	fail_msg("the front still had shards down after 30 s");
	return NULL;
}

static json_t *search_at(const char *sock, int query, json_int_t min_rev)
{
	json_t *req = json_pack("{s:s, s:s, s:i, s:b, s:b}", "op", "search",
	                        "q", chaos_queries[query], "limit", 100,
	                        "autocorrect", 0, "collapse", 0);
	if (min_rev)
		json_object_set_new(req, "min_revision", json_integer(min_rev));
	return request_at(sock, req);
}

/* A right and complete answer from the front (SOCK) or the replica. */
static void assert_whole(const char *sock, bool front, int query)
{
	json_t *r = search_at(sock, query, 0);
	char why[256];
	bool partial = true;
	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("%s: error %s", sock, error_code(r));
	if (chaos_check(r, query, front, &partial, why, sizeof why))
		fail_msg("%s: %s", sock, why);
	assert_false(partial);
	assert_int_equal(nhits(r), chaos_expected(query, -1));
	json_decref(r);
}

/* ---- the schedule ---- */

enum kind { SHARD_KILL, SHARD_STOP, REPLICA_KILL, PRIMARY_KILL, NKINDS };
static const char *const kind_names[] = { "kill -9 shard", "SIGSTOP shard",
	                                  "kill -9 replica",
	                                  "kill -9 primary" };

struct act {
	enum kind kind;
	int k; /* the shard */
};

static struct {
	uint32_t rng;
	unsigned shard_acts, replica_kills, primary_kills;
} S;

static uint32_t rnd(uint32_t n)
{
	S.rng ^= S.rng << 13; /* xorshift32: the same on every libc */
	S.rng ^= S.rng >> 17;
	S.rng ^= S.rng << 5;
	return S.rng % n;
}

static void begin(struct act a)
{
	switch (a.kind) {
	case SHARD_KILL:
		kill_shard(a.k);
		S.shard_acts++;
		break;
	case SHARD_STOP:
		kill(-T.srv[a.k], SIGSTOP);
		T.stopped[a.k] = true;
		S.shard_acts++;
		break;
	case REPLICA_KILL:
		chaos_replica_down(true);
		kill(T.replica, SIGKILL);
		waitpid(T.replica, NULL, 0);
		T.replica = 0;
		S.replica_kills++;
		break;
	default: kill_daemon(); S.primary_kills++;
	}
}

/* A's victim back, and answering. */
static void end(struct act a)
{
	switch (a.kind) {
	case SHARD_KILL:
		start_shard(a.k, true); /* the front knows it by its port */
		break;
	case SHARD_STOP:
		kill(-T.srv[a.k], SIGCONT);
		T.stopped[a.k] = false;
		break;
	case REPLICA_KILL:
		spawn_replica();
		json_decref(wait_status(T.replica, T.rsock, NULL, 0));
		chaos_replica_down(false);
		break;
	default: start_primary();
	}
}

/* Who A hits: shard 0..2, the replica 3, the primary 4. */
static int victim(struct act a)
{
	return a.kind <= SHARD_STOP ? a.k
	                            : NSHARDS + (int)a.kind - REPLICA_KILL;
}

/* Round R's one or two acts, on different victims: the first rounds
 * do each kind once, so that every kind is done whatever the seed. */
static size_t plan(unsigned r, const enum kind *first, struct act *acts)
{
	acts[0] = (struct act){ r < NKINDS ? first[r] : (enum kind)rnd(NKINDS),
		                (int)rnd(NSHARDS) };
	if (rnd(3) != 0)
		return 1;
	acts[1] = (struct act){ (enum kind)rnd(NKINDS), (int)rnd(NSHARDS) };
	return victim(acts[0]) != victim(acts[1]) ? 2 : 1;
}

/* ROUNDS rounds under load: the acts, a pause of 100 ms to 1 s (a
 * stopped shard always past the front's 300 ms), the victims back. */
static void run_schedule(void)
{
	enum kind first[NKINDS];
	for (int i = 0; i < NKINDS; i++)
		first[i] = (enum kind)i;
	for (int i = NKINDS - 1; i > 0; i--) {
		int j = (int)rnd((uint32_t)i + 1);
		enum kind t = first[i];
		first[i] = first[j];
		first[j] = t;
	}
	for (unsigned r = 0; r < ROUNDS; r++) {
		struct act acts[2];
		size_t n = plan(r, first, acts);
		long ms = 100 + (long)rnd(900);
		for (size_t i = 0; i < n; i++) {
			if (acts[i].kind == SHARD_STOP && ms < 400)
				ms = 400;
			if (acts[i].kind <= SHARD_STOP)
				print_message("round %u: %s %d\n", r + 1,
				              kind_names[acts[i].kind],
				              acts[i].k + 1);
			else
				print_message("round %u: %s\n", r + 1,
				              kind_names[acts[i].kind]);
			begin(acts[i]);
		}
		char rel[32];
		snprintf(rel, sizeof rel, "chaos/z%02u.md", r);
		put_file(rel, "# Zeppelin\n\nA zeppelin over the docks.\n");
		sleep_ms(ms);
		for (size_t i = n; i-- > 0;)
			end(acts[i]);
		/* Found again by the front itself before the next round: a
		 * shard back but not yet probed counts as down, and one more
		 * down then could leave none (UNAVAILABLE). */
		json_decref(wait_front_whole());
		assert_no_failure();
		sleep_ms(50 + (long)rnd(250));
	}
}

/* ---- the test ---- */

static bool have_xapian_tools(void)
{
	return access("/usr/bin/xapian-tcpsrv", X_OK) == 0 &&
	       access("/usr/bin/xapian-replicate", X_OK) == 0 &&
	       access("/usr/bin/xapian-replicate-server", X_OK) == 0;
}

/* The primary, the replica, the shards and the front, each answering
 * right; false when this build cannot search through xapian-tcpsrv. */
static bool start_topology(void)
{
	snprintf(T.primary, sizeof T.primary, "127.0.0.1:%u", free_port());
	chaos_put_articles();
	start_primary();
	json_t *r = search_at(e2e_sock(), 0, 0); /* ready: all committed */
	assert_int_equal(nhits(r), chaos_expected(0, -1));
	json_decref(r);
	make_shards();
	spawn_replica();
	json_decref(wait_status(T.replica, T.rsock, "documents",
	                        (json_int_t)chaos_expected(0, -1)));
	for (int k = 0; k < NSHARDS; k++)
		start_shard(k, false);
	spawn_front();
	json_decref(wait_front_whole());
	r = search_at(T.front_sock, 0, 0);
	const char *msg = json_string_value(
	        json_object_get(json_object_get(r, "error"), "message"));
	bool remote = !msg || !strstr(msg, "serialise() not supported");
	if (!remote) /* as in test_shards: the shim is not remote-safe */
		print_message("remote search unsupported by this shim: %s\n",
		              msg);
	json_decref(r);
	for (int q = 0; remote && q < 2; q++) {
		assert_whole(T.front_sock, true, q);
		assert_whole(T.rsock, false, q);
	}
	return remote;
}

/* After the chaos: the front whole again by itself, its counters what
 * the clients saw, and the replica level with the primary's writes. */
static void assert_recovered(void)
{
	json_t *st = wait_front_whole();
	assert_whole(T.front_sock, true, 0);
	json_int_t losses = int_of(st, "shard_losses");
	struct chaos_counts n;
	chaos_counts(&n);
	print_message("front: %u complete, %u partial, slowest %.2f s; "
	              "shard_losses %lld after %u shard acts; replica: %u "
	              "answers, %u refused\n",
	              n.complete, n.partial, n.slowest, (long long)losses,
	              S.shard_acts, n.replica_ok, n.replica_refused);
	/* A loss is found by a search, which then answers without that
	 * shard: never more losses than partial answers.  Not at most one
	 * a kill or stop: on a loaded machine (TSan) a shard that answers
	 * late is lost too, and CI once saw 14 after 11 acts. */
	assert_true(n.partial > 0);
	assert_true(losses >= 1 && losses <= (json_int_t)n.partial);
	assert_int_equal(int_of(st, "partial_answers"), n.partial);
	json_decref(st);
	assert_true(n.replica_ok > 0);

	put_file("2025/late.md", "# Late\n\nThe zeppelin landed late.\n");
	json_t *w = wait_for("2025/late.md");
	json_int_t rev = int_of(w, "revision");
	json_decref(w);
	json_t *r = request_at(
	        T.rsock, json_pack("{s:s, s:s, s:i, s:b, s:I}", "op", "search",
	                           "q", "zeppelin", "limit", 100, "collapse", 0,
	                           "min_revision", rev));
	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("replica: %s", json_dumps(r, JSON_COMPACT));
	assert_true(int_of(r, "revision") >= rev);
	/* Every write of the rounds, and the last one. */
	assert_int_equal(nhits(r), ROUNDS + 1);
	json_decref(r);
}

static void test_chaos(void **state)
{
	(void)state;
	if (!have_xapian_tools())
		skip(); /* xapian-tools not installed */
	const char *env = getenv("NS_CHAOS_SEED");
	uint32_t seed = env ? (uint32_t)strtoul(env, NULL, 0)
	                    : (uint32_t)time(NULL) ^ (uint32_t)getpid();
	if (!seed)
		seed = 1; /* xorshift's one fixed point */
	print_message("chaos seed %u (NS_CHAOS_SEED=%u replays it)\n", seed,
	              seed);
	S.rng = seed;
	if (!start_topology())
		skip();
	chaos_clients_start(T.front_sock, T.rsock);
	run_schedule();
	chaos_clients_stop();
	assert_no_failure();
	assert_recovered();
}

static int setup(void **state)
{
	static bool once;
	if (!once) {
		atexit(kill_all);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		once = true;
	}
	if (svc_setup(state) != 0)
		return -1;
	memset(&T, 0, sizeof T);
	memset(&S, 0, sizeof S);
	T.front_sock = in_dir("front.sock");
	T.front_log = in_dir("front.log");
	T.rsock = in_dir("replica.sock");
	T.rindex = in_dir("replica-index");
	T.rlog = in_dir("replica.log");
	T.shards = in_dir("shards");
	return 0;
}

static void show_log(const char *name, const char *path)
{
	char *text = NULL;
	size_t len;
	if (ns_read_file(path, 1 << 20, &text, &len) == NS_OK)
		fprintf(stderr, "---- %s ----\n%s", name, text);
	free(text);
}

static int teardown(void **state)
{
	chaos_clients_stop();
	for (int k = 0; k < NSHARDS; k++)
		if (T.srv[k] > 0) {
			kill(-T.srv[k], SIGCONT);
			kill_shard(k);
		}
	int frc = T.front ? stop_pid(T.front) : 0;
	int rrc = T.replica ? stop_pid(T.replica) : 0;
	T.front = T.replica = 0;
	char why[8];
	if (frc != 0 || rrc != 0 || chaos_failure(why, sizeof why)) {
		show_log("front", T.front_log);
		show_log("replica", T.rlog);
		fprintf(stderr, "front exit %d, replica exit %d\n", frc, rrc);
	}
	free(T.front_sock);
	free(T.front_log);
	free(T.rsock);
	free(T.rindex);
	free(T.rlog);
	free(T.shards);
	int rc = svc_teardown(state);
	return frc == 0 && rrc == 0 ? rc : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chaos, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
