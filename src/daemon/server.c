/* server.c - the server: its listening sockets (a Unix socket, TCP, or
 * sockets passed by systemd), accepting connections and telling who is at
 * the other end, its tokens, and stopping.  What a connection then does
 * is conn.c's; what it may cost limits.c's; what it asks dispatch.c's and
 * tasks.c's.  Never touches Xapian; loop thread only.
 *
 * A client is never trusted: lines over the limit are answered with an
 * error and dropped as they arrive; a TCP client says the token before
 * anything else, within a deadline, and until then counts against its
 * own limit, never against the clients already in; a client over the
 * connection, unread-reply or idle limit is told why and disconnected,
 * and the daemon never holds more for it, or for all of them, than the
 * limits allow.  What a client can make happen at will is logged at most
 * once a second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/access.h"
#include "daemon/server_int.h"

/* Tags of the client identities the search queue tells apart. */
#define CLIENT_CONN (0ull << 62)    /* this connection alone */
#define CLIENT_UID  (1ull << 62)    /* a user, on the Unix socket */
#define CLIENT_IPV4 (2ull << 62)
#define CLIENT_IPV6 (3ull << 62)    /* a hash of the address */

/* A listening socket. */
struct listener {
	union {                     /* first */
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} io;
	ns_server_t *srv;
	struct listener *next;
	bool tcp;
	char name[128];             /* the path or address, for logs */
};

void ns_server_maybe_free(ns_server_t *s)
{
	if (s->handles || s->live)
		return;
	ns_secret_free(s->token);
	ns_secret_free(s->admin_token);
	ns_searchq_free(&s->searchq);
	free(s);
}

/* ---- who is at the other end ---- */

/* "ADDRESS:PORT" ("[ADDRESS]:PORT" for IPv6) of SS into BUF; false when
 * SS is neither IPv4 nor IPv6. */
static bool format_addr(const struct sockaddr_storage *ss, char *buf,
                        size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		uv_ip4_name(in, host, sizeof host);
		snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		uv_ip6_name(in6, host, sizeof host);
		snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		return false;
	}
	return true;
}

/* The user at the other end of a Unix connection. */
static uint64_t unix_client(struct conn *c)
{
	uv_os_fd_t fd;
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (uv_fileno((uv_handle_t *)&c->io, &fd) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		return CLIENT_UID | cred.uid;
	return CLIENT_CONN | c->id;
}

/* The address at the other end of a TCP connection (the client, as the
 * search queue sees it), and " (ADDRESS:PORT)" into C->peer for logs. */
static uint64_t tcp_client(struct conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char addr[INET6_ADDRSTRLEN + 8];
	if (uv_tcp_getpeername(&c->io.tcp, (struct sockaddr *)&ss, &len) < 0 ||
	    !format_addr(&ss, addr, sizeof addr))
		return CLIENT_CONN | c->id;
	snprintf(c->peer, sizeof c->peer, " (%s)", addr);
	if (ss.ss_family == AF_INET)
		return CLIENT_IPV4 |
		       ntohl(((const struct sockaddr_in *)&ss)->sin_addr.s_addr);
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < sizeof in6->sin6_addr.s6_addr; i++)
		h = (h ^ in6->sin6_addr.s6_addr[i]) * 1099511628211ull;
	return CLIENT_IPV6 | (h >> 2);
}

/* The roles and the identity of the client at the other end of C, a Unix
 * connection just accepted: whoever the socket let in may search. */
static void identify_unix(struct conn *c)
{
	uv_os_fd_t fd;
	uid_t uid = (uid_t)-1;
	if (uv_fileno((uv_handle_t *)&c->io.pipe, &fd) == 0)
		c->roles = ns_access_unix(fd, &uid);
	if (uid != (uid_t)-1)
		snprintf(c->peer, sizeof c->peer, " (uid %u)", (unsigned)uid);
	c->turn.client = unix_client(c);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct listener *l = server->data;
	ns_server_t *s = l->srv;
	if (status < 0) {
		ns_log(NS_LOG_WARNING, LOG_MOD, "%s: accept failed: %s", l->name,
		       uv_strerror(status));
		return;
	}
	struct conn *c = ns_conn_new(s, l->tcp);
	if (!c) {
		ns_log(NS_LOG_ERR, LOG_MOD, "out of memory for a connection");
		return;
	}
	if (uv_accept(server, ns_conn_stream(c)) < 0) {
		ns_conn_close(c);
		return;
	}
	if (l->tcp) {
		c->turn.client = tcp_client(c);
		uv_tcp_nodelay(&c->io.tcp, 1); /* replies are whole lines */
	} else {
		identify_unix(c);
	}
	if (ns_limits_refused(c, NULL))
		return; /* cut off: closes once told why */
	ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu%s: connected on %s", c->id,
	       c->peer, l->name);
	ns_conn_update_reading(c);
}

/* ---- the listeners ---- */

static void on_handle_closed(uv_handle_t *h)
{
	ns_server_t *s = h->data;
	s->handles--;
	ns_server_maybe_free(s);
}

static void on_listener_closed(uv_handle_t *h)
{
	struct listener *l = h->data;
	ns_server_t *s = l->srv;
	free(l);
	s->handles--;
	ns_server_maybe_free(s);
}

/* A listener on S named NAME, its handle ready to bind or open. */
static struct listener *listener_new(ns_server_t *s, bool tcp,
                                     const char *name)
{
	struct listener *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->srv = s;
	l->tcp = tcp;
	snprintf(l->name, sizeof l->name, "%s", name);
	if (tcp) {
		uv_tcp_init(s->loop, &l->io.tcp);
		l->io.tcp.data = l;
	} else {
		uv_pipe_init(s->loop, &l->io.pipe, 0);
		l->io.pipe.data = l;
	}
	l->next = s->listeners;
	s->listeners = l;
	s->handles++;
	return l;
}

/* Stop listening on L and forget it.  A socket file bound by the pipe is
 * removed by libuv as it closes, before the descriptor (so that another
 * daemon's new socket is never the one removed). */
static void listener_close(struct listener *l)
{
	ns_server_t *s = l->srv;
	for (struct listener **p = &s->listeners; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	uv_close((uv_handle_t *)&l->io, on_listener_closed);
}

/* "WHAT: WHY" as a new string. */
static char *path_error(const char *what, const char *why)
{
	size_t n = strlen(what) + strlen(why) + 3;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s: %s", what, why);
	return p;
}

/* L is bound or opened (RC, a libuv status, says whether that worked):
 * listen, or close it and say why in *ERRMSG. */
static ns_status_t listener_start(struct listener *l, int rc, char **errmsg)
{
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->io, 128, on_connection);
	if (rc == 0)
		return NS_OK;
	*errmsg = path_error(l->name, uv_strerror(rc));
	listener_close(l);
	return NS_ERR_IO;
}

/* Remove a socket file nobody listens on; refuse anything else. */
static ns_status_t clear_stale(const char *path, char **errmsg)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return NS_OK;
	if (!S_ISSOCK(st.st_mode)) {
		*errmsg = path_error(path, "exists and is not a socket");
		return NS_ERR_INVALID;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		close(fd);
		*errmsg = path_error(path,
		               "another daemon is already listening there");
		return NS_ERR_INVALID;
	}
	int err = errno;
	if (fd >= 0)
		close(fd);
	if (fd < 0 || err != ECONNREFUSED) {
		/* EAGAIN: a live daemon with a full backlog; anything else: we
		 * cannot tell.  Never remove what may be in use. */
		*errmsg = path_error(path, "in use or unusable; remove it if no "
		                           "nsearchd runs");
		return NS_ERR_INVALID;
	}
	unlink(path);
	return NS_OK;
}

/* Make the directory of the socket PATH if it is missing (/run/nsearch),
 * open to clients whatever the umask. */
static void make_socket_dir(const char *path)
{
	char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == 0)
			chmod(dir, 0755);
		else if (errno != EEXIST)
			ns_log(NS_LOG_WARNING, LOG_MOD, "%s: cannot create: %s", dir,
			       strerror(errno));
	}
	free(dir);
}

ns_status_t ns_server_listen_unix(ns_server_t *s, const char *path,
                                  unsigned mode, const char *group,
                                  char **errmsg)
{
	*errmsg = NULL;
	struct sockaddr_un sa;
	if (strlen(path) >= sizeof sa.sun_path) {
		*errmsg = path_error(path, "socket path too long");
		return NS_ERR_INVALID;
	}
	gid_t gid = (gid_t)-1;
	if (group) {
		struct group *gr = getgrnam(group);
		if (!gr) {
			*errmsg = path_error(path, "no such group for the socket");
			return NS_ERR_INVALID;
		}
		gid = gr->gr_gid;
	}
	ns_status_t st = clear_stale(path, errmsg);
	if (st != NS_OK)
		return st;
	make_socket_dir(path);
	struct listener *l = listener_new(s, false, path);
	if (!l)
		return NS_ERR_NOMEM;
	/* Mode and group are set between bind and listen: no client can
	 * connect before they are right. */
	int rc = uv_pipe_bind(&l->io.pipe, path);
	const char *why = NULL;
	if (rc == 0 && chmod(path, mode) < 0)
		why = "cannot set its mode";
	else if (rc == 0 && group && chown(path, (uid_t)-1, gid) < 0)
		why = "cannot give it to its group";
	if (why) {
		char buf[200];
		snprintf(buf, sizeof buf, "%s: %s", why, strerror(errno));
		*errmsg = path_error(path, buf);
		listener_close(l);
		return NS_ERR_IO;
	}
	return listener_start(l, rc, errmsg);
}

int ns_server_parse_addr(const char *addr, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(addr, ':');
	size_t hl = colon ? (size_t)(colon - addr) : 0;
	if (!colon || hl >= sizeof host)
		return UV_EINVAL;
	int port = atoi(colon + 1);
	if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') {
		memcpy(host, addr + 1, hl - 2);
		host[hl - 2] = '\0';
		return uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss);
	}
	memcpy(host, addr, hl);
	host[hl] = '\0';
	return uv_ip4_addr(host, port, (struct sockaddr_in *)ss);
}

ns_status_t ns_server_listen_tcp(ns_server_t *s, const char *addr,
                                 char **errmsg)
{
	*errmsg = NULL;
	struct sockaddr_storage ss;
	if (ns_server_parse_addr(addr, &ss) < 0) {
		*errmsg = path_error(addr, "not ADDRESS:PORT");
		return NS_ERR_INVALID;
	}
	struct listener *l = listener_new(s, true, addr);
	if (!l)
		return NS_ERR_NOMEM;
	return listener_start(l, uv_tcp_bind(&l->io.tcp, (struct sockaddr *)&ss,
	                                     0), errmsg);
}

/* FD's path or address into DESC (SIZE bytes), and whether it is TCP;
 * NS_ERR_INVALID with *ERRMSG unless it is a listening stream socket,
 * Unix or TCP. */
static ns_status_t describe_fd(int fd, char *desc, size_t size, bool *tcp,
                               char **errmsg)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int type = 0, listening = 0;
	socklen_t ilen = sizeof type;
	snprintf(desc, size, "descriptor %d", fd);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ilen) < 0) {
		*errmsg = path_error(desc, strerror(errno));
		return NS_ERR_INVALID;
	}
	ilen = sizeof listening;
	if (type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) < 0 ||
	    !listening) {
		*errmsg = path_error(desc, "not a listening stream socket");
		return NS_ERR_INVALID;
	}
	*tcp = ss.ss_family != AF_UNIX;
	if (ss.ss_family == AF_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		snprintf(desc, size, "%s", len > offsetof(struct sockaddr_un,
		         sun_path) && un->sun_path[0] ? un->sun_path : "(unnamed)");
	} else if (!format_addr(&ss, desc, size)) {
		*errmsg = path_error(desc, "neither a Unix nor a TCP socket");
		return NS_ERR_INVALID;
	}
	return NS_OK;
}

ns_status_t ns_server_adopt(ns_server_t *s, int fd, char *name, size_t size,
                            char **errmsg)
{
	*errmsg = NULL;
	char desc[128];
	bool tcp = false;
	ns_status_t st = describe_fd(fd, desc, sizeof desc, &tcp, errmsg);
	if (st != NS_OK)
		return st;
	struct listener *l = listener_new(s, tcp, desc);
	if (!l)
		return NS_ERR_NOMEM;
	int rc = tcp ? uv_tcp_open(&l->io.tcp, fd) : uv_pipe_open(&l->io.pipe, fd);
	st = listener_start(l, rc, errmsg);
	if (st == NS_OK && name)
		snprintf(name, size, "%s", desc);
	return st;
}

/* ---- the server ---- */

/* How many threads libuv's pool has: it reads UV_THREADPOOL_SIZE as
 * this does, once, when the first search is queued. */
static unsigned pool_threads(void)
{
	const char *env = getenv("UV_THREADPOOL_SIZE");
	long n = env ? strtol(env, NULL, 10) : 4;
	return n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
}

ns_status_t ns_server_new(uv_loop_t *loop, const ns_server_handlers_t *h,
                          const ns_server_limits_t *lim, ns_server_t **out)
{
	if (!loop || !h || !out)
		return NS_ERR_INVALID;
	ns_server_t *s = calloc(1, sizeof *s);
	if (!s)
		return NS_ERR_NOMEM;
	if (!ns_searchq_init(&s->searchq, pool_threads())) {
		free(s);
		return NS_ERR_NOMEM;
	}
	s->loop = loop;
	s->h = *h;
	uv_timer_init(loop, &s->wait_timer);
	s->wait_timer.data = s;
	uv_timer_init(loop, &s->sweep_timer);
	s->sweep_timer.data = s;
	s->handles = 2;
	ns_server_set_limits(s, lim); /* starts the sweep */
	*out = s;
	return NS_OK;
}

/* A copy of TOKEN (NULL: none) in *SLOT, the one there wiped. */
static ns_status_t set_secret(char **slot, const char *token)
{
	char *copy = token ? strdup(token) : NULL;
	if (token && !copy)
		return NS_ERR_NOMEM;
	ns_secret_free(*slot);
	*slot = copy;
	return NS_OK;
}

ns_status_t ns_server_set_token(ns_server_t *s, const char *token)
{
	return set_secret(&s->token, token);
}

ns_status_t ns_server_set_admin_token(ns_server_t *s, const char *token)
{
	return set_secret(&s->admin_token, token);
}

bool ns_server_has_tcp(const ns_server_t *s)
{
	for (const struct listener *l = s ? s->listeners : NULL; l; l = l->next)
		if (l->tcp)
			return true;
	return false;
}

unsigned ns_server_connections(const ns_server_t *s)
{
	unsigned n = 0;
	for (const struct conn *c = s ? s->conns : NULL; c; c = c->next)
		n += c->state < CONN_CLOSING;
	return n;
}

void ns_server_close(ns_server_t *s)
{
	if (!s || s->closing)
		return;
	s->closing = true;
	/* Take no new request; a search on the pool still gets its reply,
	 * then its connection closes. */
	for (struct conn *c = s->conns; c; c = c->next) {
		if (c->state >= CONN_CLOSING)
			continue; /* its close callback drops what it has in hand */
		if (c->task == TASK_NONE) {
			ns_conn_close(c);
			continue;
		}
		bool dropped = ns_task_drop(c);
		if (dropped) /* its answer would never come: say so, then close */
			ns_conn_refuse(c, NS_E_UNAVAILABLE, "the daemon is stopping");
		ns_conn_drain(c);
		if (dropped && c->state == CONN_DRAINING)
			ns_conn_finish(c);
	}
	while (s->listeners)
		listener_close(s->listeners);
	uv_close((uv_handle_t *)&s->wait_timer, on_handle_closed);
	uv_close((uv_handle_t *)&s->sweep_timer, on_handle_closed);
}

const char ns_front_no_revision[] =
        "this daemon is a front over shards and has no revision of its own: "
        "send min_revision to the indexer node that holds the article";

const char *ns_front_refusal(const char *what, char *buf, size_t size)
{
	snprintf(buf, size,
	         "this daemon is a front over shards and has no "
	         "index of its own: send %s to the indexer node whose shard "
	         "holds the article",
	         what);
	return buf;
}
