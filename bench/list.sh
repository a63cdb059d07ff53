#!/bin/sh
# container list with 100 and 1000 containers (manifests written as
# create would, half running-looking with dead pids so list corrects them
# the first time, then steady state).
# usage: sudo bench/list.sh
. "$(dirname "$0")/lib.sh"
bench_tmp list
for n in 100 1000; do
        R=$W/r$n
        mkdir -p "$R/manifeste/containers"
        i=0
        while [ $i -lt $n ]; do
                cat >"$R/manifeste/containers/c$i.manifest" <<M
name: c$i
image: base
pid: 0
starting_time: 0
state: exited
exit_code: 0
cmd: ["/bin/sh"]
env: ["PATH=/bin"]
hostname: c$i
memory: 67108864
net0: br0 10.0.$((i / 250)).$((i % 250 + 2))/16 vb$i
M
                i=$((i + 1))
        done
        : >"$W/t"
        for _ in 1 2 3 4 5 6 7 8 9; do time_ms "$B" --root "$R" container list --all >>"$W/t"; done
        echo "container list --all, $n containers: median $(median <"$W/t") ms (goal: 1000 under 100 ms)"
done
