#!/bin/sh
# Start latency: create + run /bin/true to its exit (image copy, loop mount,
# namespaces, cgroup, removal included), without network and with a veth on
# a bridge, against lxc-execute, runc run, podman run --rm and
# systemd-nspawn on the same busybox root.  Alternating runs; medians.
# usage: sudo bench/start.sh [RUNS]
. "$(dirname "$0")/lib.sh"
RUNS=${1:-15}
peers lxc runc podman systemd-container
W=$(mktemp -d /tmp/blbench-start.XXXXXX)
R=$W/root
trap '"$B" --root "$R" bridge remove --force blbench0 >/dev/null 2>&1; ip link del blbenchlxc 2>/dev/null; rm -rf "$W"' EXIT
make_busybox_rootfs "$W/rootfs"
"$B" --root "$R" image create -i bench --from "$W/rootfs" >/dev/null
"$B" --root "$R" bridge create -b blbench0 -a 10.254.77.1/24
ip link add blbenchlxc type bridge && ip link set blbenchlxc up

# runc: a bundle on the same root
mkdir -p "$W/bundle" && cp -a "$W/rootfs" "$W/bundle/rootfs"
(cd "$W/bundle" && runc spec >/dev/null 2>&1 && sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"\/bin\/true"/' config.json) || true
cat >"$W/lxc.conf" <<CONF
lxc.rootfs.path = dir:$W/rootfs
lxc.net.0.type = empty
CONF
cat >"$W/lxc-veth.conf" <<CONF
lxc.rootfs.path = dir:$W/rootfs
lxc.net.0.type = veth
lxc.net.0.link = blbenchlxc
lxc.net.0.flags = up
CONF

i=0
run_baleine() { "$B" --root "$R" container create -i bench -c "b$i" --attach --rm -p /bin/true; }
run_baleine_veth() { "$B" --root "$R" container create -i bench -c "v$i" -b blbench0 --attach --rm -p /bin/true; }
run_lxc() { lxc-execute -n "blbench$i" -f "$W/lxc.conf" -P "$W" -- /bin/true; }
run_lxc_veth() { lxc-execute -n "blbenchv$i" -f "$W/lxc-veth.conf" -P "$W" -- /bin/true; }
run_runc() { (cd "$W/bundle" && runc run "blbench$i"); }
# podman's runtime raises rlimits past root's hard limits where root lacks
# CAP_SYS_RESOURCE: then it fails and is reported as n/a
run_podman() { podman run --rm --network none --rootfs "$W/rootfs" /bin/true; }
run_nspawn() { systemd-nspawn -q -D "$W/rootfs" --register=no --keep-unit /bin/true; }

for t in baleine baleine_veth lxc lxc_veth runc podman nspawn; do : >"$W/$t"; done
while [ $i -lt "$RUNS" ]; do
        for t in baleine baleine_veth lxc lxc_veth runc podman nspawn; do
                ms=$(time_ms "run_$t") && echo "$ms" >>"$W/$t"
        done
        i=$((i + 1))
done
printf '%-14s %10s %8s\n' "" "median ms" "runs"
for t in baleine baleine_veth lxc lxc_veth runc podman nspawn; do
        eval "m_$t=$(median <"$W/$t")"
        printf '%-14s %10s %8s\n' "$t" "$(median <"$W/$t")" "$(wc -l <"$W/$t")"
done
echo "ratios (lower is better for baleine):"
echo "  baleine / lxc-execute          $(ratio "$m_baleine" "$m_lxc")   (goal <= 0.5)"
echo "  baleine+veth / lxc-execute+veth $(ratio "$m_baleine_veth" "$m_lxc_veth")   (goal <= 0.5)"
echo "  baleine / runc run             $(ratio "$m_baleine" "$m_runc")"
echo "  baleine / podman run --rm      $(ratio "$m_baleine" "$m_podman")   (goal <= 0.1)"
echo "  baleine / systemd-nspawn       $(ratio "$m_baleine" "$m_nspawn")"
