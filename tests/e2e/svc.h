/* svc.h - what the tests of nsearchd as a service share, on top of
 * harness.h (svc.c, in the same library): the daemon started with its own
 * arguments and environment, its log read back, TCP clients with a token,
 * and what a client over a limit is told. */
#ifndef NS_E2E_SVC_H
#define NS_E2E_SVC_H

#include <sys/stat.h>

#include "harness.h"

/* ---- the daemon, with its own arguments, environment and log ---- */

/* e2e_dir()/daemon.log, where spawn() sends the daemon's output (new). */
char *log_path(void);
/* Run PROG (NULL: nsearchd) with ARGS (NULL-terminated, after the program
 * name) and ENV ("K=V", NULL-terminated, may be NULL) added to ours;
 * stdout and stderr go to log_path().  Does not wait: e2e_pid() is the
 * process. */
void spawn_prog(const char *prog, const char *const *args,
                const char *const *env);
/* spawn_prog() of nsearchd. */
void spawn(const char *const *args, const char *const *env);
/* The log so far (new; "" when there is none). */
char *read_log(void);
bool log_has(const char *what);
/* Poll the log until it says WHAT; fail after 10 s. */
void wait_log(const char *what);
/* Wait for the daemon to exit; its exit status, or -1 after 10 s. */
int wait_exit(void);

/* ---- files beside the tree ---- */

/* NAME under e2e_dir() (new). */
char *in_dir(const char *name);
/* Write TEXT to e2e_dir()/NAME with MODE; the path (new). */
char *write_in_dir(const char *name, const char *text, mode_t mode);

/* ---- TCP ---- */

/* A TCP port nobody listens on now. */
unsigned free_port(void);
/* Connect C to 127.0.0.1:PORT, with a receive buffer of RCVBUF bytes (0:
 * the kernel's) and a 20 s receive timeout. */
void tcp_open(struct client *c, unsigned port, int rcvbuf);
/* Send the token TOK on C; it must be accepted. */
void auth(struct client *c, const char *tok);
/* xapian-tcpsrv serving DB on 127.0.0.1:*PORT, its output in LOG, in a
 * process group of its own (signal -PID to reach its forked children
 * too); started again on "address in use": on another free port into
 * *PORT, or on *PORT itself when SAME_PORT.  Its pid, once it listens. */
pid_t start_tcpsrv(const char *db, const char *log, unsigned *port,
                   bool same_port);

/* REQ (a reference this takes) on a fresh connection to SOCK, another
 * daemon's socket than e2e_sock(); the reply. */
json_t *request_at(const char *sock, json_t *req);

/* ---- HTTP ---- */

/* METHOD PATH on the HTTP Unix socket SOCK (no body, no token: the
 * daemon's own user needs none): the status line's code, and the body
 * into *BODY (new). */
int http_unix(const char *sock, const char *method, const char *path,
              char **body);

/* ---- replies and connections ---- */

/* The reply is an error with CODE; frees it. */
void assert_code(json_t *r, const char *code);
/* The daemon closes C: the next read is the end of the stream. */
void assert_closed(struct client *c);

/* A cmocka group's setup and teardown: SIGPIPE ignored, then
 * e2e_make_dirs(); e2e_teardown(). */
int svc_setup(void **state);
int svc_teardown(void **state);
/* A test with its own daemon, directory and teardown. */
#define svc_test(f) cmocka_unit_test_setup_teardown(f, svc_setup, svc_teardown)

#endif
