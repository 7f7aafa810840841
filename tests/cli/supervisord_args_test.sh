#!/bin/bash
# supervisord's command line, run as a binary (no bus, no services): what is refused before anything
# starts. Exit 0 pass, 1 fail.
#
# Usage: supervisord_args_test.sh SUPERVISORD
set -uo pipefail

bin=${1:?usage: $0 SUPERVISORD}
failed=0
fail() { echo "supervisord_args_test: FAILED: $*" >&2; failed=1; }

# An unknown --log-level is refused (exit 2, the level and the accepted ones named), as a bad
# supervisor.log_level in the YAML is; before, it silently meant "info".
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
out=$("$bin" --log-level bogus --check -c "$empty" 2>&1)
rc=$?
((rc == 2)) || fail "--log-level bogus: exit $rc, want 2; output: $out"
grep -q "log-level.*'bogus'" <<<"$out" || fail "--log-level bogus: the error does not name the level: $out"
grep -q 'trace, debug, info, warn, error, critical, off' <<<"$out" ||
    fail "--log-level bogus: the error does not list the levels: $out"

# Every level the YAML accepts is accepted here too (--check stops before the daemon starts).
for level in trace debug info warn error critical off; do
    out=$("$bin" --log-level "$level" --check -c "$empty" 2>&1)
    rc=$?
    ((rc == 0)) || fail "--log-level $level: exit $rc, want 0; output: $out"
done

# --help lists every level.
help=$("$bin" --help)
for level in trace debug info warn error critical off; do
    grep -qE -- "--log-level.*\\b$level\\b" <<<"$(tr '\n' ' ' <<<"$help")" || fail "--help does not list level '$level'"
done

((failed == 0)) && echo "supervisord_args_test: PASS" >&2
exit "$failed"
