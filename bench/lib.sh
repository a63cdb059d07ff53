# Shared by the benchmarks: run on demand, never in CI's pass/fail.
# shellcheck shell=sh
set -eu
cd "$(dirname "$0")/.."
. tools/lib.sh
need_root
install_deps
build build
B=$PWD/build/cli/baleine

# apt-get the peers a benchmark compares with (missing ones are reported, not fatal)
peers() {
        missing=""
        for p in "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
        done
        [ -z "$missing" ] && return 0
        echo "installing peers:$missing"
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1 || echo "warning: could not install all of:$missing"
}

now_ns() { date +%s%N; }

# time_ms CMD...: wall time of one run in milliseconds (fractional)
time_ms() {
        t0=$(now_ns)
        "$@" >/dev/null 2>&1 || return 1
        t1=$(now_ns)
        echo "$t0 $t1" | awk '{printf "%.3f\n", ($2 - $1) / 1e6}'
}

median() { sort -n | awk '{a[NR] = $1} END {if (NR == 0) {print "nan"; exit} if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# ratio A B: A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 == 0 || a == "nan" || b == "nan") print "n/a"; else printf "%.2f\n", a / b}'; }

# A busybox root folder, the same files the built-in image holds.
make_busybox_rootfs() {
        dir=$1
        mkdir -p "$dir/bin" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/usr/lib"
        cp /bin/busybox "$dir/bin/busybox"
        for a in $(/bin/busybox --list-full); do
                mkdir -p "$dir/$(dirname "$a")"
                [ -e "$dir/$a" ] || ln -s /bin/busybox "$dir/$a"
        done
        echo "root:x:0:0:root:/root:/bin/sh" >"$dir/etc/passwd"
        echo "root:x:0:" >"$dir/etc/group"
        printf 'ID=busybox\nNAME=busybox\n' >"$dir/usr/lib/os-release"
        ln -sf ../usr/lib/os-release "$dir/etc/os-release"
}
