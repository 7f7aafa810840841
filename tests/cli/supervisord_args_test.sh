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

# --check warns (exit 0) about what is missing on this machine, with file:line:column, so that one
# missing binary never keeps the other services from starting at boot.
conf=$empty/conf
mkdir "$conf"
printf 'supervisor:\n  log_dir: %s\nservices:\n  ok:\n    command: ["sh", "-c", "true"]\n  gone:\n    command: ["%s/no-such-binary"]\n    directory: %s/no-such-dir\n' \
    "$empty" "$empty" "$empty" >"$conf/a.yaml"
out=$("$bin" --check -c "$conf" 2>&1)
rc=$?
((rc == 0)) || fail "--check with a missing binary: exit $rc, want 0 (a warning); output: $out"
grep -qF "warning: $conf/a.yaml:6:3: services.gone.command: $empty/no-such-binary: No such file or directory" <<<"$out" ||
    fail "--check does not warn about the missing binary at its file:line:col: $out"
grep -qF "warning: $conf/a.yaml:6:3: services.gone.directory: $empty/no-such-dir:" <<<"$out" ||
    fail "--check does not warn about the missing directory: $out"
grep -q 'services.ok' <<<"$out" && fail "--check warns about a service that is fine: $out"
grep -q 'configuration OK' <<<"$out" || fail "--check does not report the configuration OK: $out"

((failed == 0)) && echo "supervisord_args_test: PASS" >&2
exit "$failed"
