#!/bin/sh
# A private web farm: N busybox web servers behind an haproxy reverse proxy,
# all containers on one bridge.  Built offline from the host's busybox and
# haproxy; shows the proxy reaching every backend, then routing around a
# stopped one; removes everything unless --keep.
#
# usage: webfarm.sh [-n N] [--keep] [--baleine PATH] [--root DIR]
#                   [--bridge NAME] [--subnet ADDR/PREFIX] [--requests N]
set -eu

N=3
KEEP=0
BALEINE=${BALEINE:-baleine}
ROOT=${BALEINE_ROOT:-/var/lib/baleine}
BRIDGE=farm0
SUBNET=10.213.0.1/24
REQUESTS=6
while [ $# -gt 0 ]; do
        case $1 in
        -n) N=$2; shift ;;
        --keep) KEEP=1 ;;
        --baleine) BALEINE=$2; shift ;;
        --root) ROOT=$2; shift ;;
        --bridge) BRIDGE=$2; shift ;;
        --subnet) SUBNET=$2; shift ;;
        --requests) REQUESTS=$2; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "webfarm: unknown argument $1" >&2; exit 2 ;;
        esac
        shift
done
case $N in ''|*[!0-9]*) echo "webfarm: -n needs a number" >&2; exit 2 ;; esac
[ "$N" -ge 2 ] && [ "$N" -le 50 ] || { echo "webfarm: -n between 2 and 50" >&2; exit 2; }

bl() { "$BALEINE" --root "$ROOT" "$@"; }
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$HAPROXY" ] || { echo "webfarm: haproxy not found on the host (apt-get install haproxy)" >&2; exit 1; }

cleanup() {
        [ "$KEEP" = 1 ] && return 0
        echo "== cleaning up"
        for i in $(seq 1 "$N"); do bl container remove --force "farm-web$i" 2>/dev/null || true; done
        bl container remove --force farm-proxy 2>/dev/null || true
        bl bridge remove "$BRIDGE" 2>/dev/null || true
        bl image remove farm-web 2>/dev/null || true
        bl image remove farm-proxy 2>/dev/null || true
        rm -rf "$CFG"
}
CFG=$(mktemp -d)
trap cleanup EXIT

# haproxy: round robin over the web containers by name, health-checked
# every 300 ms, so a stopped backend leaves the rotation within a second
cat >"$CFG/haproxy.cfg" <<CONF
global
    maxconn 512
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    default-server init-addr last,libc,none check inter 300ms fall 2 rise 2
frontend www
    bind *:80
    default_backend farm
backend farm
    balance roundrobin
    option httpchk GET /
CONF
for i in $(seq 1 "$N"); do echo "    server farm-web$i farm-web$i:80" >>"$CFG/haproxy.cfg"; done

echo "== images"
bl image create -i farm-web
bl image create -i farm-proxy --add "$HAPROXY" --copy "$CFG/haproxy.cfg:/etc/haproxy/haproxy.cfg" \
        --cmd "$HAPROXY" --cmd -db --cmd -f --cmd /etc/haproxy/haproxy.cfg
bl image list

echo "== bridge $BRIDGE ($SUBNET)"
bl bridge create -b "$BRIDGE" -a "$SUBNET"

echo "== $N web servers and the proxy"
for i in $(seq 1 "$N"); do
        bl container create -i farm-web -c "farm-web$i" -b "$BRIDGE" --memory 32M --cpu-quota 0.5 --pids 64 \
                -p /bin/sh -c "mkdir -p /www && echo \"hello from farm-web$i\" >/www/index.html && exec httpd -f -p 80 -h /www"
done
bl container create -i farm-proxy -c farm-proxy -b "$BRIDGE" --memory 128M --pids 128
bl container list
bl bridge list

PROXY=$(bl container inspect farm-proxy | sed -n 's/^address: //p')
fetch() { wget -q -T 2 -O - "http://$PROXY/" 2>/dev/null || busybox wget -q -T 2 -O - "http://$PROXY/" 2>/dev/null || echo "(no answer)"; }

# wait until the proxy's health checks have seen every backend up
for _ in $(seq 1 50); do
        fetch | grep -q "hello from" && break
        sleep 0.2
done
sleep 1

echo "== $REQUESTS requests through the proxy at $PROXY"
for _ in $(seq 1 "$REQUESTS"); do echo "  $(fetch)"; done

echo "== stopping farm-web2; the proxy routes around it"
bl container stop farm-web2
sleep 1.5
for _ in $(seq 1 "$REQUESTS"); do echo "  $(fetch)"; done
bl container list --all
