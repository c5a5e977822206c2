/* qclient.c - searches through nsearchd's socket, as many clients at once
 * as asked, each on its own connection, one request in flight at a time:
 * the latency of every request (write to the reply's last byte) and the
 * throughput of them all.
 *
 *   qclient SOCKET QUERIES [--clients N] [--seconds S] [--limit N]
 *           [--dump FILE] [--totals] [--warmup] [--fields F,G,...]
 *
 * QUERIES holds one nsearch query string a line (make_queries.py).
 * --fields asks for those hit fields only (the request's "fields"), to
 * price what a hit's fields cost.  With
 * --totals it runs each query once and prints "total<TAB>min<TAB>max<TAB>
 * hits" per line, which the smoke test holds against raw_xapian's.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench.h"

typedef struct {
	const char *sock;
	const bench_list_t *queries;
	unsigned limit;
	char fields[512];   /* ',"fields":[...]' or "" */
} client_args_t;

typedef struct {
	client_args_t *ca;
	int fd;
	unsigned long id;
	char *buf;          /* the reply */
	size_t len, cap;
	char *req;
	size_t req_cap;
} client_t;

static void *open_client(void *arg, int thread)
{
	(void)thread;
	client_args_t *ca = arg;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(ca->sock) >= sizeof sa.sun_path) {
		fprintf(stderr, "qclient: socket path too long\n");
		return NULL;
	}
	strcpy(sa.sun_path, ca->sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "qclient: %s: %s\n", ca->sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	client_t *c = calloc(1, sizeof *c);
	c->ca = ca;
	c->fd = fd;
	return c;
}

static void close_client(void *ctx)
{
	client_t *c = ctx;
	if (!c)
		return;
	close(c->fd);
	free(c->buf);
	free(c->req);
	free(c);
}

static void reserve(char **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	while (*cap < need)
		*cap = *cap ? 2 * *cap : 65536;
	*p = realloc(*p, *cap);
	if (!*p) {
		perror("realloc");
		exit(1);
	}
}

/* The request line for query Q, JSON-escaped. */
static size_t make_request(client_t *c, const char *q)
{
	size_t ql = strlen(q);
	reserve(&c->req, &c->req_cap, 6 * ql + 128 + sizeof c->ca->fields);
	char *o = c->req;
	o += sprintf(o, "{\"id\":%lu,\"op\":\"search\",\"limit\":%u%s,"
	             "\"q\":\"", ++c->id, c->ca->limit, c->ca->fields);
	for (const char *p = q; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '"' || ch == '\\') {
			*o++ = '\\';
			*o++ = (char)ch;
		} else if (ch < 0x20) {
			o += sprintf(o, "\\u%04x", ch);
		} else {
			*o++ = (char)ch;
		}
	}
	o += sprintf(o, "\"}\n");
	return (size_t)(o - c->req);
}

/* Send query I and read its reply line into c->buf.  0 on success. */
static int ask(client_t *c, size_t i)
{
	size_t n = make_request(c, c->ca->queries->v[i]);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(c->fd, c->req + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	c->len = 0;
	for (;;) {
		reserve(&c->buf, &c->cap, c->len + 65536);
		ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		size_t old = c->len;
		c->len += (size_t)r;
		if (memchr(c->buf + old, '\n', (size_t)r))
			break;
	}
	c->buf[c->len] = '\0';
	return strstr(c->buf, "\"ok\":true") ? 0 : 1;
}

static int run_query(void *ctx, size_t i)
{
	client_t *c = ctx;
	int rc = ask(c, i);
	if (rc)
		fprintf(stderr, "qclient: %s: %.300s\n", c->ca->queries->v[i],
		        c->len ? c->buf : "no reply");
	return rc;
}

static long long field(const char *buf, const char *key)
{
	const char *t = strstr(buf, key);
	return t ? atoll(t + strlen(key)) : -1;
}

/* "total", its bounds and the number of hits ("rank": once per hit). */
static void print_totals(const client_t *c)
{
	size_t hits = 0;
	for (const char *p = c->buf; (p = strstr(p, "\"rank\":")); p++)
		hits++;
	printf("%lld\t%lld\t%lld\t%zu\n", field(c->buf, "\"total\":"),
	       field(c->buf, "\"min\":"), field(c->buf, "\"max\":"), hits);
}

static int usage(void)
{
	fprintf(stderr, "usage: qclient SOCKET QUERIES [--clients N] [--seconds S]"
	                " [--limit N] [--dump FILE] [--totals] [--warmup]"
	                " [--fields F,G,...]\n");
	return 2;
}

/* --fields F,G as the request's ',"fields":["F","G"]' into OUT; takes
 * the option out of ARGV.  False when it does not fit. */
static bool take_fields(int *argc, char **argv, char *out, size_t size)
{
	out[0] = '\0';
	for (int i = 3; i + 1 < *argc; i++) {
		if (strcmp(argv[i], "--fields") != 0)
			continue;
		size_t n = (size_t)snprintf(out, size, ",\"fields\":[");
		for (char *f = strtok(argv[i + 1], ","); f && n < size;
		     f = strtok(NULL, ","))
			n += (size_t)snprintf(out + n, size - n, "%s\"%s\"",
			                      out[n - 1] == '[' ? "" : ",", f);
		if (n < size)
			n += (size_t)snprintf(out + n, size - n, "]");
		memmove(argv + i, argv + i + 2, (size_t)(*argc - i - 2) * sizeof *argv);
		*argc -= 2;
		return n < size;
	}
	return true;
}

int main(int argc, char **argv)
{
	client_args_t ca = {argv[1], NULL, 0, ""};
	if (argc < 3 || !take_fields(&argc, argv, ca.fields, sizeof ca.fields))
		return usage();
	bench_opts_t o;
	if (!bench_parse_opts(argc, argv, 3, "--clients", &o))
		return usage();
	int clients = o.workers, totals = o.totals, warmup = o.warmup;
	unsigned limit = o.limit;
	double seconds = o.seconds;
	const char *dump = o.dump;
	bench_list_t queries = bench_read_lines(argv[2]);
	ca.queries = &queries;
	ca.limit = limit;
	if (totals) {
		client_t *c = open_client(&ca, 0);
		if (!c)
			return 1;
		for (size_t i = 0; i < queries.n; i++) {
			if (ask(c, i) < 0)
				return 1;
			print_totals(c);
		}
		close_client(c);
		bench_list_free(&queries);
		return 0;
	}
	if (warmup) {
		bench_run_t w = {.nqueries = queries.n, .threads = 1,
		                 .open = open_client, .run = run_query,
		                 .close = close_client, .arg = &ca};
		bench_run(&w);
		free(w.lat_ms);
	}
	bench_run_t r = {.nqueries = queries.n, .threads = clients,
	                 .seconds = seconds, .open = open_client,
	                 .run = run_query, .close = close_client, .arg = &ca};
	bench_run(&r);
	bench_report(&r, "nsearchd");
	bench_dump(&r, dump);
	free(r.lat_ms);
	bench_list_free(&queries);
	return r.errors || !r.requests ? 1 : 0;
}
