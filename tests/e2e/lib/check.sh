# Small test vocabulary for the e2e scripts (sourced): steps, failures with context, waiting with a
# deadline (never a bare sleep), and the state of supervisord's processes as seen through supctl.

E2E_STEP=""
# Called by fail() to print what helps to understand a failure; the test script sets it.
E2E_DIAGNOSE=:

step() {
    E2E_STEP=$*
    echo "e2e: --- $*" >&2
}

pass() { echo "e2e:     ok: $*" >&2; }

fail() {
    echo "e2e: FAILED in step '$E2E_STEP': $*" >&2
    "$E2E_DIAGNOSE" >&2 || true
    exit 1
}

# wait_until SECONDS DESCRIPTION CMD...: polls CMD (every 0.2s) until it succeeds or the deadline passes.
wait_until() {
    local timeout=$1 what=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        ((SECONDS < deadline)) || fail "timed out after ${timeout}s waiting until $what"
        sleep 0.2
    done
}

# expect_rc WANT DESCRIPTION CMD...: runs CMD, keeps its combined output in $E2E_OUT.
E2E_OUT=""
expect_rc() {
    local want=$1 what=$2 rc=0
    shift 2
    E2E_OUT=$("$@" 2>&1) || rc=$?
    if [[ $want == nonzero ]]; then
        ((rc != 0)) || fail "$what: expected a failure, got exit 0; output:"$'\n'"$E2E_OUT"
    elif ((rc != want)); then
        fail "$what: expected exit $want, got $rc; output:"$'\n'"$E2E_OUT"
    fi
}

expect_contains() {
    local haystack=$1 needle=$2 what=$3
    grep -qE -- "$needle" <<<"$haystack" || fail "$what: no line matches /$needle/ in:"$'\n'"$haystack"
}

expect_not_contains() {
    local haystack=$1 needle=$2 what=$3
    if grep -qE -- "$needle" <<<"$haystack"; then
        fail "$what: unexpected /$needle/ in:"$'\n'"$(grep -E -- "$needle" <<<"$haystack")"
    fi
}

# `supctl status --json` (from stdin) as lines "NAME STATE PID", sorted by name.
json_states() {
    python3 -c '
import json, sys
try:
    procs = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
for p in sorted(procs, key=lambda p: p["name"]):
    print(p["name"], p["state"], p["pid"])
'
}
