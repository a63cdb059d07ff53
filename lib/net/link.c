/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "net.h"

static inline void sockp(struct nl_sock **s) { if (*s) nl_socket_free(*s); }
static inline void linkp(struct rtnl_link **l) { if (*l) rtnl_link_put(*l); }
static inline void addrp(struct rtnl_addr **a) { if (*a) rtnl_addr_put(*a); }
static inline void nladdrp(struct nl_addr **a) { if (*a) nl_addr_put(*a); }
static inline void routep(struct rtnl_route **r) { if (*r) rtnl_route_put(*r); }
#define _cleanup_sock_ _cleanup_(sockp)
#define _cleanup_link_ _cleanup_(linkp)
#define _cleanup_addr_ _cleanup_(addrp)
#define _cleanup_nladdr_ _cleanup_(nladdrp)
#define _cleanup_route_ _cleanup_(routep)

/* libnl's codes, as errno */
static int nl_to_errno(int nle)
{
        switch (nle < 0 ? -nle : nle) {
        case 0: return 0;
        case NLE_EXIST: return -EEXIST;
        case NLE_OBJ_NOTFOUND: case NLE_NODEV: return -ENODEV;
        case NLE_NOMEM: return -ENOMEM;
        case NLE_PERM: return -EPERM;
        case NLE_BUSY: return -EBUSY;
        case NLE_INVAL: case NLE_RANGE: return -EINVAL;
        case NLE_NOADDR: return -EADDRNOTAVAIL;
        case NLE_OPNOTSUPP: return -EOPNOTSUPP;
        case NLE_AGAIN: return -EAGAIN;
        default: return -EIO;
        }
}

static int open_sock(struct nl_sock **ret)
{
        struct nl_sock *s = nl_socket_alloc();
        if (!s)
                return -ENOMEM;
        int r = nl_connect(s, NETLINK_ROUTE);
        if (r < 0) {
                nl_socket_free(s);
                return nl_to_errno(r);
        }
        *ret = s;
        return 0;
}

static struct nl_addr *make_addr(uint32_t a, int prefix)
{
        uint32_t be = htonl(a);
        struct nl_addr *n = nl_addr_build(AF_INET, &be, 4);
        if (n)
                nl_addr_set_prefixlen(n, prefix);
        return n;
}

static int add_address(struct nl_sock *s, int ifindex, uint32_t a, int prefix)
{
        _cleanup_addr_ struct rtnl_addr *ra = rtnl_addr_alloc();
        _cleanup_nladdr_ struct nl_addr *local = make_addr(a, prefix);
        if (!ra || !local)
                return -ENOMEM;
        rtnl_addr_set_ifindex(ra, ifindex);
        rtnl_addr_set_local(ra, local);
        int r = rtnl_addr_add(s, ra, 0);
        return r == -NLE_EXIST ? 0 : nl_to_errno(r);
}

static int set_up(struct nl_sock *s, struct rtnl_link *l, bool up, int mtu)
{
        _cleanup_link_ struct rtnl_link *change = rtnl_link_alloc();
        if (!change)
                return -ENOMEM;
        if (up)
                rtnl_link_set_flags(change, IFF_UP);
        else
                rtnl_link_unset_flags(change, IFF_UP);
        if (mtu > 0)
                rtnl_link_set_mtu(change, (unsigned) mtu);
        return nl_to_errno(rtnl_link_change(s, l, change, 0));
}

static int get_link(struct nl_sock *s, const char *name, struct rtnl_link **ret)
{
        return nl_to_errno(rtnl_link_get_kernel(s, 0, name, ret));
}

int net_link_query(bl_ctx *ctx, const char *name, bool *ret_up, int *ret_mtu, bool *ret_is_bridge)
{
        _cleanup_sock_ struct nl_sock *s = NULL;
        _cleanup_link_ struct rtnl_link *l = NULL;
        int r = open_sock(&s);
        if (r < 0)
                return ctx_fail(ctx, r, "netlink: %s", strerror(-r));
        r = get_link(s, name, &l);
        if (r == -ENODEV)
                return 0;
        if (r < 0)
                return ctx_fail(ctx, r, "link \"%s\": %s", name, strerror(-r));
        if (ret_up)
                *ret_up = rtnl_link_get_flags(l) & IFF_UP;
        if (ret_mtu)
                *ret_mtu = (int) rtnl_link_get_mtu(l);
        if (ret_is_bridge) {
                const char *t = rtnl_link_get_type(l);
                *ret_is_bridge = t && strcmp(t, "bridge") == 0;
        }
        return 1;
}

int net_bridge_ensure(bl_ctx *ctx, const char *name, uint32_t addr, int prefix)
{
        _cleanup_sock_ struct nl_sock *s = NULL;
        _cleanup_link_ struct rtnl_link *l = NULL;
        int r = open_sock(&s);
        if (r < 0)
                return ctx_fail(ctx, r, "bridge \"%s\": netlink: %s", name, strerror(-r));
        r = get_link(s, name, &l);
        if (r == -ENODEV) {
                _cleanup_link_ struct rtnl_link *nb = rtnl_link_alloc();
                if (!nb)
                        return -ENOMEM;
                rtnl_link_set_name(nb, name);
                if ((r = rtnl_link_set_type(nb, "bridge")) < 0 ||
                    (r = rtnl_link_add(s, nb, NLM_F_CREATE | NLM_F_EXCL)) < 0)
                        return ctx_fail(ctx, nl_to_errno(r), "bridge \"%s\": cannot create: %s", name, nl_geterror(r));
                r = get_link(s, name, &l);
        } else if (r == 0) {
                const char *t = rtnl_link_get_type(l);
                if (!t || strcmp(t, "bridge") != 0)
                        return ctx_fail(ctx, EEXIST, "bridge \"%s\": a link of that name exists and is not a bridge", name);
        }
        if (r < 0)
                return ctx_fail(ctx, r, "bridge \"%s\": %s", name, strerror(-r));
        if ((r = add_address(s, rtnl_link_get_ifindex(l), addr, prefix)) < 0)
                return ctx_fail(ctx, r, "bridge \"%s\": cannot add its address: %s", name, strerror(-r));
        if ((r = set_up(s, l, true, 0)) < 0)
                return ctx_fail(ctx, r, "bridge \"%s\": cannot bring it up: %s", name, strerror(-r));
        return 0;
}

int net_link_set_up(bl_ctx *ctx, const char *name, bool up)
{
        _cleanup_sock_ struct nl_sock *s = NULL;
        _cleanup_link_ struct rtnl_link *l = NULL;
        int r = open_sock(&s);
        if (r == 0)
                r = get_link(s, name, &l);
        if (r == 0)
                r = set_up(s, l, up, 0);
        return r < 0 ? ctx_fail(ctx, r, "link \"%s\": cannot set %s: %s", name, up ? "up" : "down", strerror(-r)) : 0;
}

int net_link_delete(bl_ctx *ctx, const char *name)
{
        _cleanup_sock_ struct nl_sock *s = NULL;
        _cleanup_link_ struct rtnl_link *l = NULL;
        int r = open_sock(&s);
        if (r == 0)
                r = get_link(s, name, &l);
        if (r == -ENODEV)
                return 0;
        if (r == 0)
                r = nl_to_errno(rtnl_link_delete(s, l));
        return r < 0 && r != -ENODEV ? ctx_fail(ctx, r, "link \"%s\": cannot delete: %s", name, strerror(-r)) : 0;
}

int net_link_attach(bl_ctx *ctx, const char *name, const char *bridge, bool *ret_changed)
{
        _cleanup_sock_ struct nl_sock *s = NULL;
        _cleanup_link_ struct rtnl_link *l = NULL, *br = NULL;
        *ret_changed = false;
        int r = open_sock(&s);
        if (r == 0 && (r = get_link(s, name, &l)) == 0 && (r = get_link(s, bridge, &br)) == 0 &&
            rtnl_link_get_master(l) != rtnl_link_get_ifindex(br)) {
                if ((r = nl_to_errno(rtnl_link_enslave(s, br, l))) == 0)
                        *ret_changed = true;
        }
        return r < 0 ? ctx_fail(ctx, r, "link \"%s\": cannot attach to bridge \"%s\": %s", name, bridge, strerror(-r)) : 0;
}

int net_bridge_delete(bl_ctx *ctx, const char *name)
{
        return net_link_delete(ctx, name);
}

void net_host_ifname(const char *scope, const char *container, int index, unsigned salt, char buf[IFNAMSIZ_])
{
        /* FNV-1a: stable across runs and hosts; the scope (the state root's
         * id) keeps two roots' containers of one name apart */
        uint32_t h = 2166136261u ^ salt;
        for (const unsigned char *p = (const unsigned char *) scope; *p; p++)
                h = (h ^ *p) * 16777619u;
        h = (h ^ '/') * 16777619u;
        for (const unsigned char *p = (const unsigned char *) container; *p; p++)
                h = (h ^ *p) * 16777619u;
        h = (h ^ (uint32_t) index) * 16777619u;
        snprintf(buf, IFNAMSIZ_, "vb%08x%d", h, index % 100);
}

int net_veth_create(bl_ctx *ctx, const char *host_name, const char *peer_name, pid_t pid, const char *bridge, int mtu)
{
        _cleanup_sock_ struct nl_sock *s = NULL;
        _cleanup_link_ struct rtnl_link *br = NULL, *host = NULL;
        int r = open_sock(&s);
        if (r < 0)
                return ctx_fail(ctx, r, "veth \"%s\": netlink: %s", host_name, strerror(-r));
        if ((r = get_link(s, bridge, &br)) < 0)
                return ctx_fail(ctx, r, "bridge \"%s\": %s", bridge, strerror(-r));
        r = rtnl_link_veth_add(s, host_name, peer_name, pid);
        if (r < 0)
                return ctx_fail(ctx, nl_to_errno(r), "veth \"%s\": cannot create: %s", host_name, nl_geterror(r));
        if ((r = get_link(s, host_name, &host)) < 0)
                goto fail;
        if ((r = nl_to_errno(rtnl_link_enslave(s, br, host))) < 0)
                goto fail;
        if ((r = set_up(s, host, true, mtu)) < 0)
                goto fail;
        return 0;
fail:
        net_link_delete(ctx, host_name);
        return ctx_fail(ctx, r, "veth \"%s\": cannot attach to bridge \"%s\": %s", host_name, bridge, strerror(-r));
}

int net_configure_inside(const struct net_if *ifs, size_t n, char *err, size_t errlen)
{
        _cleanup_sock_ struct nl_sock *s = NULL;
        int r = open_sock(&s);
        if (r < 0) {
                snprintf(err, errlen, "netlink: %s", strerror(-r));
                return r;
        }
        _cleanup_link_ struct rtnl_link *lo = NULL;
        if ((r = get_link(s, "lo", &lo)) < 0 || (r = set_up(s, lo, true, 0)) < 0) {
                snprintf(err, errlen, "cannot bring lo up: %s", strerror(-r));
                return r;
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_link_ struct rtnl_link *l = NULL;
                if ((r = get_link(s, ifs[i].ifname, &l)) < 0 ||
                    (r = add_address(s, rtnl_link_get_ifindex(l), ifs[i].addr, ifs[i].prefix)) < 0 ||
                    (r = set_up(s, l, true, ifs[i].mtu)) < 0) {
                        snprintf(err, errlen, "interface %s: %s", ifs[i].ifname, strerror(-r));
                        return r;
                }
                if (!ifs[i].gateway)
                        continue;
                _cleanup_route_ struct rtnl_route *rt = rtnl_route_alloc();
                _cleanup_nladdr_ struct nl_addr *dst = make_addr(0, 0), *gw = make_addr(ifs[i].gateway, 32);
                struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
                if (!rt || !dst || !gw || !nh) {
                        snprintf(err, errlen, "out of memory");
                        return -ENOMEM;
                }
                rtnl_route_set_family(rt, AF_INET);
                rtnl_route_set_dst(rt, dst);
                rtnl_route_nh_set_gateway(nh, gw);
                rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(l));
                rtnl_route_add_nexthop(rt, nh);
                if ((r = rtnl_route_add(s, rt, NLM_F_CREATE)) < 0) {
                        snprintf(err, errlen, "default route via %s: %s", ifs[i].ifname, nl_geterror(r));
                        return nl_to_errno(r);
                }
        }
        return 0;
}
