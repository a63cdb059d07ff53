#!/bin/sh
# Requests per second through the web farm's proxy with wrk (10 s, to the
# proxy's address on the farm's own bridge only), against the same
# busybox httpd reached directly.
# usage: sudo bench/webfarm.sh [SECONDS]
. "$(dirname "$0")/lib.sh"
SECS=${1:-10}
peers wrk
bench_tmp farm
R=$W/root
# the demo's names (farm-*, farm0) in this benchmark's own state root
on_exit 'for c in farm-web1 farm-web2 farm-web3 farm-proxy; do "$B" --root "$R" container remove --force "$c"; done; "$B" --root "$R" bridge remove --force farm0'
examples/webfarm/webfarm.sh --baleine "$B" --root "$R" -n 3 --requests 1 --keep >/dev/null
proxy=$("$B" --root "$R" container inspect farm-proxy | sed -n 's/^address: //p')
web=$("$B" --root "$R" container inspect farm-web1 | sed -n 's/^address: //p')
p=$(wrk -t2 -c32 -d"${SECS}s" "http://$proxy/" | awk '/Requests\/sec/ {print $2}')
d=$(wrk -t2 -c32 -d"${SECS}s" "http://$web/" | awk '/Requests\/sec/ {print $2}')
echo "through the proxy: $p req/s; one backend directly: $d req/s; proxy/direct $(ratio "$p" "$d")"
