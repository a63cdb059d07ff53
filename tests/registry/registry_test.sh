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

# start_registry NAME [extra YAML]: a registry on a free loopback port
# (set in $port), storage in $T.  Not run in $(...): a subshell would run
# the EXIT trap and kill what it started.
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
}

# --- fixtures: images made by baleine, exported, pushed by skopeo
mkdir -p "$R"
bl image create -i base >/dev/null 2>&1 || { echo "FAIL - cannot create a fixture image"; echo "0 passed, 1 failed"; exit 1; }
bl image export base "$T/base.tar" --format oci >/dev/null
echo hello >"$T/hello.txt"
bl image create -i more --copy "$T/hello.txt:/hello.txt" >/dev/null 2>&1
bl image export more "$T/more.tar" --format oci >/dev/null

start_registry plain
P=$port
REG=127.0.0.1:$P
skopeo copy -q --dest-tls-verify=false oci-archive:"$T/base.tar" docker://$REG/fx/base:oci >/dev/null 2>"$T/err" \
        || ko "skopeo push (oci): $(cat "$T/err")"
skopeo copy -q --dest-tls-verify=false --format v2s2 --dest-compress oci-archive:"$T/more.tar" docker://$REG/fx/more:v2s2 >/dev/null 2>"$T/err" \
        || ko "skopeo push (v2s2, gzip): $(cat "$T/err")"

# --- pull (plain HTTP, OCI manifest)
expect 0 "pull an OCI image over plain HTTP" -- bl image pull --tls-verify=false -i p1 $REG/fx/base:oci
WANT=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' docker://$REG/fx/base:oci 2>/dev/null)
skopeo inspect --raw --tls-verify=false docker://$REG/fx/base:oci >"$T/p1.manifest" 2>/dev/null
has out "$WANT" "pull prints the manifest digest skopeo sees"
bl image inspect p1 >"$T/insp" 2>&1
has insp "$REG/fx/base:oci" "the pulled image records its reference"
LAYER1=sha256:$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"][7:])' "$T/p1.manifest" 2>/dev/null)
n=$(find "$R/blobs/sha256" -type f ! -name '*.partial' | wc -l)
[ "$n" -ge 2 ] && ok "config and layer in the blob cache ($n blobs)" || ko "blob cache holds $n blobs"

# --- pull a docker v2 schema 2 image (gzip layer)
expect 0 "pull a docker schema 2 image" -- bl pull --tls-verify=false -i p2 $REG/fx/more:v2s2
bl container create -i p2 -c blt-reg-c2 -- /bin/cat /hello.txt >/dev/null 2>"$T/err" || ko "container create: $(cat "$T/err")"
i=0; while [ $i -lt 50 ] && ! bl container logs blt-reg-c2 2>/dev/null | grep -q hello; do sleep 0.2; i=$((i + 1)); done
bl container logs blt-reg-c2 >"$T/logs" 2>&1
has logs hello "a container of the pulled image runs (its layer's file is there)"
bl container rm --force blt-reg-c2 >/dev/null 2>&1
python3 -c "import socket; socket.create_connection(('127.0.0.1',$P),1)" 2>/dev/null && ok "the registry outlives the container" || ko "the registry died"


# --- second pull: shared layers come from the cache
expect 0 "pull again under another name" -- env BALEINE_DEBUG=1 "$B" --root "$R" image pull --tls-verify=false -i p3 $REG/fx/more:v2s2
has err "already cached" "a second pull downloads no cached layer"

# --- wrong things
expect 1 "pull to a name that exists" -- bl image pull --tls-verify=false -i p1 $REG/fx/base:oci
has err "already exists" "the error says the image exists"
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
[ ! -e "$R/blobs/sha256/$(echo "$LAYER1" | cut -c8-)" ] && ok "prune removed the layer only the removed image named" \
        || ko "prune kept $LAYER1"
expect 0 "pull p1 again after prune" -- bl image pull --tls-verify=false -i p1 $REG/fx/base:oci

# --- a registry that misbehaves on purpose
mkdir -p "$T/layout" && tar -xf "$T/base.tar" -C "$T/layout"
python3 "$SRC/tests/registry/servers.py" bad "$T/layout" "$T/bad.port" >"$T/bad.log" 2>&1 &
PIDS="$PIDS $!"
i=0; while [ ! -s "$T/bad.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
BAD=127.0.0.1:$(cat "$T/bad.port")
expect 0 "an index: its linux/amd64 image" -- bl pull --tls-verify=false -i b-index $BAD/index/img:1
expect 1 "--platform linux/arm64: the index's arm64 decoy" -- bl pull --tls-verify=false --platform linux/arm64 -i b-arm $BAD/index/img:1
grep -q "^manifest sha256:0000000000000000000000000000000000000000000000000000000000000000 of /v2/index/" "$T/bad.log" \
        && ok "--platform linux/arm64 asked for the decoy's digest" || ko "the decoy was not asked for: $(cat "$T/bad.log")"
[ ! -e "$R/images/b-arm.img" ] && ok "no image from the missing decoy" || ko "an image was made for arm64"
expect 1 "--platform of no entry in the index" -- bl pull --tls-verify=false --platform linux/s390x -i b-s390 $BAD/index/img:1
has err "index/img:1: no linux/s390x image in the index (it offers linux/arm64, linux/amd64)" "the error names the reference and the platforms offered"
expect 1 "a malformed --platform" -- bl pull --tls-verify=false --platform linux -i b-bad $BAD/index/img:1
expect 0 "--platform linux/amd64 explicitly" -- bl pull --tls-verify=false --platform linux/amd64 -i b-amd $BAD/index/img:1
expect 0 "429 then 503: retried, then pulled" -- bl pull --tls-verify=false -i b-busy $BAD/busy/img:1
expect 1 "a server that keeps failing (500)" -- bl pull --tls-verify=false -i b-down $BAD/down/img:1
has err "HTTP 500" "the error says the server failed"
expect 1 "a layer without a size" -- bl pull --tls-verify=false -i b-nosize $BAD/nosize/img:1
has err "gives no size" "the error names the missing size"
expect 0 "a redirect to a blob store" -- bl pull --tls-verify=false -i b-redir $BAD/redirect/img:1
rm -rf "$R/blobs"
expect 1 "a layer that does not match its digest" -- bl pull --tls-verify=false -i b-wrong $BAD/wrongdigest/img:1
has err "does not match its digest" "the error names the digest mismatch"
[ ! -e "$R/images/b-wrong.img" ] && ok "no image from a wrong blob" || ko "an image was made from a wrong blob"
bad=""
for f in "$R"/blobs/sha256/*; do
        case $f in *.partial|*'*') continue ;; esac
        [ "$(sha256sum "$f" | cut -c1-64)" = "$(basename "$f")" ] || bad="$bad $(basename "$f")"
done
[ -z "$bad" ] && ok "every cached blob matches its name" || ko "cached blobs do not match their names:$bad"
expect 1 "a download always cut half way" -- bl pull --tls-verify=false -i b-trunc $BAD/truncalways/img:1
[ ! -e "$R/images/b-trunc.img" ] && ok "no image from a truncated download" || ko "an image was made from a truncated download"
rm -rf "$R/blobs"
expect 0 "a download cut once: resumed with a Range" -- env BALEINE_DEBUG=1 "$B" --root "$R" pull --tls-verify=false -i b-resume $BAD/trunconce/img:1
grep -q "^range [1-9][0-9]* of /v2/trunconce/" "$T/bad.log" && ok "the second request asked for the rest only (Range)" \
        || ko "no Range request reached the server: $(cat "$T/bad.log")"

# --- TLS with a CA made here, and htpasswd basic auth
mkdir -p "$T/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=blt test CA" -keyout "$T/tls/ca.key" -out "$T/tls/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$T/tls/srv.key" -out "$T/tls/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/tls/ext"
openssl x509 -req -in "$T/tls/srv.csr" -CA "$T/tls/ca.crt" -CAkey "$T/tls/ca.key" -CAcreateserial -days 2 \
        -extfile "$T/tls/ext" -out "$T/tls/srv.crt" 2>/dev/null
htpasswd -Bbn bltuser bltpass >"$T/htpasswd"
start_registry secure "  tls:
    certificate: $T/tls/srv.crt
    key: $T/tls/srv.key
auth:
  htpasswd:
    realm: blt
    path: $T/htpasswd"
SREG=127.0.0.1:$port
mkdir -p "$R/certs.d/$SREG" "$T/skcerts" && cp "$T/tls/ca.crt" "$R/certs.d/$SREG/ca.crt" && cp "$T/tls/ca.crt" "$T/skcerts/ca.crt"
skopeo copy -q --dest-cert-dir "$T/skcerts" --dest-creds bltuser:bltpass oci-archive:"$T/base.tar" docker://$SREG/fx/base:1 >/dev/null 2>"$T/err" \
        || ko "skopeo push over TLS with auth: $(cat "$T/err")"
export REGISTRY_AUTH_FILE="$T/auth.json"
expect 1 "TLS registry: no credentials" -- bl pull -i s1 $SREG/fx/base:1
has err "credentials" "the error asks for credentials"
expect 1 "a registry whose CA is unknown" -- "$B" --root "$T/root2" pull -i s1 $SREG/fx/base:1
expect 1 "login with a wrong password" -- bl login -u bltuser -p wrong $SREG
[ ! -e "$T/auth.json" ] && ok "a refused login writes nothing" || ko "a refused login wrote the auth file"
expect 0 "login" -- sh -c "echo bltpass | '$B' --root '$R' login -u bltuser --password-stdin $SREG"
[ "$(stat -c %a "$T/auth.json" 2>/dev/null)" = 600 ] && ok "the auth file is mode 0600" || ko "auth file mode $(stat -c %a "$T/auth.json" 2>&1)"
skopeo inspect --cert-dir "$T/skcerts" --authfile "$T/auth.json" docker://$SREG/fx/base:1 >/dev/null 2>"$T/err" \
        && ok "skopeo reads the credentials baleine stored" || ko "skopeo with baleine's auth file: $(cat "$T/err")"
expect 0 "pull over TLS with basic auth" -- bl pull -i s1 $SREG/fx/base:1
expect 0 "push over TLS with basic auth" -- bl push s1 $SREG/fx/back:2
PD=$(cat "$T/out")
SD=$(skopeo inspect --cert-dir "$T/skcerts" --authfile "$T/auth.json" --format '{{.Digest}}' docker://$SREG/fx/back:2 2>"$T/err")
[ -n "$PD" ] && [ "$PD" = "$SD" ] && ok "skopeo (TLS, auth) sees the pushed digest" || ko "pushed $PD, skopeo $SD $(cat "$T/err")"

# --- the done-criterion in one sequence: login, pull, run, commit, push,
# skopeo copy (TLS, auth) of the pushed tag; the file the run wrote is in a
# layer of the copy, and push's digest is the one skopeo sees.
expect 0 "done: login" -- bl login -u bltuser -p bltpass $SREG
expect 0 "done: pull the skopeo-pushed fixture" -- bl image pull -i d-base $SREG/fx/base:1
expect 0 "done: a container writes a file" -- bl container create -i d-base -c blt-reg-done -- /bin/sh -c 'echo blt-done-marker >/done.txt && echo written && exec sleep 60'
i=0; while [ $i -lt 50 ] && ! bl container logs blt-reg-done 2>/dev/null | grep -q written; do sleep 0.2; i=$((i + 1)); done
expect 0 "done: stop" -- bl container stop blt-reg-done -t 5
expect 0 "done: commit" -- bl container commit blt-reg-done d-committed
expect 0 "done: push the committed image to a new tag" -- bl image push d-committed $SREG/fx/done:1
DPD=$(tail -n 1 "$T/out")
skopeo copy -q --src-cert-dir "$T/skcerts" --authfile "$T/auth.json" docker://$SREG/fx/done:1 oci:"$T/done-oci:done" >/dev/null 2>"$T/err" \
        && ok "done: skopeo copies the pushed tag (TLS, auth)" || ko "done: skopeo copy: $(cat "$T/err")"
python3 - "$T/done-oci" >"$T/done.found" 2>&1 <<'PY'
import json, sys, tarfile, os
d = sys.argv[1]
blob = lambda dg: os.path.join(d, "blobs", *dg.split(":"))
idx = json.load(open(os.path.join(d, "index.json")))
man = json.load(open(blob(idx["manifests"][0]["digest"])))
for l in man["layers"]:
    with tarfile.open(blob(l["digest"]), "r:*") as t:
        for m in t.getmembers():
            if m.name.lstrip("./") == "done.txt" and m.isfile():
                print(t.extractfile(m).read().decode().strip())
PY
has done.found blt-done-marker "done: the committed file is in a layer of the copied image"
DSD=$(skopeo inspect --cert-dir "$T/skcerts" --authfile "$T/auth.json" --format '{{.Digest}}' docker://$SREG/fx/done:1 2>"$T/err")
[ -n "$DPD" ] && [ "$DPD" = "$DSD" ] && ok "done: push's digest is skopeo's ($DPD)" || ko "done: pushed $DPD, skopeo $DSD $(cat "$T/err")"
bl container rm --force blt-reg-done >/dev/null 2>&1
bl image rm d-committed >/dev/null 2>&1
bl image rm d-base >/dev/null 2>&1
rm -rf "$T/done-oci"
expect 0 "logout" -- bl logout $SREG
expect 1 "pull after logout" -- bl pull -i s2 $SREG/fx/base:1
unset REGISTRY_AUTH_FILE

# --- the token flow: a registry with token auth and the token server written here
mkdir -p "$T/token"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=blt token" -keyout "$T/token/key.pem" -out "$T/token/cert.pem" 2>/dev/null
python3 "$SRC/tests/registry/servers.py" token "$T/token/key.pem" "$T/token/cert.pem" "$T/token.port" tokuser tokpass >"$T/token.log" 2>&1 &
PIDS="$PIDS $!"
i=0; while [ ! -s "$T/token.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
start_registry tok "auth:
  token:
    realm: http://127.0.0.1:$(cat "$T/token.port")/token
    service: blt-registry
    issuer: blt-issuer
    rootcertbundle: $T/token/cert.pem"
TREG=127.0.0.1:$port
export REGISTRY_AUTH_FILE="$T/tauth.json"
expect 1 "token registry: wrong credentials" -- bl login --tls-verify=false -u tokuser -p nope $TREG
expect 0 "token registry: login" -- bl login --tls-verify=false -u tokuser -p tokpass $TREG
expect 0 "token flow: push" -- bl push --tls-verify=false more $TREG/fx/tok:1
expect 0 "token flow: pull" -- bl pull --tls-verify=false -i t1 $TREG/fx/tok:1
unset REGISTRY_AUTH_FILE

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
