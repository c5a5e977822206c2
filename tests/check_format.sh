#!/bin/sh
# Every line of C and C++ written or changed since the formatting check
# began (the commit in tests/format-base) is formatted as .clang-format
# says.  The tree before it is left as written: clang-format 14 cannot
# leave alone the trailing comments the headers align over several lines,
# and would misalign them.  Fix a failure with
#   git clang-format $(cat tests/format-base)
# Usage: check_format.sh SOURCE_ROOT
set -eu
cd "$1"
base=$(cat tests/format-base)
if ! command -v git-clang-format >/dev/null ||
   ! command -v clang-format >/dev/null; then
	echo "clang-format is not installed (Debian: apt-get install clang-format)" >&2
	exit 1
fi
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "not a git checkout: no history to tell new lines by" >&2
	exit 77
fi
if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
	echo "commit $base is not in this clone (shallow?): cannot tell new lines" >&2
	exit 77
fi
out=$(git clang-format --diff --extensions c,h,cc,hh "$base" -- \
	src shim include 2>&1) || true
case "$out" in
"" | *"no modified files to format"* | *"did not modify any files"*)
	echo "the lines changed since $base are formatted"
	exit 0 ;;
esac
printf '%s\n' "$out"
echo "lines changed since $base are not formatted as .clang-format says" >&2
echo "(fix: git clang-format $base)" >&2
exit 1
