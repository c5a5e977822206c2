/* filemeta.c - what the index knows of each file it holds (its stat, the
 * hash of its bytes, when it was read): kept by path in memory, stored in
 * the document's NS_SLOT_FILE value and loaded at start, so that an
 * unchanged file costs a stat.  Writer thread only; it never reads a file. */
#include "daemon/index_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/schema.h"

void meta_tag_make(ns_indexer_t *ix, const char *default_language,
                   unsigned rules_hash)
{
	snprintf(ix->meta_tag, sizeof ix->meta_tag, "%d:%.15s:%zu:%08x",
	         NS_INDEX_LAYOUT, default_language ? default_language : "en",
	         ix->max_file_bytes, rules_hash);
}

/* NS_SLOT_FILE: "TAG[/SIDE] mtime ctime size ino hash read_ns path", TAG
 * being the layout version and the default language (either changing
 * means every file must be read again), SIDE the sidecars' fingerprint
 * in hex, left out when there are none: a value written before sidecars
 * existed reads as a file without any, and is not read again for it. */
char *meta_value(const ns_indexer_t *ix, const struct file_meta *m,
                 const char *relpath)
{
	ns_buf_t b = {0};
	char side[20] = "";
	if (m->side != NS_SIDECARS_NONE)
		snprintf(side, sizeof side, "/%llx", (unsigned long long)m->side);
	if (ns_buf_printf(&b, "%s%s %lld %lld %lld %llu %016llx %lld %s",
	                  ix->meta_tag, side, (long long)m->mtime_ns,
	                  (long long)m->ctime_ns, (long long)m->size,
	                  (unsigned long long)m->ino,
	                  (unsigned long long)m->hash, (long long)m->read_ns,
	                  relpath) != NS_OK) {
		ns_buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* The path is the last field, after the tag and six numbers: it may hold
 * spaces itself. */
const char *ns_index_path_in_meta(const char *v, size_t size, size_t *len)
{
	const char *p = v, *end = v + size;
	for (int field = 0; field < 7; field++) {
		const char *sp =
		        p < end ? memchr(p, ' ', (size_t)(end - p)) : NULL;
		if (!sp)
			return NULL;
		p = sp + 1;
	}
	*len = (size_t)(end - p);
	return p < end ? p : NULL;
}

/* One space-separated decimal (or hex) field at *P, moving *P past it
 * and the single space after it. */
static bool next_field(const char **p, int base, unsigned long long *out,
                       bool is_signed)
{
	char *end;
	errno = 0;
	*out = is_signed ? (unsigned long long)strtoll(*p, &end, base)
	                 : strtoull(*p, &end, base);
	if (errno || end == *p || *end != ' ')
		return false;
	*p = end + 1;
	return true;
}

static void load_meta(const char *value, size_t len, void *ctx)
{
	ns_indexer_t *ix = ctx;
	char *v = ns_strndup(value, len);
	const char *sp = v ? strchr(v, ' ') : NULL;
	if (!sp) {
		free(v);
		return;
	}
	size_t tl = strlen(ix->meta_tag);
	const char *slash = memchr(v, '/', (size_t)(sp - v));
	size_t vtl = slash ? (size_t)(slash - v) : (size_t)(sp - v);
	bool same_tag = vtl == tl && memcmp(v, ix->meta_tag, tl) == 0;
	unsigned long long side = slash ? strtoull(slash + 1, NULL, 16)
	                                : NS_SIDECARS_NONE;
	const char *p = sp + 1;
	unsigned long long f[6];
	bool ok = next_field(&p, 10, &f[0], true) && next_field(&p, 10, &f[1], true) &&
	          next_field(&p, 10, &f[2], true) && next_field(&p, 10, &f[3], false) &&
	          next_field(&p, 16, &f[4], false) && next_field(&p, 10, &f[5], true) &&
	          *p;
	struct file_meta *m = ok ? calloc(1, sizeof *m) : NULL;
	if (m) {
		m->mtime_ns = (int64_t)f[0];
		m->ctime_ns = (int64_t)f[1];
		m->size = (int64_t)f[2];
		m->ino = f[3];
		m->hash = f[4];
		m->read_ns = (int64_t)f[5];
		m->side = side;
		/* Written by another layout or default language: read again. */
		if (!same_tag) {
			m->hash = 0;
			m->mtime_ns = -1;
		}
		ns_pathmap_put(ix->files, p, m);
	}
	free(v);
}

/* A document with no NS_SLOT_FILE (written by an older nsearch): known by
 * its path only, so that the start-up scan reads its file again and the
 * sweep removes it if the file is gone. */
static void add_unknown(const char *term, void *ctx)
{
	ns_indexer_t *ix = ctx;
	const char *path = term + strlen(NS_PREFIX_ID);
	if (ns_pathmap_get(ix->files, path))
		return;
	struct file_meta *m = calloc(1, sizeof *m);
	if (m) {
		m->mtime_ns = -1;
		ns_pathmap_put(ix->files, path, m);
	}
}

struct file_meta meta_of_stat(const struct stat *st, uint64_t gen)
{
	return (struct file_meta){
		.mtime_ns = ts_ns(&st->st_mtim), .ctime_ns = ts_ns(&st->st_ctim),
		.size = st->st_size, .ino = st->st_ino, .seen = gen,
	};
}

bool same_stat(const struct file_meta *a, const struct file_meta *b)
{
	return a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
	       a->size == b->size && a->ino == b->ino && a->side == b->side;
}

/* Was the file read so soon after it was last changed that a change in
 * the same clock tick could have followed unseen?  Then its stat cannot
 * vouch for it (git's "racily clean" files). */
bool racy(const struct file_meta *m)
{
	/* ctime too: cp -p and rsync -t set an old mtime on new bytes. */
	int64_t changed = m->mtime_ns > m->ctime_ns ? m->mtime_ns : m->ctime_ns;
	return m->read_ns - changed < 2000000000;
}

/* Remember M for RELPATH, in memory and in the document's value. */
bool store_meta(ns_indexer_t *ix, const char *relpath, const char *idterm,
                const struct file_meta *m, bool in_index)
{
	struct file_meta *copy = malloc(sizeof *copy);
	if (!copy)
		return false;
	*copy = *m;
	if (ns_pathmap_put(ix->files, relpath, copy) != NS_OK)
		return false;
	if (!in_index)
		return true;
	char *v = meta_value(ix, m, relpath);
	note_unwritten(ix, 'P', relpath);
	nsx_status_t st =
	        !v ? NSX_NO_MEMORY
	        : bulk_active(ix)
	                ? bulk_set_value(ix, idterm, v, strlen(v))
	                : nsx_writer_set_value(ix->w, idterm, NS_SLOT_FILE, v,
	                                       strlen(v));
	free(v);
	if (st != NSX_OK && st != NSX_NOT_FOUND && st != NSX_NO_MEMORY)
		writer_fault(ix, st, relpath);
	return st == NSX_OK;
}

/* Load what the index knows of each file into the path map. */
nsx_status_t load_known(ns_indexer_t *ix)
{
	nsx_status_t xst = nsx_writer_each_value(ix->w, NS_SLOT_FILE, load_meta,
	                                         ix);
	if (xst == NSX_OK)
		xst = nsx_writer_each_term(ix->w, NS_PREFIX_ID, add_unknown, ix);
	if (xst != NSX_OK) {
		/* Start again from nothing: the tree is read again. */
		ns_pathmap_free(ix->files);
		ix->files = ns_pathmap_new();
		if (!ix->files)
			return NSX_NO_MEMORY;
	}
	return xst;
}

struct path_scan {
	const char *dir;      /* "" for the whole tree */
	size_t dir_len;
	uint64_t seen_before;
	ns_strv_t *out;
};

static void collect_path(const char *path, void *value, void *ctx)
{
	struct path_scan *ps = ctx;
	const struct file_meta *m = value;
	if (m->seen >= ps->seen_before)
		return;
	if (ps->dir_len && (strncmp(path, ps->dir, ps->dir_len) != 0 ||
	                    path[ps->dir_len] != '/'))
		return;
	ns_strv_push(ps->out, path, strlen(path)); /* a miss: next sweep */
}

void meta_paths(const ns_indexer_t *ix, const char *dir,
                uint64_t seen_before, ns_strv_t *out)
{
	struct path_scan ps = {dir, strlen(dir), seen_before, out};
	ns_pathmap_each(ix->files, collect_path, &ps);
}
