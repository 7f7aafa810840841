# Boots a real systemd as PID 1 in fresh namespaces and tears it down again (sourced by the e2e tests).
#
#   ns_check_available        exits 77 (ctest's "skipped") with a reason when this machine cannot do it
#                             (exit 1 with CI=true: see ns_skip)
#   ns_boot WORK STAGE        boots; WORK is an empty directory of the test's, STAGE a DESTDIR with usr/
#   ns_run CMD...             runs CMD inside (all namespaces, clean environment), as root
#   ns_teardown               kills everything inside, removes our cgroup subtree; safe to call twice
#   ns_remove_stale_cgroups   removes empty subtrees left by a run that was SIGKILLed
#
# Sets NS_PID: the host PID of the namespace's PID 1 (systemd).

NS_PID=
NS_LAUNCHER_PID=
NS_CGROUP=
NS_WORK=
NS_LIB_DIR=$(dirname "${BASH_SOURCE[0]}")

ns_log() { echo "e2e: $*" >&2; }

# Exit 77 (ctest's "skipped"), except with CI=true (what CI systems set): there a runner that lost
# root, namespaces or a tool would otherwise turn green with the end-to-end tests not run, so a skip
# fails (exit 1).
ns_skip() {
    if [[ ${CI:-} == true ]]; then
        echo "e2e: FAILED: would skip ($*), but CI=true counts a skip as a failure" >&2
        exit 1
    fi
    echo "e2e: SKIPPED: $*" >&2
    exit 77
}

# The cgroup2 mount and our own cgroup in it ("" when the machine has no cgroup2 at all).
ns_cgroup2_mount() {
    local fs
    fs=$(stat -f -c %T /sys/fs/cgroup 2>/dev/null) || return 1
    if [[ $fs == cgroup2fs ]]; then
        echo /sys/fs/cgroup
    elif [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
        echo /sys/fs/cgroup/unified
    else
        return 1
    fi
}

ns_check_available() {
    [[ $(id -u) -eq 0 ]] || ns_skip "needs root (namespaces, mounts, a cgroup subtree)"
    local tool
    for tool in unshare nsenter mount systemctl journalctl busctl setpriv timeout; do
        command -v "$tool" >/dev/null || ns_skip "'$tool' is not installed"
    done
    [[ -x /lib/systemd/systemd ]] || ns_skip "systemd is not installed (/lib/systemd/systemd)"
    command -v dbus-daemon >/dev/null || ns_skip "dbus-daemon is not installed (package dbus)"
    grep -qw overlay /proc/filesystems || modprobe -n overlay 2>/dev/null ||
        ns_skip "the kernel has no overlay filesystem"
    ns_cgroup2_mount >/dev/null || ns_skip "no cgroup2 hierarchy mounted (systemd needs one)"
    unshare --pid --fork --mount --uts --ipc --net --cgroup --propagation private --mount-proc true 2>/dev/null ||
        ns_skip "cannot create PID/mount/UTS/IPC/network/cgroup namespaces here"
}

ns_run() {
    # env -i: nothing of the caller's environment (DBUS_SYSTEM_BUS_ADDRESS of a private test bus,
    # a pager) may leak in; inside, everything is found at its real path.
    nsenter -t "$NS_PID" -m -p -u -i -n -C -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 NO_COLOR=1 TERM=dumb "$@"
}

ns_boot() {
    local work=$1 stage=$2
    NS_WORK=$work
    mkdir -p "$work/scratch"
    : >"$work/console.log"

    # A cgroup of our own below the one we are in: the namespace's systemd sees it as its root and
    # builds its slices there, so teardown only has to remove this subtree.
    local mnt own
    mnt=$(ns_cgroup2_mount)
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
    NS_CGROUP=$mnt${own%/}/supervisord-e2e.$$
    mkdir "$NS_CGROUP"

    # If this script is SIGKILLed (a ctest timeout), no trap runs. The parent-death signals still end
    # everything: this script's death kills unshare (setpriv --pdeathsig), unshare's death kills the
    # namespace's PID 1 (--kill-child), and PID 1's death kills the rest of the namespace.
    (
        echo "$BASHPID" >"$NS_CGROUP/cgroup.procs"
        exec setpriv --pdeathsig KILL -- \
            unshare --pid --fork --kill-child=KILL --mount --uts --ipc --net --cgroup --propagation private \
            --mount-proc "$NS_LIB_DIR/ns-init.sh" "$work/scratch" "$stage" "$work/console.log"
    ) </dev/null >>"$work/console.log" 2>&1 &
    NS_LAUNCHER_PID=$!

    # unshare --fork: PID 1 of the namespace is the launcher's only child.
    local deadline=$((SECONDS + 10))
    while [[ -z $NS_PID ]]; do
        NS_PID=$(awk '{print $1}' "/proc/$NS_LAUNCHER_PID/task/$NS_LAUNCHER_PID/children" 2>/dev/null)
        [[ -n $NS_PID ]] && break
        kill -0 "$NS_LAUNCHER_PID" 2>/dev/null || {
            cat "$work/console.log" >&2
            return 1
        }
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done

    # Wait until PID 1 is systemd (ns-init.sh has exec'ed) and the boot job queue is empty.
    deadline=$((SECONDS + 60))
    while :; do
        if [[ $(cat "/proc/$NS_PID/comm" 2>/dev/null) == systemd ]]; then
            local state
            state=$(ns_run timeout 5 systemctl is-system-running 2>/dev/null) || true
            case $state in
                running | degraded) break ;;
            esac
        fi
        kill -0 "$NS_PID" 2>/dev/null || {
            ns_log "the namespace's PID 1 died during boot; console:"
            cat "$work/console.log" >&2
            return 1
        }
        if ((SECONDS >= deadline)); then
            ns_log "systemd did not finish booting within 60s (state: ${state:-?}); console:"
            cat "$work/console.log" >&2
            ns_run systemctl list-jobs --no-pager >&2 || true
            return 1
        fi
        sleep 0.2
    done
    ns_log "systemd is up as PID 1 of the namespace (host pid $NS_PID, $(ns_run systemctl is-system-running))"
}

ns_remove_stale_cgroups() {
    local mnt own dir
    mnt=$(ns_cgroup2_mount) || return 0
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
    for dir in "$mnt${own%/}"/supervisord-e2e.*; do
        [[ -d $dir ]] || continue
        # rmdir fails on a cgroup that still has processes: a run in progress is left alone.
        find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
}

ns_teardown() {
    # SIGKILL of a PID namespace's init makes the kernel SIGKILL everything else in it; the mount
    # namespace (all our tmpfs and overlays) goes away with its last process.
    if [[ -n $NS_PID ]] && kill -0 "$NS_PID" 2>/dev/null; then
        kill -KILL "$NS_PID" 2>/dev/null || true
    fi
    if [[ -n $NS_LAUNCHER_PID ]]; then
        wait "$NS_LAUNCHER_PID" 2>/dev/null || true
    fi
    NS_PID=
    NS_LAUNCHER_PID=
    if [[ -n $NS_CGROUP && -d $NS_CGROUP ]]; then
        # Processes leave a cgroup a moment after they die; retry until the deadline.
        local deadline=$((SECONDS + 10))
        while [[ -d $NS_CGROUP ]]; do
            find "$NS_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
            [[ -d $NS_CGROUP ]] || break
            if ((SECONDS >= deadline)); then
                ns_log "WARNING: could not remove $NS_CGROUP: $(wc -l <"$NS_CGROUP/cgroup.procs" 2>/dev/null) processes left"
                break
            fi
            sleep 0.1
        done
    fi
    NS_CGROUP=
    if [[ -n $NS_WORK && -d $NS_WORK/scratch ]]; then
        # Only the (empty, never written on the host) mount point remains.
        rmdir "$NS_WORK/scratch" 2>/dev/null || true
    fi
}
