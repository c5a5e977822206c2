/* child.c - programs run beside the daemon (child.h): fork and exec by
 * hand rather than uv_spawn, because only code run between the two can
 * ask the kernel to kill the child when the daemon dies.  Its output is
 * read on the loop, its end seen through SIGCHLD.  Never runs a shell;
 * between fork and exec only async-signal-safe calls. */
#include "daemon/child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"

#define LINE_MAX_BYTES 1024

struct ns_child {
	uv_pipe_t out;              /* its stdout and stderr */
	uv_signal_t chld;           /* SIGCHLD: it may have exited */
	pid_t pid;
	int status;
	bool exited, eof, done;
	unsigned open;              /* handles not closed yet */
	ns_child_opts_t o;
	char name[64];              /* the program's, for the log */
	char rbuf[4096];
	char partial[LINE_MAX_BYTES + 1];
	size_t plen;
	char last[LINE_MAX_BYTES + 1]; /* its last line */
};

bool ns_child_find(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH");
	if (!name || !*name || strchr(name, '/'))
		return false;
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		int len = snprintf(out, size, "%.*s/%s", (int)n, p, name);
		if (n && len > 0 && (size_t)len < size && out[0] == '/' &&
		    access(out, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

static void on_close(uv_handle_t *h)
{
	ns_child_t *ch = h->data;
	if (--ch->open == 0)
		free(ch);
}

/* Exited and every line read: say so once, then close. */
static void maybe_done(ns_child_t *ch)
{
	if (!ch->exited || !ch->eof || ch->done)
		return;
	ch->done = true;
	ch->o.done(ch->o.ctx, ch, ch->status, ch->last);
	uv_close((uv_handle_t *)&ch->out, on_close);
	uv_close((uv_handle_t *)&ch->chld, on_close);
}

static void flush_line(ns_child_t *ch)
{
	ch->partial[ch->plen] = '\0';
	if (ch->plen) {
		ns_log(ch->o.prio, ch->o.module, "%s: %s", ch->name, ch->partial);
		memcpy(ch->last, ch->partial, ch->plen + 1);
		if (ch->o.line)
			ch->o.line(ch->o.ctx, ch->partial);
	}
	ch->plen = 0;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	ns_child_t *ch = h->data;
	(void)hint;
	*buf = uv_buf_init(ch->rbuf, sizeof ch->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	ns_child_t *ch = s->data;
	for (ssize_t i = 0; i < n; i++) {
		char c = buf->base[i];
		if (c == '\n' || ch->plen == LINE_MAX_BYTES)
			flush_line(ch);
		if (c != '\n')
			ch->partial[ch->plen++] = c;
	}
	if (n < 0) { /* the end, or an error: nothing more comes either way */
		flush_line(ch);
		uv_read_stop(s);
		ch->eof = true;
		maybe_done(ch);
	}
}

static void on_sigchld(uv_signal_t *h, int signum)
{
	ns_child_t *ch = h->data;
	int ws;
	(void)signum;
	if (ch->exited || waitpid(ch->pid, &ws, WNOHANG) != ch->pid)
		return; /* another child's */
	ch->exited = true;
	ch->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	uv_signal_stop(h);
	maybe_done(ch);
}

/* In the child, before exec: die with the daemon (PARENT), take the
 * descriptors, default signal dispositions, nothing blocked. */
_Noreturn static void exec_child(char *const *argv, int in, int out,
                                 pid_t parent)
{
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);
	/* A group of its own: xapian-replicate-server, told to stop, sends
	 * SIGTERM to its whole group (to end the processes it forked), which
	 * must not be the daemon's. */
	if (setpgid(0, 0) < 0)
		_exit(127);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	/* Every descriptor of the daemon's should be close-on-exec; those
	 * another library opened without it must not reach the child. */
	close_range(3, ~0u, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	_exit(127);
}

/* fork with every signal blocked, so that no handler of the daemon's
 * runs in the child before exec; the child's pid, or -1. */
static pid_t fork_child(char *const *argv, int in, int out)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		exec_child(argv, in, out, parent);
	int err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return pid;
}

ns_status_t ns_child_spawn(uv_loop_t *loop, char *const *argv,
                           const ns_child_opts_t *o, ns_child_t **out)
{
	if (!argv || !argv[0] || argv[0][0] != '/' || !o || !o->done || !out) {
		errno = EINVAL;
		return NS_ERR_IO;
	}
	if (access(argv[0], X_OK) < 0)
		return NS_ERR_IO;
	ns_child_t *ch = calloc(1, sizeof *ch);
	int fds[2] = {-1, -1};
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!ch || in < 0 || pipe2(fds, O_CLOEXEC) < 0) {
		int err = ch ? errno : ENOMEM;
		if (in >= 0)
			close(in);
		free(ch);
		errno = err;
		return NS_ERR_IO;
	}
	*ch = (ns_child_t){.o = *o, .open = 2};
	snprintf(ch->name, sizeof ch->name, "%s", strrchr(argv[0], '/') + 1);
	ch->out.data = ch->chld.data = ch;
	uv_signal_init(loop, &ch->chld);
	uv_pipe_init(loop, &ch->out, 0);
	/* Before the fork: an exit right after it is not missed. */
	uv_signal_start(&ch->chld, on_sigchld, SIGCHLD);
	ch->pid = fork_child(argv, in, fds[1]);
	int err = errno;
	close(in);
	close(fds[1]);
	if (ch->pid < 0 || uv_pipe_open(&ch->out, fds[0]) < 0) {
		if (ch->pid > 0) {
			kill(ch->pid, SIGKILL);
			waitpid(ch->pid, NULL, 0);
		}
		close(fds[0]);
		ch->done = true;
		uv_close((uv_handle_t *)&ch->out, on_close);
		uv_close((uv_handle_t *)&ch->chld, on_close);
		errno = ch->pid < 0 ? err : EIO;
		return NS_ERR_IO;
	}
	uv_read_start((uv_stream_t *)&ch->out, on_alloc, on_read);
	*out = ch;
	return NS_OK;
}

void ns_child_kill(ns_child_t *ch, int sig)
{
	if (ch && !ch->exited)
		kill(ch->pid, sig);
}

pid_t ns_child_pid(const ns_child_t *ch)
{
	return ch ? ch->pid : 0;
}
