# Shared by the benchmarks: run on demand, never in CI's pass/fail.
# Safety: everything a benchmark creates is named with $P (BENCH_PREFIX,
# default blb) and removed by the cleanups registered with on_exit, which
# run on exit, on failure and on INT/TERM/HUP; only objects with our names
# or pids are touched.
# shellcheck shell=sh
set -eu
cd "$(dirname "$0")/.."
. tools/lib.sh
need_root
P=${BENCH_PREFIX:-blb}
case $P in
'' | *[!a-z0-9]* ) echo "BENCH_PREFIX=$P: 1 to 6 lower-case letters or digits" >&2; exit 2 ;;
esac
[ ${#P} -le 6 ] || { echo "BENCH_PREFIX=$P: 6 characters at most (interface names)" >&2; exit 2; }
# the /24 the bridge of a benchmark takes (its .1 is the bridge)
BENCH_SUBNET=${BENCH_SUBNET:-10.254.77.0/24}
NET3=$(echo "$BENCH_SUBNET" | sed -n 's|^\([0-9]*\.[0-9]*\.[0-9]*\)\.0/24$|\1|p')
[ -n "$NET3" ] || { echo "BENCH_SUBNET=$BENCH_SUBNET: a /24 is expected (A.B.C.0/24)" >&2; exit 2; }
if ip -4 -o addr show | grep -q " $NET3\."; then
        echo "BENCH_SUBNET=$BENCH_SUBNET is already used on this host: choose another" >&2
        exit 2
fi

install_deps
build build
B=$PWD/build/cli/baleine
BENCH=$PWD/bench

# Cleanups, run last-registered first, each once, whatever fails.
BENCH_CLEANUPS=""
on_exit() { BENCH_CLEANUPS="$1
$BENCH_CLEANUPS"; }
bench_cleanup() {
        trap - EXIT INT TERM HUP
        set +e
        printf '%s\n' "$BENCH_CLEANUPS" | while IFS= read -r c; do
                [ -n "$c" ] && eval "$c" >/dev/null 2>&1
        done
        BENCH_CLEANUPS=""
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM HUP

# bench_tmp WHAT: sets W to a private folder, removed on exit (without
# crossing into a mount left in it); not in a $(...): the cleanup must be
# registered in this shell
bench_tmp() {
        W=$(mktemp -d "/tmp/$P-$1.XXXXXX")
        on_exit "rm -rf --one-file-system '$W'"
}

# apt-get the peers a benchmark compares with (missing ones are reported, not fatal)
peers() {
        missing=""
        for p in "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
        done
        [ -z "$missing" ] && return 0
        echo "installing peers:$missing"
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing >/dev/null 2>&1 ||
                echo "warning: could not install all of:$missing (those are reported as missing)"
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

# p90: the nearest-rank 90th percentile
p90() { sort -n | awk '{a[NR] = $1} END {if (NR == 0) {print "nan"; exit} r = int(0.9 * NR + 0.999999); if (r < 1) r = 1; print a[r]}'; }

# ratio A B: A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 == 0 || a == "nan" || b == "nan" || a == "" || b == "") print "n/a"; else printf "%.2f\n", a / b}'; }

# free memory (MemAvailable) in MiB: scale benchmarks stop under a floor
mem_avail_mib() { awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo; }

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

# The floor program, built by cc (not by meson: it is no part of the product).
build_floor() {
        if [ ! -x build/bench-floor ] || [ bench/floor.c -nt build/bench-floor ]; then
                cc -O2 -Wall -Wextra -std=gnu11 -pthread -o build/bench-floor bench/floor.c
        fi
        FLOOR=$PWD/build/bench-floor
}
