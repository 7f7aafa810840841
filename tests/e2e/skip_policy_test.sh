#!/bin/bash
# The e2e scripts' skip (lib/namespace.sh ns_skip): exit 77, ctest's "skipped", on a developer's
# machine; exit 1, a failure, with CI=true, so CI cannot turn green with the e2e tests not run.
# Exit 0 pass, 1 fail.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
failed=0

skip_rc() {  # skip_rc CI-VALUE|-: the exit code of ns_skip with CI set to that value (- = unset)
    local rc=0
    if [[ $1 == - ]]; then
        env -u CI bash -c 'source "$1/lib/namespace.sh"; ns_skip "test reason"' _ "$here" 2>/dev/null || rc=$?
    else
        env CI="$1" bash -c 'source "$1/lib/namespace.sh"; ns_skip "test reason"' _ "$here" 2>/dev/null || rc=$?
    fi
    echo "$rc"
}

expect() {
    local ci=$1 want=$2 got
    got=$(skip_rc "$ci")
    [[ $got == "$want" ]] || { echo "skip_policy_test: CI=$ci: ns_skip exits $got, want $want" >&2; failed=1; }
}

expect - 77
expect false 77
expect "" 77
expect true 1

((failed == 0)) && echo "skip_policy_test: PASS" >&2
exit "$failed"
