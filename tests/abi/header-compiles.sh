#!/bin/sh
# The public header compiles without one warning in the strictest modes a
# user's program may use: C99 pedantic, C++98 pedantic, clang -Weverything.
# A compiler that is absent is skipped, and said so (tools/lib.sh installs
# gcc, g++ and clang, so CI runs every mode); none at all: skip (77).
set -u
INC=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf '#include <baleine/baleine.h>\nint main(void) { return bl_version() == 0; }\n' >"$T/c.c"
printf '#include <baleine/baleine.h>\nint main() { return bl_version() == 0; }\n' >"$T/cxx.cc"
fail=0 missing="" ran=0
try() {
        compiler=$1 src=$2
        shift 2
        if ! command -v "$compiler" >/dev/null; then
                echo "skip - $compiler $*: $compiler is not installed"
                case " $missing " in *" $compiler "*) ;; *) missing="$missing $compiler" ;; esac
                return
        fi
        ran=$((ran + 1))
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
[ -n "$missing" ] && echo "not checked with:$missing (apt-get install clang g++)"
[ $ran = 0 ] && exit 77
exit $fail
