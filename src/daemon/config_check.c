/* config_check.c - what the values alone cannot say about a
 * configuration: the articles directory is one, the group exists, the
 * token files are there and private, the synonyms file reads.  Reads the
 * system; never changes it. */
#include "daemon/config_impl.h"
#include "daemon/synonyms.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ns_status_t failf(char **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static ns_status_t failf(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return NS_ERR_INVALID;
}

ns_status_t ns_config_read_token(const char *path, char **token, char **err)
{
	*token = NULL;
	*err = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return failf(err, "token file %s: %s", path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return failf(err, "token file %s: not a regular file", path);
	}
	if (sb.st_uid != geteuid() || (sb.st_mode & 077)) {
		close(fd);
		return failf(err, "token file %s: must belong to the daemon's user "
		             "(uid %u) and be readable by no one else (mode %04o; "
		             "chmod 600)", path, (unsigned)geteuid(),
		             (unsigned)(sb.st_mode & 07777));
	}
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return failf(err, "token file %s: %s", path, strerror(errno));
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	size_t len = strlen(buf);
	if (len < 16)
		return failf(err, "token file %s: the token (its first line) must "
		             "be at least 16 characters", path);
	*token = strdup(buf);
	explicit_bzero(buf, sizeof buf);
	return *token ? NS_OK : NS_ERR_NOMEM;
}

/* The admin token reads as the token does, and is not the same one:
 * else every TCP client would be an admin. */
static ns_status_t check_admin_token(const ns_config_t *c, char **err)
{
	char *admin = NULL, *token = NULL, *why = NULL;
	ns_status_t st = ns_config_read_token(c->admin_token_file, &admin, &why);
	if (st != NS_OK) {
		failf(err, "%s (%s): %s", ns_config_name(NS_OPT_ADMIN_TOKEN_FILE),
		      c->origin[NS_OPT_ADMIN_TOKEN_FILE], why ? why : "out of memory");
		free(why);
		return NS_ERR_INVALID;
	}
	if (c->tcp_token_file &&
	    ns_config_read_token(c->tcp_token_file, &token, &why) == NS_OK &&
	    strcmp(token, admin) == 0)
		st = failf(err, "%s (%s): the admin token must differ from %s's",
		           ns_config_name(NS_OPT_ADMIN_TOKEN_FILE),
		           c->origin[NS_OPT_ADMIN_TOKEN_FILE],
		           ns_config_name(NS_OPT_TCP_TOKEN_FILE));
	free(why);
	explicit_bzero(admin, strlen(admin));
	free(admin);
	if (token)
		explicit_bzero(token, strlen(token));
	free(token);
	return st == NS_OK ? NS_OK : NS_ERR_FORMAT;
}

/* [http]: each token file reads as a token, the three differ, and a
 * certificate comes with its key. */
static ns_status_t check_http(const ns_config_t *c, char **err)
{
	static const ns_opt_t files[] = {NS_OPT_HTTP_TOKEN_FILE,
	                                 NS_OPT_HTTP_PUBLISH_TOKEN_FILE,
	                                 NS_OPT_HTTP_ADMIN_TOKEN_FILE};
	const char *paths[] = {c->http_token_file, c->http_publish_token_file,
	                       c->http_admin_token_file};
	char *tok[3] = {NULL, NULL, NULL};
	ns_status_t st = NS_OK;
	for (int i = 0; i < 3 && st == NS_OK; i++) {
		char *why = NULL;
		if (paths[i] &&
		    ns_config_read_token(paths[i], &tok[i], &why) != NS_OK) {
			st = failf(err, "%s (%s): %s", ns_config_name(files[i]),
			           c->origin[files[i]], why ? why : "out of memory");
			free(why);
		}
		for (int k = 0; st == NS_OK && tok[i] && k < i; k++)
			if (tok[k] && strcmp(tok[k], tok[i]) == 0)
				st = failf(err, "%s (%s): the same token as %s: each role "
				           "needs its own", ns_config_name(files[i]),
				           c->origin[files[i]], ns_config_name(files[k]));
	}
	for (int i = 0; i < 3; i++) {
		if (tok[i])
			explicit_bzero(tok[i], strlen(tok[i]));
		free(tok[i]);
	}
	if (st == NS_OK && !c->http_tls_cert != !c->http_tls_key)
		st = failf(err, "%s and %s go together",
		           ns_config_name(NS_OPT_HTTP_TLS_CERT),
		           ns_config_name(NS_OPT_HTTP_TLS_KEY));
	return st;
}

ns_status_t ns_config_check(const ns_config_t *c, char **err)
{
	*err = NULL;
	if (c->replica_of && c->replication_listen) {
		failf(err, "%s (%s) and %s (%s): a replica serves no replicas of "
		      "its own; point them at the primary",
		      ns_config_name(NS_OPT_REPLICA_PRIMARY),
		      c->origin[NS_OPT_REPLICA_PRIMARY],
		      ns_config_name(NS_OPT_REPLICATION_LISTEN),
		      c->origin[NS_OPT_REPLICATION_LISTEN]);
		return NS_ERR_FORMAT;
	}
	if (c->shards.n && (c->replica_of || c->replication_listen))
		return failf(
		        err,
		        "%s (%s) and %s: a front over shards has no "
		        "index of its own to follow or to serve",
		        ns_config_name(NS_OPT_SHARDS), c->origin[NS_OPT_SHARDS],
		        ns_config_name(c->replica_of
		                               ? NS_OPT_REPLICA_PRIMARY
		                               : NS_OPT_REPLICATION_LISTEN));
	if (c->shards.n > NS_CONFIG_MAX_SHARDS)
		return failf(err, "%s (%s): %zu shards, at most %d",
		             ns_config_name(NS_OPT_SHARDS),
		             c->origin[NS_OPT_SHARDS], c->shards.n,
		             NS_CONFIG_MAX_SHARDS);
	struct stat sb = {.st_mode = S_IFDIR};
	/* A replica or a front has no tree: others watch theirs. */
	if (!c->replica_of && !c->shards.n && stat(c->articles, &sb) < 0)
		return failf(err, "%s (%s): %s", ns_config_name(NS_OPT_ARTICLES),
		             c->origin[NS_OPT_ARTICLES], strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return failf(err, "%s (%s): %s is not a directory",
		             ns_config_name(NS_OPT_ARTICLES),
		             c->origin[NS_OPT_ARTICLES], c->articles);
	if (c->socket_group && !getgrnam(c->socket_group))
		return failf(err, "%s (%s): no such group: %s",
		             ns_config_name(NS_OPT_SOCKET_GROUP),
		             c->origin[NS_OPT_SOCKET_GROUP], c->socket_group);
	if (c->tcp_listen && !c->tcp_token_file) {
		failf(err, "%s (%s) needs %s: TCP clients must send a token",
		      ns_config_name(NS_OPT_TCP_LISTEN), c->origin[NS_OPT_TCP_LISTEN],
		      ns_config_name(NS_OPT_TCP_TOKEN_FILE));
		return NS_ERR_FORMAT; /* the configuration itself is wrong */
	}
	if (c->tcp_token_file) {
		char *token = NULL, *why = NULL;
		if (ns_config_read_token(c->tcp_token_file, &token, &why) != NS_OK) {
			ns_status_t st = failf(err, "%s (%s): %s",
			                       ns_config_name(NS_OPT_TCP_TOKEN_FILE),
			                       c->origin[NS_OPT_TCP_TOKEN_FILE],
			                       why ? why : "out of memory");
			free(why);
			return st;
		}
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (c->backup_dir && c->backup_dir[0] != '/') {
		failf(err, "%s (%s): must be an absolute path: %s",
		      ns_config_name(NS_OPT_BACKUP_DIR), c->origin[NS_OPT_BACKUP_DIR],
		      c->backup_dir);
		return NS_ERR_FORMAT;
	}
	if (c->admin_token_file) {
		ns_status_t st = check_admin_token(c, err);
		if (st != NS_OK)
			return st;
	}
	ns_status_t hst = check_http(c, err);
	if (hst != NS_OK)
		return hst;
	if (c->synonyms) {
		/* Read it as a search would: a bad line is the file's fault. */
		ns_synonyms_t *syn = NULL;
		char *why = NULL;
		ns_status_t st = ns_synonyms_load(c->synonyms, &syn, &why);
		ns_synonyms_free(syn);
		if (st != NS_OK) {
			failf(err, "%s (%s): %s", ns_config_name(NS_OPT_SYNONYMS),
			      c->origin[NS_OPT_SYNONYMS], why ? why : "out of memory");
			free(why);
			return st == NS_ERR_FORMAT ? NS_ERR_FORMAT : NS_ERR_INVALID;
		}
	}
	return NS_OK;
}
