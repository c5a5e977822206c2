/* config.c - nsearchd's configuration as a whole: built from the
 * defaults, the environment, the file and the command line in rising
 * precedence, printed back with where each value came from, and compared
 * for a reload.  Every option is a row of config_table.c; this file names
 * none of them.  Never touches the index or a socket. */
#include "daemon/config_impl.h"

#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buildconf.h"

const char *ns_config_name(ns_opt_t opt)
{
	static char names[NS_OPT_COUNT][48];
	if ((unsigned)opt >= NS_OPT_COUNT)
		return "?";
	if (!names[opt][0])
		snprintf(names[opt], sizeof names[opt], "[%s] %s",
		         cfg_defs[opt].section, cfg_defs[opt].key);
	return names[opt];
}

const char *ns_config_key(ns_opt_t opt, const char **section,
                          const char **flag)
{
	if ((unsigned)opt >= NS_OPT_COUNT)
		return NULL;
	if (section)
		*section = cfg_defs[opt].section;
	if (flag)
		*flag = cfg_defs[opt].flag;
	return cfg_defs[opt].key;
}

/* ---- building ---- */

const char *ns_config_default(ns_opt_t opt)
{
	return (unsigned)opt < NS_OPT_COUNT ? cfg_defs[opt].dflt : NULL;
}

/* Option I's default: its environment variable, else the directory
 * systemd passes, else what the system suggests, else the built-in
 * value, else none; its origin says which. */
static ns_status_t set_default(ns_config_t *c, ns_opt_t i, char **err)
{
	const struct cfg_def *d = &cfg_defs[i];
	char buf[PATH_MAX], origin[64] = "default", why[300];
	const char *env, *value = d->dflt;
	if (d->env && (env = getenv(d->env)) && *env) {
		value = env;
		snprintf(origin, sizeof origin, "$%s", d->env);
	} else if (d->env_dir && (env = getenv(d->env_dir)) && *env) {
		/* systemd's StateDirectory= or RuntimeDirectory=: the first of
		 * a list */
		snprintf(buf, sizeof buf, "%.*s/%s", (int)strcspn(env, ":"), env,
		         d->in_dir);
		value = buf;
		snprintf(origin, sizeof origin, "$%s", d->env_dir);
	} else if (d->computed && d->computed(buf, sizeof buf)) {
		value = buf;
	}
	if (value && !cfg_set_value(c, i, value, true, why, sizeof why)) {
		/* The built-in values are checked by test_config: only the
		 * environment can be wrong. */
		assert(strcmp(origin, "default") != 0);
		if (asprintf(err, "%s: %s", origin, why) < 0)
			*err = NULL;
		return NS_ERR_INVALID;
	}
	return cfg_set_origin(c, i, origin) ? NS_OK : NS_ERR_NOMEM;
}

/* Every option's default, and the environment's. */
static ns_status_t defaults(ns_config_t *c, char **err)
{
	ns_status_t st = NS_OK;
	for (int i = 0; st == NS_OK && i < NS_OPT_COUNT; i++)
		st = set_default(c, (ns_opt_t)i, err);
	if (st != NS_OK && !*err)
		*err = strdup(ns_status_str(st));
	return st;
}

ns_status_t ns_config_build(const ns_config_args_t *args, ns_config_t *out,
                            char **err)
{
	*err = NULL;
	memset(out, 0, sizeof *out);
	ns_status_t st = defaults(out, err);
	const char *path = args->config_file ? args->config_file : NS_CONFIG_FILE;
	if (st == NS_OK)
		st = cfg_load_file(out, path, args->config_file != NULL, err);
	struct stat sb;
	if (st == NS_OK && stat(path, &sb) == 0 && !(out->file = strdup(path)))
		st = NS_ERR_NOMEM;
	bool given[NS_OPT_COUNT] = {0};
	for (size_t k = 0; st == NS_OK && k < args->n; k++) {
		ns_opt_t i = args->v[k].opt;
		assert((unsigned)i < NS_OPT_COUNT); /* ns_config_parse_args's */
		char why[300], flag[64];
		snprintf(flag, sizeof flag, "--%s", cfg_defs[i].flag);
		if (!cfg_set_value(out, i, args->v[k].value, !given[i], why, sizeof why)) {
			if (asprintf(err, "%s: %s", flag, why) < 0)
				*err = NULL;
			st = NS_ERR_INVALID;
		} else if (!cfg_set_origin(out, i, flag)) {
			st = NS_ERR_NOMEM;
		}
		given[i] = true;
	}
	if (st != NS_OK) {
		if (!*err)
			*err = strdup(ns_status_str(st));
		ns_config_clear(out);
	}
	return st;
}

/* ---- showing and comparing ---- */

static void print_fields(const ns_config_t *c, FILE *f)
{
	fprintf(f, "\n[fields]\n");
	if (!c->nfields)
		fprintf(f, "; none declared\n");
	for (size_t i = 0; i < c->nfields; i++)
		fprintf(f, "%s = %s\n", c->fields[i].name,
		        ns_field_type_name(c->fields[i].type));
}

void ns_config_print(const ns_config_t *c, FILE *f)
{
	fprintf(f, "; nsearchd %s: the effective configuration (%s)\n",
	        NS_VERSION, c->file ? c->file : "no configuration file");
	const char *section = "";
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		const struct cfg_def *d = &cfg_defs[i];
		if (strcmp(section, d->section) != 0) {
			fprintf(f, "%s[%s]\n", *section ? "\n" : "", d->section);
			section = d->section;
		}
		char buf[8192];
		const char *origin = c->origin[i] ? c->origin[i] : "default";
		if (!cfg_value_str(c, (ns_opt_t)i, buf, sizeof buf)) {
			fprintf(f, "; %s =   ; not set (%s)\n", d->key, origin);
			continue;
		}
		for (char *line = buf, *nl; line; line = nl) {
			nl = strchr(line, '\n');
			if (nl)
				*nl++ = '\0';
			fprintf(f, "%s = %s   ; %s\n", d->key, line, origin);
		}
	}
	print_fields(c, f);
}

bool ns_config_needs_restart(const ns_config_t *old, const ns_config_t *now,
                             ns_buf_t *names)
{
	bool any = old->nfields != now->nfields ||
	           memcmp(old->fields, now->fields,
	                  old->nfields * sizeof *old->fields) != 0;
	if (any)
		ns_buf_printf(names, "[fields]");
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		if (cfg_defs[i].reload)
			continue;
		char a[8192], b[8192];
		bool has_a = cfg_value_str(old, (ns_opt_t)i, a, sizeof a);
		bool has_b = cfg_value_str(now, (ns_opt_t)i, b, sizeof b);
		if (has_a == has_b && (!has_a || strcmp(a, b) == 0))
			continue;
		ns_buf_printf(names, "%s%s", any ? ", " : "",
		              ns_config_name((ns_opt_t)i));
		any = true;
	}
	return any;
}

void ns_config_take_reloadable(ns_config_t *into, ns_config_t *from,
                               ns_buf_t *changes)
{
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		const struct cfg_def *d = &cfg_defs[i];
		if (!d->reload)
			continue;
		char a[4096], b[4096];
		bool has_a = cfg_value_str(into, (ns_opt_t)i, a, sizeof a);
		bool has_b = cfg_value_str(from, (ns_opt_t)i, b, sizeof b);
		if (changes && (has_a != has_b || (has_a && strcmp(a, b) != 0)))
			ns_buf_printf(changes, "%s%s %s -> %s",
			              changes->len ? ", " : "",
			              ns_config_name((ns_opt_t)i), has_a ? a : "(none)",
			              has_b ? b : "(none)");
		cfg_swap_value(into, from, (ns_opt_t)i);
		char *o = into->origin[i];
		into->origin[i] = from->origin[i];
		from->origin[i] = o;
	}
	char *f = into->file;
	into->file = from->file;
	from->file = f;
}

void ns_config_clear(ns_config_t *c)
{
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		cfg_clear_value(c, (ns_opt_t)i);
		free(c->origin[i]);
	}
	free(c->file);
	memset(c, 0, sizeof *c);
}

unsigned ns_config_shard_timeout(const ns_config_t *c)
{
	if (c->shard_timeout_ms)
		return c->shard_timeout_ms;
	return c->query_timeout_ms ? (c->query_timeout_ms + 3) / 4 : 10000;
}
