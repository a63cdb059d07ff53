/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bridges, veth pairs, addresses and routes through libnl-route-3.  libnl's
 * -NLE_* codes are mapped to errno here and never leave this folder. */
#pragma once

#include <sys/types.h>

#include "core/core.h"

#define IFNAMSIZ_ 16

struct net_if {
        char ifname[IFNAMSIZ_];         /* inside: eth0, eth1… */
        uint32_t addr;
        int prefix;
        uint32_t gateway;               /* 0: no default route through it */
        int mtu;
};

/* Creates (or completes) bridge `name` with the host address addr/prefix, up. */
int net_bridge_ensure(bl_ctx *ctx, const char *name, uint32_t addr, int prefix);
int net_bridge_delete(bl_ctx *ctx, const char *name);
int net_link_set_up(bl_ctx *ctx, const char *name, bool up);
/* 1 if the link exists (up in *ret_up, MTU in *ret_mtu), 0 if not. */
int net_link_query(bl_ctx *ctx, const char *name, bool *ret_up, int *ret_mtu, bool *ret_is_bridge);
int net_link_delete(bl_ctx *ctx, const char *name);
/* Makes `bridge` the master of link `name` when it is not; *ret_changed
 * tells whether it had to (a bridge deleted and made again by hand). */
int net_link_attach(bl_ctx *ctx, const char *name, const char *bridge, bool *ret_changed);
/* The host end `host_name` joins `bridge`; the peer is created as
 * `peer_name` directly in the network namespace of `pid`. */
int net_veth_create(bl_ctx *ctx, const char *host_name, const char *peer_name, pid_t pid, const char *bridge, int mtu);
/* "vb" + hash of the container name and index: at most 15 bytes; `salt`
 * changes it on a collision. */
void net_host_ifname(const char *scope, const char *container, int index, unsigned salt, char buf[IFNAMSIZ_]);

/* In the container's network namespace: lo up, addresses, default route.
 * Runs in the container's first process, before pivot_root. */
int net_configure_inside(const struct net_if *ifs, size_t n, char *err, size_t errlen);

/* alloc.c: the first address of the subnet that is neither the network,
 * the broadcast, the bridge's own nor in `used`. -ENOSPC when full. */
int net_alloc_addr(uint32_t bridge_addr, int prefix, const uint32_t *used, size_t nused, uint32_t *ret);
bool net_in_subnet(uint32_t addr, uint32_t net_addr, int prefix);
bool net_subnets_overlap(uint32_t a, int pa, uint32_t b, int pb);
