/* config_file.c - the configuration file: INI read with libinih, each
 * key looked up in the option table and its value set as any other
 * source's, an error naming the file and the line. */
#include "daemon/config_impl.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct file_ctx {
	ns_config_t *c;
	FILE *f;
	const char *path;
	int line;                  /* of the line inih is handling */
	bool overlong;             /* the line did not fit */
	unsigned seen[NS_OPT_COUNT]; /* line each option was set on */
	char err[400];             /* the first problem */
	int err_line;
};

/* inih's fgets: counts lines, so the handler knows where it is. */
static char *read_line(char *str, int num, void *stream)
{
	struct file_ctx *fc = stream;
	if (fc->overlong || !fgets(str, num, fc->f))
		return NULL;
	fc->line++;
	size_t len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(fc->f)) {
		fc->overlong = true;
		if (!fc->err_line) {
			fc->err_line = fc->line;
			snprintf(fc->err, sizeof fc->err, "line longer than %d bytes",
			         num - 2);
		}
		return NULL;
	}
	return str;
}

/* [fields] NAME = TYPE: one declaration.  False with WHY. */
static bool declare_field(ns_config_t *c, const char *name, const char *value,
                          char *why, size_t size)
{
	ns_field_type_t t;
	if (!ns_field_name_ok(name)) {
		snprintf(why, size, "[fields] %s: not a field name of our own (a "
		         "letter, then letters, digits, _ or -, at most %d; not a "
		         "built-in one such as section)", name, NS_FIELD_NAME_MAX);
		return false;
	}
	if (!ns_field_type_parse(value, &t)) {
		snprintf(why, size, "[fields] %s: the type is keyword, boolean or "
		         "number, not \"%s\"", name, value);
		return false;
	}
	for (size_t i = 0; i < c->nfields; i++)
		if (strcmp(c->fields[i].name, name) == 0) {
			snprintf(why, size, "[fields] %s: declared twice", name);
			return false;
		}
	if (c->nfields == NS_MAX_FIELDS) {
		snprintf(why, size, "[fields]: at most %d fields", NS_MAX_FIELDS);
		return false;
	}
	ns_field_decl_t *d = &c->fields[c->nfields++];
	snprintf(d->name, sizeof d->name, "%s", name);
	d->type = t;
	return true;
}

static int on_key(void *user, const char *section, const char *name,
                  const char *value)
{
	struct file_ctx *fc = user;
	char why[400];
	int which = -1;
	if (strcmp(section, "fields") == 0) {
		if (declare_field(fc->c, name, value, why, sizeof why))
			return 1;
		if (!fc->err_line) {
			fc->err_line = fc->line;
			snprintf(fc->err, sizeof fc->err, "%s", why);
		}
		return 0;
	}
	for (int i = 0; i < NS_OPT_COUNT; i++)
		if (strcmp(cfg_defs[i].section, section) == 0 &&
		    strcmp(cfg_defs[i].key, name) == 0)
			which = i;
	if (which < 0) {
		bool known_section = false;
		for (int i = 0; i < NS_OPT_COUNT; i++)
			known_section |= strcmp(cfg_defs[i].section, section) == 0;
		if (!*section)
			snprintf(why, sizeof why, "\"%s\" is outside any [section]",
			         name);
		else if (!known_section)
			snprintf(why, sizeof why, "unknown section [%s]", section);
		else
			snprintf(why, sizeof why, "unknown option \"%s\" in [%s]",
			         name, section);
	} else if (fc->seen[which] && cfg_defs[which].type != T_GLOB &&
	           cfg_defs[which].type != T_LIST) {
		snprintf(why, sizeof why, "%s: set twice (first on line %u)",
		         ns_config_name((ns_opt_t)which), fc->seen[which]);
	} else {
		char prob[300];
		if (cfg_set_value(fc->c, (ns_opt_t)which, value, !fc->seen[which],
		              prob, sizeof prob)) {
			char origin[PATH_MAX + 16];
			snprintf(origin, sizeof origin, "%s:%d", fc->path, fc->line);
			if (!fc->seen[which])
				cfg_set_origin(fc->c, (ns_opt_t)which, origin);
			fc->seen[which] = (unsigned)fc->line;
			return 1;
		}
		snprintf(why, sizeof why, "%s: %s", ns_config_name((ns_opt_t)which),
		         prob);
	}
	if (!fc->err_line) {
		fc->err_line = fc->line;
		snprintf(fc->err, sizeof fc->err, "%s", why);
	}
	return 0;
}

ns_status_t cfg_load_file(ns_config_t *c, const char *path, bool must_exist,
                          char **err)
{
	struct file_ctx fc = {.c = c, .path = path};
	fc.f = fopen(path, "r");
	if (!fc.f) {
		if (!must_exist && errno == ENOENT)
			return NS_OK;
		if (asprintf(err, "%s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		return NS_ERR_IO;
	}
	/* Indented lines are options like any other, not continuations;
	 * comments start with ';' or '#', and ';' after a value. */
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	ini_max_line = 4096 + 2; /* the line, its newline and the NUL */
	int rc = ini_parse_stream(read_line, &fc, on_key, &fc);
	fclose(fc.f);
	if (rc == 0 && !fc.err_line)
		return NS_OK;
	if (rc > 0 && (!fc.err_line || rc < fc.err_line)) {
		fc.err_line = rc;
		snprintf(fc.err, sizeof fc.err, "not \"key = value\", a [section] "
		         "or a comment");
	} else if (rc < 0 && !fc.err_line) {
		snprintf(fc.err, sizeof fc.err, "out of memory");
	}
	if (asprintf(err, "%s:%d: %s", path, fc.err_line, fc.err) < 0)
		*err = NULL;
	return NS_ERR_INVALID;
}
