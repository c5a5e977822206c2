#!/usr/bin/env python3
"""Deterministic corpus of synthetic news articles, for benchmarks.

usage: gen_corpus.py OUT_DIR N [--seed S] [--formats mix|news-page]
                     [--lengths short|long] [--manifest FILE]

Writes N articles under OUT_DIR/<section>/<year>/ in the shapes nsearchd
reads (docs/formats.md): mostly scraped news pages like the sample tree,
and with --formats mix (the default) some Markdown with front matter, CMS
JSON exports, saved HTML pages and plain wire copy.  The same N and seed
always give the same bytes, so two runs compare like with like.

The text is not English but is shaped like it where an index notices:
words are drawn from a Zipf-distributed vocabulary (a head of real
function and news words, then made-up stems with English inflections, so
that stemming conflates them), sentences of 8 to 30 words, one to three
sentences a paragraph, article lengths log-normal (median about 220
words, like short news; --lengths long: long-form, see LONG_FORM),
capitalised names of people, places and
organisations, and a pool of recurring two-word collocations so that
phrase searches find something.  Dates run over eleven years; sections,
tags and authors come from pools, the popular ones more often.

--manifest FILE (outside OUT_DIR: the daemon would index it) records what
was written (count, bytes, seed).
"""
import argparse
import bisect
import itertools
import json
import math
import os
import random
import sys

GENERATOR_VERSION = 1

HEAD = """the of to and a in that is for on it with as was he said be by at
from his have an are not has but they this were had their its which who
will been would or after one more new two year about also than when there
over up last other people first into government could out after time some
years three police minister told percent city state week can our before
while week report million officials since against market no council court
company president country public under during national between economic
health plans local water school new house workers billion four called
price rates support last month security party vote spokesman election
bank trade prices chief news army agreement power energy talks program
region border tax budget water rail port union strike ferry bridge storm
village harbour hospital court judge farmers children students police
""".split()

SYLL_ON = ["b", "br", "c", "ch", "cl", "d", "dr", "f", "fl", "g", "gr", "h",
           "j", "k", "l", "m", "n", "p", "pl", "pr", "r", "s", "sh", "sl",
           "st", "t", "tr", "v", "w", "z"]
SYLL_NU = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "ar", "er",
           "or", "an", "en", "in", "on", "al", "el", "il"]
SYLL_CO = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "rt", "st", "ck"]
INFLECT = ["", "s", "ed", "ing", "er", "ers", "ation", "ly"]

SECTIONS = ["World", "Business", "City", "Politics", "Sport", "Science",
            "Culture", "Technology", "Health", "Education", "Environment",
            "Opinion", "Markets", "Transport"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
# --lengths long: the file sizes of real long-form news, as issue 15
# measured them on 5,000 articles (mean 6.1 KB; p10 2.5 KB, p50 5.1 KB,
# p90 10.2 KB, p99 24 KB, max 77 KB): (quantile, KB) knots, drawn by
# inverse transform, log-linear between knots.  The tail above p99 is
# heavier than a log-normal's, as it is in news (features, transcripts).
LONG_FORM = [(0.0, 1.2), (0.1, 2.5), (0.5, 5.1), (0.9, 10.2), (0.99, 24.0),
             (1.0, 77.0)]
# Bytes of a news page's text per word of body (words of made-up stems
# and their spaces and punctuation), and of its header and footer, to
# turn a file size into a word count.
BYTES_PER_WORD = 7.9
PAGE_OVERHEAD = 300

CHROME = ["Skip to content", "Edit post",
          "This audio is created with AI assistance"]


def zipf_cum(n, s=1.05):
    acc, out = 0.0, []
    for r in range(1, n + 1):
        acc += 1.0 / (r ** s)
        out.append(acc)
    return out


class Pools:
    """Everything shared by all articles, drawn from SEED alone."""

    def __init__(self, seed, vocab_stems=16000):
        rng = random.Random(seed)
        seen = set(HEAD)
        stems = []
        while len(stems) < vocab_stems:
            w = "".join(rng.choice(SYLL_ON) + rng.choice(SYLL_NU)
                        for _ in range(rng.choice([1, 1, 2, 2, 2, 3])))
            w += rng.choice(SYLL_CO)
            if len(w) >= 3 and w not in seen:
                seen.add(w)
                stems.append(w)
        # Each stem brings a few inflections, near each other in rank, so
        # a stemmed search for one finds the others.
        words = list(dict.fromkeys(HEAD))
        for st in stems:
            for suf in rng.sample(INFLECT, rng.choice([1, 2, 3, 4])):
                words.append(st + suf)
        self.words = words
        self.word_cum = zipf_cum(len(words))
        self.caps = lambda w: w[:1].upper() + w[1:]

        def name(k):
            return self.caps("".join(rng.choice(SYLL_ON) + rng.choice(SYLL_NU)
                                     for _ in range(k)) + rng.choice(SYLL_CO))
        firsts = [name(rng.choice([2, 2, 3])) for _ in range(300)]
        lasts = [name(rng.choice([2, 3, 3])) for _ in range(600)]
        self.people = ["%s %s" % (rng.choice(firsts), rng.choice(lasts))
                       for _ in range(5000)]
        self.people_cum = zipf_cum(len(self.people), 0.9)
        self.places = [name(rng.choice([2, 3])) for _ in range(1500)]
        self.places_cum = zipf_cum(len(self.places), 0.9)
        orgs = ["Council", "Ministry", "Union", "Bank", "Authority",
                "Institute", "Company", "Party", "Court", "Federation"]
        self.orgs = ["%s %s" % (rng.choice(self.places), rng.choice(orgs))
                     for _ in range(800)]
        self.orgs_cum = zipf_cum(len(self.orgs), 0.9)
        mid = self.words[150:6000]
        self.colloc = ["%s %s" % (rng.choice(mid), rng.choice(mid))
                       for _ in range(4000)]
        self.colloc_cum = zipf_cum(len(self.colloc), 0.9)
        self.tags = list(dict.fromkeys(
            [rng.choice(self.places) for _ in range(300)] +
            [self.caps(rng.choice(self.words[100:3000])) for _ in range(300)] +
            [rng.choice(self.people) for _ in range(200)]))
        self.tags_cum = zipf_cum(len(self.tags), 0.8)
        self.authors = list(dict.fromkeys(
            "%s %s" % (rng.choice(firsts), rng.choice(lasts))
            for _ in range(400)))
        self.authors_cum = zipf_cum(len(self.authors), 0.8)
        self.section_cum = zipf_cum(len(SECTIONS), 0.7)


def pick(rng, items, cum):
    return items[bisect.bisect_left(cum, rng.random() * cum[-1])]


def sentence(rng, P, lo=8, hi=30):
    n = rng.randint(lo, hi)
    ws = [P.words[i] for i in (bisect.bisect_left(P.word_cum, x)
                               for x in (rng.random() * P.word_cum[-1]
                                         for _ in range(n)))]
    # Names and recurring collocations, where news has them.
    r = rng.random()
    if r < 0.35:
        ws.insert(rng.randrange(len(ws)), pick(rng, P.people, P.people_cum))
    elif r < 0.55:
        ws.insert(rng.randrange(len(ws)), pick(rng, P.places, P.places_cum))
    elif r < 0.65:
        ws.insert(rng.randrange(len(ws)), pick(rng, P.orgs, P.orgs_cum))
    if rng.random() < 0.4:
        ws.insert(rng.randrange(len(ws)), pick(rng, P.colloc, P.colloc_cum))
    if rng.random() < 0.15:
        ws.insert(rng.randrange(1, len(ws)), str(rng.randint(2, 2000)))
    s = " ".join(ws)
    if rng.random() < 0.2:
        k = s.find(" ", len(s) // 2)
        if k > 0:
            s = s[:k] + "," + s[k:]
    return P.caps(s) + rng.choice([".", ".", ".", ".", ".", "?", "!"])


class Article:
    pass


def long_form_words(rng):
    """A long-form article's length in words, its file size drawn from
    LONG_FORM."""
    u = rng.random()
    for (q0, k0), (q1, k1) in zip(LONG_FORM, LONG_FORM[1:]):
        if u <= q1:
            t = (u - q0) / (q1 - q0)
            kb = math.exp(math.log(k0) + t * (math.log(k1) - math.log(k0)))
            break
    return max(40, int((kb * 1000 - PAGE_OVERHEAD) / BYTES_PER_WORD))


def article(P, seed, i, lengths="short"):
    rng = random.Random(seed * 1000003 + i)
    a = Article()
    a.i = i
    a.section = pick(rng, SECTIONS, P.section_cum)
    a.tags = []
    for _ in range(rng.choice([0, 1, 2, 2, 3, 3, 4, 5])):
        t = pick(rng, P.tags, P.tags_cum)
        if t not in a.tags and t != a.section:
            a.tags.append(t)
    a.authors = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        n = pick(rng, P.authors, P.authors_cum)
        if n not in a.authors:
            a.authors.append(n)
    a.year = 2015 + rng.randrange(11)
    a.month = rng.randint(1, 12)
    a.day = rng.randint(1, 28)
    a.hour, a.minute = rng.randrange(24), rng.randrange(60)
    t = sentence(rng, P, 5, 11)
    a.title = t.rstrip(".?!")
    a.standfirst = sentence(rng, P, 12, 24) if rng.random() < 0.9 else ""
    if lengths == "long":
        target = long_form_words(rng)
    else:
        target = int(min(4000, max(40, rng.lognormvariate(math.log(220),
                                                          0.65))))
    a.paras, words = [], 0
    while words < target:
        p = " ".join(sentence(rng, P) for _ in range(rng.choice([1, 2, 2, 3])))
        a.paras.append(p)
        words += p.count(" ") + 1
    a.words = words
    a.rng = rng
    return a


def join_names(ns):
    return ns[0] if len(ns) == 1 else ", ".join(ns[:-1]) + " and " + ns[-1]


def news_page(a):
    rng = a.rng
    h = a.hour
    clock = "%d:%02d %s" % ((h % 12) or 12, a.minute, "AM" if h < 12 else "PM")
    lines = [("" if rng.random() < 0.5 else " ") +
             "date %04d-%02d-%02d Skip to content" % (a.year, a.month, a.day),
             ", ".join([a.section] + a.tags)]
    if rng.random() < 0.8:
        lines.append("Edit post")
    lines += ["", a.title, ""]
    lines.append("by %s %s %d, %d %s %d min read" % (
        join_names(a.authors), MONTHS[a.month - 1], a.day, a.year, clock,
        max(1, (a.words + 229) // 230)))
    if a.standfirst:
        lines.append(a.standfirst)
    if rng.random() < 0.6:
        lines.append(CHROME[2])
    for p in a.paras:
        lines += ["", p]
    lines.append("Authors: " + ", ".join(a.authors))
    return "\n".join(lines) + "\n", "txt"


def markdown(a):
    fm = ["---", "title: %s" % json.dumps(a.title),
          "date: %04d-%02d-%02dT%02d:%02d:00+01:00" % (
              a.year, a.month, a.day, a.hour, a.minute),
          "authors:"] + ["  - %s" % json.dumps(n) for n in a.authors]
    fm.append("tags: [%s]" % ", ".join(json.dumps(t) for t in a.tags))
    fm.append("categories: [%s]" % json.dumps(a.section))
    if a.standfirst:
        fm.append("description: %s" % json.dumps(a.standfirst))
    fm.append("---")
    body = []
    for k, p in enumerate(a.paras):
        if k and k % 5 == 0:
            body.append("## " + " ".join(p.split()[:4]).rstrip(".,?!"))
        body.append(p)
    return "\n".join(fm) + "\n\n" + "\n\n".join(body) + "\n", "md"


def cms_json(a):
    o = {"title": a.title, "summary": a.standfirst,
         "content": "".join("<p>%s</p>" % p for p in a.paras),
         "published_at": "%04d-%02d-%02dT%02d:%02d:00+02:00" % (
             a.year, a.month, a.day, a.hour, a.minute),
         "authors": [{"name": n} for n in a.authors], "tags": a.tags,
         "section": a.section, "language": "en",
         "url": "https://news.example/%s/%d" % (a.section.lower(), a.i)}
    return json.dumps(o, indent=1) + "\n", "json"


def html_page(a):
    meta = ['<meta property="og:title" content="%s">' % a.title,
            '<meta property="article:published_time" content='
            '"%04d-%02d-%02dT%02d:%02d:00+01:00">' % (
                a.year, a.month, a.day, a.hour, a.minute),
            '<meta property="article:section" content="%s">' % a.section]
    meta += ['<meta property="article:tag" content="%s">' % t for t in a.tags]
    meta.append('<meta name="author" content="%s">' % join_names(a.authors))
    if a.standfirst:
        meta.append('<meta name="description" content="%s">' % a.standfirst)
    page = ['<!DOCTYPE html>', '<html lang="en">', '<head>',
            '<meta charset="utf-8">', '<title>%s | The Ledger</title>' % a.title]
    page += meta
    page += ['<script>window.analytics = {};</script>', '</head>', '<body>',
             '<nav><a href="/">The Ledger</a> <a href="/%s">%s</a></nav>' % (
                 a.section.lower(), a.section),
             '<article>', '<h1>%s</h1>' % a.title]
    page += ['<p>%s</p>' % p for p in a.paras]
    page += ['</article>', '<footer>The Ledger · Contact</footer>',
             '</body>', '</html>']
    return "\n".join(page) + "\n", "html"


def wire(a):
    place = a.tags[0].upper() if a.tags else "PORTHAVEN"
    first = "%s, %s %d - %s" % (place, MONTHS[a.month - 1][:3], a.day,
                                a.paras[0])
    return a.title + "\n\n" + "\n\n".join([first] + a.paras[1:]) + "\n", "txt"


def render(a, formats):
    if formats == "news-page":
        return news_page(a)
    r = a.rng.random()
    if r < 0.80:
        return news_page(a)
    if r < 0.88:
        return markdown(a)
    if r < 0.94:
        return cms_json(a)
    if r < 0.98:
        return html_page(a)
    return wire(a)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", choices=["mix", "news-page"], default="mix")
    ap.add_argument("--lengths", choices=["short", "long"], default="short",
                    help="article lengths: short news (median about 2 KB) "
                    "or long-form (median 5 KB, up to 77 KB)")
    ap.add_argument("--manifest")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    P = Pools(args.seed)
    total = 0
    made = set()
    for i in range(args.n):
        a = article(P, args.seed, i, args.lengths)
        text, ext = render(a, args.formats)
        d = os.path.join(args.out, a.section.lower(), str(a.year))
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        data = text.encode("utf-8")
        with open(os.path.join(d, "a%07d.%s" % (i, ext)), "wb") as f:
            f.write(data)
        total += len(data)
        if not args.quiet and i and i % 50000 == 0:
            print("gen_corpus: %d articles" % i, file=sys.stderr)
    if args.manifest:
        with open(args.manifest, "w") as f:
            json.dump({"articles": args.n, "bytes": total, "seed": args.seed,
                       "formats": args.formats, "lengths": args.lengths,
                       "version": GENERATOR_VERSION}, f)
    if not args.quiet:
        print("gen_corpus: %d articles, %.1f MB in %s" %
              (args.n, total / 1e6, args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
