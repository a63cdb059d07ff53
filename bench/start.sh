#!/bin/bash
# Start-to-exit of /bin/true: baleine `container create --attach --rm`
# against lxc-execute, crun, runc, podman, systemd-nspawn and the kernel
# floor (bench/floor.c), on the same busybox root, in the same run.
# Every round runs each (runtime, column) pair once, in a random order
# (shuf); the columns are "back-to-back" (right after the previous run) and
# "gap" (after an idle pause, default 60 ms: cold caches and RCU grace
# periods that back-to-back loops hide).  Medians and p90 per column; the
# ratios are between medians of this run.
# With a veth: baleine on a bridge it creates ($P-named), lxc-execute with
# a veth on that same bridge and an address on it.
#
# usage: sudo bench/start.sh [ROUNDS]   (default 41)
# env:   BENCH_PREFIX (blb), BENCH_SUBNET (10.254.77.0/24), BENCH_GAP_MS (60),
#        BENCH_ONLY="baleine lxc ..." (a subset), BENCH_RESULTS=FILE (appends
#        "start TOOL COLUMN MEDIAN P90 RUNS" lines, for bench/all)
. "$(dirname "$0")/lib.sh"
ROUNDS=${1:-41}
GAP_MS=${BENCH_GAP_MS:-60}
case "$ROUNDS$GAP_MS" in *[!0-9]*) echo "ROUNDS and BENCH_GAP_MS are numbers" >&2; exit 2 ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 1000 ] || { echo "ROUNDS: 1 to 1000" >&2; exit 2; }
peers lxc crun runc podman systemd-container
build_floor
bench_tmp start
R=$W/root
BR=${P}br0

# --- cleanup of what this run created, by name, whatever state it is in ---
cleanup_runtimes() {
        # our own state root: everything in it is ours
        if [ -d "$R" ]; then
                "$B" --root "$R" container list --all 2>/dev/null | awk 'NR > 1 {print $1}' | while read -r c; do
                        "$B" --root "$R" container remove --force "$c"
                done
                "$B" --root "$R" bridge remove --force "$BR"
        fi
        ip link show "$BR" >/dev/null 2>&1 && ip link del "$BR"
        for rt in runc crun; do
                command -v $rt >/dev/null || continue
                $rt list -q 2>/dev/null | grep "^$P-$rt-" | while read -r c; do $rt delete -f "$c"; done
        done
        if command -v podman >/dev/null; then
                podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$P-pod-" | while read -r c; do podman rm -f "$c"; done
        fi
        if command -v lxc-ls >/dev/null && [ -d "$W/lxc" ]; then
                lxc-ls -P "$W/lxc" -1 2>/dev/null | grep "^$P-lxc" | while read -r c; do lxc-stop -k -n "$c" -P "$W/lxc"; done
        fi
        ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | grep "^${P}l[0-9]*$" | while read -r l; do ip link del "$l"; done
        for d in /sys/fs/cgroup/*/"$P"-floor-* /sys/fs/cgroup/"$P"-floor-*; do [ -d "$d" ] && rmdir "$d"; done
        [ -e "$W/ns/mnt" ] && umount "$W/ns/mnt"
        mountpoint -q "$W/ns" && umount "$W/ns"
        return 0
}
on_exit cleanup_runtimes

make_busybox_rootfs "$W/rootfs"
"$B" --root "$R" image create -i bench --from "$W/rootfs" >/dev/null
IMG=$R/images/bench.img
"$B" --root "$R" bridge create -b "$BR" -a "$NET3.1/24" >/dev/null
mkdir -p "$W/fl" "$W/lxc"

# runc and crun: one OCI bundle on the same root (read-only, shared)
mkdir -p "$W/bundle"
if command -v runc >/dev/null; then
        (cd "$W/bundle" && runc spec && sed -i "s|\"terminal\": true|\"terminal\": false|; s|\"sh\"|\"/bin/true\"|; s|\"path\": \"rootfs\"|\"path\": \"$W/rootfs\"|" config.json)
fi
# crun on this hybrid host: in a private mount namespace without the
# unified (v2) mount, else it takes the host for a v2 one.  The namespace
# is made once (bound on a file) and entered with nsenter, whose own
# cost (an exec, ~1 ms) is in crun's figures.
if command -v crun >/dev/null; then
        mkdir -p "$W/ns" && mount --bind "$W/ns" "$W/ns" && mount --make-private "$W/ns" && touch "$W/ns/mnt"
        if [ -d /sys/fs/cgroup/unified ] && mountpoint -q /sys/fs/cgroup/unified; then
                unshare --mount="$W/ns/mnt" --propagation private umount /sys/fs/cgroup/unified
        else
                unshare --mount="$W/ns/mnt" --propagation private true
        fi
fi
printf 'lxc.rootfs.path = dir:%s\nlxc.net.0.type = empty\n' "$W/rootfs" >"$W/lxc.conf"
cat >"$W/lxc-veth.conf" <<CONF
lxc.rootfs.path = dir:$W/rootfs
lxc.net.0.type = veth
lxc.net.0.link = $BR
lxc.net.0.flags = up
lxc.net.0.ipv4.address = $NET3.250/24
CONF

# one function per runtime; $k numbers every run, so every name is new
k=0
run_baleine() { "$B" --root "$R" container create -i bench -c "$P-b$k" --attach --rm -p /bin/true; }
run_baleine_veth() { "$B" --root "$R" container create -i bench -c "$P-v$k" -b "$BR" --attach --rm -p /bin/true; }
run_lxc() { lxc-execute -n "$P-lxc$k" -f "$W/lxc.conf" -P "$W/lxc" -- /bin/true; }
run_lxc_veth() { lxc-execute -n "$P-lxcv$k" -f "$W/lxc-veth.conf" -P "$W/lxc" -s lxc.net.0.veth.pair="${P}l$k" -- /bin/true; }
run_crun() { nsenter --mount="$W/ns/mnt" crun run -b "$W/bundle" "$P-crun-$k"; }
run_runc() { runc run -b "$W/bundle" "$P-runc-$k"; }
run_podman() {
        podman --runtime runc --cgroup-manager cgroupfs --events-backend file run --rm --network none --rootfs "$W/rootfs" \
                --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --name "$P-pod-$k" /bin/true
}
run_nspawn() { systemd-nspawn -q -D "$W/rootfs" --register=no --keep-unit --private-network -M "$P-nsp-$k" /bin/true; }
run_floor() { "$FLOOR" "$IMG" "$W/fl" "$P-floor-$k"; }
# the floor with the cgroup attach overlapped with copy and loop device (a proposal)
run_floor_overlap() { "$FLOOR" --overlap "$IMG" "$W/fl" "$P-floor-$k"; }

# microseconds from bash's clock: no fork in the measurement
us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }

ALL="baleine baleine_veth lxc lxc_veth crun runc podman nspawn floor floor_overlap"
declare -A NEED=([lxc]=lxc-execute [lxc_veth]=lxc-execute [crun]=crun [runc]=runc [podman]=podman [nspawn]=systemd-nspawn)
TOOLS=""
MISSING=""
for t in ${BENCH_ONLY:-$ALL}; do
        if [ -n "${NEED[$t]:-}" ] && ! command -v "${NEED[$t]}" >/dev/null; then
                MISSING="$MISSING $t(not installed)"
                continue
        fi
        # a warm-up run, which also tells whether it works on this host
        k=$((k + 1))
        if ! "run_$t" </dev/null >"$W/$t.out" 2>&1; then
                MISSING="$MISSING $t(fails: $(grep -v '^$' "$W/$t.out" | tail -1 | cut -c1-100))"
                continue
        fi
        TOOLS="$TOOLS $t"
        : >"$W/$t.b"
        : >"$W/$t.g"
done
GAP=$(awk -v m="$GAP_MS" 'BEGIN {printf "%.3f", m / 1000}')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
FAILS=0
for ((round = 0; round < ROUNDS; round++)); do
        for t in $TOOLS; do echo "$t b"; echo "$t g"; done | shuf >"$W/order"
        while read -r t col; do
                k=$((k + 1))
                if [ "$col" = g ]; then sleep "$GAP"; fi
                t0=$(us)
                if "run_$t" </dev/null >/dev/null 2>"$W/last.err"; then
                        t1=$(us)
                        echo $(((t1 - t0) / 1000)).$(printf '%03d' $(((t1 - t0) % 1000))) >>"$W/$t.$col"
                else
                        FAILS=$((FAILS + 1))
                        echo "run $t failed: $(tail -1 "$W/last.err")" >&2
                fi
        done <"$W/order"
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

echo "start-to-exit of /bin/true, $ROUNDS rounds in random order, gap $GAP_MS ms; load average $LOAD0 before, $LOAD1 after"
printf '%-13s %21s %21s\n' "" "back-to-back ms" "after ${GAP_MS} ms idle"
printf '%-13s %8s %6s %5s %8s %6s %5s\n' "" median p90 runs median p90 runs
declare -A MED
for t in $TOOLS; do
        for c in b g; do
                MED[$t.$c]=$(median <"$W/$t.$c")
                eval "P90_$c=\$(p90 <\"\$W/\$t.\$c\")"
                eval "N_$c=\$(wc -l <\"\$W/\$t.\$c\")"
        done
        # shellcheck disable=SC2154
        printf '%-13s %8s %6s %5s %8s %6s %5s\n' "$t" "${MED[$t.b]}" "$P90_b" "$N_b" "${MED[$t.g]}" "$P90_g" "$N_g"
        if [ -n "${BENCH_RESULTS:-}" ]; then
                echo "start $t b ${MED[$t.b]} $P90_b $N_b" >>"$BENCH_RESULTS"
                echo "start $t g ${MED[$t.g]} $P90_g $N_g" >>"$BENCH_RESULTS"
        fi
done
if [ -n "$MISSING" ]; then echo "missing:$MISSING"; fi
if [ "$FAILS" -gt 0 ]; then echo "failed runs (left out of the figures): $FAILS"; fi
echo "ratios, baleine / peer (lower is better for baleine; goals from issue 18):"
ratio_line() { # A B LABEL GOAL
        if [ -z "${MED[$1.b]:-}" ] || [ -z "${MED[$2.b]:-}" ]; then return 0; fi
        printf '  %-34s %6s %6s   %s\n' "$3" "$(ratio "${MED[$1.b]}" "${MED[$2.b]}")" "$(ratio "${MED[$1.g]}" "${MED[$2.g]}")" "${4:-}"
}
printf '  %-34s %6s %6s\n' "" b2b gap
ratio_line baleine lxc "baleine / lxc-execute" "goal <= 0.9"
ratio_line baleine crun "baleine / crun" "goal <= 0.9"
ratio_line baleine runc "baleine / runc"
ratio_line baleine podman "baleine / podman run --rm"
ratio_line baleine nspawn "baleine / systemd-nspawn"
ratio_line baleine floor "baleine / floor" "goal <= 1.3"
ratio_line baleine_veth lxc_veth "baleine+veth / lxc-execute+veth" "goal <= 0.8"
ratio_line baleine_veth floor "baleine+veth / floor"
ratio_line lxc floor "lxc-execute / floor"
ratio_line crun floor "crun / floor"
ratio_line floor_overlap floor "floor, attach overlapped / floor"
exit 0
