#!/bin/sh
# Runs inside the VM (tools/vm/guest/run-job calls it from a copy of the
# source): builds the project and runs the suites named on the kernel command
# line (baleine.suites=unit,integration,cli,demo).  Writes OUT/summary,
# OUT/<suite>.log and prints "vm-job:" progress lines on the serial console.
# Exit status: 0 when every suite passed.
set -u
out=$1
suites=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^baleine\.suites=//p' | tr , ' ')
suites=${suites:-unit integration cli demo}
say() { echo "vm-job: $*" | tee -a "$out/summary"; }
t() { cut -d. -f1 /proc/uptime; }

say "guest $(uname -r), init $(cat /proc/1/comm), /sys/fs/cgroup is $(stat -f -c %T /sys/fs/cgroup), $(nproc) CPUs, up $(t) s"
say "controllers: $(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null || echo 'none (v1)'); job in $(cat /proc/self/cgroup | tr '\n' ' ')"
# swap, as most hosts have: a container's memory limit must hold without it
# (memory.swap.max 0), which the OOM test can then tell by behaviour
if fallocate -l 1G /swapfile && chmod 600 /swapfile && mkswap -q /swapfile && swapon /swapfile; then
        say "swap: $(awk 'NR > 1 {print $1, $3 " KiB"}' /proc/swaps)"
else
        say "swap: cannot enable a swap file"
fi
status=0
t0=$(t)
say "build: meson setup and ninja"
if meson setup build -Dwerror=true -Dtest_knobs=true >"$out/build.log" 2>&1 && ninja -C build >>"$out/build.log" 2>&1; then
        say "build: ok in $(($(t) - t0)) s"
else
        say "build: FAILED in $(($(t) - t0)) s"
        tail -n 30 "$out/build.log"
        exit 1
fi

for s in $suites; do
        t0=$(t)
        case $s in
        demo)
                # the web farm as the README shows it, bounded
                if timeout 900 tools/demo >"$out/demo.log" 2>&1; then r="ok"; else r="FAILED"; status=1; fi
                say "demo: $r in $(($(t) - t0)) s"
                [ "$r" = ok ] || tail -n 30 "$out/demo.log"
                continue
                ;;
        esac
        # TCG runs several times slower than a real CPU: stretch the timeouts;
        # each test's result line goes to the console as it ends
        { meson test -C build --suite "$s" --print-errorlogs -t 4; echo $? >"$out/$s.rc"; } 2>&1 | tee "$out/$s.log" |
                grep --line-buffered -E '^ *[0-9]+/[0-9]+ ' | sed -u 's/^ */vm-job:   /'
        [ "$(cat "$out/$s.rc")" = 0 ] || status=1
        cp build/meson-logs/testlog.txt "$out/$s.testlog" 2>/dev/null
        counts=$(grep -E '^(Ok|Fail|Timeout): ' "$out/$s.log" | tr -s ' ' | tr '\n' ' ')
        # the checks inside the tests: check's "Checks: N, Failures: F, Errors: E"
        # lines, the cli's "ok -"/"FAIL -" lines
        checks=$(awk '/Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/ { gsub(/[,%]/, ""); for (i = 1; i <= NF; i++) { if ($i == "Checks:") n += $(i + 1); if ($i == "Failures:" || $i == "Errors:") f += $(i + 1) } }
                /^ok - / { n++ } /^FAIL - / { n++; f++ }
                END { if (n) printf "%d checks, %d failed", n, f }' "$out/$s.testlog" 2>/dev/null)
        say "$s: ${counts:-no result}${checks:+($checks) }in $(($(t) - t0)) s"
        # the failing checks by name (check's "file:line:F:tcase:test" and the cli's "FAIL" lines)
        grep -E ':[EF]:|^not ok|FAIL' "$out/$s.log" | head -n 40 | sed 's/^/vm-job:   /'
done
say "done in $(t) s of uptime, status $status"
exit $status
