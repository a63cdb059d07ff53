#!/bin/sh
# The cli suite: the built baleine as a user runs it.  Exit codes, one-line
# errors, state unchanged after bad input, JSON, cron, the web farm in a
# private network namespace, and an outside program built with pkg-config.
# usage: cli_test.sh BALEINE SOURCE_DIR BUILD_DIR
set -u
B=$1
SRC=$2
BUILD=$3
T=$(mktemp -d /tmp/blt-cli.XXXXXX)
R=$T/root
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
ko() { fail=$((fail + 1)); echo "FAIL - $1"; }
bl() { "$B" --root "$R" "$@"; }

# expect CODE DESCRIPTION -- command...: exit status and, for errors, one line on stderr
expect() {
        code=$1; what=$2; shift 3
        "$@" >"$T/out" 2>"$T/err"
        got=$?
        if [ "$got" != "$code" ]; then
                ko "$what (exit $got, wanted $code): $(head -c 300 "$T/err")"
                return
        fi
        if [ "$code" = 1 ] && { [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q '^baleine: ' "$T/err"; }; then
                ko "$what: error is not one 'baleine: ' line: $(cat "$T/err")"
                return
        fi
        ok "$what"
}
has() { if grep -q -- "$2" "$T/$1"; then ok "$3"; else ko "$3: no '$2' in $1: $(head -c 400 "$T/$1")"; fi; }
state_is() {
        (cd "$R" && find manifeste images containers bridges -type f 2>/dev/null | sort) >"$T/state.now"
        if cmp -s "$T/state.now" "$T/state.$1"; then ok "$2"; else ko "$2: state changed"; fi
}
snap() { (cd "$R" && find manifeste images containers bridges -type f 2>/dev/null | sort) >"$T/state.$1"; }

cleanup() {
        for c in $(bl container list --all --json 2>/dev/null | sed -n 's/.*"name": "\(.*\)".*/\1/p'); do
                bl container remove --force "$c" >/dev/null 2>&1
        done
        for b in $(bl bridge list --json 2>/dev/null | sed -n 's/.*"name": "\(.*\)".*/\1/p'); do
                bl bridge remove --force "$b" >/dev/null 2>&1
        done
        rm -rf "$T"
}
trap cleanup EXIT

# --- global
expect 0 "version" -- "$B" --version
has out "baleine " "version printed"
expect 0 "help" -- "$B" help
expect 0 "help container" -- "$B" help container
has out "container create" "help names the verbs"
expect 2 "no command" -- "$B"
expect 2 "unknown noun" -- "$B" frobnicate
expect 2 "relative root" -- "$B" --root rel image list
expect 0 "image create --help" -- bl image create --help
expect 2 "container without verb" -- bl container
expect 2 "container bad verb" -- bl container explode

# --- images
expect 2 "image create without name" -- bl image create
expect 2 "image create bad size" -- bl image create -i x -s 12Q
expect 2 "image create two sources" -- bl image create -i x --from /tmp --empty
expect 1 "image bad name" -- bl image create -i 'a/b'
has err 'image name\|image "a/b"' "bad name message names the image"
expect 0 "image create" -- bl image create -i base
snap base
expect 1 "image duplicate" -- bl image create -i base
has err 'image "base": already exists' "duplicate message"
state_is base "duplicate image changes nothing"
expect 1 "image too small" -- bl image create -i small -s 5M --copy /usr/lib:/big
has err 'does not fit' "too small names the need"
state_is base "failed image leaves nothing behind"
expect 0 "image list" -- bl image list
has out "^base " "image listed"
expect 0 "image list --json" -- bl image list --json
has out '"name": "base"' "json image list"
expect 1 "remove missing image" -- bl image remove nope
has err 'image "nope": no such image' "missing image message"
mkdir -p "$T/dir/etc" && echo from-dir >"$T/dir/etc/motd"
expect 0 "image from directory" -- bl image create -i fromdir --from "$T/dir"
expect 0 "image remove" -- bl image remove fromdir
mkdir -p "$T/tarsrc/bin" && cp /bin/busybox "$T/tarsrc/bin/" && ln -s busybox "$T/tarsrc/bin/sh" && ln -s busybox "$T/tarsrc/bin/cat" \
        && echo from-tar >"$T/tarsrc/hello" && tar -C "$T/tarsrc" -czf "$T/src.tar.gz" .
expect 0 "image from a tarball" -- bl image create -i fromtar --tar "$T/src.tar.gz"
expect 0 "a tarball image runs" -- bl container create -i fromtar -c tarc --attach --rm -p cat /hello
has out "^from-tar" "tarball content inside"
expect 0 "image remove tarball" -- bl image remove fromtar

# debootstrap needs a mirror: skipped, with the reason, when none answers
mirror=$(sed -n 's/^URIs: *//p; s/^deb \(http[^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1)
suite=$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-bookworm}")
if ! command -v debootstrap >/dev/null; then
        echo "skip - debootstrap image: debootstrap is not installed"
elif ! timeout 10 wget -q --spider "${mirror:-http://deb.debian.org/debian}/dists/$suite/Release" 2>/dev/null; then
        echo "skip - debootstrap image: mirror ${mirror:-http://deb.debian.org/debian} does not answer for $suite"
else
        expect 0 "image from debootstrap ($suite)" -- bl image create -i deb --debootstrap "$suite"
        expect 0 "a debootstrap image runs" -- bl container create -i deb -c debc --attach --rm -p cat /etc/os-release
        has out "VERSION_CODENAME=$suite" "debootstrap image is $suite"
        expect 0 "remove debootstrap image" -- bl image remove deb
fi

# --- containers
expect 1 "unknown image" -- bl container create -i nope -c c1 -p true
has err 'image "nope": no such image' "unknown image message"
expect 2 "create without name" -- bl container create -i base
expect 2 "bad memory" -- bl container create -i base -c c1 --memory lots
expect 2 "bad cpus" -- bl container create -i base -c c1 --cpus 0-x
expect 2 "bad env" -- bl container create -i base -c c1 -e NOEQUALS
state_is base "refused creates change nothing"
expect 1 "cpu that does not exist" -- bl container create -i base -c c1 --cpus 1000
state_is base "missing cpu changes nothing"
expect 42 "attach returns the program's status" -- bl container create -i base -c att --attach -p /bin/sh -c 'echo out; exit 42'
has out "^out" "attach streams the output"
expect 127 "attach with a missing program" -- bl container create -i base -c miss --attach -p /nope
has err 'program "/nope": not found' "missing program named"
expect 0 "detached create" -- bl container create -i base -c d1 -e GREETING=hi -w /tmp -p /bin/sh -c 'echo "$GREETING from $(pwd)"; exec sleep 1000'
sleep 0.3
if command -v script >/dev/null; then
        script -qc "stty cols 91 rows 27; '$B' --root '$R' container create -i base -c ttyc -t --rm -p /bin/sh -c 'stty size; test -t 0 && echo ON-A-TTY; exit 5'; echo rc=\$?" /dev/null >"$T/out" 2>&1
        has out "27 91" "-t gives the program the caller's terminal size"
        has out "ON-A-TTY" "-t gives the program a terminal"
        has out "rc=5" "-t returns the program's status"
        bl container create -i base -c ttyx -p sleep 100 >/dev/null 2>&1
        script -qc "'$B' --root '$R' container exec -t ttyx -- /bin/sh -c 'tty; exit 6'; echo rc=\$?" /dev/null >"$T/out" 2>&1
        has out "/dev/pts/0" "exec -t: a terminal of the container's own devpts"
        has out "rc=6" "exec -t returns the command's status"
        bl container remove --force ttyx >/dev/null 2>&1
else
        echo "skip - terminal tests: script(1) is missing"
fi
expect 0 "list" -- bl container list
has out "^d1 .*running" "running container listed"
expect 0 "list --all --json" -- bl container list --all --json
has out '"exit_code": 42,' "exit status in the listing, a number"
expect 0 "logs" -- bl container logs d1
has out "hi from /tmp" "env and workdir applied, output logged"
expect 3 "exec returns the command's status" -- bl container exec d1 -- /bin/sh -c 'hostname; exit 3'
has out "^d1$" "exec runs in the container's uts namespace"
expect 127 "exec missing program" -- bl container exec d1 -- /nope
expect 1 "remove running without force" -- bl container remove d1
has err 'is running' "remove refusal says why"
expect 0 "stop" -- bl container stop -t 2 d1
expect 1 "stop a stopped container" -- bl container stop d1
expect 125 "exec into a stopped container" -- bl container exec d1 -- true
expect 0 "start again" -- bl container start d1
expect 0 "restart" -- bl container restart -t 1 d1
expect 0 "inspect --json" -- bl container inspect --json d1
has out '"state": "running"' "restarted container runs"
expect 0 "logs --tail 1" -- bl container logs --tail 1 d1
if [ "$(wc -l <"$T/out")" = 1 ]; then ok "tail gives one line"; else ko "tail gives $(wc -l <"$T/out") lines"; fi
expect 0 "stats" -- bl container stats d1
has out "^d1 " "stats row"
expect 0 "update memory" -- bl container update d1 --memory 48M
expect 0 "inspect after update" -- bl container inspect d1
has out "^memory: 50331648" "update recorded"
# --json typed: numbers as numbers, arrays as arrays, nested limits and networks
expect 0 "inspect --json, typed" -- bl container inspect --json d1
has out '"pid": [0-9][0-9]*,' "pid is a number"
has out '"memory": 50331648' "memory limit is a number"
has out '"limits": {' "limits are a nested object"
has out '"networks": \[' "networks are an array"
has out '"cmd": \[' "the command is an array"
has out '"created": [0-9][0-9]*,' "creation time is a number"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d["limits"]["memory"], int) and d["state"] == "running" and d["exit_code"] is None' "$T/out" 2>"$T/err"; then
        ok "inspect --json parses with the types a program expects"
else
        ko "inspect --json types: $(cat "$T/err")"
fi
expect 0 "image list --json, typed" -- bl image list --json
has out '"size": [0-9][0-9]*,' "image size is a number"
# kill, wait, pause, unpause
expect 0 "pause" -- bl container pause d1
expect 0 "list shows paused" -- bl container list
has out "^d1 .*paused" "a paused container is listed as paused"
expect 1 "pause twice" -- bl container pause d1
has err 'already paused' "pause twice says why"
expect 0 "unpause" -- bl container unpause d1
expect 1 "unpause a running container" -- bl container unpause d1
expect 2 "kill with an unknown signal" -- bl container kill -s FLY d1
expect 1 "kill with a signal the init does not forward" -- bl container kill -s STOP d1
expect 0 "kill -s TERM" -- bl container kill -s TERM d1
expect 143 "wait returns the exit code" -- bl container wait d1
has out "^143$" "wait prints the exit code"
expect 1 "kill a stopped container" -- bl container kill d1
has err 'is not running' "kill of a stopped container says why"
expect 143 "wait on an exited container answers at once" -- bl container wait d1
bl container start d1 >/dev/null 2>&1
expect 125 "wait with a timeout" -- bl container wait -t 1 d1
has err 'still running after 1000 ms' "wait timeout message"
expect 0 "pause before stop" -- bl container pause d1
expect 0 "stop a paused container" -- bl container stop -t 2 d1
expect 0 "remove --force" -- bl container remove --force d1
# an OOM kill, told from the cgroup's counters (memory.events on v2), in list and inspect
expect 137 "a container past its memory limit is killed" -- bl container create -i base -c oom --memory 16M --attach \
        -p /bin/sh -c 'x=$(head -c 64000000 /dev/zero | tr "\0" a); echo survived'
expect 0 "list --all after an OOM kill" -- bl container list --all
has out "^oom .*exited(137,oom)" "list reports the OOM kill"
expect 0 "inspect after an OOM kill" -- bl container inspect oom
has out "^oom_killed: yes" "inspect reports the OOM kill"
bl container remove --force oom >/dev/null 2>&1
if [ -e "$R/containers/d1" ]; then ko "remove leaves no copy"; else ok "remove leaves no copy"; fi

# --- export, import, commit
expect 0 "container commit" -- bl container commit att committed
expect 0 "image export docker" -- bl image export committed "$T/exp.tar" --tag blt/exp:1
expect 0 "image export oci" -- bl image export committed "$T/exp-oci.tar" --format oci
expect 2 "image export bad format" -- bl image export committed "$T/x.tar" --format zip
expect 0 "image import docker" -- bl image import -i back "$T/exp.tar"
expect 0 "image import oci" -- bl image import -i back-oci "$T/exp-oci.tar"
expect 0 "imported image inspect" -- bl image inspect back
has out '^tag: blt/exp:1' "imported tag recorded"
expect 1 "import of garbage" -- bl image import -i junk /etc/hostname
expect 1 "import of a missing file" -- bl image import -i junk "$T/nothing.tar"
expect 42 "imported image runs the committed command" -- bl container create -i back -c fromback --attach

# --- bridges (no kernel object is made by refused input)
expect 1 "bridge bad address" -- bl bridge create -b bltbx -a 10.300.0.1/24
expect 1 "bridge name too long" -- bl bridge create -b bltbridgewaytoolong -a 10.214.0.1/24
has err 'longer than 15' "long name message"
expect 1 "bridge network address" -- bl bridge create -b bltbx -a 10.214.0.0/24
expect 2 "bridge create without address" -- bl bridge create -b bltbx
expect 1 "container on unknown bridge" -- bl container create -i base -c n1 -b nosuch -p true
has err 'no such bridge "nosuch"' "unknown bridge message"
expect 0 "bridge list" -- bl bridge list
expect 0 "bridge list --json" -- bl bridge list --json
if grep -q '"containers": "' "$T/out"; then ko "bridge containers count is a string"; else ok "bridge list --json: no count as text"; fi

# --- validation before anything is made
snap valid
expect 2 "hostname with a space" -- bl container create -i base -c v1 --hostname 'bad host!' -p true
expect 2 "user with two colons" -- bl container create -i base -c v1 -u bad:user:x -p true
expect 2 "repeated cpus" -- bl container create -i base -c v1 --cpus 0,0,0 -p true
expect 1 "cpu quota above the host's CPUs" -- bl container create -i base -c v1 --cpu-quota 1000 -p true
expect 2 "memory below the floor" -- bl container create -i base -c v1 --memory 1k -p true
has err 'below the 6M' "memory floor message from the library"
expect 2 "unknown capability" -- bl container create -i base -c v1 --cap-add FLY -p true
has err 'capability "FLY"' "capability message from the library"
state_is valid "bad options leave the state as it was"
# a manifest without an image (written by hand, or by an older version)
printf 'name: noimage\nstate: exited\npid: 0\n' >"$R/manifeste/containers/noimage.manifest"
expect 0 "list with a manifest without image" -- bl container list --all
if grep -q '(null)' "$T/out"; then ko "list prints (null)"; else ok "list shows no (null)"; fi
rm -f "$R/manifeste/containers/noimage.manifest"

# --- check and cron
expect 0 "check" -- bl check
expect 0 "check --dry-run --json" -- bl check --dry-run --json
mkdir -p "$T/cron.d"
export BALEINE_CRON_DIR="$T/cron.d"
expect 0 "cron install" -- bl cron install --every 2
expect 0 "cron install again" -- bl cron install --every 2
expect 0 "cron status" -- bl cron status
CF=$(sed -n 's/^file: //p' "$T/out")
if [ "$(grep -c 'baleine check' "$CF" 2>/dev/null)" = 1 ]; then ok "cron install is idempotent"; else ko "cron entries in $CF: $(cat "$CF")"; fi
has_entry=$(grep 'baleine check' "$CF" | awk '{$1=$2=$3=$4=$5=$6=""; print}' | sed 's/ >.*//')
if sh -c "$has_entry" >/dev/null 2>&1; then ok "the cron entry's command runs by hand"; else ko "cron command failed: $has_entry"; fi
expect 0 "cron status" -- bl cron status
has out "last check: " "cron status shows the last check"
has out "^entry: .*--root $R check" "cron status shows this root's entry"
# a second state root gets a file of its own; removing one leaves the other
expect 0 "cron install, second root" -- "$B" --root "$T/root2" cron install
if [ "$(ls "$T/cron.d" | grep -c '^baleine-')" = 2 ]; then ok "one cron.d file per state root"; else ko "cron.d: $(ls "$T/cron.d")"; fi
expect 0 "cron remove" -- bl cron remove
if [ -e "$CF" ]; then ko "cron remove"; else ok "cron remove deletes the entry"; fi
if [ "$(ls "$T/cron.d" | grep -c '^baleine-')" = 1 ]; then ok "cron remove leaves the other root's entry"; else ko "cron.d: $(ls "$T/cron.d")"; fi
"$B" --root "$T/root2" cron remove
expect 2 "cron bad every" -- bl cron install --every 0
# without a cron.d: root's crontab (a stand-in crontab command here), with
# no user field, one entry per root, shown by status
mkdir -p "$T/fakebin"
printf '#!/bin/sh\ncase "$1" in -l) [ -f "%s" ] || { echo "no crontab for root" >&2; exit 1; }; cat "%s" ;; -) cat >"%s" ;; esac\n' \
        "$T/crontab" "$T/crontab" "$T/crontab" >"$T/fakebin/crontab"
chmod +x "$T/fakebin/crontab"
export BALEINE_CRON_DIR="$T/no-cron.d"
OLDPATH=$PATH
PATH="$T/fakebin:$PATH"
expect 0 "cron install in crontab mode" -- bl cron install
expect 0 "cron install, second root, crontab mode" -- "$B" --root "$T/root2" cron install
if [ "$(grep -c 'baleine check' "$T/crontab")" = 2 ]; then ok "crontab: one entry per root"; else ko "crontab: $(cat "$T/crontab")"; fi
if grep 'baleine check' "$T/crontab" | awk '{print $6}' | grep -qx root; then ko "crontab entry has a user field: $(cat "$T/crontab")"; else ok "crontab entry has no user field"; fi
expect 0 "cron status in crontab mode" -- bl cron status
has out "^entry: .*--root $R check" "cron status finds the crontab entry"
expect 0 "cron remove in crontab mode" -- bl cron remove
if [ "$(grep -c 'baleine check' "$T/crontab")" = 1 ] && grep -q "root2 check" "$T/crontab"; then ok "crontab remove leaves the other root's entry"; else ko "crontab: $(cat "$T/crontab")"; fi
PATH=$OLDPATH
unset BALEINE_CRON_DIR

# --- the web farm, in a private network namespace
if command -v haproxy >/dev/null && command -v unshare >/dev/null; then
        unshare -n sh -c "ip link set lo up && '$SRC/examples/webfarm/webfarm.sh' --baleine '$B' --root '$R' -n 3 --requests 6" \
                >"$T/farm" 2>&1
        if [ $? = 0 ]; then ok "web farm runs"; else ko "web farm: $(tail -5 "$T/farm")"; fi
        before=$(sed -n '/requests through the proxy/,/stopping/p' "$T/farm")
        after=$(sed -n '/stopping farm-web2/,$p' "$T/farm")
        n=0
        for i in 1 2 3; do echo "$before" | grep -q "hello from farm-web$i" && n=$((n + 1)); done
        if [ $n = 3 ]; then ok "every backend answers through the proxy"; else ko "backends seen: $n: $before"; fi
        if echo "$after" | grep -q "hello from farm-web2"; then ko "stopped backend still served"; \
        elif echo "$after" | grep -q "hello from farm-web1"; then ok "the proxy routes around a stopped backend"; \
        else ko "no answers after the stop: $after"; fi
else
        echo "skip - web farm: haproxy or unshare missing"
fi

# --- the README's complete program (examples/capture.c, built by meson)
BALEINE_ROOT=$T/capture-root "$BUILD/examples/capture" >"$T/out" 2>"$T/err"
if [ $? = 3 ]; then ok "capture example returns the container's exit code"; else ko "capture example: $(cat "$T/err")"; fi
has out "^captured from capture$" "capture example captures stdout"
has out "^to stderr$" "capture example captures stderr"
has out "^state exited, exit code 3, memory limit 33554432 bytes$" "capture example reads the typed info"
if [ -n "$(find "$T/capture-root/containers" "$T/capture-root/images" "$T/capture-root/manifeste" -mindepth 1 -type f 2>&1)" ]; then ko "capture example leaves files"; else ok "capture example removes what it made"; fi

# --- an outside program: pkg-config alone, after meson install
if meson install -C "$BUILD" --destdir "$T/dest" >/dev/null 2>&1; then
        pcdir=$(dirname "$(find "$T/dest" -name libbaleine.pc | head -1)")
        libdir=$(dirname "$(find "$T/dest" -name 'libbaleine.so.1' | head -1)")
        # the .pc is relocatable (prefix from its own folder): no sysroot needed
        if cc "$SRC/examples/hello.c" $(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs libbaleine) \
                -o "$T/hello" 2>"$T/err"; then
                ok "outside program builds with pkg-config"
                # staged, not installed: the library finds its init where a test build is told
                init=$(find "$T/dest" -name baleine-init | head -1)
                if BALEINE_ROOT=$T/hello-root BALEINE_INIT=$init LD_LIBRARY_PATH=$libdir "$T/hello" >"$T/out" 2>&1; then
                        has out "hello from hello in a container" "outside program runs a container"
                else
                        ko "hello: $(cat "$T/out")"
                fi
                # without that hint and outside the build tree: an error naming
                # the installed path, never an init found beside the program
                cp "$init" "$T/baleine-init" # beside the program: must not be taken
                if [ -e /usr/local/libexec/baleine-init ]; then
                        echo "skip - missing init: an installed baleine-init exists on this host"
                elif env -u BALEINE_INIT BALEINE_ROOT=$T/hello-root2 LD_LIBRARY_PATH=$libdir "$T/hello" >"$T/out" 2>&1; then
                        ko "an outside program without an installed init ran a container: $(cat "$T/out")"
                else
                        has out "baleine-init not found at /usr/local/libexec/baleine-init" "a missing init is an error naming where it belongs"
                fi
        else
                ko "outside program build: $(cat "$T/err")"
        fi
        others=$(nm -D --defined-only "$libdir/libbaleine.so.1" | awk '$2 == "T" && $3 !~ /^bl_/' | wc -l)
        if [ "$others" = 0 ]; then ok "only bl_* symbols exported"; else ko "$others non-bl_ symbols exported"; fi
        if readelf -d "$libdir/libbaleine.so.1" | grep -q 'SONAME.*libbaleine.so.1'; then ok "SONAME libbaleine.so.1"; else ko "SONAME"; fi
else
        ko "meson install --destdir"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
