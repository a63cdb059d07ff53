#!/bin/sh
# Builds the Debian 12 disk image tools/vm-test boots, from Debian's registry
# only: debootstrap (systemd as init, the stock kernel installed inside so its
# initramfs carries virtio_blk), the project's build and test packages
# (tools/lib.sh), and the unit that runs the job at boot.  The result is a
# sparse ext4 file made by mke2fs -d from the chroot (no loop device), plus
# the kernel and initrd from the chroot's /boot.
#
#   image.sh OUT_PREFIX       writes OUT_PREFIX.img, .vmlinuz, .initrd
#
# Runs as root; the mirror is the host's Debian source (VM_MIRROR overrides).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
out=$1
suite=bookworm
mirror=${VM_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}

work=$(mktemp -d "${out}.build.XXXXXX")
root=$work/root
cleanup() {
        # debootstrap mounts proc and sys inside the target; never leave them
        for m in "$root/proc" "$root/sys" "$root/dev/pts" "$root/dev"; do
                mountpoint -q "$m" 2>/dev/null && umount -l "$m"
        done
        rm -rf "$work"
}
trap cleanup EXIT INT TERM

include="systemd-sysv,udev,kmod,linux-image-amd64,initramfs-tools,e2fsprogs,$(echo $PACKAGES | tr ' ' ',')"
mkdir -p "$(dirname "$out")/debs"
echo "vm image: debootstrap $suite from $mirror"
debootstrap --variant=minbase --cache-dir="$(dirname "$out")/debs" --include="$include" \
        "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
        tail -n 40 "$work/debootstrap.log" >&2
        echo "vm image: debootstrap failed (log above)" >&2
        exit 1
}

# the guest: no network (the tests use loopback and their own bridges),
# serial console, root on the virtio disk, the job unit enabled
echo baleine-vm >"$root/etc/hostname"
printf '/dev/vda / ext4 defaults 0 1\n' >"$root/etc/fstab"
install -m 0755 "$here/guest/run-job" "$root/usr/local/sbin/run-job"
install -m 0644 "$here/guest/baleine-vm-job.service" "$root/etc/systemd/system/"
ln -sf /etc/systemd/system/baleine-vm-job.service \
        "$root/etc/systemd/system/multi-user.target.wants/baleine-vm-job.service"
# nothing else competes with the job for the two emulated CPUs (haproxy is
# there for the web farm, which runs its own)
for u in timers.target.wants/apt-daily.timer timers.target.wants/apt-daily-upgrade.timer \
        timers.target.wants/e2scrub_all.timer timers.target.wants/fstrim.timer \
        timers.target.wants/man-db.timer multi-user.target.wants/haproxy.service; do
        rm -f "$root/etc/systemd/system/$u"
done
# the job writes to ttyS0: no getty there to hang the line up under it
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
passwd_root=$(grep -c '^root:' "$root/etc/passwd")
[ "$passwd_root" = 1 ]
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*

kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n 1)
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd"
echo "vm image: mke2fs -d (8 GiB sparse) from $(du -sh "$root" | cut -f1)"
mke2fs -q -t ext4 -L baleine-vm -d "$root" "$work/img" 8G >/dev/null
mv "$work/vmlinuz" "$out.vmlinuz"
mv "$work/initrd" "$out.initrd"
mv "$work/img" "$out.img"
