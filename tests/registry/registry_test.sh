#!/bin/sh
# The registry suite: image pull and push against Debian's docker-registry
# (the Distribution registry v2) on loopback, fixtures pushed with skopeo;
# then a test server that misbehaves on purpose (wrong digest, truncation,
# 429/5xx, redirect to a blob store) and a token server (Bearer flow).
# Only 127.0.0.1 is ever contacted.
# usage: registry_test.sh BALEINE SOURCE_DIR
set -u
B=$1
SRC=$2
T=$(mktemp -d /tmp/blt-reg.XXXXXX)
R=$T/root
pass=0
fail=0
PIDS=""

cleanup() {
        for p in $PIDS; do kill "$p" 2>/dev/null; done
        for p in $PIDS; do wait "$p" 2>/dev/null; done
        rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { pass=$((pass + 1)); echo "ok - $1"; }
ko() { fail=$((fail + 1)); echo "FAIL - $1"; }
bl() { "$B" --root "$R" "$@"; }
# expect CODE DESCRIPTION -- command...: exit status; an error is one "baleine: " line
expect() {
        code=$1; what=$2; shift 3
        "$@" >"$T/out" 2>"$T/err"
        got=$?
        if [ "$got" != "$code" ]; then
                ko "$what (exit $got, wanted $code): $(head -c 400 "$T/err")"
                return
        fi
        if [ "$code" = 1 ] && { [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q '^baleine: ' "$T/err"; }; then
                ko "$what: error is not one 'baleine: ' line: $(cat "$T/err")"
                return
        fi
        ok "$what"
}
has() { if grep -q -- "$2" "$T/$1"; then ok "$3"; else ko "$3: no '$2' in $1: $(head -c 400 "$T/$1")"; fi; }

for tool in docker-registry skopeo openssl htpasswd python3; do
        command -v "$tool" >/dev/null || { echo "FAIL - $tool is missing (tools/lib.sh PACKAGES)"; echo "0 passed, 1 failed"; exit 1; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_registry NAME [extra YAML]: a registry on a free loopback port, storage in $T
start_registry() {
        name=$1; extra=${2:-}
        port=$(free_port)
        mkdir -p "$T/$name"
        cat >"$T/$name/config.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $T/$name/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$extra
YAML
        docker-registry serve "$T/$name/config.yml" >"$T/$name/log" 2>&1 &
        PIDS="$PIDS $!"
        i=0
        while [ $i -lt 100 ]; do
                python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break
                sleep 0.1; i=$((i + 1))
        done
        echo "$port"
}

# --- fixtures: images made by baleine, exported, pushed by skopeo
mkdir -p "$R"
bl image create -i base >/dev/null 2>&1 || { echo "FAIL - cannot create a fixture image"; echo "0 passed, 1 failed"; exit 1; }
bl image export base "$T/base.tar" --format oci >/dev/null
echo hello >"$T/hello.txt"
bl image create -i more --copy "$T/hello.txt:/hello.txt" >/dev/null 2>&1
bl image export more "$T/more.tar" --format oci >/dev/null

P=$(start_registry plain)
REG=127.0.0.1:$P
skopeo copy -q --dest-tls-verify=false oci-archive:"$T/base.tar" docker://$REG/fx/base:oci >/dev/null 2>"$T/err" \
        || ko "skopeo push (oci): $(cat "$T/err")"
skopeo copy -q --dest-tls-verify=false --format v2s2 --dest-compress oci-archive:"$T/more.tar" docker://$REG/fx/more:v2s2 >/dev/null 2>"$T/err" \
        || ko "skopeo push (v2s2, gzip): $(cat "$T/err")"

# --- pull (plain HTTP, OCI manifest)
expect 0 "pull an OCI image over plain HTTP" -- bl image pull --tls-verify=false -i p1 $REG/fx/base:oci
WANT=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' docker://$REG/fx/base:oci 2>/dev/null)
has out "$WANT" "pull prints the manifest digest skopeo sees"
bl image inspect p1 >"$T/insp" 2>&1
has insp "$REG/fx/base:oci" "the pulled image records its reference"
n=$(find "$R/blobs/sha256" -type f ! -name '*.partial' | wc -l)
[ "$n" -ge 2 ] && ok "config and layer in the blob cache ($n blobs)" || ko "blob cache holds $n blobs"

# --- pull a docker v2 schema 2 image (gzip layer)
expect 0 "pull a docker schema 2 image" -- bl pull --tls-verify=false -i p2 $REG/fx/more:v2s2
bl container create -i p2 -c blt-reg-c2 -- /bin/cat /hello.txt >/dev/null 2>"$T/err" || ko "container create: $(cat "$T/err")"
timeout 60 "$B" --root "$R" container start blt-reg-c2 --attach >"$T/logs" 2>&1
has logs hello "a container of the pulled image runs (its layer's file is there)"
bl container rm --force blt-reg-c2 >/dev/null 2>&1

# --- second pull: shared layers come from the cache
expect 0 "pull again under another name" -- env BALEINE_DEBUG=1 "$B" --root "$R" image pull --tls-verify=false -i p3 $REG/fx/more:v2s2
has err "already cached" "a second pull downloads no cached layer"

# --- wrong things
expect 1 "unknown image" -- bl image pull --tls-verify=false -i nx $REG/fx/nothere:1
has err "fx/nothere" "the error names the reference"
expect 1 "https without --tls-verify=false on a plain registry" -- bl image pull -i nx $REG/fx/base:oci
expect 1 "a bad reference" -- bl image pull --tls-verify=false "$REG/Fx/UPPER:1"
[ ! -e "$R/images/nx.img" ] && ok "nothing left after failures" || ko "an image was left"

# --- push, then skopeo reads it back
expect 0 "push an image" -- bl push --tls-verify=false more $REG/fx/pushed:1
PD=$(cat "$T/out")
SD=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' docker://$REG/fx/pushed:1 2>"$T/err")
[ -n "$PD" ] && [ "$PD" = "$SD" ] && ok "skopeo sees the digest push printed ($PD)" || ko "push digest $PD, skopeo $SD $(cat "$T/err")"
skopeo copy -q --src-tls-verify=false docker://$REG/fx/pushed:1 oci-archive:"$T/back.tar" >/dev/null 2>"$T/err" \
        && ok "skopeo copies the pushed image" || ko "skopeo copy of the pushed image: $(cat "$T/err")"
expect 0 "push again (blobs already there)" -- env BALEINE_DEBUG=1 "$B" --root "$R" push --tls-verify=false more $REG/fx/pushed:1
has err "already there" "a second push skips the blobs the registry has"
expect 0 "pull what was pushed" -- bl pull --tls-verify=false -i p4 $REG/fx/pushed:1

# --- prune: blobs of removed images go
bl image rm p1 >/dev/null 2>&1
expect 0 "image prune" -- bl image prune
[ -n "$(find "$R/blobs/sha256" -name "$(echo "$WANT" | cut -c8-)" )" ] && ko "prune kept a manifest" || true
expect 0 "pull p1 again after prune" -- bl image pull --tls-verify=false -i p1 $REG/fx/base:oci

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
