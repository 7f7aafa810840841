#!/bin/bash
# End-to-end: the .deb that `cpack -G DEB` builds, on a real systemd (issue 4, packaging). In private
# namespaces (lib/namespace.sh; host /usr, /etc and /var only ever seen through tmpfs overlays):
#   the package comes from a release build (a sanitized build directory gets a plain RelWithDebInfo
#   build of supervisord and supctl next to it, $build_dir/e2e-deb/release, sharing its compiler and
#   ccache); control fields: Depends on the runtime libraries and the system bus, never on libasan or
#   libubsan, Conflicts: supervisor, conffiles; `dpkg -i` installs and starts the service (empty configuration, active, on the bus);
#   `dpkg -i` of a newer version restarts neither the daemon nor its services (same PIDs);
#   `dpkg -r` stops it and removes every file but the conffile; `dpkg -P` removes that too.
# Exit 0 pass, 1 fail, 77 skipped (no namespaces or no dpkg here; with CI=true a skip exits 1, see
# lib/namespace.sh ns_skip).
#
# Usage: deb_e2e.sh --build-dir DIR [--source-dir DIR] [--keep]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/namespace.sh"
source "$here/lib/check.sh"

build_dir="" source_dir=$(cd "$here/../.." && pwd) keep=0
while (($#)); do
    case $1 in
        --build-dir) build_dir=$2; shift 2 ;;
        --source-dir) source_dir=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: $0 --build-dir DIR [--source-dir DIR] [--keep]" >&2; exit 2 ;;
    esac
done
[[ -n $build_dir && -f $build_dir/CPackConfig.cmake ]] || { echo "e2e: --build-dir must be a configured build directory" >&2; exit 2; }
build_dir=$(cd "$build_dir" && pwd)

ns_check_available
for tool in dpkg dpkg-deb cpack; do
    command -v "$tool" >/dev/null || ns_skip "needs $tool"
done

work=$build_dir/e2e-deb
cleanup() {
    local rc=$?
    ns_teardown
    ((keep)) || rm -rf "$work/pkg" "$work/stage"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# cache_value KEY: KEY's value in the build directory's CMakeCache.txt ("" when absent).
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$build_dir/CMakeCache.txt"; }

# The package is what users install: never built from a sanitized build (it would depend on libasan
# and run several times slower). Only the two binaries, no tests: with the same ccache it is quick.
package_dir=$build_dir
if [[ $(cache_value SUP_SANITIZE) == ON ]]; then
    step "release build for the package"
    package_dir=$work/release
    launcher=$(cache_value CMAKE_CXX_COMPILER_LAUNCHER)
    mkdir -p "$work"
    {
        cmake -S "$source_dir" -B "$package_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUP_SANITIZE=OFF \
            -DSUP_BUILD_TESTS=OFF -DCMAKE_CXX_COMPILER="$(cache_value CMAKE_CXX_COMPILER)" \
            ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} &&
            nice cmake --build "$package_dir" -j2 --target supervisord supctl
    } >"$work/release-build.log" 2>&1 ||
        fail "the release build failed:"$'\n'"$(tail -n 30 "$work/release-build.log")"
    pass "$package_dir (RelWithDebInfo, no sanitizers)"
fi

step "cpack -G DEB"
ns_remove_stale_cgroups
rm -rf "$work/pkg" "$work/stage"
mkdir -p "$work/pkg" "$work/stage/usr"
(cd "$package_dir" && cpack -G DEB -B "$work/pkg") >"$work/cpack.log" 2>&1 ||
    fail "cpack failed:"$'\n'"$(tail -n 30 "$work/cpack.log")"
debs=("$work"/pkg/supervisord_*.deb)
deb=${debs[0]}
[[ -f $deb ]] || fail "cpack made no supervisord_*.deb:"$'\n'"$(tail -n 30 "$work/cpack.log")"
pass "${deb##*/}"

step "control fields"
fields=$(dpkg-deb -f "$deb")
for dep in libsdbus-c\\+\\+1 libyaml-cpp0\\.7 libspdlog1\\.10 libsystemd0 libcurl4 'default-dbus-system-bus \| dbus-system-bus'; do
    expect_contains "$(sed -n 's/^Depends: //p' <<<"$fields")" "(^|, )$dep" "Depends"
done
depends=$(sed -n 's/^Depends: //p' <<<"$fields")
[[ $depends =~ lib(asan|ubsan|tsan|lsan) ]] && fail "the package depends on a sanitizer runtime: $depends"
expect_contains "$fields" '^Conflicts: supervisor$' "Conflicts"
expect_contains "$(dpkg-deb -I "$deb" conffiles)" '^/etc/supervisord/supervisord\.yaml$' "conffiles"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/supervisord ./usr/bin/supctl ./usr/lib/systemd/system/supervisord.service \
    ./usr/lib/systemd/user/supervisord.service ./usr/share/dbus-1/system.d/io.supervisord.conf \
    ./usr/lib/tmpfiles.d/supervisord.conf ./usr/share/bash-completion/completions/supctl \
    ./usr/share/man/man8/supervisord.8 ./usr/share/man/man1/supctl.1 ./usr/share/man/man5/supervisord.yaml.5 \
    ./etc/supervisord/supervisord.yaml; do
    grep -qxF "$f" <<<"$contents" || fail "the package lacks $f"
done
pass "$(grep -E '^(Depends|Conflicts):' <<<"$fields" | tr '\n' ' ')"

step "booting systemd in private namespaces"
ns_boot "$work" "$work/stage" || fail "systemd did not boot"
diagnose() {
    ns_run systemctl status --no-pager -l supervisord || true
    ns_run journalctl --no-pager -n 40 || true
}
E2E_DIAGNOSE=diagnose
ns_run dpkg -s supervisord >/dev/null 2>&1 && fail "supervisord is already installed on this machine"
# Container images ship a policy-rc.d that forbids maintainer scripts to start services; a real
# machine has none. Removed inside only (a whiteout in the /usr overlay's tmpfs).
ns_run rm -f /usr/sbin/policy-rc.d

# A host that has Debian's supervisor installed: prove the declared conflict is enforced, then remove
# supervisor inside the namespace only (its files and dpkg's database live in the overlays' tmpfs).
if ns_run dpkg -s supervisor 2>/dev/null | grep -q '^Status: install ok installed'; then
    step "dpkg -i refused while Debian's supervisor is installed"
    out=$(ns_run timeout 120 dpkg -i "$deb" 2>&1) && fail "dpkg -i installed next to Debian's supervisor"
    expect_contains "$out" 'conflicts with supervisor' "dpkg -i output"
    expect_rc 0 "dpkg -r supervisor (inside the namespace)" ns_run timeout 120 dpkg -r supervisor
    pass "the Conflicts: supervisor field is enforced"
fi

step "dpkg -i"
expect_rc 0 "dpkg -i" ns_run timeout 120 dpkg -i "$deb"
[[ $(ns_run systemctl is-active supervisord) == active ]] || fail "the service is not active after dpkg -i"
[[ $(ns_run systemctl is-enabled supervisord) == enabled ]] || fail "the service is not enabled after dpkg -i"
expect_rc 0 "supctl status" ns_run timeout 20 supctl status
expect_rc 0 "supctl show" ns_run timeout 20 supctl show
pass "installed, enabled, active, answering on the system bus"

step "upgrade: dpkg -i of a newer version keeps the daemon and its services running"
# A supervised service to watch across the upgrade (the shipped configuration starts nothing).
ns_run sh -c 'printf "services:\n  upgrade-sleeper:\n    command: [\"sleep\", \"infinity\"]\n" >/etc/supervisord/e2e-upgrade.yaml'
expect_rc 0 "systemctl reload" ns_run timeout 60 systemctl reload supervisord
sleeper_pid() {
    { ns_run timeout 20 supctl status --json 2>/dev/null || true; } | json_states |
        awk '$1 == "upgrade-sleeper" && $2 == "RUNNING" {print $3}'
}
sleeper_running() { [[ -n $(sleeper_pid) ]]; }
wait_until 20 "upgrade-sleeper is RUNNING" sleeper_running
old_sleeper=$(sleeper_pid)
old_main=$(ns_run systemctl show -p MainPID --value supervisord)
# The same package with a higher version: what `apt upgrade` would install next.
old_version=$(dpkg-deb -f "$deb" Version)
new_version=$old_version+e2e1
rm -rf "$work/pkg/repack"
dpkg-deb -R "$deb" "$work/pkg/repack"
sed -i "s/^Version: .*/Version: $new_version/" "$work/pkg/repack/DEBIAN/control"
new_deb=$work/pkg/supervisord_${new_version}_upgrade.deb
dpkg-deb -b "$work/pkg/repack" "$new_deb" >/dev/null || fail "dpkg-deb -b of the bumped package failed"
expect_rc 0 "dpkg -i (upgrade to $new_version)" ns_run timeout 120 dpkg -i "$new_deb"
upgrade_out=$E2E_OUT
[[ $(ns_run dpkg-query -W -f '${Version}' supervisord) == "$new_version" ]] || fail "the upgrade did not install $new_version"
[[ $(ns_run systemctl is-active supervisord) == active ]] || fail "the service is not active after the upgrade"
new_main=$(ns_run systemctl show -p MainPID --value supervisord)
[[ $new_main == "$old_main" ]] || fail "the upgrade restarted the daemon (MainPID $old_main -> $new_main)"
[[ $(sleeper_pid) == "$old_sleeper" ]] || fail "the upgrade restarted upgrade-sleeper (pid $old_sleeper -> $(sleeper_pid))"
expect_contains "$upgrade_out" "systemctl restart supervisord" "dpkg -i tells when the new version runs"
pass "$old_version -> $new_version; daemon pid $old_main and service pid $old_sleeper survived"
# Not a package file: it would keep /etc/supervisord after the purge below.
ns_run rm /etc/supervisord/e2e-upgrade.yaml
expect_rc 0 "systemctl reload" ns_run timeout 60 systemctl reload supervisord

step "dpkg -r"
expect_rc 0 "dpkg -r" ns_run timeout 120 dpkg -r supervisord
[[ $(ns_run systemctl is-active supervisord) != active ]] || fail "still active after dpkg -r"
ns_run pgrep -x supervisord >/dev/null && fail "a supervisord process outlived dpkg -r"
for f in /usr/bin/supervisord /usr/bin/supctl /usr/lib/systemd/system/supervisord.service \
    /usr/share/dbus-1/system.d/io.supervisord.conf; do
    ns_run test -e "$f" && fail "$f is still there after dpkg -r"
done
ns_run test -f /etc/supervisord/supervisord.yaml || fail "dpkg -r removed the conffile (only purge may)"
pass "stopped, files gone, configuration kept"

step "dpkg -P"
expect_rc 0 "dpkg -P" ns_run timeout 120 dpkg -P supervisord
ns_run test -e /etc/supervisord && fail "/etc/supervisord is still there after purge"
ns_run dpkg -s supervisord >/dev/null 2>&1 && fail "dpkg still knows supervisord after purge"
pass "purged"

step "done"
echo "e2e: PASS" >&2
