/* config_impl.h - what the files of the configuration (config*.c) share:
 * the option table and the value types it names.  Not for the rest of the
 * daemon, which sees config.h only. */
#ifndef NS_CONFIG_IMPL_H
#define NS_CONFIG_IMPL_H

#include "daemon/config.h"

/* How an option's text is read, shown, stored and freed
 * (config_value.c has one row for each). */
enum cfg_type {
	T_PATH,   /* a non-empty string */
	T_LANG,   /* a language tag ns_language_normalise() knows */
	T_UINT,   /* decimal, within [lo, hi] */
	T_SIZE,   /* bytes with K, M, G suffixes, within [lo, hi] */
	T_MODE,   /* octal permission bits */
	T_LEVEL,  /* a log level name */
	T_WORD,   /* one of the option's words, stored as its place */
	T_GLOB,   /* repeatable */
	T_LIST,   /* repeatable, and each value a comma-separated list */
	T_LISTEN, /* PORT, HOST:PORT or [V6]:PORT; "off" or "" */
	T_NAME,   /* a non-empty string without spaces (a group) */
	T_COUNT
};

/* One option (config_table.c).  Its default is the first of: ENV, a
 * systemd directory ENV_DIR with IN_DIR in it, what COMPUTED finds, DFLT;
 * none of them: not set. */
struct cfg_def {
	const char *section, *key;
	const char *flag;          /* the long option */
	int short_opt;             /* 0: none */
	enum cfg_type type;
	size_t offset;             /* into ns_config_t */
	unsigned long long lo, hi;
	bool reload;               /* SIGHUP applies it */
	const char *arg;           /* for --help */
	const char *help;
	const char *dflt;          /* the built-in default, as a file writes
	                              it ("8M", "0660"); NULL: none */
	const char *env;           /* a variable that, set and not empty,
	                              replaces the default ("NSEARCH_SOCKET") */
	const char *env_dir;       /* a directory systemd passes (the first of
	                              a list): the default is IN_DIR inside */
	const char *in_dir;
	/* The default the system suggests, into BUF; NULL: none. */
	const char *(*computed)(char *buf, size_t size);
	/* T_WORD: the words it takes, NULL-terminated, in the order of the
	 * enum stored ("quick", "full", "none": ns_index_check_t). */
	const char *const *words;
};

extern const struct cfg_def cfg_defs[NS_OPT_COUNT];

/* ---- values (config_value.c) ---- */

/* Set option I from the text VALUE.  False with WHY (SIZE bytes) when the
 * value is not one the option takes.  REPLACE_LIST: a repeatable option
 * starts its list again (the first time a new source sets it). */
bool cfg_set_value(ns_config_t *c, ns_opt_t i, const char *value,
                   bool replace_list, char *why, size_t size);
/* Option I's value as text into BUF; false when it is not set. */
bool cfg_value_str(const ns_config_t *c, ns_opt_t i, char *buf, size_t size);
/* Exchange option I's values (not their origins) between A and B. */
void cfg_swap_value(ns_config_t *a, ns_config_t *b, ns_opt_t i);
/* Free what option I's value owns and zero it. */
void cfg_clear_value(ns_config_t *c, ns_opt_t i);
/* C->origin[I] becomes a copy of ORIGIN; false when out of memory. */
bool cfg_set_origin(ns_config_t *c, ns_opt_t i, const char *origin);

/* ---- the file (config_file.c) ---- */

/* Read PATH into C.  MUST_EXIST: a missing file is an error.  *ERR as
 * ns_config_build's. */
ns_status_t cfg_load_file(ns_config_t *c, const char *path, bool must_exist,
                          char **err);

#endif
