#!/bin/bash
# `supervisord --user` as a normal user, with no flags: the configuration comes from
# $XDG_CONFIG_HOME/supervisord, the lock file goes to $XDG_RUNTIME_DIR/supervisord and relative log
# files to $XDG_STATE_HOME/supervisord (~/.local/state/supervisord when unset). Runs the daemon as
# `nobody` (setpriv) on a private session bus (dbus-run-session). Needs root; exit 77 (skip) without.
# Exit 0 pass, 1 fail.
#
# Usage: user_mode_test.sh SUPERVISORD
set -uo pipefail

bin=${1:?usage: $0 SUPERVISORD}
(($(id -u) == 0)) || { echo "user_mode_test: needs root to become another user; skipped" >&2; exit 77; }
command -v setpriv >/dev/null && command -v dbus-run-session >/dev/null ||
    { echo "user_mode_test: setpriv or dbus-run-session missing; skipped" >&2; exit 77; }
failed=0
fail() { echo "user_mode_test: FAILED: $*" >&2; failed=1; }

tmp=$(mktemp -d)
chmod 755 "$tmp"
mkdir "$tmp/pids"  # where the daemon's shell, already nobody, writes its pid
chown nobody:nogroup "$tmp/pids"
daemon_pid=
cleanup() {
    [[ -n $daemon_pid ]] && kill -KILL "$daemon_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# wait_for SECONDS COMMAND...: polls every 50 ms.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}

# run_as_user NAME ENV...: starts supervisord --user as nobody with only the given environment, in the
# background; sets daemon_pid to supervisord's pid (the shell in between execs it).
run_as_user() {
    local name=$1
    shift
    local pidfile=$tmp/pids/$name
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- env -i PATH=/usr/bin:/bin "$@" \
        dbus-run-session -- sh -c "echo \$\$ >'$pidfile'; exec '$bin' --user" \
        >"$tmp/$name.out" 2>&1 &
    wait_for 20 test -s "$pidfile" || { fail "$name: the daemon did not start: $(cat "$tmp/$name.out")"; return 1; }
    daemon_pid=$(cat "$pidfile")
}

stop_daemon() {
    kill -TERM "$daemon_pid" 2>/dev/null
    wait_for 30 sh -c "! kill -0 $daemon_pid 2>/dev/null" || fail "the daemon did not stop on SIGTERM"
    daemon_pid=
}

config='services:
  hello:
    command: ["/bin/sh", "-c", "echo hello-from-user-mode; exec sleep 600"]
    start_seconds: 0s
    stdout: {file: hello.log}
'

# 1. HOME only (plus a runtime directory, as a login session has): ~/.config and ~/.local/state.
home=$tmp/home
run=$tmp/run
mkdir -p "$home/.config/supervisord" "$run"
printf '%s' "$config" >"$home/.config/supervisord/hello.yaml"
chown -R nobody:nogroup "$home" "$run"
chmod 700 "$run"
if run_as_user plain HOME="$home" XDG_RUNTIME_DIR="$run"; then
    wait_for 20 grep -qs hello-from-user-mode "$home/.local/state/supervisord/hello.log" ||
        fail "HOME only: no log in ~/.local/state/supervisord: $(cat "$tmp/plain.out")"
    [[ -e $run/supervisord/supervisord.lock ]] ||
        fail "HOME only: no lock file in \$XDG_RUNTIME_DIR/supervisord: $(cat "$tmp/plain.out")"
    stop_daemon
    grep -q 'Permission denied' "$tmp/plain.out" && fail "HOME only: $(cat "$tmp/plain.out")"
fi

# 2. Every XDG variable set: they win over HOME.
xdg=$tmp/xdg
mkdir -p "$xdg/config/supervisord" "$xdg/state" "$xdg/run"
printf '%s' "$config" >"$xdg/config/supervisord/hello.yaml"
chown -R nobody:nogroup "$xdg"
chmod 700 "$xdg/run"
if run_as_user xdg HOME="$home" XDG_CONFIG_HOME="$xdg/config" XDG_STATE_HOME="$xdg/state" \
    XDG_RUNTIME_DIR="$xdg/run"; then
    wait_for 20 grep -qs hello-from-user-mode "$xdg/state/supervisord/hello.log" ||
        fail "XDG: no log in \$XDG_STATE_HOME/supervisord: $(cat "$tmp/xdg.out")"
    [[ -e $xdg/run/supervisord/supervisord.lock ]] ||
        fail "XDG: no lock file in \$XDG_RUNTIME_DIR/supervisord: $(cat "$tmp/xdg.out")"
    stop_daemon
fi

((failed == 0)) && echo "user_mode_test: PASS" >&2
exit "$failed"
