/* config_args.c - nsearchd's command line: --help from the option
 * table, and getopt_long over the same table.  Values are only collected
 * here; they are checked when the configuration is built. */
#include "daemon/config_impl.h"

#include <assert.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "buildconf.h"

/* Codes of long options without a short one, and of the actions. */
#define OPT_CODE(i) (1000 + (int)(i))
enum { ACT_CONFIG = 2000, ACT_CHECK_CONFIG, ACT_CHECK, ACT_SPLIT, ACT_MERGE };

void ns_config_usage(FILE *f)
{
	fprintf(f,
	        "usage: nsearchd [OPTION]...\n"
	        "       nsearchd --check-config [OPTION]...\n"
	        "       nsearchd --check FILE...\n"
	        "       nsearchd --split-index N DIR [OPTION]...\n"
	        "       nsearchd --merge-shards DEST SHARD...\n"
	        "Index an article tree into Xapian, keep it fresh, and answer "
	        "searches\n"
	        "on a Unix socket (newline-delimited JSON, see "
	        "docs/protocol.md).\n"
	        "Options override the configuration file "
	        "(docs/configuration.md).\n"
	        "\n"
	        "  -c, --config FILE      the configuration file (default: "
	        "$NSEARCH_CONFIG,\n"
	        "                         else %s if it exists)\n"
	        "      --check-config     print the effective configuration "
	        "and exit\n"
	        "      --check FILE...    parse the files as the indexer would "
	        "and print\n"
	        "                         their fields as JSON lines, then "
	        "exit\n"
	        "      --split-index N DIR  split the index into N shards "
	        "DIR/shard-1..N,\n"
	        "                         each top-level folder whole in one, "
	        "then exit\n"
	        "      --merge-shards DEST SHARD...  merge shards into one "
	        "index, then\n"
	        "                         exit\n",
	        NS_CONFIG_FILE);
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		const struct cfg_def *d = &cfg_defs[i];
		char left[48];
		if (d->short_opt)
			snprintf(left, sizeof left, "-%c, --%s %s", d->short_opt,
			         d->flag, d->arg);
		else
			snprintf(left, sizeof left, "    --%s %s", d->flag, d->arg);
		if (strlen(left) > 21)
			fprintf(f, "  %s\n  %-21s  %s\n", left, "", d->help);
		else
			fprintf(f, "  %-21s  %s\n", left, d->help);
	}
	fprintf(f,
	"  -h, --help             this help\n"
	"  -V, --version          version of nsearchd and of Xapian\n");
}

/* getopt_long's tables: every option of the table, then the actions. */
static void getopt_tables(struct option longopts[NS_OPT_COUNT + 8],
                          char shorts[64])
{
	size_t n = 0;
	strcpy(shorts, "c:hV");
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		longopts[n++] = (struct option){cfg_defs[i].flag, required_argument,
			NULL, cfg_defs[i].short_opt ? cfg_defs[i].short_opt : OPT_CODE(i)};
		if (cfg_defs[i].short_opt) {
			size_t l = strlen(shorts);
			assert(l + 3 <= 64); /* few options have a short one */
			shorts[l] = (char)cfg_defs[i].short_opt;
			shorts[l + 1] = ':';
			shorts[l + 2] = '\0';
		}
	}
	longopts[n++] = (struct option){"config", required_argument, NULL, 'c'};
	longopts[n++] = (struct option){"check-config", no_argument, NULL,
	                                ACT_CHECK_CONFIG};
	longopts[n++] = (struct option){"check", no_argument, NULL, ACT_CHECK};
	longopts[n++] = (struct option){ "split-index", required_argument, NULL,
		                         ACT_SPLIT };
	longopts[n++] =
	        (struct option){ "merge-shards", no_argument, NULL, ACT_MERGE };
	longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n++] = (struct option){"version", no_argument, NULL, 'V'};
	longopts[n] = (struct option){0};
	assert(n == NS_OPT_COUNT + 7);
}

/* The option getopt_long returned as OPT; -1 for none of the table's. */
static int opt_of(int opt)
{
	for (int i = 0; i < NS_OPT_COUNT; i++)
		if (opt == OPT_CODE(i) || (cfg_defs[i].short_opt &&
		                           opt == cfg_defs[i].short_opt))
			return i;
	return -1;
}

int ns_config_parse_args(int argc, char **argv, ns_config_args_t *out)
{
	struct option longopts[NS_OPT_COUNT + 8];
	char shorts[64];
	memset(out, 0, sizeof *out);
	getopt_tables(longopts, shorts);
	argv[0] = (char *)"nsearchd"; /* getopt's messages name the program */
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': out->config_file = optarg; continue;
		case ACT_CHECK_CONFIG: out->check_config = true; continue;
		case ACT_CHECK: out->check = true; continue;
		case ACT_MERGE: out->merge = true; continue;
		case ACT_SPLIT:
			out->split = (unsigned)strtoul(optarg, NULL, 10);
			if (out->split < 2 ||
			    out->split > NS_CONFIG_MAX_SHARDS) {
				fprintf(stderr,
				        "nsearchd: --split-index takes 2 to "
				        "%d shards\n",
				        NS_CONFIG_MAX_SHARDS);
				ns_config_args_free(out);
				return 2;
			}
			continue;
		case 'h': out->help = true; continue;
		case 'V': out->version = true; continue;
		case '?':
			ns_config_usage(stderr);
			ns_config_args_free(out);
			return 2;
		}
		int which = opt_of(opt);
		if (which < 0)
			continue;
		struct ns_config_arg *v = realloc(out->v, (out->n + 1) * sizeof *v);
		if (!v) {
			fprintf(stderr, "nsearchd: out of memory\n");
			ns_config_args_free(out);
			return 2;
		}
		out->v = v;
		out->v[out->n++] = (struct ns_config_arg){(ns_opt_t)which, optarg};
	}
	out->files = argv + optind;
	out->nfiles = argc - optind;
	if (out->check && !out->nfiles) {
		fprintf(stderr, "nsearchd: --check needs the files to check\n");
		ns_config_args_free(out);
		return 2;
	}
	if ((out->split && out->nfiles != 1) ||
	    (out->merge && out->nfiles < 2)) {
		fprintf(stderr, "nsearchd: %s\n",
		        out->split ? "--split-index N takes one directory to "
		                     "write the shards in"
		                   : "--merge-shards takes the new index and "
		                     "the shards");
		ns_config_args_free(out);
		return 2;
	}
	if (out->nfiles && !out->check && !out->split && !out->merge) {
		fprintf(stderr, "nsearchd: unexpected argument '%s'\n",
		        argv[optind]);
		ns_config_usage(stderr);
		ns_config_args_free(out);
		return 2;
	}
	if (!out->config_file) {
		const char *env = getenv("NSEARCH_CONFIG");
		if (env && *env)
			out->config_file = env;
	}
	return 0;
}

void ns_config_args_free(ns_config_args_t *args)
{
	free(args->v);
	args->v = NULL;
	args->n = 0;
}
