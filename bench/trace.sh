#!/bin/bash
# Where baleine's start time goes: RUNS starts of /bin/true (`container
# create --attach --rm`, after a 60 ms idle gap, as the headline column of
# start.sh) with BALEINE_DEBUG=1; the median time of each step (from the
# previous trace point), and what no trace covers (the exec of the CLI up
# to its context, and after the last trace point up to its exit).
# usage: sudo bench/trace.sh [RUNS]   (default 21)
# env:   BENCH_PREFIX (blb), BENCH_GAP_MS (60)
. "$(dirname "$0")/lib.sh"
RUNS=${1:-21}
case $RUNS in '' | *[!0-9]*) echo "RUNS: a number" >&2; exit 2 ;; esac
GAP=$(awk -v m="${BENCH_GAP_MS:-60}" 'BEGIN {printf "%.3f", m / 1000}')
bench_tmp trace
R=$W/root
on_exit '[ -d "$R" ] && "$B" --root "$R" container list --all | awk "NR > 1 {print \$1}" | while read -r c; do "$B" --root "$R" container remove --force "$c"; done'
make_busybox_rootfs "$W/rootfs"
"$B" --root "$R" image create -i bench --from "$W/rootfs" >/dev/null
us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
: >"$W/steps"
for ((i = 0; i < RUNS; i++)); do
        sleep "$GAP"
        t0=$(us)
        BALEINE_DEBUG=1 "$B" --root "$R" container create -i bench -c "$P-tr$i" --attach --rm -p /bin/true </dev/null >/dev/null 2>"$W/err" || {
                echo "run $i failed: $(tail -1 "$W/err")" >&2
                continue
        }
        t1=$(us)
        # "…: STEP at +X ms" lines, in order; the deltas between them
        sed -n 's/^.*\(create\|start\|wait\|remove\): \(.*\) at +\([0-9.]*\) ms$/\1:\2|\3/p' "$W/err" |
                awk -F'|' -v wall="$(((t1 - t0) / 1000)).$(printf '%03d' $(((t1 - t0) % 1000)))" \
                        '{gsub(/ /, "_", $1); printf "%02d %s %.3f\n", NR, $1, $2 - prev; prev = $2}
                         END {printf "%02d after_last_trace_(exit,_exec_of_the_CLI_before_its_context:_not_split) %.3f\n", NR + 1, wall - prev; printf "99 wall %.3f\n", wall}' >>"$W/steps"
done
echo "baleine create --attach --rm /bin/true, $RUNS runs after a ${BENCH_GAP_MS:-60} ms gap, BALEINE_DEBUG=1; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-72s %8s %8s\n' "step (time since the previous trace point)" median p90
for key in $(awk '{print $1 "|" $2}' "$W/steps" | sort -u); do
        n=${key%%|*}; s=${key#*|}
        printf '%-72s %8s %8s\n' "${s//_/ }" "$(awk -v n="$n" -v s="$s" '$1 == n && $2 == s {print $3}' "$W/steps" | median)" \
                "$(awk -v n="$n" -v s="$s" '$1 == n && $2 == s {print $3}' "$W/steps" | p90)"
done
exit 0
