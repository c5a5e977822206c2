/* conn.c - nsearch-cli's way to a daemon (conn.h): the sockets to try,
 * the check of who listens, one request and its reply.  Says on stderr
 * why it failed, in the user's words; never sends to an untrusted peer. */
#include "cli/conn.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_REPLY (64u << 20)

/* DIR then NAME (may be "") as the next socket to try. */
static void add_path(nscli_conn_t *c, const char *dir, const char *name)
{
	if (c->n < NSCLI_MAX_SOCKETS)
		snprintf(c->paths[c->n++], sizeof c->paths[0], "%s%s", dir, name);
}

void nscli_conn_init(nscli_conn_t *c, const char *given)
{
	const char *env = getenv("NSEARCH_SOCKET");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	memset(c, 0, sizeof *c);
	if (given) {
		add_path(c, given, "");
	} else if (env && *env) {
		add_path(c, env, "");
	} else {
		/* A user's own daemon first, in a directory only they may enter
		 * (never a shared one such as /tmp, where another user could
		 * bind the name first); then the system's, which members of
		 * the group nsearch may use. */
		if (geteuid() != 0 && xdg && *xdg)
			add_path(c, xdg, "/nsearch/nsearch.sock");
		else if (geteuid() != 0)
			c->no_user_dir = true;
		add_path(c, NSCLI_SYSTEM_SOCKET, "");
	}
}

/* Does the process listening on FD run as someone whose daemon may hear
 * our queries: ourselves, root (or systemd holding the socket), or the
 * packaged service's user?  Anyone else may have bound the name first to
 * read them (or to answer them wrongly).  Says why not. */
static bool trusted_peer(int fd, const char *path)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		fprintf(stderr, "nsearch-cli: %s: cannot tell who listens there: "
		        "%s\n", path, strerror(errno));
		return false;
	}
	if (cred.uid == geteuid() || cred.uid == 0)
		return true;
	struct passwd *pw = getpwnam(NSCLI_DAEMON_USER);
	if (pw && cred.uid == pw->pw_uid)
		return true;
	fprintf(stderr, "nsearch-cli: %s: the process listening there runs as "
	        "uid %u, neither you (uid %u), root nor the user "
	        NSCLI_DAEMON_USER ": it may be another user's program waiting "
	        "for your queries; nothing was sent\n", path,
	        (unsigned)cred.uid, (unsigned)geteuid());
	return false;
}

/* A connected socket to PATH, or -1 with *ERR the reason (an errno). */
static int try_connect(const char *path, int *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		*err = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

/* Is the user in the daemon's group by the group database, though not in
 * this session (added since they logged in)? */
static bool joined_since_login(void)
{
	struct group *gr = getgrnam(NSCLI_DAEMON_GROUP);
	struct passwd *pw = getpwuid(geteuid());
	if (!gr || !pw)
		return false;
	bool listed = pw->pw_gid == gr->gr_gid;
	for (char **m = gr->gr_mem; !listed && m && *m; m++)
		listed = strcmp(*m, pw->pw_name) == 0;
	gid_t groups[256];
	int n = getgroups(sizeof groups / sizeof *groups, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			return false;
	return listed && getegid() != gr->gr_gid;
}

/* Why no socket of C could be reached (ERRS[i] for C->paths[i]): not
 * allowed (the group to join), or nobody there (is nsearchd running?). */
static void say_unreachable(const nscli_conn_t *c, const int *errs)
{
	const char *denied = NULL;
	bool absent = true;
	for (size_t i = 0; i < c->n; i++) {
		if (!errs[i]) /* not tried */
			continue;
		fprintf(stderr, "nsearch-cli: cannot connect to %s: %s\n",
		        c->paths[i], strerror(errs[i]));
		if (errs[i] == EACCES || errs[i] == EPERM)
			denied = c->paths[i];
		absent &= errs[i] == ENOENT || errs[i] == ECONNREFUSED;
	}
	if (denied && strcmp(denied, NSCLI_SYSTEM_SOCKET) == 0 &&
	    joined_since_login())
		fprintf(stderr, "  You are in the group " NSCLI_DAEMON_GROUP
		        ", but this session began before you were added: log "
		        "in again (or run: newgrp " NSCLI_DAEMON_GROUP ").\n");
	else if (denied && strcmp(denied, NSCLI_SYSTEM_SOCKET) == 0)
		fprintf(stderr, "  Only root and members of the group "
		        NSCLI_DAEMON_GROUP " may use the system's nsearchd: an "
		        "administrator adds you with: usermod -aG "
		        NSCLI_DAEMON_GROUP " YOUR-NAME (then log in again).\n");
	else if (denied)
		fprintf(stderr, "  You may not use that socket: its owner, group "
		        "and mode say who may (ls -l %s).\n", denied);
	else if (absent)
		fprintf(stderr, "  Is nsearchd running?  --socket PATH or "
		        "NSEARCH_SOCKET choose another socket.\n");
	if (absent && c->no_user_dir)
		fprintf(stderr, "  A daemon of your own was not looked for: "
		        "XDG_RUNTIME_DIR is not set (its socket would be "
		        "$XDG_RUNTIME_DIR/nsearch/nsearch.sock).\n");
}

static bool send_all(int fd, const char *path, const char *request)
{
	size_t off = 0, n = strlen(request);
	while (off < n) {
		ssize_t w = write(fd, request + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "nsearch-cli: %s: %s\n", path, strerror(errno));
			return false;
		}
		off += (size_t)w;
	}
	return true;
}

int nscli_connect_send(nscli_conn_t *c, const char *request)
{
	int errs[NSCLI_MAX_SOCKETS] = {0}, fd = -1;
	for (size_t i = 0; i < c->n && fd < 0; i++) {
		/* Once one answered, the run's later requests go there too. */
		if (c->used && c->used != c->paths[i])
			continue;
		if ((fd = try_connect(c->paths[i], &errs[i])) >= 0)
			c->used = c->paths[i];
	}
	if (fd < 0) {
		say_unreachable(c, errs);
		return -1;
	}
	if (!trusted_peer(fd, c->used) || !send_all(fd, c->used, request)) {
		close(fd);
		return -1;
	}
	struct timeval tv = {.tv_sec = 60};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

int nscli_read_some(int fd, const char *socket, ns_buf_t *b, size_t *len)
{
	char chunk[16384];
	ssize_t r = read(fd, chunk, sizeof chunk);
	if (r < 0 && errno == EINTR)
		return 0;
	if (r <= 0) {
		fprintf(stderr, "nsearch-cli: %s: %s\n", socket,
		        r == 0 ? "the daemon closed the connection without a reply"
		        : errno == EAGAIN ? "no reply within 60 s"
		                          : strerror(errno));
		return -1;
	}
	if (ns_buf_append(b, chunk, (size_t)r) != NS_OK || b->len > MAX_REPLY) {
		fprintf(stderr, "nsearch-cli: reply too large\n");
		return -1;
	}
	char *nl = memchr(b->data, '\n', b->len);
	if (!nl)
		return 0;
	*nl = '\0';
	*len = (size_t)(nl - b->data);
	return 1;
}

char *nscli_exchange(nscli_conn_t *c, const char *request, size_t *len)
{
	int fd = nscli_connect_send(c, request);
	if (fd < 0)
		return NULL;
	ns_buf_t buf = {0};
	int got;
	while ((got = nscli_read_some(fd, c->used, &buf, len)) == 0)
		;
	close(fd);
	if (got > 0)
		return buf.data;
	ns_buf_free(&buf);
	return NULL;
}
