# Shared by tools/demo and tools/test: what a fresh Debian or Ubuntu needs.
# shellcheck shell=sh

PACKAGES="meson ninja-build pkg-config gcc libc6-dev libnl-3-dev libnl-route-3-dev libmount-dev
libblkid-dev check busybox-static libarchive-dev libjson-c-dev libseccomp-dev libssl-dev e2fsprogs
iproute2 haproxy procps util-linux wget debootstrap valgrind musl-tools
clang g++ abigail-tools libcurl4-openssl-dev openssl python3"
# the registry suite's servers and tools: on the host only (the VM does not
# run that suite, and skopeo's dependencies do not configure inside a
# debootstrap --include)
HOST_PACKAGES="docker-registry skopeo apache2-utils"  # install_deps registry

need_root() {
        if [ "$(id -u)" != 0 ]; then
                echo "$0: run as root (sudo $0): containers need loop devices, namespaces and cgroups" >&2
                exit 1
        fi
}

install_deps() {
        missing=""
        # "registry": also the registry suite's servers (tools/test); the demo
        # and the VM (no network there) need only PACKAGES
        extra=""
        [ "${1:-}" = registry ] && extra=$HOST_PACKAGES
        for p in $PACKAGES $extra; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
        done
        [ -z "$missing" ] && return 0
        echo "installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # packages that ship a service (docker-registry: the tests start
        # their own on loopback) are installed without starting it
        policy=""
        if [ ! -e /usr/sbin/policy-rc.d ]; then
                printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=1
        fi
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >/dev/null || { [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d; return 1; }
        [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
}

# build DIR [meson options...]
build() {
        dir=$1
        shift
        if [ ! -f "$dir/build.ninja" ]; then
                meson setup "$dir" "$@" >/dev/null
        elif [ $# -gt 0 ]; then
                meson configure "$dir" "$@" >/dev/null
        fi
        ninja -C "$dir" >/dev/null
}
