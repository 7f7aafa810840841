#!/bin/bash
# Checks on the shipped systemd units that need no systemd: settings whose absence would only show
# up on a production machine, at the worst moment. Exit 0 pass, 1 fail.
#
# Usage: unit_files_test.sh UNIT.in...
set -euo pipefail

(($#)) || { echo "usage: $0 UNIT.in..." >&2; exit 2; }
failed=0

# service_value FILE KEY: the value of KEY in FILE's [Service] section (the last assignment wins, as
# in systemd), empty when absent.
service_value() {
    awk -v key="$2" '
        /^\[/ { section = $0; next }
        section == "[Service]" && index($0, key "=") == 1 { value = substr($0, length(key) + 2) }
        END { print value }' "$1"
}

expect() {
    local file=$1 key=$2 want=$3 got
    got=$(service_value "$file" "$key")
    if [[ $got != "$want" ]]; then
        echo "unit_files_test: $file: [Service] $key=${got:-<unset>}, want $key=$want" >&2
        failed=1
    fi
}

for unit in "$@"; do
    [[ -f $unit ]] || { echo "unit_files_test: no such file: $unit" >&2; exit 1; }
    # systemd's default, stop, would stop the daemon and every service when the kernel OOM-kills one.
    expect "$unit" OOMPolicy continue
    expect "$unit" Type notify
    expect "$unit" KillMode mixed
    # The user unit: supervisord --user picks the XDG directories itself; the unit creates them.
    if [[ $unit == */user/* ]]; then
        expect "$unit" ExecStart "@SUP_BINDIR@/supervisord --user"
        expect "$unit" RuntimeDirectory supervisord
        expect "$unit" StateDirectory supervisord
    fi
done

((failed == 0)) && echo "unit_files_test: PASS ($*)" >&2
exit "$failed"
