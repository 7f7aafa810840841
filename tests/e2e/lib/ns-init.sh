#!/bin/bash
# PID 1 of the test's fresh PID/mount/UTS/IPC/network/cgroup namespaces (started by namespace.sh):
# builds a private view of the filesystem, then execs systemd in our place.
#
# The rule: nothing here may change the host. Every mount happens in our private mount namespace, and
# every path systemd or the test can write to lands on a tmpfs that dies with the namespace:
#   /usr  overlay: the staged `cmake --install` over the host's /usr, writes (dpkg -i) go to a tmpfs
#   /etc  overlay: the staged /etc over the host's, writes go to a tmpfs (host /etc is never written)
#   /var  overlay: the host's /var, writes go to a tmpfs (journal, /var/lib/systemd, ...)
#   /run, /tmp, /dev, /etc/systemd/system  fresh tmpfs (a naive boot would let systemd-tmpfiles clean
#         the HOST's /tmp; here systemd only ever sees an empty private one, and tmpfiles is masked too)
#   /sys, /proc/sys  read-only; /sys/fs/cgroup is our own cgroup2 subtree (cgroup namespace root)
#
# Usage: ns-init.sh SCRATCH STAGE CONSOLE_LOG
#   SCRATCH      empty directory; a tmpfs is mounted on it (the host keeps seeing it empty)
#   STAGE        DESTDIR of a `cmake --install --prefix /usr` (has usr/ and etc/)
#   CONSOLE_LOG  regular file that stands in for /dev/console (systemd's own messages before journald)
set -euo pipefail

scratch=$1
stage=$2
console_log=$3

die() {
    echo "ns-init: $*" >&2
    exit 1
}

[[ $$ -eq 1 ]] || die "must run as PID 1 of a new PID namespace"
[[ -d $stage/usr ]] || die "$stage/usr does not exist (nothing staged?)"

# Belt and braces: unshare --propagation private already did this; without it our mounts could
# propagate to the host.
mount --make-rprivate /

mount -t tmpfs -o mode=0755,size=256m e2e-scratch "$scratch"
mkdir -p "$scratch"/usr/{up,wk} "$scratch"/etc/{up,wk} "$scratch"/var/{up,wk}
mkdir -p "$stage/etc"

mount -t overlay e2e-usr -o "lowerdir=$stage/usr:/usr,upperdir=$scratch/usr/up,workdir=$scratch/usr/wk" /usr
mount -t overlay e2e-etc -o "lowerdir=$stage/etc:/etc,upperdir=$scratch/etc/up,workdir=$scratch/etc/wk" /etc
mount -t overlay e2e-var -o "lowerdir=/var,upperdir=$scratch/var/up,workdir=$scratch/var/wk" /var

# A checkout under /tmp (e.g. `git clone ... /tmp/x`) holds the scratch, stage and package paths: the
# private /tmp would hide them. The top-level entry of the host's /tmp that holds them (the checkout,
# nothing else of the host's /tmp) is bound back through a descriptor opened before the overmount.
keep=
if [[ $scratch == /tmp/* ]]; then
    rel=${scratch#/tmp/}
    keep=/tmp/${rel%%/*}
    exec {keepfd}<"$keep"
fi
mount -t tmpfs -o mode=1777,nosuid,nodev e2e-tmp /tmp
if [[ -n $keep ]]; then
    mkdir -p "$keep"
    mount --no-canonicalize --rbind "/proc/self/fd/$keepfd" "$keep"  # the fd, not its path
    exec {keepfd}<&-
fi
mount -t tmpfs -o mode=1777,nosuid,nodev e2e-vartmp /var/tmp
mount -t tmpfs -o mode=0755,nosuid,nodev e2e-run /run

# A private /dev: the host's devtmpfs is shared between mount namespaces, so anything systemd created
# there (the /dev/log symlink, static nodes) would appear on the host. Built aside, then moved into
# place, because the host's nodes must still be reachable while we bind them. No /dev/kmsg on purpose:
# systemd and journald would otherwise write into (and read from) the host's kernel log.
dev=$scratch/dev
mkdir "$dev"
mount -t tmpfs -o mode=0755,nosuid e2e-dev "$dev"
for node in null zero full random urandom tty; do
    touch "$dev/$node"
    mount --bind "/dev/$node" "$dev/$node"
done
mkdir "$dev/pts" "$dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 e2e-devpts "$dev/pts"
ln -s pts/ptmx "$dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev e2e-shm "$dev/shm"
ln -s /proc/self/fd "$dev/fd"
ln -s /proc/self/fd/0 "$dev/stdin"
ln -s /proc/self/fd/1 "$dev/stdout"
ln -s /proc/self/fd/2 "$dev/stderr"
touch "$dev/console"
mount --bind "$console_log" "$dev/console"
mount --move "$dev" /dev

# /proc is already this PID namespace's (unshare --mount-proc). Kernel tunables stay read-only, so no
# sysctl, core_pattern or sysrq write can reach the host.
for p in /proc/sys /proc/sysrq-trigger; do
    [[ -e $p ]] || continue
    mount --bind "$p" "$p"
    mount -o remount,bind,ro "$p"
done

# /sys read-only as in any container (systemd then also skips udev), with our own cgroup2 tree on top.
# In the cgroup namespace the root of this mount is the sub-cgroup namespace.sh made for us, so
# systemd's slices and scopes are created below it and nowhere else.
mount -o remount,bind,ro /sys
mount -t cgroup2 -o nosuid,nodev,noexec e2e-cgroup /sys/fs/cgroup

# Hide the host's enablement symlinks (its timers, getty, databases...) and mask every unit that
# would touch shared kernel or hardware state, or that a bare container does not need.
mount -t tmpfs -o mode=0755 e2e-units /etc/systemd/system
masked=(
    # would change host-wide kernel state or devices
    systemd-sysctl.service systemd-modules-load.service systemd-binfmt.service
    proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount kmod-static-nodes.service
    systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service
    systemd-udevd-control.socket systemd-udevd-kernel.socket systemd-hwdb-update.service
    systemd-pstore.service systemd-timesyncd.service systemd-random-seed.service
    systemd-journald-audit.socket systemd-remount-fs.service
    dev-hugepages.mount dev-mqueue.mount sys-fs-fuse-connections.mount sys-kernel-config.mount
    sys-kernel-debug.mount sys-kernel-tracing.mount tmp.mount
    # would clean or populate directories (tmpfiles empties /tmp); here they are fresh tmpfs anyway
    systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.service
    systemd-tmpfiles-clean.timer
    # first-boot, image and logins: nothing to do in a throw-away container
    systemd-firstboot.service systemd-machine-id-commit.service systemd-sysusers.service
    systemd-repart.service systemd-pcrphase.service systemd-pcrphase-sysinit.service
    systemd-pcrphase-initrd.service systemd-update-utmp.service systemd-update-utmp-runlevel.service
    systemd-journal-flush.service systemd-journal-catalog-update.service systemd-update-done.service
    ldconfig.service systemd-logind.service systemd-user-sessions.service getty.target
    console-getty.service getty@tty1.service serial-getty@.service systemd-ask-password-wall.path
    systemd-ask-password-console.path e2scrub_reap.service
)
for unit in "${masked[@]}"; do
    ln -s /dev/null "/etc/systemd/system/$unit"
done
# Timers would run the host's maintenance jobs (apt, man-db, fstrim) inside the test.
for unit in /usr/lib/systemd/system/timers.target.wants/*; do
    [[ -e $unit ]] && ln -sf /dev/null "/etc/systemd/system/${unit##*/}"
done
# Generators turn the host's /etc/fstab, init scripts and kernel command line into units; none of
# that is ours. A same-named /dev/null link in /etc disables a generator.
mkdir -p /etc/systemd/system-generators
for gen in /usr/lib/systemd/system-generators/*; do
    ln -sf /dev/null "/etc/systemd/system-generators/${gen##*/}"
done

hostname supervisord-e2e

# systemd decides "container" from this variable (it cannot see the PID namespace otherwise) and then
# skips what only a real boot does. Nothing of the test's environment leaks into the services.
exec env -i container=supervisord-e2e PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    /lib/systemd/systemd --system --unit=multi-user.target --show-status=false --log-color=false
