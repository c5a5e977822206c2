/* fileops.c - what the writer does to the index for single files and
 * subtrees: a put (stat, read ahead, apply in order), a removal, the
 * removal of a tree, the sweep after a scan.  Writer thread, but for
 * prep_read, which the readers-ahead run and which touches nothing of the
 * writer's. */
#include "daemon/index_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "core/log.h"
#include "core/safepath.h"
#include "daemon/fault.h"
#include "daemon/schema.h"

void put_failed(ns_indexer_t *ix, const char *relpath, const char *why)
{
	ns_log(NS_LOG_WARNING, LOG_MOD, "%s: not indexed: %s", relpath, why);
	stats_add(ix, &ix->stats.failed, 1);
	ns_problems_set(ix->problems, relpath, false, why);
}

/* RELPATH could not be read for a reason that passes (WHY): read it again
 * a little later, or give up after NS_RETRY_ATTEMPTS and list it. */
static void read_later(ns_indexer_t *ix, const char *relpath, const char *why)
{
	unsigned delay = 0;
	unsigned n = ns_retry_failed(ix->retries, relpath,
	                             (int64_t)ns_now_ms(), &delay);
	char msg[400];
	if (n == 0 || n >= NS_RETRY_ATTEMPTS) {
		snprintf(msg, sizeof msg, "%s (gave up after %u attempts; a change "
		         "to the file or a reindex reads it again)", why, n);
		put_failed(ix, relpath, msg);
		return;
	}
	/* Listed meanwhile, so that a wait on it says why it is not in. */
	snprintf(msg, sizeof msg, "%s; read again in %u ms (attempt %u of %u)",
	         why, delay, n + 1, NS_RETRY_ATTEMPTS);
	ns_log(NS_LOG_WARNING, LOG_MOD, "%s: %s", relpath, msg);
	ns_problems_set(ix->problems, relpath, false, msg);
}

/* Say once per language that its articles are indexed without stemming. */
static void check_stemmer(ns_indexer_t *ix, const ns_article_t *a,
                          const char *relpath)
{
	if (nsx_stemmer_exists(a->language) ||
	    ns_strv_contains(&ix->unstemmed, a->language))
		return;
	ns_strv_push(&ix->unstemmed, a->language, strlen(a->language));
	ns_log(NS_LOG_NOTICE, LOG_MOD, "no stemmer for language \"%s\" (first "
	       "seen in %s): its articles are indexed unstemmed", a->language,
	       relpath);
}

/* Returns true when the index changed. */
bool remove_path(ns_indexer_t *ix, const char *relpath)
{
	if (!ix->w) {
		/* The index cannot be written now: done when it can. */
		note_unwritten(ix, 'P', relpath);
		return false;
	}
	ns_problems_clear(ix->problems, relpath);
	/* In a bulk load the path map is all the index holds. */
	int existed = ns_pathmap_del(ix->files, relpath);
	ns_retry_forget(ix->retries, relpath);
	char idterm[NSX_MAX_TERM + 1];
	if (ns_index_idterm(relpath, idterm, sizeof idterm) != NS_OK)
		return false;
	nsx_status_t st = bulk_active(ix)
	                          ? bulk_delete(ix, idterm)
	                          : nsx_writer_delete(ix->w, idterm, &existed);
	if (st != NSX_OK) {
		note_unwritten(ix, 'P', relpath);
		writer_fault(ix, st, relpath);
		return false;
	}
	if (!existed)
		return false;
	note_unwritten(ix, 'P', relpath);
	ns_log(NS_LOG_DEBUG, LOG_MOD, "%s: removed", relpath);
	stats_add(ix, &ix->stats.removed, 1);
	return true;
}

bool remove_tree(ns_indexer_t *ix, const char *reldir)
{
	char prefix[NSX_MAX_TERM + 2];
	unsigned n = 0;
	int len = snprintf(prefix, sizeof prefix, "%s%s/", NS_PREFIX_ID, reldir);
	if (len < 0 || (size_t)len >= sizeof prefix)
		return false;
	note_unwritten(ix, 'T', reldir);
	if (!ix->w)
		return false; /* done when the index can be written */
	ns_problems_clear_dir(ix->problems, reldir);
	n = (unsigned)ns_pathmap_del_dir(ix->files, reldir);
	ns_retry_forget_dir(ix->retries, reldir);
	nsx_status_t xst =
	        bulk_active(ix) ? bulk_delete_prefix(ix, prefix)
	                        : nsx_writer_delete_prefix(ix->w, prefix, &n);
	if (xst != NSX_OK) {
		writer_fault(ix, xst, reldir);
		return false;
	}
	ns_log(NS_LOG_DEBUG, LOG_MOD, "%s/: removed %u articles", reldir, n);
	stats_add(ix, &ix->stats.removed, n);
	return n > 0;
}

/* After a scan of RELDIR that began at generation GEN: the articles under
 * it that the scan did not find, and whose files are gone (or no longer
 * regular files), leave the index.  Returns true when the index changed. */
bool prune(ns_indexer_t *ix, const char *reldir, uint64_t gen)
{
	ns_strv_t unseen = {0};
	meta_paths(ix, reldir, gen, &unseen);
	/* Files listed as problems are not in the index; those gone leave the
	 * list here too. */
	ns_problems_paths(ix->problems, reldir, &unseen);
	bool changed = false;
	unsigned gone = 0;
	for (size_t i = 0; i < unseen.n; i++) {
		const char *rel = unseen.v[i];
		struct stat st;
		bool ignored = ix->skips && ix->skips(ix->ctx, rel);
		/* A link on the way (a directory swapped for a link to
		 * elsewhere) is no file of the tree: the article goes. */
		int rc = ignored ? 0 : ns_lstat_beneath(ix->rootfd, rel, &st);
		if (!ignored && rc == 0 && S_ISREG(st.st_mode))
			continue; /* not listed (permissions?) but there */
		if (!ignored && rc < 0 && !ns_beneath_gone(errno))
			continue; /* cannot tell (EACCES, EIO): keep it */
		if (remove_path(ix, rel)) {
			changed = true;
			gone++;
		}
	}
	if (gone)
		ns_log(NS_LOG_INFO, LOG_MOD,
		       "removed %u articles whose files are gone", gone);
	ns_strv_clear(&unseen);
	return changed;
}

/* Writer thread: what the stat and the index's memory say of RELPATH
 * before anything is read.  CHECK_READ gives *OUT, the file to read. */
enum check put_check(ns_indexer_t *ix, const char *relpath, bool scanned,
                     uint64_t gen, bool force, struct prep **out)
{
	char idterm[NSX_MAX_TERM + 1];
	if (!ns_utf8_valid(relpath, strlen(relpath))) {
		put_failed(ix, relpath, "file name is not valid UTF-8");
		return CHECK_DONE;
	}
	if (ns_index_idterm(relpath, idterm, sizeof idterm) != NS_OK) {
		put_failed(ix, relpath, "path longer than an index term allows");
		return CHECK_DONE;
	}
	if (ns_sidecar_kind(relpath) != NS_SIDECAR_NONE) /* never an article */
		return remove_path(ix, relpath) ? CHECK_CHANGED : CHECK_DONE;
	struct prep *p = calloc(1, sizeof *p + strlen(relpath) + 1);
	if (!p) {
		put_failed(ix, relpath, "out of memory");
		return CHECK_DONE;
	}
	struct stat sb;
	memset(&sb, 0, sizeof sb);
	bool gone = ns_lstat_beneath(ix->rootfd, relpath, &sb) < 0
	            ? ns_beneath_gone(errno) : !S_ISREG(sb.st_mode);
	if (gone) {
		/* Gone before its turn, a symbolic link or special file now,
		 * or reached through a link: never a file of the tree. */
		free(p);
		return remove_path(ix, relpath) ? CHECK_CHANGED : CHECK_DONE;
	}
	struct file_meta cur = meta_of_stat(&sb, gen);
	struct file_meta *known = ns_pathmap_get(ix->files, relpath);
	if (known) {
		known->seen = gen;
		/* Its sidecars are looked at only when its own stat says
		 * unchanged: otherwise it is read, and they with it. */
		cur.side = known->side;
		if (scanned && same_stat(known, &cur) && !racy(known))
			cur.side = ns_sidecars_fingerprint(ix->sidecars, ix->rootfd,
			                                   relpath, gen);
		if (scanned && same_stat(known, &cur) && !racy(known)) {
			free(p);
			stats_add(ix, &ix->stats.unchanged, 1);
			return CHECK_DONE;
		}
	}
	strcpy(p->path, relpath);
	p->force = force;
	p->known_hash = known ? known->hash : 0;
	p->meta = cur;
	*out = p;
	return CHECK_READ;
}

/* Any thread: P's document from its file's LEN BYTES (freed here) and
 * what its sidecars gave (SIDE): the kind and why into P. */
static void make_doc(const ns_indexer_t *ix, struct prep *p, char *bytes,
                     size_t len, const ns_sidecar_read_t *side)
{
	const char *base = strrchr(p->path, '/');
	ns_status_t st = ns_article_parse(bytes, len, base ? base + 1 : p->path,
	                                  &ix->parse, &p->a, p->why,
	                                  sizeof p->why);
	free(bytes);
	if (st == NS_OK && p->a->draft) {
		snprintf(p->why, sizeof p->why,
		         "a draft (draft: true in its front matter)");
		st = NS_ERR_FORMAT;
	}
	/* The sidecars over what the article says, the path under both. */
	if (st == NS_OK)
		st = ns_sidecars_apply(side, p->a, p->path);
	if (st == NS_OK)
		st = ns_article_from_path(p->a, p->path);
	if (st == NS_OK) {
		st = ns_index_build_doc(p->a, p->path, &p->doc);
		if (st != NS_OK)
			snprintf(p->why, sizeof p->why, "%s", ns_status_str(st));
	} else if (st != NS_ERR_FORMAT) {
		snprintf(p->why, sizeof p->why, "%s", ns_status_str(st));
	}
	p->kind = st == NS_OK ? PREP_DOC : st == NS_ERR_NOMEM ? PREP_RETRY
	                                                     : PREP_FAILED;
}

/* Any thread: read P's file (and its sidecars) and make its document.
 * Touches nothing of IX but what never changes while the writer runs,
 * and the sidecars' cache, which has its own lock. */
void prep_read(void *ctx, struct prep *p)
{
	const ns_indexer_t *ix = ctx;
	p->meta.read_ns = wall_ns();
	char *bytes = NULL;
	size_t len = 0;
	ns_status_t st = ns_read_beneath(ix->rootfd, p->path, ix->max_file_bytes,
	                                 &bytes, &len);
	int err = errno;
	if (st == NS_ERR_IO && (err == ENOENT || err == ENOTDIR)) {
		p->kind = PREP_GONE;
		return;
	}
	if (st == NS_ERR_IO && (err == ELOOP || err == EXDEV || err == EINVAL)) {
		p->kind = PREP_NOT_FILE;
		return;
	}
	ns_sidecar_read_t side;
	if (st == NS_OK &&
	    ns_sidecars_read(ix->sidecars, ix->rootfd, p->path, p->meta.read_ns,
	                     &side) != NS_OK) {
		free(bytes);
		st = NS_ERR_NOMEM;
	}
	if (st == NS_ERR_NOMEM || (st == NS_ERR_IO && ns_errno_transient(err))) {
		p->kind = PREP_RETRY;
		snprintf(p->why, sizeof p->why, "cannot read: %s",
		         st == NS_ERR_NOMEM ? "out of memory" : strerror(err));
		return;
	}
	if (st != NS_OK) {
		p->kind = PREP_FAILED;
		if (st == NS_ERR_TOO_LARGE)
			snprintf(p->why, sizeof p->why, "too large: %lld bytes, over "
			         "the limit of %zu (--max-file-size)",
			         (long long)p->meta.size, ix->max_file_bytes);
		else
			snprintf(p->why, sizeof p->why, "cannot read: %s",
			         st == NS_ERR_IO ? strerror(err) : ns_status_str(st));
		return;
	}
	p->meta.side = side.fingerprint;
	/* never 0, "unknown" */
	p->meta.hash = ns_sidecars_hash(&side, XXH3_64bits(bytes, len)) | 1;
	if (!p->force && p->known_hash == p->meta.hash) {
		/* The same bytes (touched, copied back, saved unchanged), and
		 * the same from the sidecars. */
		free(bytes);
		p->kind = PREP_SAME;
	} else {
		make_doc(ix, p, bytes, len, &side);
	}
	ns_sidecar_read_clear(&side);
}

/* Say what the parser left out of A (its warnings), or that there was
 * nothing: the problems list tells editors. */
static void note_warnings(ns_indexer_t *ix, const ns_article_t *a,
                          const char *relpath)
{
	if (!a->warnings.n) {
		ns_log(NS_LOG_DEBUG, LOG_MOD, "%s: indexed", relpath);
		ns_problems_clear(ix->problems, relpath);
		return;
	}
	ns_buf_t b = {0};
	for (size_t i = 0; i < a->warnings.n; i++)
		ns_buf_printf(&b, "%s%s", i ? "; " : "", a->warnings.v[i]);
	ns_log(NS_LOG_WARNING, LOG_MOD, "%s: indexed in part: %s", relpath,
	       b.data ? b.data : "");
	ns_problems_set(ix->problems, relpath, true, b.data ? b.data : "");
	ns_buf_free(&b);
}

/* P's document replaces the one the index has for IDTERM.  True when it
 * did. */
static bool apply_doc(ns_indexer_t *ix, struct prep *p, const char *idterm)
{
	const char *relpath = p->path;
	check_stemmer(ix, p->a, relpath);
	char *mv = meta_value(ix, &p->meta, relpath);
	nsx_status_t xst = mv ? nsx_doc_set_value(p->doc, NS_SLOT_FILE, mv,
	                                          strlen(mv))
	                      : NSX_NO_MEMORY;
	free(mv);
	if (xst != NSX_OK) {
		put_failed(ix, relpath, "out of memory");
		return false;
	}
	note_unwritten(ix, 'P', relpath);
	size_t text = nsx_doc_text_bytes(p->doc);
	xst = bulk_active(ix) ? bulk_replace(ix, idterm, &p->doc)
	                      : nsx_writer_replace(ix->w, idterm, p->doc);
	if (xst == NSX_INVALID) { /* this document, not the index */
		put_failed(ix, relpath, nsx_writer_error(ix->w));
		return false;
	}
	if (xst != NSX_OK) {
		writer_fault(ix, xst, relpath);
		return false;
	}
	ix->pending_text += text; /* counted by maybe_commit() */
	note_warnings(ix, p->a, relpath);
	store_meta(ix, relpath, idterm, &p->meta, false);
	stats_add(ix, &ix->stats.indexed, 1);
	return true;
}

/* P has the bytes the index has.  Read again with the same stat too (a
 * wait on an unchanged file): nothing to write, no empty commit.  Else (a
 * touch, a copy back) the stat the index keeps is updated.  True when the
 * index changed. */
static bool apply_same(ns_indexer_t *ix, struct prep *p, const char *idterm)
{
	stats_add(ix, &ix->stats.same_content, 1);
	struct file_meta *known = ns_pathmap_get(ix->files, p->path);
	if (known && same_stat(known, &p->meta) && !racy(known))
		return false;
	return store_meta(ix, p->path, idterm, &p->meta, true);
}

/* Writer thread: put what was read of P into the index; frees P.  True
 * when the index changed. */
static bool prep_apply(ns_indexer_t *ix, struct prep *p)
{
	const char *relpath = p->path;
	char idterm[NSX_MAX_TERM + 1];
	bool changed = false;
	ns_index_idterm(relpath, idterm, sizeof idterm); /* checked before */
	if (!ix->w) {
		/* The index cannot be written now: read again when it can. */
		note_unwritten(ix, 'P', relpath);
		p->kind = PREP_RETRY;
	} else if (p->kind == PREP_RETRY) {
		read_later(ix, relpath, p->why);
	} else {
		ns_retry_forget(ix->retries, relpath);
	}
	switch (p->kind) {
	case PREP_RETRY:
		break;
	case PREP_NOT_FILE:
		ns_log(NS_LOG_DEBUG, LOG_MOD, "%s: not a regular file, skipped",
		       relpath);
		/* fall through */
	case PREP_GONE:
		changed = remove_path(ix, relpath);
		break;
	case PREP_FAILED:
		/* Whatever was indexed for it is no longer what is on disk. */
		remove_path(ix, relpath);
		put_failed(ix, relpath, p->why);
		changed = true;
		break;
	case PREP_SAME:
		changed = apply_same(ix, p, idterm);
		break;
	case PREP_DOC:
		changed = apply_doc(ix, p, idterm);
		break;
	}
	nsx_doc_free(p->doc);
	ns_article_free(p->a);
	free(p);
	return changed;
}

void known_paths(ns_indexer_t *ix, const char *dir, ns_strv_t *out)
{
	meta_paths(ix, dir, UINT64_MAX, out);
	ns_strv_t problems = {0};
	ns_problems_paths(ix->problems, dir, &problems);
	for (size_t i = 0; i < problems.n; i++) /* skipped: not in the index */
		if (!ns_pathmap_get(ix->files, problems.v[i]))
			ns_strv_push(out, problems.v[i], strlen(problems.v[i]));
	ns_strv_clear(&problems);
}

/* The articles directly in the folder DIR that the index knows, or lists
 * as problems, into OUT: what its metadata.tsv describes. */
static void folder_articles(ns_indexer_t *ix, const char *dir, ns_strv_t *out)
{
	ns_strv_t all = {0};
	known_paths(ix, dir, &all);
	size_t skip = *dir ? strlen(dir) + 1 : 0;
	for (size_t i = 0; i < all.n; i++) {
		const char *rel = all.v[i];
		if (!strchr(rel + skip, '/') &&
		    ns_sidecar_kind(rel) == NS_SIDECAR_NONE)
			ns_strv_push(out, rel, strlen(rel));
	}
	ns_strv_clear(&all);
}

bool sidecar_changed(ns_indexer_t *ix, const char *relpath, bool scanned,
                     uint64_t gen)
{
	/* An older nsearchd indexed sidecars as articles: no more. */
	bool changed = false, partial;
	if (ns_pathmap_get(ix->files, relpath) ||
	    ns_problems_get(ix->problems, relpath, &partial, NULL, 0))
		changed = remove_path(ix, relpath);
	if (scanned) /* each article's own scan compares its sidecars */
		return changed;
	char *subject = ns_sidecar_subject(relpath);
	ns_strv_t articles = {0};
	if (subject && ns_sidecar_kind(relpath) == NS_SIDECAR_TSV) {
		ns_sidecars_forget(ix->sidecars, subject);
		folder_articles(ix, subject, &articles);
	} else if (subject) {
		ns_strv_push(&articles, subject, strlen(subject));
	}
	free(subject);
	/* Read here, in this job's turn: a wait queued after the sidecar's
	 * change passes once its articles are written. */
	for (size_t i = 0; i < articles.n; i++) {
		struct prep *p = NULL;
		enum check c = put_check(ix, articles.v[i], false, gen, false, &p);
		if (c == CHECK_READ)
			readahead_submit(ix->ra, p);
		changed |= c == CHECK_CHANGED;
		note_changes(ix, settle_reads(ix, false));
	}
	ns_strv_clear(&articles);
	return changed;
}

/* Writer thread: (re)index RELPATH from disk now, reading it on this
 * thread.  SCANNED: a scan found it, and a stat that matches what the
 * index knows is enough.  Returns true when the index changed. */
bool put_path(ns_indexer_t *ix, const char *relpath, bool scanned,
              uint64_t gen, bool force)
{
	struct prep *p = NULL;
	enum check c = put_check(ix, relpath, scanned, gen, force, &p);
	if (c != CHECK_READ)
		return c == CHECK_CHANGED;
	prep_read(ix, p);
	return prep_apply(ix, p);
}

/* Writer thread: apply the files read, in order.  ALL: every one in
 * flight, waiting for them; else those done, waiting only while the
 * window is full.  Returns how many changed the index. */
unsigned settle_reads(ns_indexer_t *ix, bool all)
{
	unsigned changed = 0;
	for (struct prep *p; (p = readahead_take(ix->ra, all));)
		changed += prep_apply(ix, p);
	return changed;
}
