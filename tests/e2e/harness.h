/* harness.h - what the end-to-end tests share (harness.c, built once as
 * a library every e2e program links): a temporary tree, index and socket,
 * the real nsearchd started and stopped on them, and a client that speaks
 * the protocol.  The environment is the harness's: tests read it through
 * e2e_tree() and its siblings, and change it only through the setters.
 * Every helper fails the running cmocka test when what it needs does not
 * happen; none returns an error to check unless it says so. */
#ifndef NS_E2E_HARNESS_H
#define NS_E2E_HARNESS_H

/* cmocka's own headers first, in the order it needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "core/util.h"
#include "testutil.h"

/* ---- the environment ---- */

/* Make the temporary directory, the tree in it and the paths of the
 * index and the socket: a group's or a test's setup.  0, or -1. */
int e2e_make_dirs(void);
/* Stop the daemon (it must exit 0: a leak or a crash under the sanitizers
 * does not) and remove everything: 0, or -1 when it did not exit 0. */
int e2e_teardown(void);

/* The temporary directory everything is in, the articles directory, the
 * index and the socket (borrowed: valid until changed or torn down). */
const char *e2e_dir(void);
const char *e2e_tree(void);
const char *e2e_index(void);
const char *e2e_sock(void);
/* Another articles directory, index or socket for the daemons started
 * from now on (copied). */
void e2e_set_tree(const char *path);
void e2e_set_index(const char *path);
void e2e_set_sock(const char *path);
/* The daemon the harness started and will stop; 0 when none. */
pid_t e2e_pid(void);
/* For a spawner of its own (svc.c): the process the harness stops. */
void e2e_set_pid(pid_t pid);

void sleep_ms(long ms);

/* ---- files in the tree ---- */

/* Write LEN bytes at REL in the tree, making its directories. */
void put_bytes(const char *rel, const char *data, size_t len);
void put_file(const char *rel, const char *text);
/* A JSON article at REL (docs/formats.md): TITLE, BODY, language "en",
 * and SECTION unless NULL. */
void put_json_article(const char *rel, const char *title, const char *body,
                      const char *section);
void remove_file(const char *rel);
/* Copy the directory SRC into the tree at REL ("" for its root). */
void copy_tree(const char *src, const char *rel);

/* ---- a client connection with its own line buffer ---- */

struct client {
	int fd;
	ns_buf_t in;
};

/* Connect to e2e_sock(), with a 20 s receive timeout; false when the
 * daemon does not answer there. */
bool client_open(struct client *c);
void client_close(struct client *c);
void client_send(struct client *c, const char *data, size_t len);
/* The next reply line, parsed (new reference). */
json_t *client_recv(struct client *c);
/* LINE (with its newline) sent, and the next reply. */
json_t *ask(struct client *c, const char *line);

/* ---- requests on a fresh connection; replies are new references ---- */

/* REQ (a reference this takes). */
json_t *request_json(json_t *req);
/* A request built with json_pack's FMT. */
json_t *request(const char *fmt, ...);
/* One search for Q as typed, every copy of an article a hit (neither
 * autocorrection nor collapsing: the tests ask what the index holds),
 * which must succeed. */
json_t *search(const char *q);
/* Poll until a search for Q has N hits; fail after 10 s. */
json_t *wait_hits(const char *q, size_t n);
/* {"op":"status"}; NULL when the daemon does not answer. */
json_t *status(void);
/* {"op":"wait"} for PATH (NULL: every change so far), which must
 * succeed. */
json_t *wait_for(const char *path);

/* ---- replies ---- */

size_t nhits(json_t *reply);
/* Hit I's string KEY (borrowed from REPLY), which must be there. */
const char *hit_str(json_t *reply, size_t i, const char *key);
/* The paths of a search's hits, in order, joined by spaces (new). */
char *paths_of(json_t *reply);
/* The hits' paths are EXPECTED, in order; frees REPLY. */
void assert_paths(json_t *reply, const char *expected);
/* The hits are the N paths given, in any order (for queries ranked by
 * relevance where the set matters); frees REPLY. */
void assert_path_set(json_t *reply, size_t n, ...);

/* ---- the daemon ---- */

/* Start nsearchd on the tree, index and socket, with EXTRA options (a
 * NULL-terminated list, or NULL); do not wait for it.  WRAPPER (a
 * NULL-terminated list, or NULL) is a command that runs it, found in
 * $PATH, given the daemon's command line after its own arguments (and
 * expected to exec it, so that e2e_pid() is the daemon's).  0, or the
 * errno value of an exec that failed (then nothing runs). */
int spawn_daemon_wrapped(const char *const *wrapper,
                         const char *const *extra);
void spawn_daemon(const char *const *extra);
/* Wait until the daemon answers and its start-up scan is committed. */
void wait_ready(void);
void start_daemon(void);
void start_daemon_with(const char *const *extra);
/* kill -9, as a crash or a power cut of the process would. */
void kill_daemon(void);
/* SIGTERM and wait; the exit status (or -1). */
int stop_daemon(void);
/* The same for another process of the test's, PID (its child; 0: none):
 * SIGKILL after 20 s, and then -1. */
int stop_pid(pid_t pid);

/* ---- commands ---- */

/* Run the shell command CMD (freed here); its output, stdout and stderr
 * (new), and its exit status. */
char *run_capture(char *cmd, int *exit_status);
/* Run nsearch-cli with ARGS against the test daemon. */
char *run_cli(const char *args, int *exit_status);

#endif
