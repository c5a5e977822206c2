#!/usr/bin/env python3
"""Field accuracy of the news-page parser on pages written by others.

Wraps stories of the Reuters-21578 collection (../shared/corpora; unpack it
first, see its README) in the scraped news-page shape, with the variations
real pages show: chrome or not, a leading space or not, one to three
authors, byline and footer that agree or differ, a time or not, a reading
time or not, a related-article teaser or not, no tags.  Then runs
`nsearchd --check` over them and compares every field with what the page
was made from.  The pages are written to a temporary directory and removed;
no corpus text enters the repository.

usage: parse_accuracy.py BUILD_DIR CORPUS_DIR [N] [SEED]
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
CHROME = ["Skip to content", "Edit post",
          "This audio is created with AI assistance"]
FIRST = ["Anna", "Brendan", "Chiara", "Dmytro", "Elif", "Farid", "Greta",
         "Hugo", "Ines", "Jonas", "Kateryna", "Lars", "Mina", "Nikolai",
         "Olga", "Pedro", "Quentin", "Rosa", "Sven", "Tamar", "Uma", "Viktor"]
LAST = ["Albrecht", "Bondarenko", "Castellano", "Dahl", "Ekwueme", "Fischer",
        "Gallo", "Horvath", "Ivanova", "Jensen", "Kowalczyk", "Lindqvist",
        "Moreau", "Novak", "O'Connell", "Petrenko", "Quiroga", "Rossi",
        "Sato", "Tkachenko", "Urbanek", "Vasquez"]
DESKS = ["The Harbour Ledger news desk", "Wire desk", "Staff reporters"]


def load_meta(corpus):
    meta = {}
    with open(os.path.join(corpus, "metadata.tsv"), encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            meta[row["newid"]] = row
    return meta


def nice(word):
    return " ".join(w.capitalize() for w in word.replace("-", " ").split())


def story(corpus, newid):
    path = os.path.join(corpus, "articles", "%05d.txt" % int(newid))
    with open(path, encoding="utf-8") as f:
        text = f.read()
    title, _, body = text.partition("\n\n")
    paras, cur = [], []
    for line in body.splitlines():
        if line.startswith("    ") and cur:
            paras.append(" ".join(cur))
            cur = []
        if line.strip():
            cur.append(line.strip())
    if cur:
        paras.append(" ".join(cur))
    # Reuters closes with " Reuters" or "REUTER"; keep it, it is body.
    return " ".join(title.split()), paras


def names(rng):
    n = rng.choice([1, 1, 1, 2, 2, 3])
    out = []
    while len(out) < n:
        name = "%s %s" % (rng.choice(FIRST), rng.choice(LAST))
        if name not in out:
            out.append(name)
    if rng.random() < 0.15:
        out[-1] = rng.choice(DESKS)
    return out


def join_names(ns, oxford=False):
    if len(ns) == 1:
        return ns[0]
    return ", ".join(ns[:-1]) + ("," if oxford else "") + " and " + ns[-1]


def make_page(rng, meta, title, paras, teaser):
    d = meta["date"].split()[0]               # 26-FEB-1987
    day, mon, year = d.split("-")
    year = str(int(year) + 37)                # a plausible recent year
    m = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP",
         "OCT", "NOV", "DEC"].index(mon) + 1
    date = "%s-%02d-%02d" % (year, m, int(day))
    hh, mm = meta["date"].split()[1].split(":")[:2]
    h = int(hh)
    clock = "%d:%s %s" % ((h % 12) or 12, mm, "AM" if h < 12 else "PM")
    topics = [nice(t) for t in meta["topics"].split(";") if t]
    section = topics[0] if topics else rng.choice(["Business", "Markets"])
    tags = []
    for t in topics[1:] + [nice(p) for p in meta["places"].split(";") if p] + \
            [nice(p) for p in meta["people"].split(";") if p]:
        if t not in tags and t != section:
            tags.append(t)
    tags = tags[:5]
    if rng.random() < 0.1:
        tags = []
    authors = names(rng)
    footer = rng.random() < 0.75
    byline_names = authors
    if footer and len(authors) > 1 and rng.random() < 0.3:
        byline_names = authors[:1]            # the footer says more
    words = sum(len(p.split()) for p in paras)
    minutes = max(1, (words + 229) // 230)
    has_time = rng.random() < 0.9
    has_read = rng.random() < 0.9
    standfirst = re.split(r"(?<=[.!?])\s", paras[0], 1)[0]
    if rng.random() < 0.1:
        standfirst = ""

    lines = []
    head = ("" if rng.random() < 0.5 else " ") + "date " + date
    r = rng.random()
    if r < 0.6:
        head += " Skip to content"
    elif r < 0.7:
        lines.append("Skip to content")       # chrome above the header
    lines.append(head)
    lines.append(", ".join([section] + tags))
    if rng.random() < 0.8:
        lines.append("Edit post")
    lines.append("")
    lines.append(title)
    lines.append("")
    by = "by %s %s %d, %s" % (join_names(byline_names, rng.random() < 0.2),
                              MONTHS[m - 1], int(day), year)
    if has_time:
        by += " " + clock
    if has_read:
        by += " %d min read" % minutes
    lines.append(by)
    if standfirst:
        lines.append(standfirst)
    if rng.random() < 0.6:
        lines.append("This audio is created with AI assistance")
    lines.append("")
    for p in paras:
        lines.append(p)
        lines.append("")
    if teaser:
        lines.pop()                           # the teaser follows a blank
        lines.append("")
        lines.append(teaser[0])
        lines.append(teaser[1])
    else:
        lines.pop()
    if footer:
        lines.append("Authors: " + ", ".join(authors))
    truth = {"title": title, "date": date,
             "time": "%02d:%s" % (h, mm) if has_time else "",
             "section": section, "tags": tags, "authors": authors,
             "standfirst": standfirst,
             "body": "\n\n".join(paras)}
    return "\n".join(lines) + "\n", truth


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    build, corpus = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    meta = load_meta(corpus)
    ids = [i for i, r in meta.items()
           if r["text_type"] == "NORM" and int(r["body_chars"] or 0) > 300]
    rng.shuffle(ids)
    ids = ids[:n]
    tmp = tempfile.mkdtemp(prefix="nsearch-parse-")
    truths = {}
    for k, newid in enumerate(ids):
        title, paras = story(corpus, newid)
        if not paras or not title:
            continue
        teaser = None
        if rng.random() < 0.4:
            t2, p2 = story(corpus, ids[(k + 1) % len(ids)])
            if p2 and t2 and not t2.endswith("."):
                teaser = (t2, re.split(r"(?<=[.!?])\s", p2[0], 1)[0])
        page, truth = make_page(rng, meta[newid], title, paras, teaser)
        truth["teaser"] = teaser
        path = os.path.join(tmp, "%s.txt" % newid)
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
        truths[path] = truth
    nsearchd = os.path.join(build, "src", "nsearchd")
    got = {}
    paths = sorted(truths)
    for i in range(0, len(paths), 500):
        out = subprocess.run([nsearchd, "--check"] + paths[i:i + 500],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            o = json.loads(line)
            got[o["file"]] = o
    fields = ["title", "date", "time", "section", "tags", "authors",
              "standfirst", "body"]
    wrong = {f: 0 for f in fields}
    chrome_left = teaser_left = all_right = 0
    examples = []
    for path, t in truths.items():
        o = got.get(path, {})
        ok = True
        for f in fields:
            if o.get(f) != t[f]:
                wrong[f] += 1
                ok = False
                if len(examples) < 5:
                    examples.append((os.path.basename(path), f, t[f], o.get(f)))
        body = o.get("body", "")
        if any(c in body for c in CHROME) or "Authors:" in body:
            chrome_left += 1
        if t["teaser"] and t["teaser"][0] in body:
            teaser_left += 1
        all_right += ok
    total = len(truths)
    print("pages: %d (%d with a teaser)" %
          (total, sum(1 for t in truths.values() if t["teaser"])))
    for f in fields:
        print("  %-8s exact: %6.2f%%  (%d wrong)" %
              (f, 100.0 * (total - wrong[f]) / total, wrong[f]))
    print("  every field exact: %.2f%%" % (100.0 * all_right / total))
    print("  bodies with a chrome or footer line left: %d" % chrome_left)
    print("  bodies with the teaser left in: %d" % teaser_left)
    for name, f, want, have in examples:
        print("  e.g. %s %s: want %r, got %r" %
              (name, f, str(want)[:120], str(have)[:120]))
    if os.environ.get("KEEP"):
        print("  pages kept in", tmp)
    else:
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
