#!/usr/bin/env python3
"""check_openapi.py SRCDIR - docs/openapi.yaml is valid OpenAPI 3.1 and
describes every endpoint src/daemon/http_route.c serves.

The validation is @seriousme/openapi-schema-validator's (npm; the
official JSON Schemas of OpenAPI), run with node.  It is looked for at
$NS_OPENAPI_VALIDATOR, else under SRCDIR/.ci/node (where .ci/run installs
it); without it the test says how to get it and is skipped (exit 77)."""
import os, re, shutil, subprocess, sys

top = sys.argv[1]
spec = os.path.join(top, "docs", "openapi.yaml")
text = open(spec, encoding="utf-8").read()
bad = 0

# Every fixed route of the server is a path of the description.
routes = open(os.path.join(top, "src", "daemon", "http_route.c"),
              encoding="utf-8").read()
served = re.findall(r'\{\s*"(/[a-z]*)", "[A-Z, ]+"', routes)
served += ["/articles/{path}", "/articles/{path}/similar"]
paths = re.findall(r"^  (/[^:]*):\s*$", text, re.M)
for p in served:
    if p not in paths:
        print(f"openapi.yaml: no path {p}, which the server serves")
        bad += 1
for p in paths:
    if p not in served:
        print(f"openapi.yaml: path {p} is not served")
        bad += 1
print(f"openapi: {len(paths)} paths, {len(served)} routes served")

tool = os.environ.get("NS_OPENAPI_VALIDATOR") or os.path.join(
    top, ".ci", "node", "node_modules", ".bin", "validate-api")
if not os.path.exists(tool) or not shutil.which("node"):
    print("SKIP: no OpenAPI validator; install it with: npm install "
          "--prefix .ci/node --no-save "
          "@seriousme/openapi-schema-validator@2.11.0")
    sys.exit(77 if not bad else 1)
p = subprocess.run([tool, spec], capture_output=True, text=True)
print(p.stdout.strip(), p.stderr.strip())
if p.returncode != 0 or '"valid": true' not in p.stdout:
    bad += 1
sys.exit(1 if bad else 0)
