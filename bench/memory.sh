#!/bin/sh
# Host memory per idle container running `sleep`, for 1 and N (default 100)
# containers: PSS of the host-side processes (baleine: its init; podman:
# conmon; LXC: its monitor), and the growth of the host's page cache
# (Cached + Buffers) and slab per container, from /proc/meminfo.  The
# meminfo deltas are the whole host's: other work running meanwhile shows
# in them (the load average is printed).
# Only this benchmark's own containers are touched, by their names.
# usage: sudo bench/memory.sh [N]
# env:   BENCH_PREFIX (blb), BENCH_RESULTS=FILE ("memory TOOL N PSS CACHE SLAB")
. "$(dirname "$0")/lib.sh"
N=${1:-100}
case $N in '' | *[!0-9]*) echo "N: a number" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] && [ "$N" -le 500 ] || { echo "N: 1 to 500" >&2; exit 2; }
peers lxc podman
bench_tmp mem
R=$W/root
cleanup_mem() {
        i=1
        while [ $i -le "$N" ]; do
                "$B" --root "$R" container remove --force "$P-m$i"
                if command -v podman >/dev/null; then podman rm -f -t 0 "$P-pod-m$i"; fi
                if command -v lxc-stop >/dev/null; then lxc-stop -k -n "$P-lxcm$i" -P "$W/lxc"; fi
                i=$((i + 1))
        done
        return 0
}
on_exit cleanup_mem
make_busybox_rootfs "$W/rootfs"
mkdir -p "$W/lxc"
"$B" --root "$R" image create -i bench --from "$W/rootfs" >/dev/null
printf 'lxc.rootfs.path = dir:%s\nlxc.net.0.type = empty\n' "$W/rootfs" >"$W/lxc.conf"

pss_kib() { awk '/^Pss:/ {s += $2} END {print s + 0}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
meminfo_kib() { awk -v k="$1" '$1 == k ":" {print $2}' /proc/meminfo; }
cache_kib() { echo $(($(meminfo_kib Cached) + $(meminfo_kib Buffers))); }

start_baleine() { "$B" --root "$R" container create -i bench -c "$P-m$1" -p sleep 1000 >/dev/null 2>&1; }
pid_baleine() { "$B" --root "$R" container inspect "$P-m$1" 2>/dev/null | sed -n 's/^pid: //p'; }
stop_baleine() { "$B" --root "$R" container remove --force "$P-m$1" >/dev/null 2>&1; }
start_podman() {
        podman --runtime runc --cgroup-manager cgroupfs --events-backend file run -d --name "$P-pod-m$1" --network none \
                --rootfs "$W/rootfs" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 sleep 1000 >/dev/null 2>&1
}
pid_podman() { podman inspect --format '{{.State.ConmonPid}}' "$P-pod-m$1" 2>/dev/null; }
stop_podman() { podman rm -f -t 0 "$P-pod-m$1" >/dev/null 2>&1; }
start_lxc() { lxc-execute -d -n "$P-lxcm$1" -f "$W/lxc.conf" -P "$W/lxc" -- sleep 1000 >/dev/null 2>&1; }
# the monitor: the parent of the container's init
pid_lxc() {
        p=$(lxc-info -n "$P-lxcm$1" -P "$W/lxc" -p -H 2>/dev/null) || return 0
        [ -n "$p" ] && ps -o ppid= -p "$p" | tr -d ' '
}
stop_lxc() { lxc-stop -k -n "$P-lxcm$1" -P "$W/lxc" >/dev/null 2>&1; }

echo "host memory per idle container (sleep), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %5s %10s %14s %10s %s\n' "" n "PSS KiB" "page cache KiB" "slab KiB" "(per container)"
for t in baleine podman lxc; do
        case $t in podman) command -v podman >/dev/null || continue ;; lxc) command -v lxc-execute >/dev/null || continue ;; esac
        for n in 1 "$N"; do
                sync
                c0=$(cache_kib); s0=$(meminfo_kib Slab)
                i=1; ok=0
                while [ $i -le "$n" ]; do
                        start_$t $i && ok=$((ok + 1))
                        i=$((i + 1))
                done
                sleep 2 # idle
                c1=$(cache_kib); s1=$(meminfo_kib Slab)
                total=0; k=0; i=1
                while [ $i -le "$n" ]; do
                        p=$(pid_$t $i || true)
                        if [ -n "$p" ] && [ "$p" -gt 0 ]; then total=$((total + $(pss_kib "$p"))); k=$((k + 1)); fi
                        i=$((i + 1))
                done
                i=1
                while [ $i -le "$n" ]; do stop_$t $i; i=$((i + 1)); done
                if [ $k -eq 0 ]; then
                        printf '%-8s %5s %10s\n' "$t" "$n" "n/a (no container started)"
                        continue
                fi
                pss=$((total / k)); cache=$(((c1 - c0) / k)); slab=$(((s1 - s0) / k))
                printf '%-8s %5s %10s %14s %10s\n' "$t" "$k" "$pss" "$cache" "$slab"
                if [ -n "${BENCH_RESULTS:-}" ]; then echo "memory $t $k $pss $cache $slab" >>"$BENCH_RESULTS"; fi
        done
done
