#!/bin/sh
# libbaleine.pc as an outside project meets it: `meson install --destdir` into
# a scratch tree, then a program built with `cc prog.c $(pkg-config ...)` and
# nothing else, run against the staged library.  The .pc must be relocatable
# (prefix from its own folder), so every path it gives lies inside the tree.
# Usage: pkgconfig.sh BUILD_DIR SOURCE_DIR VERSION
set -u
BUILD=$1 SRC=$2 VERSION=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "not ok - $*"; exit 1; }

meson install -C "$BUILD" --no-rebuild --destdir "$T/dest" >"$T/log" 2>&1 || fail "meson install: $(tail -n 5 "$T/log")"
pc=$(find "$T/dest" -name libbaleine.pc)
[ -n "$pc" ] || fail "no libbaleine.pc installed"
export PKG_CONFIG_PATH="${pc%/*}"
flags=$(pkg-config --cflags --libs libbaleine) || fail "pkg-config --cflags --libs libbaleine"
echo "pkg-config: $flags"
for f in $flags; do
        case $f in
        -I/usr/include/*) ;;   # a dependency's, from the system
        -I*|-L*) case $(readlink -f "${f#-?}") in "$T"/dest/*) ;; *) fail "$f lies outside the staged tree (not relocatable)" ;; esac ;;
        esac
done
# the private part: what a static link needs (libarchive and libcrypto are dlopen'ed)
for r in libnl-3.0 libnl-route-3.0 mount blkid json-c libseccomp; do
        pkg-config --print-requires-private libbaleine | grep -qx "$r" || fail "Requires.private lacks $r"
done
pkg-config --static --libs libbaleine | grep -q -- "-ldl" || fail "Libs.private lacks -ldl"
[ "$(pkg-config --modversion libbaleine)" = "$VERSION" ] || fail "pkg-config --modversion: $(pkg-config --modversion libbaleine), not $VERSION"

# shellcheck disable=SC2086
cc "$SRC/tests/abi/version.c" $flags -o "$T/version" 2>"$T/err" || fail "cc version.c \$(pkg-config ...): $(cat "$T/err")"
# shellcheck disable=SC2086
cc "$SRC/examples/hello.c" $flags -o "$T/hello" 2>"$T/err" || fail "cc examples/hello.c \$(pkg-config ...): $(cat "$T/err")"
libdir=$(pkg-config --variable=libdir libbaleine)
LD_LIBRARY_PATH=$libdir "$T/version" "$VERSION" || fail "the program did not run against the staged libbaleine $VERSION"
LD_LIBRARY_PATH=$libdir ldd "$T/version" | grep -q "libbaleine.so.1 => $(readlink -f "$libdir")/" || fail "the program did not load the staged libbaleine.so.1"
echo "ok - installed, built with pkg-config alone, ran bl_version() = $VERSION"
