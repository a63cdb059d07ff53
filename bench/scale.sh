#!/bin/bash
# Cost with scale: with N idle containers running (N = 0, 100, 300; 1000
# with --1000), the median of RUNS starts of /bin/true (`container create
# --attach --rm`, and lxc-execute in the same rounds, random order, after a
# 60 ms idle gap), and of `container list --all` and `check --dry-run`.
# Stops early (and says so) when the host's available memory falls under
# 2 GiB; every loop bounded.  Only its own state root and $P-named objects.
# usage: sudo bench/scale.sh [--1000] [RUNS]   (RUNS default 11)
# env:   BENCH_PREFIX (blb), BENCH_MIN_FREE_MIB (2048), BENCH_RESULTS=FILE
#        ("scale N TOOL MEDIAN")
. "$(dirname "$0")/lib.sh"
LEVELS="0 100 300"
if [ "${1:-}" = --1000 ]; then LEVELS="$LEVELS 1000"; shift; fi
RUNS=${1:-11}
case $RUNS in '' | *[!0-9]*) echo "RUNS: a number" >&2; exit 2 ;; esac
MIN_FREE=${BENCH_MIN_FREE_MIB:-2048}
peers lxc
bench_tmp scale
R=$W/root
cleanup_scale() {
        [ -d "$R" ] || return 0
        "$B" --root "$R" container list --all 2>/dev/null | awk 'NR > 1 {print $1}' | while read -r c; do
                "$B" --root "$R" container remove --force "$c"
        done
        if command -v lxc-ls >/dev/null && [ -d "$W/lxc" ]; then
                lxc-ls -P "$W/lxc" -1 2>/dev/null | grep "^$P-" | while read -r c; do lxc-stop -k -n "$c" -P "$W/lxc"; done
        fi
        return 0
}
on_exit cleanup_scale
make_busybox_rootfs "$W/rootfs"
mkdir -p "$W/lxc"
"$B" --root "$R" image create -i bench --from "$W/rootfs" >/dev/null
printf 'lxc.rootfs.path = dir:%s\nlxc.net.0.type = empty\n' "$W/rootfs" >"$W/lxc.conf"
HAVE_LXC=0
if command -v lxc-execute >/dev/null; then HAVE_LXC=1; fi

us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
# time_into FILE CMD...: appends the wall time in ms; 1 on failure
time_into() {
        local f=$1 t0 t1
        shift
        t0=$(us)
        "$@" </dev/null >/dev/null 2>"$W/last.err" || { echo "$1 failed: $(tail -1 "$W/last.err")" >&2; return 1; }
        t1=$(us)
        echo $(((t1 - t0) / 1000)).$(printf '%03d' $(((t1 - t0) % 1000))) >>"$f"
}

k=0
run_baleine() { "$B" --root "$R" container create -i bench -c "$P-t$k" --attach --rm -p /bin/true; }
run_lxc() { lxc-execute -n "$P-lxc$k" -f "$W/lxc.conf" -P "$W/lxc" -- /bin/true; }
run_list() { "$B" --root "$R" container list --all; }
run_check() { "$B" --root "$R" check --dry-run; }

running=0
echo "cost with N idle containers running ($RUNS runs each, medians in ms, 60 ms idle gap before each); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s %10s %10s %8s %8s %8s\n' N baleine lxc ratio list check
for n in $LEVELS; do
        stopped=""
        while [ $running -lt "$n" ]; do
                if [ "$(mem_avail_mib)" -lt "$MIN_FREE" ]; then
                        stopped="stopped at $running running: under $MIN_FREE MiB available"
                        break
                fi
                running=$((running + 1))
                "$B" --root "$R" container create -i bench -c "$P-s$running" -p sleep 100000 >/dev/null
        done
        if [ -n "$stopped" ]; then echo "$stopped"; break; fi
        sleep 2 # let the fresh containers' writeback settle
        for t in baleine lxc list check; do : >"$W/t.$t"; done
        for ((r = 0; r < RUNS; r++)); do
                tools="baleine list check"
                if [ $HAVE_LXC = 1 ]; then tools="$tools lxc"; fi
                for t in $(printf '%s\n' $tools | shuf); do
                        k=$((k + 1))
                        sleep 0.06
                        time_into "$W/t.$t" "run_$t" || true
                done
        done
        mb=$(median <"$W/t.baleine"); ml=$(median <"$W/t.lxc"); mls=$(median <"$W/t.list"); mc=$(median <"$W/t.check")
        printf '%6s %10s %10s %8s %8s %8s\n' "$n" "$mb" "$ml" "$(ratio "$mb" "$ml")" "$mls" "$mc"
        if [ -n "${BENCH_RESULTS:-}" ]; then
                printf 'scale %s baleine %s\nscale %s lxc %s\nscale %s list %s\nscale %s check %s\n' \
                        "$n" "$mb" "$n" "$ml" "$n" "$mls" "$n" "$mc" >>"$BENCH_RESULTS"
        fi
done
echo "available memory at the end: $(mem_avail_mib) MiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
