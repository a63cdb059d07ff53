#!/bin/sh
# The public header compiles without one warning in the strictest modes a
# user's program may use: C99 pedantic, C++98 pedantic, clang -Weverything.
# A compiler that is missing fails the test (tools/lib.sh installs all three);
# BLT_HEADER_SKIP_MISSING=1 turns that into a skip for machines without one.
set -u
INC=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf '#include <baleine/baleine.h>\nint main(void) { return bl_version() == 0; }\n' >"$T/c.c"
printf '#include <baleine/baleine.h>\nint main() { return bl_version() == 0; }\n' >"$T/cxx.cc"
fail=0 missing=""
try() {
        compiler=$1 src=$2
        shift 2
        if ! command -v "$compiler" >/dev/null; then
                missing="$missing $compiler"
                return
        fi
        if "$compiler" "$@" -I"$INC" -fsyntax-only "$T/$src" >"$T/out" 2>&1; then
                echo "ok - $compiler $*"
        else
                echo "not ok - $compiler $*"
                sed 's/^/    /' "$T/out"
                fail=1
        fi
}
try gcc c.c -std=c99 -pedantic -Wall -Wextra -Werror
try gcc c.c -std=c11 -pedantic -Wall -Wextra -Werror
try g++ cxx.cc -std=c++98 -pedantic -Wall -Wextra -Werror
try clang c.c -std=c99 -Weverything -Werror
try clang c.c -std=c11 -Weverything -Werror
try clang++ cxx.cc -std=c++98 -pedantic -Wall -Wextra -Werror
if [ -n "$missing" ]; then
        echo "missing compiler:$missing (apt-get install clang g++)"
        [ "${BLT_HEADER_SKIP_MISSING:-0}" = 1 ] && [ $fail = 0 ] && exit 77
        fail=1
fi
exit $fail
