#!/bin/bash
# ./dev demo leaves nothing behind: run it (with the binaries of BUILD_DIR, so no install or build), wait
# until its daemon answers, end it the two ways an operator does (Ctrl-C, which signals the whole
# foreground group, and a SIGTERM to the script alone), and check that its daemon, its services, its
# private dbus-daemon and its /tmp directory are all gone. Exit 0 pass, 1 fail.
#
# Usage: demo_cleanup_test.sh REPO_ROOT BUILD_DIR
set -uo pipefail

root=${1:?usage: $0 REPO_ROOT BUILD_DIR}
build=${2:?usage: $0 REPO_ROOT BUILD_DIR}
supctl=$build/ctl/supctl
failed=0
fail() { echo "demo_cleanup_test: FAILED: $*" >&2; failed=1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds; 1 if the deadline passes.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# The PIDs of processes whose command line mentions TEXT.
pids_mentioning() {
    local text=$1 p
    for p in /proc/[0-9]*; do
        { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$text" && echo "${p#/proc/}"
    done
    return 0
}

# run_once HOW: HOW is "int-group" (Ctrl-C) or "term-script".
run_once() {
    local how=$1 log=$work/demo.$1.log
    # Its own session and process group, as a terminal would give it.
    SUP_DEMO_BUILD_DIR=$build setsid bash "$root/dev" demo >"$log" 2>&1 &
    local script=$!
    local address=""
    get_address() {
        address=$(sed -n 's/^ *export DBUS_SYSTEM_BUS_ADDRESS=//p' "$log" 2>/dev/null | head -n1)
        [[ -n $address ]]
    }
    if ! wait_for 60 get_address; then
        fail "$how: the demo printed no bus address: $(cat "$log")"
        kill -KILL -- -"$script" 2>/dev/null
        return
    fi
    local run=${address#unix:path=}
    run=${run%/bus.sock}
    ticker_running() {
        DBUS_SYSTEM_BUS_ADDRESS=$address "$supctl" status ticker 2>/dev/null | grep -q RUNNING
    }
    if ! wait_for 60 ticker_running; then
        fail "$how: the demo's daemon never ran ticker: $(cat "$log")"
    fi
    # What must be gone afterwards: everything started for this run (bus and daemon mention $run on their
    # command lines) and every service process.
    local services
    services=$(DBUS_SYSTEM_BUS_ADDRESS=$address "$supctl" --json status 2>/dev/null |
        python3 -c 'import json,sys; print(" ".join(str(p["pid"]) for p in json.load(sys.stdin) if p["pid"] > 0))')
    local owned
    owned=$(pids_mentioning "$run" | tr '\n' ' ')
    [[ -n $services && -n $owned ]] || fail "$how: found no service ($services) or demo ($owned) processes"

    case $how in
        int-group) kill -INT -- -"$script" ;;
        term-script) kill -TERM "$script" ;;
    esac
    local rc=0
    wait "$script" || rc=$?
    ((rc != 0)) || true # the exit status of an interrupted demo is not part of the contract
    grep -q "unbound variable" "$log" && fail "$how: bash complained: $(grep 'unbound variable' "$log")"

    local p left=""
    for p in $services $owned; do
        [[ -d /proc/$p ]] && left+=" $p($({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null))"
    done
    local clean=1
    [[ -z $left ]] || { fail "$how: processes left behind:$left"; clean=0; }
    [[ ! -e $run ]] || { fail "$how: the demo's directory $run was left behind"; clean=0; }
    ((clean)) && echo "demo_cleanup_test: $how: clean (services $services; demo processes $owned)"
    # Belt and braces for the next run (port 8080): nothing of this one may linger even if it failed.
    for p in $services $owned; do kill -KILL "$p" 2>/dev/null; done
}

run_once int-group
run_once term-script
exit $failed
