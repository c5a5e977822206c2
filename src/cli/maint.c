/* maint.c - nsearch-cli's reindex, compact and backup: requests that
 * return when the daemon is done, however long that takes, with a
 * progress bar on a terminal drawn from a status asked on the side. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/errors.h"
#include "core/proto_client.h"

char *nscli_reindex_request(nscli_run_t *run, char **args, unsigned nargs)
{
	/* "world/", as the completion leaves a folder, is "world". */
	if (nargs) {
		size_t n = strlen(args[0]);
		while (n > 1 && args[0][n - 1] == '/')
			args[0][--n] = '\0';
	}
	return ns_proto_reindex_request(1, nargs ? args[0] : NULL);
}

char *nscli_compact_request(nscli_run_t *run, char **args, unsigned nargs)
{
	return ns_proto_compact_request(1);
}

char *nscli_backup_request(nscli_run_t *run, char **args, unsigned nargs)
{
	/* The daemon wants an absolute path; a relative one is taken as
	 * relative to here. */
	char cwd[PATH_MAX], dir[PATH_MAX + 1024];
	if (args[0][0] == '/' || !getcwd(cwd, sizeof cwd))
		snprintf(dir, sizeof dir, "%s", args[0]);
	else
		snprintf(dir, sizeof dir, "%s/%s", cwd, args[0]);
	return ns_proto_backup_request(1, dir);
}

int nscli_maint_reply(const nscli_run_t *run, const char *line, size_t len)
{
	ns_maint_result_t m;
	if (!ns_proto_parse_maint(line, len, &m))
		return nscli_bad_reply("the end of an operation");
	if (!run->json)
		printf("%s: %s\n", m.op, m.message);
	return NSCLI_EXIT_OK;
}

static double seconds_since(double t0)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - t0;
}

/* Draw the operation's progress from a status asked on a second
 * connection (stderr, one line redrawn).  Returns whether it drew. */
static bool draw_progress(nscli_conn_t *conn, double t0)
{
	char *request = ns_proto_status_request(2);
	size_t len = 0;
	char *reply = request ? nscli_exchange(conn, request, &len) : NULL;
	free(request);
	ns_daemon_status_t st = {0};
	bool ok = reply && ns_proto_parse_reply(reply, len, NULL, &st, NULL,
	                                        NULL) && st.op[0];
	free(reply);
	if (!ok)
		return false;
	enum { WIDTH = 30 };
	int filled = st.op_total ? (int)(WIDTH * st.op_done / st.op_total) : 0;
	char bar[WIDTH + 1];
	for (int i = 0; i < WIDTH; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[WIDTH] = '\0';
	if (!st.op_running)
		fprintf(stderr, "\r\033[K%s: queued behind other work (%.0f s)",
		        st.op, seconds_since(t0));
	else
		fprintf(stderr, "\r\033[K%s [%s] %llu/%llu %s (%.0f s)", st.op, bar,
		        (unsigned long long)st.op_done,
		        (unsigned long long)st.op_total,
		        strcmp(st.op, "reindex") == 0 ? "files" : "tables",
		        seconds_since(t0));
	fflush(stderr);
	return true;
}

char *nscli_exchange_long(nscli_run_t *run, const char *request,
                          size_t *len)
{
	int fd = nscli_connect_send(&run->conn, request);
	if (fd < 0)
		return NULL;
	bool bar = !run->json && isatty(STDERR_FILENO), drawn = false;
	double t0 = seconds_since(0);
	ns_buf_t buf = {0};
	int got = 0;
	while (got == 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, 250);
		if (r == 0 && bar)
			drawn |= draw_progress(&run->conn, t0);
		if (r > 0 || (r < 0 && errno != EINTR)) {
			if (drawn) /* what follows starts on a clean line */
				fprintf(stderr, "\r\033[K");
			drawn = false;
			got = nscli_read_some(fd, run->conn.used, &buf, len);
		}
	}
	close(fd);
	if (got > 0)
		return buf.data;
	ns_buf_free(&buf);
	return NULL;
}
