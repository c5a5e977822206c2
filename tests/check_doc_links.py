#!/usr/bin/env python3
"""check_doc_links.py BUILDDIR - install the build into a scratch root and
check that every relative link in an installed Markdown page names a file
that is installed too, and that the unit's Documentation= pages exist."""
import os, re, subprocess, sys, tempfile

build = sys.argv[1]
with tempfile.TemporaryDirectory() as root:
    subprocess.run(["meson", "install", "-C", build, "--destdir", root,
                    "--no-rebuild", "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    pages = []
    for d, _, files in os.walk(root):
        pages += [os.path.join(d, f) for f in files if f.endswith(".md")]
    if not any(p.endswith("/README.md") for p in pages):
        sys.exit("the README is not installed")
    bad = 0
    for page in sorted(pages):
        text = open(page, encoding="utf-8").read()
        # Links outside code: drop fenced blocks and inline code first.
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        text = re.sub(r"`[^`]*`", "", text)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(page),
                                                 target.split("#")[0]))
            if not os.path.exists(path):
                print(f"{os.path.relpath(page, root)}: links to {target}, "
                      "which is not installed")
                bad += 1
    units = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
             if f.endswith(".service")]
    for unit in units:
        for line in open(unit):
            for doc in re.findall(r"file://(\S+)", line):
                if not os.path.exists(root + doc):
                    print(f"{os.path.basename(unit)}: Documentation={doc} "
                          "is not installed")
                    bad += 1
    print(f"{len(pages)} installed pages, {bad} broken links")
    sys.exit(1 if bad else 0)
