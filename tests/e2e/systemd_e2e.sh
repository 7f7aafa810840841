#!/bin/bash
# End-to-end: supervisord as a real systemd service (issue 4). Boots systemd as PID 1 in fresh
# namespaces (lib/namespace.sh), with a staged `cmake --install --prefix /usr` overlaid on /usr and
# /etc inside them, and checks what an operator relies on:
#   0. the units verify cleanly; OOMPolicy=continue
#   1. `systemctl start` returns after READY; active; STATUS= shown; services RUNNING on the system bus
#   2. a non-root user can read the status, and is denied `supctl stop`; the daemon's unit
#      environment (INVOCATION_ID, RUNTIME_DIRECTORY, NOTIFY_SOCKET, ...) does not reach a service
#   3. `systemctl reload` applies an edited configuration; a broken one fails the reload visibly and
#      changes nothing
#   4. the journal has the daemon's state changes (-u) and a service's output (-t NAME)
#   5. kill -9 of the daemon: systemd restarts it, the services come back, nothing is orphaned
#   6. with WatchdogSec= and the test hook, a wedged event loop gets the daemon restarted
#   7. `systemctl stop` stops the services in descending priority with their stop_signal, no SIGKILL,
#      nothing left behind, the unit inactive (not failed)
# The host is never changed: see lib/ns-init.sh. Exit 0 pass, 1 fail, 77 skipped (no namespaces here;
# with CI=true a skip exits 1, see lib/namespace.sh ns_skip).
#
# Usage: systemd_e2e.sh --build-dir DIR [--supervisord PATH] [--supctl PATH] [--keep]
#   --build-dir    the CMake build directory to stage with `cmake --install`
#   --supervisord, --supctl   binaries to test (default: what the install puts in /usr/bin)
#   --keep         keep the staged files (DIR/e2e-systemd) after the run
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/namespace.sh"
source "$here/lib/check.sh"

build_dir="" supervisord_bin="" supctl_bin="" keep=0
while (($#)); do
    case $1 in
        --build-dir) build_dir=$2; shift 2 ;;
        --supervisord) supervisord_bin=$2; shift 2 ;;
        --supctl) supctl_bin=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: $0 --build-dir DIR [--supervisord PATH] [--supctl PATH] [--keep]" >&2; exit 2 ;;
    esac
done
[[ -n $build_dir && -f $build_dir/CMakeCache.txt ]] || { echo "e2e: --build-dir must be a CMake build directory" >&2; exit 2; }
build_dir=$(cd "$build_dir" && pwd)

ns_check_available

work=$build_dir/e2e-systemd
cleanup() {
    local rc=$?
    ns_teardown
    if ((keep == 0)) && [[ -d $work ]]; then
        rm -rf "$work/stage"
        rmdir "$work/scratch" 2>/dev/null || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- stage what `cmake --install` (the .deb's contents) puts on a system -------------------------
step "staging the install"
ns_remove_stale_cgroups
rm -rf "$work/stage"
mkdir -p "$work/stage"
DESTDIR=$work/stage cmake --install "$build_dir" --prefix /usr >"$work/install.log" 2>&1 ||
    fail "cmake --install failed:"$'\n'"$(cat "$work/install.log")"
[[ -n $supervisord_bin ]] && install -m 0755 "$supervisord_bin" "$work/stage/usr/bin/supervisord"
[[ -n $supctl_bin ]] && install -m 0755 "$supctl_bin" "$work/stage/usr/bin/supctl"
for f in usr/bin/supervisord usr/bin/supctl usr/lib/systemd/system/supervisord.service \
    usr/share/dbus-1/system.d/io.supervisord.conf etc/supervisord/supervisord.yaml; do
    [[ -e $work/stage/$f ]] || fail "the install does not provide /$f"
done
# The services under test, beside the packaged supervisord.yaml. Each notes the TERM it gets (in the
# journal), so the stop order and "no SIGKILL needed" can be read back.
cp "$here/fixtures/e2e.yaml" "$work/stage/etc/supervisord/e2e.yaml"
pass "staged into $work/stage"

step "booting systemd in private namespaces"
ns_boot "$work" "$work/stage" || fail "systemd did not boot"
[[ $(ns_run stat -f -c %T /tmp) == tmpfs ]] || fail "/tmp inside is not a private tmpfs"
# Core files from the kill -9 and watchdog steps would land in / (kernel.core_pattern is host-wide).
ns_run mkdir -p /etc/systemd/system/supervisord.service.d
ns_run sh -c 'printf "[Service]\nLimitCORE=0\n" >/etc/systemd/system/supervisord.service.d/10-e2e.conf'
ns_run systemctl daemon-reload

# ---- helpers bound to the namespace ---------------------------------------------------------------
sctl() { ns_run timeout 60 systemctl "$@"; }
prop() { ns_run systemctl show -p "$1" --value supervisord; }
# `supctl status` exits 3 while a process is not RUNNING; the JSON is complete all the same, and
# json_states fails on anything that is not.
states() { { ns_run timeout 20 supctl status --json 2>/dev/null || true; } | json_states; }
state_of() { states | awk -v n="$1" '$1 == n {print $2}'; }
pid_of() { states | awk -v n="$1" '$1 == n {print $3}'; }
# For wait_until, which must re-evaluate on every poll.
state_is() { [[ $(state_of "$1") == "$2" ]]; }
# NAME is not in a (successfully read, non-empty) status list.
absent() {
    local s
    s=$(states) && [[ -n $s ]] && ! awk -v n="$1" '$1 == n {found=1} END {exit !found}' <<<"$s"
}
all_running() {
    local s
    s=$(states) || return 1
    [[ -n $s ]] || return 1
    ! awk '$2 != "RUNNING" {bad=1} END {exit !bad}' <<<"$s"
}
alive() { ns_run kill -0 "$1" 2>/dev/null; }
unit_journal() { ns_run journalctl --no-pager -o cat -u supervisord; }
unit_journal_has() { unit_journal | grep -qE -- "$1"; }
tag_journal_has() { ns_run journalctl --no-pager -o cat -t "$1" | grep -qE -- "$2"; }
elapsed_since() { (( SECONDS - $1 >= $2 )); }
diagnose() {
    echo "---- systemctl status supervisord"
    ns_run systemctl status --no-pager -l supervisord || true
    echo "---- supctl status"
    ns_run timeout 10 supctl status || true
    echo "---- journalctl -u supervisord (last 60)"
    ns_run journalctl --no-pager -u supervisord -n 60 || true
    echo "---- systemd console"
    tail -n 30 "$work/console.log" || true
}
E2E_DIAGNOSE=diagnose

# ---- 0. the unit file itself --------------------------------------------------------------------
step "systemd-analyze verify (system and user unit)"
expect_rc 0 "systemd-analyze verify" ns_run systemd-analyze verify /usr/lib/systemd/system/supervisord.service
expect_not_contains "$E2E_OUT" 'supervisord\.service' "systemd-analyze verify warnings about our unit"
ns_run mkdir -p /run/user/0
expect_rc 0 "systemd-analyze --user verify" ns_run env XDG_RUNTIME_DIR=/run/user/0 \
    systemd-analyze --user verify /usr/lib/systemd/user/supervisord.service
expect_not_contains "$E2E_OUT" 'supervisord\.service' "systemd-analyze --user verify warnings about the user unit"
pass "the system and the user unit verify cleanly"
# systemd's default OOMPolicy=stop would stop the daemon and every service when the kernel OOM-kills
# one of them; supervisord restarts the victim itself.
[[ $(prop OOMPolicy) == continue ]] || fail "OOMPolicy is '$(prop OOMPolicy)', want continue"
pass "OOMPolicy=continue"

# ---- 1. start: READY, STATUS=, RUNNING on the system bus ----------------------------------------
step "systemctl start supervisord"
expect_rc 0 "systemctl start" sctl start supervisord
# Type=notify: start returned, so READY=1 was sent. READY comes after every autostart service was
# launched, so all of them must exist already (STARTING or RUNNING), none missing.
[[ $(sctl is-active supervisord) == active ]] || fail "not active right after start returned"
launched=$(states) || fail "supctl status --json failed right after start"
for name in sleeper talker; do
    grep -qE "^$name (STARTING|RUNNING) [1-9]" <<<"$launched" || fail "$name not launched at READY:"$'\n'"$launched"
done
pass "active, and both services launched when READY arrived"
wait_until 20 "every service is RUNNING" all_running
status_text=$(prop StatusText)
expect_contains "$status_text" '2 running' "STATUS= line"
expect_contains "$(sctl status --no-pager supervisord)" "Status: \"$status_text\"" "systemctl status output"
pass "STATUS=\"$status_text\"; supctl status over the system bus: $(states | tr '\n' ' ')"

# ---- 2. non-root: read yes, control no ----------------------------------------------------------
step "a non-root user"
as_nobody() { ns_run setpriv --reuid=65534 --regid=65534 --clear-groups timeout 20 supctl "$@"; }
expect_rc 0 "supctl status as nobody" as_nobody status
expect_contains "$E2E_OUT" 'sleeper +RUNNING' "supctl status as nobody"
sleeper_pid=$(pid_of sleeper)
expect_rc nonzero "supctl stop sleeper as nobody" as_nobody stop sleeper
expect_contains "$E2E_OUT" 'AccessDenied|[Pp]ermission|may not|not allowed|denied' "the refusal names the reason"
[[ $(state_of sleeper) == RUNNING && $(pid_of sleeper) == "$sleeper_pid" ]] || fail "sleeper was touched by a denied stop"
pass "status works, stop is denied ($(head -n 1 <<<"$E2E_OUT"))"

step "the daemon's unit environment does not reach the services"
# systemd sets these for the daemon (RuntimeDirectory=, LogsDirectory=, Type=notify, WatchdogSec=);
# they describe supervisord's unit, not a service.
unit_vars='^(INVOCATION_ID|RUNTIME_DIRECTORY|LOGS_DIRECTORY|NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID|JOURNAL_STREAM)='
environ_of() { ns_run cat "/proc/$1/environ" | tr '\0' '\n'; }
daemon_env=$(environ_of "$(prop MainPID)")
for v in INVOCATION_ID RUNTIME_DIRECTORY LOGS_DIRECTORY NOTIFY_SOCKET; do
    grep -q "^$v=" <<<"$daemon_env" || fail "the daemon itself has no $v: this check would prove nothing"
done
expect_not_contains "$(environ_of "$sleeper_pid")" "$unit_vars" "sleeper's environment"
pass "the daemon has INVOCATION_ID, RUNTIME_DIRECTORY, LOGS_DIRECTORY, NOTIFY_SOCKET; sleeper has none of them"

# ---- 3. reload -----------------------------------------------------------------------------------
step "systemctl reload applies an edited configuration"
talker_pid=$(pid_of talker)
ns_run cp /etc/supervisord/e2e.yaml /etc/supervisord/e2e.yaml.orig
ns_run sh -c 'cat >>/etc/supervisord/e2e.yaml' <<'EOF'
  added:
    command: ["sleep", "infinity"]
    priority: 30
EOF
expect_rc 0 "systemctl reload" sctl reload supervisord
wait_until 20 "the added service is RUNNING" state_is added RUNNING
[[ $(pid_of sleeper) == "$sleeper_pid" && $(pid_of talker) == "$talker_pid" ]] ||
    fail "unchanged services were restarted by the reload"
[[ $(sctl is-active supervisord) == active ]] || fail "not active after the reload"
pass "added is RUNNING, sleeper and talker kept their PIDs"

step "a broken configuration fails the reload and changes nothing"
ns_run sh -c 'printf "services:\n  broken:\n    comand: [\"true\"]\n" >/etc/supervisord/zz-broken.yaml'
expect_rc nonzero "systemctl reload with a broken file" sctl reload supervisord
wait_until 10 "the journal has the refusal" unit_journal_has 'zz-broken\.yaml'
[[ $(sctl is-active supervisord) == active ]] || fail "a refused reload took the unit down"
[[ $(pid_of sleeper) == "$sleeper_pid" && $(state_of added) == RUNNING ]] || fail "a refused reload changed the services"
pass "reload failed with: $(unit_journal | grep -m1 'zz-broken.yaml')"
ns_run rm /etc/supervisord/zz-broken.yaml
ns_run mv /etc/supervisord/e2e.yaml.orig /etc/supervisord/e2e.yaml
expect_rc 0 "systemctl reload back to the original" sctl reload supervisord
wait_until 20 "the added service is gone" absent added

# ---- 4. journal ----------------------------------------------------------------------------------
step "the journal"
wait_until 10 "journalctl -u shows sleeper's state changes" unit_journal_has 'sleeper.*STARTING.*RUNNING'
wait_until 10 "journalctl -t talker shows its output" tag_journal_has talker 'talker line'
# journald sets _PID to the sender (the daemon) and nobody can forge it; the service's own PID is in
# SYSLOG_PID (and OBJECT_PID).
talker_pid=$(pid_of talker)
journal_pids=$(ns_run journalctl --no-pager -t talker -o export | sed -n 's/^SYSLOG_PID=//p' | sort -u)
grep -qx "$talker_pid" <<<"$journal_pids" || fail "journalctl -t talker: no entry with SYSLOG_PID=$talker_pid (got: $journal_pids)"
pass "state changes under -u supervisord, talker's output under -t talker with its PID"

# ---- 5. kill -9 of the daemon --------------------------------------------------------------------
step "kill -9 of the daemon"
main_pid=$(prop MainPID)
restarts=$(prop NRestarts)
old_pids=$(states | awk '{print $3}')
ns_run kill -KILL "$main_pid"
new_main_ok() {
    local p
    p=$(prop MainPID)
    [[ $p != 0 && $p != "$main_pid" && $(prop ActiveState) == active ]]
}
wait_until 30 "systemd restarted the daemon" new_main_ok
wait_until 20 "the services are RUNNING again" all_running
((  $(prop NRestarts) > restarts )) || fail "NRestarts did not grow"
for p in $old_pids; do
    alive "$p" && fail "process $p of the killed daemon is still alive (orphaned)"
done
pass "new daemon pid $(prop MainPID), services back: $(states | tr '\n' ' '), no orphans"

# ---- 6. watchdog -----------------------------------------------------------------------------------
step "the watchdog restarts a wedged daemon"
ns_run sh -c 'printf "[Service]\nWatchdogSec=3s\nEnvironment=SUPERVISORD_TEST_HOOKS=1\n" >/etc/systemd/system/supervisord.service.d/20-watchdog.conf'
ns_run systemctl daemon-reload
expect_rc 0 "systemctl restart with WatchdogSec=3s" sctl restart supervisord
[[ $(prop WatchdogUSec) == 3s ]] || fail "WatchdogUSec is $(prop WatchdogUSec), not 3s"
wait_until 20 "the services are RUNNING" all_running
main_pid=$(prop MainPID)
restarts=$(prop NRestarts)
# First the healthy case: pings arrive, so 3 watchdog periods pass without a restart.
started=$SECONDS
wait_until 20 "three watchdog periods have passed" elapsed_since "$started" 9
[[ $(prop MainPID) == "$main_pid" ]] || fail "the healthy daemon was restarted by the watchdog"
ns_run kill -USR2 "$main_pid"
wait_until 30 "systemd restarted the wedged daemon" new_main_ok
((  $(prop NRestarts) > restarts )) || fail "NRestarts did not grow"
expect_contains "$(unit_journal)" '[Ww]atchdog timeout' "systemd's watchdog message"
wait_until 20 "the services are RUNNING again" all_running
ns_run rm /etc/systemd/system/supervisord.service.d/20-watchdog.conf
ns_run systemctl daemon-reload
expect_rc 0 "systemctl restart without the watchdog hook" sctl restart supervisord
wait_until 20 "the services are RUNNING" all_running
pass "healthy for 3 periods, then restarted after the wedge"

# ---- 7. stop ---------------------------------------------------------------------------------------
step "systemctl stop supervisord"
pids=$(states | awk '{print $3}')
cursor=$(ns_run journalctl --no-pager -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
expect_rc 0 "systemctl stop" sctl stop supervisord
[[ $(prop ActiveState) == inactive ]] || fail "ActiveState is $(prop ActiveState) after stop"
[[ $(prop Result) == success ]] || fail "Result is $(prop Result) after stop (failed?)"
for p in $pids; do
    alive "$p" && fail "process $p outlived systemctl stop"
done
stop_log=$(ns_run journalctl --no-pager -o cat --after-cursor="$cursor")
# Descending priority: talker (20) gets its stop_signal before sleeper (10).
order=$(grep -oE '(talker|sleeper) got TERM' <<<"$stop_log" | tr '\n' ',')
[[ $order == "talker got TERM,sleeper got TERM," ]] || fail "stop order was '$order', want talker then sleeper; journal:"$'\n'"$stop_log"
expect_not_contains "$stop_log" 'SIGKILL|signal KILL|Killing process' "no SIGKILL for well-behaved services"
pass "stopped in priority order with TERM only; inactive, Result=success, nothing left"

step "done"
echo "e2e: PASS" >&2
