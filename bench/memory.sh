#!/bin/sh
# Host memory per idle container: PSS of every process outside the
# container's program (baleine: its init; podman: conmon; LXC: its
# monitor), for 1 and 50 containers running `sleep`.
# usage: sudo bench/memory.sh
. "$(dirname "$0")/lib.sh"
peers lxc podman
W=$(mktemp -d /tmp/blbench-mem.XXXXXX)
R=$W/root
cleanup() {
        for i in $(seq 1 50); do "$B" --root "$R" container remove --force "m$i" >/dev/null 2>&1 || true; done
        # only the benchmark's own podman containers, by name: never the host's
        for i in $(seq 1 50); do podman rm -f "blbench-m$i" >/dev/null 2>&1 || true; done
        for i in $(seq 1 50); do lxc-stop -k -n "blm$i" -P "$W" >/dev/null 2>&1 || true; done
        rm -rf "$W"
}
trap cleanup EXIT
make_busybox_rootfs "$W/rootfs"
"$B" --root "$R" image create -i bench --from "$W/rootfs" >/dev/null

pss_kib() { awk '/^Pss:/ {s += $2} END {print s + 0}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

for n in 1 50; do
        for i in $(seq 1 $n); do "$B" --root "$R" container create -i bench -c "m$i" -p sleep 1000 >/dev/null; done
        sleep 1 # idle
        total=0
        for i in $(seq 1 $n); do
                pid=$("$B" --root "$R" container inspect "m$i" | sed -n 's/^pid: //p')
                total=$((total + $(pss_kib "$pid")))
        done
        bl=$((total / n))
        for i in $(seq 1 $n); do "$B" --root "$R" container remove --force "m$i" >/dev/null; done

        pm="n/a"
        if command -v podman >/dev/null; then
                for i in $(seq 1 $n); do
                        podman run -d --name "blbench-m$i" --network none --rootfs "$W/rootfs" sleep 1000 >/dev/null 2>&1 || true
                done
                sleep 1
                total=0; k=0
                # the conmon of each of our containers, not every conmon on the host
                for i in $(seq 1 $n); do
                        p=$(podman inspect --format '{{.State.ConmonPid}}' "blbench-m$i" 2>/dev/null || true)
                        [ -n "$p" ] && [ "$p" -gt 0 ] || continue
                        total=$((total + $(pss_kib "$p"))); k=$((k + 1))
                done
                [ $k -gt 0 ] && pm=$((total / k))
                for i in $(seq 1 $n); do podman rm -f "blbench-m$i" >/dev/null 2>&1 || true; done
        fi
        lx="n/a"
        if command -v lxc-execute >/dev/null; then
                printf 'lxc.rootfs.path = dir:%s\nlxc.net.0.type = empty\n' "$W/rootfs" >"$W/lxc.conf"
                for i in $(seq 1 $n); do lxc-execute -d -n "blm$i" -f "$W/lxc.conf" -P "$W" -- sleep 1000 >/dev/null 2>&1 || true; done
                sleep 1
                total=0; k=0
                for i in $(seq 1 $n); do
                        p=$(lxc-info -n "blm$i" -P "$W" -p -H 2>/dev/null || true)
                        [ -n "$p" ] || continue
                        mon=$(ps -o ppid= -p "$p" | tr -d ' ')
                        [ -n "$mon" ] && total=$((total + $(pss_kib "$mon"))) && k=$((k + 1))
                done
                [ $k -gt 0 ] && lx=$((total / k))
                for i in $(seq 1 $n); do lxc-stop -k -n "blm$i" -P "$W" >/dev/null 2>&1 || true; done
        fi
        echo "$n idle containers: host PSS per container: baleine init ${bl} KiB, podman conmon ${pm} KiB, lxc monitor ${lx} KiB (goal < 300 KiB)"
done
