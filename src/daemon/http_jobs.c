/* http_jobs.c - HTTP requests that wait: searches on libuv's thread pool
 * (as the NDJSON server runs them, with the same reply encoders), and
 * publishing, whose file is written on a worker and which then waits for
 * the writer's barrier (the machinery of {"op":"wait"}) before it replies
 * with what was indexed.  A request the client abandoned is let go when
 * H2O disposes of it (the guard in its pool). */
#include "daemon/http_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/log.h"
#include "core/proto_replica.h"
#include "core/safepath.h"
#include "daemon/answer.h"
#include "daemon/metrics.h"
#include "parse/article.h"

#define LOG_MOD "http"
/* How long a publish waits for its article to be searchable. */
#define PUBLISH_WAIT_MS 30000

/* ---- jobs ---- */

static void on_req_disposed(void *p)
{
	struct job *j = *(struct job **)p;
	if (j) {
		j->req = NULL;
		j->guard = NULL;
	}
}

struct job *ns_http_job_new(ns_http_t *s, h2o_req_t *req, enum route r)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->srv = s;
	j->req = req;
	j->route = r;
	j->start_us = ns_http_now_us();
	j->r.id = json_null();
	j->work.data = j;
	j->guard = h2o_mem_alloc_shared(&req->pool, sizeof *j->guard,
	                                on_req_disposed);
	*j->guard = j;
	s->jobs++;
	return j;
}

void ns_http_job_free(struct job *j)
{
	if (!j)
		return;
	ns_http_t *s = j->srv;
	if (j->guard)
		*j->guard = NULL;
	ns_request_clear(&j->r);
	free(j->reply);
	free(j->body);
	free(j);
	s->jobs--;
	ns_http_maybe_free(s);
}

/* Send J's reply (if its client is still there) and free J. */
static void finish(struct job *j)
{
	ns_http_t *s = j->srv;
	char *reply = j->reply;
	j->reply = NULL;
	if (j->req) {
		h2o_req_t *req = j->req;
		*j->guard = NULL;
		j->guard = NULL;
		if (j->status && !j->code && reply) {
			ns_http_send(s, req, j->status, "application/json", reply,
			             strlen(reply), j->etag);
			free(reply);
		} else {
			ns_http_send_line(s, req, j->route, reply, j->code, j->etag);
		}
	} else {
		free(reply);
	}
	ns_http_job_free(j);
}

static void fail(struct job *j, const char *code, const char *msg)
{
	uint64_t rev = j->srv->o.h.revision ? j->srv->o.h.revision(j->srv->o.h.ctx)
	                                    : 0;
	free(j->reply);
	j->code = code;
	j->reply = ns_proto_error_reply(j->r.id, rev, code, msg);
}

/* ---- ETags: the XXH3 hash of a file's bytes ---- */

static void etag_of(const char *data, size_t len, char out[24])
{
	snprintf(out, 24, "\"%016llx\"",
	         (unsigned long long)XXH3_64bits(data, len));
}

/* The ETag of the open file FD into OUT; false when it cannot be read. */
static bool etag_of_fd(int fd, char out[24])
{
	XXH3_state_t *st = XXH3_createState();
	char buf[65536];
	ssize_t n = 0;
	bool ok = st && XXH3_64bits_reset(st) == XXH_OK;
	while (ok && (n = read(fd, buf, sizeof buf)) > 0)
		ok = XXH3_64bits_update(st, buf, (size_t)n) == XXH_OK;
	if (ok && n == 0)
		snprintf(out, 24, "\"%016llx\"",
		         (unsigned long long)XXH3_64bits_digest(st));
	XXH3_freeState(st);
	return ok && n == 0;
}

/* ---- searches ---- */

static void get_etag(struct job *j)
{
	int fd = ns_open_beneath(j->srv->o.rootfd, j->r.path, O_RDONLY);
	if (fd >= 0) {
		if (!etag_of_fd(fd, j->etag))
			j->etag[0] = '\0';
		close(fd);
	}
}

static void query_work(uv_work_t *w)
{
	struct job *j = w->data;
	char *err = NULL;
	ns_asker_t who = {j->srv->o.h.querylog, "http", 0, j->start_us};
	ns_status_t st = ns_answer(j->srv->o.h.searcher, &j->r, &who, &j->reply,
	                           NULL, &err);
	if (st == NS_OK && j->r.op == NS_OP_GET)
		get_etag(j);
	if (st != NS_OK)
		fail(j, ns_server_code_of(st), st == NS_ERR_NOT_FOUND
		     ? "no article at this path in the index"
		     : err ? err : ns_status_str(st));
	free(err);
}

static void query_done(uv_work_t *w, int status)
{
	struct job *j = w->data;
	ns_metrics_observe(NS_PROTO_HTTP, j->r.op,
	                   (double)(ns_http_now_us() - j->start_us) / 1e6);
	if (status == UV_ECANCELED)
		fail(j, NS_E_UNAVAILABLE, "the daemon is stopping");
	finish(j);
}

static void queue(struct job *j, uv_work_cb work, uv_after_work_cb done)
{
	if (uv_queue_work(j->srv->loop, &j->work, work, done) < 0) {
		fail(j, NS_E_INTERNAL, "cannot queue the work");
		finish(j);
	}
}

void ns_http_run_query(struct job *j)
{
	ns_http_t *s = j->srv;
	uint64_t rev = s->o.h.revision ? s->o.h.revision(s->o.h.ctx) : 0;
	if (j->r.min_revision && s->o.h.front) {
		fail(j, NS_E_READ_ONLY_FRONT, ns_front_no_revision);
		finish(j);
		return;
	}
	if (j->r.min_revision <= rev) {
		queue(j, query_work, query_done);
		return;
	}
	/* Not there yet: it waits with the publishes (ns_http_check_waits),
	 * and a replica asks its primary at once. */
	j->deadline_ms = ns_now_ms() + s->o.h.min_revision_wait_ms;
	j->next = s->waits;
	s->waits = j;
	if (s->o.h.want_revision)
		s->o.h.want_revision(s->o.h.ctx, j->r.min_revision);
}

/* ---- publishing: the file ---- */

/* The directory that holds RELPATH's last component, beneath ROOTFD,
 * made (PUT) when missing: an O_RDONLY descriptor, or -1 with errno
 * (ELOOP: a link on the way). */
static int parent_dir(ns_http_t *s, const char *relpath, bool create)
{
	int fd = openat(s->o.rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (const char *c = relpath; fd >= 0;) {
		const char *slash = strchr(c, '/');
		if (!slash)
			return fd;
		char name[256];
		size_t n = (size_t)(slash - c);
		if (n >= sizeof name) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, c, n);
		name[n] = '\0';
		if (create && mkdirat(fd, name, 0775) == 0) {
			/* setgid of the parent is kept; the editors' group may
			 * write what the daemon made, whatever its umask */
			struct stat st;
			if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				fchmodat(fd, name, 0775 | (st.st_mode & S_ISGID), 0);
		}
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		                            O_CLOEXEC);
		int err = errno;
		struct stat st;
		/* O_DIRECTORY says ENOTDIR for a link: say what it is. */
		if (next < 0 && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			err = ELOOP;
		close(fd);
		errno = err;
		fd = next;
		c = slash + 1;
	}
	return -1;
}

static const char *errno_code(int err, char *msg, size_t size,
                              const char *path)
{
	if (err == ELOOP) {
		snprintf(msg, size, "%s: a symbolic link on the way (links are "
		         "never followed)", path);
		return NS_E_BAD_PATH;
	}
	if (err == ENOTDIR) {
		snprintf(msg, size, "%s: a component of the path is a file, not "
		         "a directory", path);
		return NS_E_CONFLICT;
	}
	if (err == ENOENT) {
		snprintf(msg, size, "%s: no such article", path);
		return NS_E_NOT_FOUND;
	}
	if (err == EROFS || err == EACCES || err == EPERM) {
		snprintf(msg, size, "%s: the daemon may not write the articles "
		         "tree (%s); publishing needs it writable "
		         "(docs/operations.md, \"Publishing\")", path, strerror(err));
		return NS_E_UNAVAILABLE;
	}
	snprintf(msg, size, "%s: %s", path, strerror(err));
	return NS_E_INTERNAL;
}

/* Write BODY as NAME in DIRFD: a hidden temporary name the watcher
 * ignores, fsync, rename over NAME, fsync the directory.  0 or errno. */
static int write_atomically(int dirfd, const char *name, const char *body,
                            size_t len)
{
	static unsigned long counter;
	char tmp[64];
	snprintf(tmp, sizeof tmp, ".nsearch-put.%ld.%lu", (long)getpid(),
	         __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	                            O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	int err = 0;
	for (size_t off = 0; !err && off < len;) {
		ssize_t n = write(fd, body + off, len - off);
		if (n < 0 && errno != EINTR)
			err = errno;
		else if (n > 0)
			off += (size_t)n;
	}
	/* The editors' group may change what was published. */
	if (!err && fchmod(fd, 0664) < 0)
		err = errno;
	if (!err && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && renameat(dirfd, tmp, dirfd, name) < 0)
		err = errno;
	if (err)
		unlinkat(dirfd, tmp, 0);
	else
		fsync(dirfd);
	return err;
}

/* The file at NAME in DIRFD now: *EXISTS and its ETag; a code when it
 * is something a client may not replace. */
static const char *current(int dirfd, const char *name, bool *exists,
                           char etag[24], char *msg, size_t size,
                           const char *path)
{
	struct stat st;
	*exists = false;
	etag[0] = '\0';
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? NULL : errno_code(errno, msg, size, path);
	if (S_ISLNK(st.st_mode)) {
		snprintf(msg, size, "%s is a symbolic link (links are never "
		         "followed)", path);
		return NS_E_BAD_PATH;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, size, "%s is a directory or a special file", path);
		return NS_E_CONFLICT;
	}
	*exists = true;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !etag_of_fd(fd, etag))
		etag[0] = '\0';
	if (fd >= 0)
		close(fd);
	return NULL;
}

static const char *precondition(const struct job *j, bool exists,
                                const char *etag, char *msg, size_t size)
{
	if (j->if_none_match && exists) {
		snprintf(msg, size, "%s exists (If-None-Match: *)", j->r.path);
		return NS_E_PRECONDITION_FAILED;
	}
	if (!j->if_match[0])
		return NULL;
	if (!exists) {
		snprintf(msg, size, "%s does not exist (If-Match)", j->r.path);
		return NS_E_PRECONDITION_FAILED;
	}
	if (strcmp(j->if_match, "*") != 0 && strcmp(j->if_match, etag) != 0) {
		snprintf(msg, size, "%s changed: its ETag is %s, not %s; get it "
		         "again and merge", j->r.path, etag, j->if_match);
		return NS_E_PRECONDITION_FAILED;
	}
	return NULL;
}

/* Worker: check, then write or remove the file, under the publish lock
 * (so that If-Match compares with what no other publish is changing). */
static void publish_work(uv_work_t *w)
{
	struct job *j = w->data;
	ns_http_t *s = j->srv;
	const char *path = j->r.path;
	char msg[512] = "";
	const char *code = NULL;
	if (j->route == R_PUT) {
		ns_parse_opts_t popts = {.default_language = s->default_language};
		ns_article_t *a = NULL;
		char why[300] = "";
		if (ns_article_parse(j->body ? j->body : "", j->body_len, path,
		                     &popts, &a, why, sizeof why) != NS_OK) {
			snprintf(msg, sizeof msg, "%s is not an article: %s", path,
			         why[0] ? why : "it cannot be read");
			code = NS_E_BAD_REQUEST;
		}
		ns_article_free(a);
	}
	pthread_mutex_lock(&s->publish_mu);
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int dirfd = code ? -1 : parent_dir(s, path, j->route == R_PUT);
	if (!code && dirfd < 0)
		code = errno_code(errno, msg, sizeof msg, path);
	bool exists = false;
	char etag[24];
	if (!code)
		code = current(dirfd, name, &exists, etag, msg, sizeof msg, path);
	if (!code)
		code = precondition(j, exists, etag, msg, sizeof msg);
	if (!code && j->route == R_DELETE && !exists)
		code = errno_code(ENOENT, msg, sizeof msg, path);
	int err = 0;
	if (!code && j->route == R_PUT)
		err = write_atomically(dirfd, name, j->body ? j->body : "",
		                       j->body_len);
	else if (!code && unlinkat(dirfd, name, 0) == 0)
		fsync(dirfd);
	else if (!code)
		err = errno;
	if (err)
		code = errno_code(err, msg, sizeof msg, path);
	pthread_mutex_unlock(&s->publish_mu);
	if (dirfd >= 0)
		close(dirfd);
	if (code) {
		fail(j, code, msg);
		return;
	}
	j->created = !exists;
	if (j->route == R_PUT)
		etag_of(j->body ? j->body : "", j->body_len, j->etag);
}

/* Loop: the file is written; wait until the writer has it. */
static void publish_written(uv_work_t *w, int status)
{
	struct job *j = w->data;
	ns_http_t *s = j->srv;
	if (status == UV_ECANCELED)
		fail(j, NS_E_UNAVAILABLE, "the daemon is stopping");
	if (j->code) {
		finish(j);
		return;
	}
	ns_log(NS_LOG_INFO, LOG_MOD, "%s %s", j->route == R_PUT ? "published"
	                                                     : "unpublished",
	       j->r.path);
	if (j->route == R_PUT)
		s->published++;
	else
		s->unpublished++;
	char why[256] = "";
	ns_status_t st = s->o.h.wait_begin(s->o.h.ctx, j->r.path, &j->barrier,
	                                   why, sizeof why);
	if (st != NS_OK) {
		fail(j, st == NS_ERR_INVALID ? NS_E_BAD_PATH : NS_E_INTERNAL,
		     why[0] ? why : ns_status_str(st));
		finish(j);
		return;
	}
	j->deadline_ms = ns_now_ms() + PUBLISH_WAIT_MS;
	j->next = s->waits;
	s->waits = j;
}

void ns_http_run_publish(struct job *j)
{
	queue(j, publish_work, publish_written);
}

/* ---- publishing: the reply, once searchable ---- */

/* Worker: the article as the index has it now, and how it went. */
static void published_work(uv_work_t *w)
{
	struct job *j = w->data;
	ns_http_t *s = j->srv;
	ns_hit_t a = {0};
	uint64_t rev = 0;
	char *err = NULL;
	json_t *o = NULL;
	if (j->route == R_PUT && ns_searcher_get(s->o.h.searcher, j->r.path, &a,
	                                         &rev, &err) == NS_OK) {
		char *line = ns_proto_get_reply(j->r.id, rev, &a, NS_FIELDS_ARTICLE &
		                                ~NS_FIELD_BODY);
		o = line ? json_loads(line, 0, NULL) : NULL;
		free(line);
	}
	if (!o)
		o = json_pack("{s:o, s:b, s:I}", "id", json_null(), "ok", 1,
		              "revision", (json_int_t)(s->o.h.revision
		                                       ? s->o.h.revision(s->o.h.ctx)
		                                       : 0));
	json_object_set_new(o, "path", json_string(j->r.path));
	json_object_set_new(o, "state", json_string(j->state));
	if (j->reason[0])
		json_object_set_new(o, "reason", json_string(j->reason));
	if (j->etag[0])
		json_object_set_new(o, "etag", json_string(j->etag));
	json_object_set_new(o, "took_ms", json_real(
		(double)(ns_http_now_us() - j->start_us) / 1000.0));
	j->reply = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9));
	json_decref(o);
	if (j->reply) {
		char *nl = NULL;
		if (asprintf(&nl, "%s\n", j->reply) > 0) {
			free(j->reply);
			j->reply = nl;
		}
	}
	j->status = j->route == R_PUT && j->created ? 201 : 200;
	ns_hit_clear(&a);
	free(err);
}

static void published_done(uv_work_t *w, int status)
{
	struct job *j = w->data;
	if (status == UV_ECANCELED)
		fail(j, NS_E_UNAVAILABLE, "the daemon is stopping");
	finish(j);
}

/* ---- maintenance ---- */

void ns_http_run_maint(struct job *j)
{
	ns_http_t *s = j->srv;
	char why[512] = "";
	const char *code = NULL;
	if (!s->o.h.op_begin) {
		code = NS_E_UNAVAILABLE;
	} else if (s->o.h.write_fault &&
	           s->o.h.write_fault(s->o.h.ctx, why, sizeof why)) {
		code = NS_E_INDEX_READ_ONLY;
	} else {
		ns_status_t st = s->o.h.op_begin(s->o.h.ctx, &j->r, &j->barrier,
		                                 why, sizeof why);
		if (st != NS_OK)
			code = ns_server_code_of(st);
	}
	if (code) {
		fail(j, code, why[0] ? why : "not possible");
		finish(j);
		return;
	}
	j->deadline_ms = ~0ull; /* as long as the index is big */
	j->next = s->waits;
	s->waits = j;
}

/* ---- waits ---- */

/* J's barrier passed: its reply. */
static void passed(struct job *j)
{
	ns_http_t *s = j->srv;
	if (j->route == R_MAINT) {
		/* The writer's account of the operation the barrier closed. */
		ns_maint_t last = {0};
		s->o.h.op_last(s->o.h.ctx, &last);
		uint64_t rev = s->o.h.revision ? s->o.h.revision(s->o.h.ctx) : 0;
		if (last.barrier != j->barrier || !last.ok) {
			fail(j, NS_E_FAILED, last.barrier != j->barrier
			     ? "the operation's outcome is lost" : last.message);
		} else {
			j->reply = ns_proto_maint_reply(
				j->r.id, rev, ns_maint_name(last.op), last.message,
				(double)(ns_http_now_us() - j->start_us) / 1000.0);
		}
		finish(j);
		return;
	}
	const char *state = s->o.h.path_state(s->o.h.ctx, j->r.path, j->reason,
	                                      sizeof j->reason);
	snprintf(j->state, sizeof j->state, "%s", state ? state : "indexed");
	queue(j, published_work, published_done);
}

/* Does J wait for a revision (a query with min_revision), not a
 * barrier? */
static bool for_revision(const struct job *j)
{
	return j->route != R_PUT && j->route != R_DELETE && j->route != R_MAINT;
}

static bool wait_done(ns_http_t *s, struct job *j)
{
	if (!for_revision(j))
		return s->o.h.barrier_passed(s->o.h.ctx, j->barrier);
	return (s->o.h.revision ? s->o.h.revision(s->o.h.ctx) : 0) >=
	       j->r.min_revision;
}

/* J's revision did not come in time: STALE, and how far the index is. */
static void stale(ns_http_t *s, struct job *j)
{
	char msg[200];
	snprintf(msg, sizeof msg, "revision %llu not reached within %u ms: the "
	         "index is at %llu", (unsigned long long)j->r.min_revision,
	         s->o.h.min_revision_wait_ms, (unsigned long long)(
	         s->o.h.revision ? s->o.h.revision(s->o.h.ctx) : 0));
	fail(j, NS_E_STALE, msg);
	finish(j);
}

void ns_http_check_waits(ns_http_t *s, bool deadlines)
{
	unsigned long long now = ns_now_ms();
	struct job **p = &s->waits;
	while (*p) {
		struct job *j = *p;
		bool done = wait_done(s, j);
		bool late = deadlines && now >= j->deadline_ms;
		if (!done && !late && !s->closing && j->req) {
			p = &j->next;
			continue;
		}
		*p = j->next;
		if (done && !s->closing && for_revision(j))
			queue(j, query_work, query_done);
		else if (done && !s->closing)
			passed(j);
		else if (!j->req)
			ns_http_job_free(j);
		else if (s->closing && for_revision(j))
			fail(j, NS_E_UNAVAILABLE, "the daemon is stopping"), finish(j);
		else if (s->closing)
			fail(j, NS_E_UNAVAILABLE, "the daemon is stopping; the file "
			     "is written and the next start indexes it"), finish(j);
		else if (for_revision(j))
			stale(s, j);
		else
			fail(j, NS_E_TIMEOUT, "the file is written but was not "
			     "indexed in time; the writer has work queued"), finish(j);
	}
}
