#!/usr/bin/env python3
"""A fixed set of realistic queries for any directory of articles.

usage: make_queries.py NSEARCHD ARTICLES_DIR OUT_PREFIX [--n 300] [--seed S]

Samples articles deterministically, reads them with `nsearchd --check` (so
the queries come from the fields the index will hold, whatever the format
or corpus), and writes the same queries in two forms:

  OUT_PREFIX.ns       one nsearch query string a line (nsearchd, raw_xapian)
  OUT_PREFIX.fts.tsv  the FTS5 equivalent: MATCH<TAB>SECTION<TAB>FROM<TAB>TO
  OUT_PREFIX.jsonl    both, with the kind of each query

The mix: one word (30%), two words (22%), three words (13%) from one
article, a two- or three-word phrase from its text (15%), a title: word
(6%), a word within a section (7%) and a word within a year's date range
(7%).  Words are taken where the article uses them, so common words come
up more often than rare ones, as in real searches; stop words are left
out, as people leave them out.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys

STOP = set("""a an and are as at be been but by for from had has have he her
his i in is it its of on or that the their they this to was were which
who will with would not no so if than then there these those we you our
said says also after before over into about up out more one two new
when what while where how some other could can than any all its may must
been being did does just like only very such own same both each few most
""".split())
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)

KINDS = [("w1", 30), ("w2", 22), ("w3", 13), ("phrase", 15), ("title", 6),
         ("section", 7), ("date", 7)]


def sample_files(root, n, rng):
    files = []
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        files += [os.path.join(d, x) for x in sorted(names)
                  if not x.startswith(".")]
    rng.shuffle(files)
    return files[:n]


def check(nsearchd, files):
    out = []
    for i in range(0, len(files), 200):
        p = subprocess.run([nsearchd, "--check"] + files[i:i + 200],
                           capture_output=True, text=True)
        for line in p.stdout.splitlines():
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if o.get("body") or o.get("title"):
                out.append(o)
    return out


def words_of(text):
    return [w.lower() for w in WORD.findall(text) if w.lower() not in STOP]


def fts_words(ws):
    return " ".join('"%s"' % w for w in ws)


def make(kind, a, rng):
    """One query of KIND from article A, or None when A cannot give one."""
    body = words_of(a.get("standfirst", "") + " " + a.get("body", ""))
    if not body:
        return None
    if kind in ("w1", "w2", "w3"):
        k = int(kind[1])
        ws = []
        for _ in range(20):
            w = rng.choice(body)
            if w not in ws:
                ws.append(w)
            if len(ws) == k:
                break
        if len(ws) < k:
            return None
        return " ".join(ws), fts_words(ws), "", "", ""
    if kind == "phrase":
        toks = re.findall(r"[^\W\d_]+", a.get("body", ""), re.UNICODE)
        for _ in range(20):
            k = rng.choice([2, 2, 3])
            if len(toks) <= k:
                return None
            i = rng.randrange(len(toks) - k)
            ph = [t.lower() for t in toks[i:i + k]]
            if ph[0] in STOP or ph[-1] in STOP or min(map(len, ph)) < 2:
                continue
            s = " ".join(ph)
            return '"%s"' % s, '"%s"' % s, "", "", ""
        return None
    if kind == "title":
        ws = words_of(a.get("title", ""))
        if not ws:
            return None
        w = rng.choice(ws)
        return "title:%s" % w, 'title : "%s"' % w, "", "", ""
    if kind == "section":
        sec = a.get("section", "")
        if not sec or not re.fullmatch(r"[A-Za-z]+", sec):
            return None
        w = rng.choice(body)
        return ("%s section:%s" % (w, sec.lower()), fts_words([w]), sec.lower(),
                "", "")
    if kind == "date":
        d = a.get("date", "")
        if not d:
            return None
        y = int(d[:4])
        lo, hi = "%04d-01-01" % y, "%04d-12-31" % y
        w = rng.choice(body)
        return "%s date:%s..%s" % (w, lo, hi), fts_words([w]), "", lo, hi
    raise ValueError(kind)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("nsearchd")
    ap.add_argument("articles")
    ap.add_argument("out_prefix")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    arts = check(args.nsearchd, sample_files(args.articles,
                                             max(50, 2 * args.n), rng))
    if not arts:
        sys.exit("make_queries: no article could be read in %s" % args.articles)
    kinds = [k for k, w in KINDS for _ in range(w)]
    out, seen = [], set()
    tries = 0
    while len(out) < args.n and tries < 50 * args.n:
        tries += 1
        kind = kinds[len(out) * 7919 % len(kinds)] if tries < 10 * args.n \
            else rng.choice(kinds)
        q = make(kind, rng.choice(arts), rng)
        if q and q[0] not in seen:
            seen.add(q[0])
            out.append((kind,) + q)
    with open(args.out_prefix + ".ns", "w") as f:
        f.writelines(q[1] + "\n" for q in out)
    with open(args.out_prefix + ".fts.tsv", "w") as f:
        f.writelines("\t".join(q[2:]) + "\n" for q in out)
    with open(args.out_prefix + ".jsonl", "w") as f:
        for q in out:
            f.write(json.dumps({"kind": q[0], "nsearch": q[1], "fts5": q[2],
                                "section": q[3], "date_from": q[4],
                                "date_to": q[5]}) + "\n")
    print("make_queries: %d queries from %d articles" % (len(out), len(arts)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
