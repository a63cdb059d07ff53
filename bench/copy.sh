#!/bin/sh
# Image copy: a 1 GiB image holding ~40 MiB, copied the way container
# create does, against cp --sparse=always and a full copy, on the host
# filesystem and on a loop-mounted XFS (reflink: O(1)).
# usage: sudo bench/copy.sh [RUNS]
. "$(dirname "$0")/lib.sh"
RUNS=${1:-7}
peers xfsprogs
# whatever step fails, the temporary folder goes, the XFS mount first
bench_tmp copy
on_exit 'mountpoint -q "$W/xfs" && umount "$W/xfs"'

make_image() {
        root=$1
        mkdir -p "$W/content"
        head -c 40000000 /dev/urandom >"$W/content/data"
        "$B" --root "$root" image create -i big -s 1G --from "$W/content" >/dev/null
}

bench_on() {
        where=$1
        root=$2
        make_image "$root"
        img=$root/images/big.img
        : >"$W/bl"; : >"$W/sparse"; : >"$W/full"
        i=0
        while [ $i -lt "$RUNS" ]; do
                time_ms "$B" --root "$root" container create -i big -c "$P-c$i" --no-start >>"$W/bl"
                "$B" --root "$root" container remove "$P-c$i"
                time_ms cp --sparse=always "$img" "$root/sparse.img" >>"$W/sparse"; rm -f "$root/sparse.img"
                time_ms cp --sparse=never --reflink=never "$img" "$root/full.img" >>"$W/full"; rm -f "$root/full.img"
                i=$((i + 1))
        done
        a=$(median <"$W/bl"); s=$(median <"$W/sparse"); f=$(median <"$W/full")
        printf '%-22s baleine %8s ms   cp --sparse=always %8s ms   full copy %8s ms   baleine/sparse %s   baleine/full %s\n' \
                "$where" "$a" "$s" "$f" "$(ratio "$a" "$s")" "$(ratio "$a" "$f")"
}

bench_on "host $(findmnt -no FSTYPE -T "$W")" "$W/host-root"
truncate -s 3G "$W/xfs.img"
mkfs.xfs -q -m reflink=1 "$W/xfs.img"
mkdir -p "$W/xfs"
mount -o loop "$W/xfs.img" "$W/xfs"
bench_on "loop-mounted xfs" "$W/xfs/root"
echo "(a container create also writes its manifest; the goal is within 2x of cp --sparse=always, O(1) on reflink)"
