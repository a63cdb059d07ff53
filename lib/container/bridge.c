/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <time.h>

#include "container.h"

static int bridge_name_check(bl_ctx *ctx, const char *name)
{
        int r = bl_name_check(ctx, "bridge", name);
        if (r < 0)
                return r;
        if (strlen(name) > 15)
                return ctx_fail(ctx, EINVAL, "bridge \"%s\": name longer than 15 bytes (the kernel's limit)", name);
        return 0;
}

/* Containers whose manifests name the bridge. */
static int attached(bl_ctx *ctx, const char *bridge, size_t *ret)
{
        _cleanup_record_list_ bl_record_list *all = NULL;
        int r = manifest_list(ctx, KIND_CONTAINERS, &all);
        if (r < 0)
                return r;
        size_t n = 0;
        for (size_t i = 0; i < all->n; i++)
                for (size_t k = 0; k < network_count(all->items[i]); k++) {
                        _cleanup_free_ char *br = NULL;
                        uint32_t a;
                        int p;
                        if (network_parse(all->items[i], k, &br, &a, &p, NULL) == 0 && strcmp(br, bridge) == 0) {
                                n++;
                                break;
                        }
                }
        *ret = n;
        return 0;
}

BL_EXPORT int bl_bridge_create(bl_ctx *ctx, const char *name, const char *cidr)
{
        ctx_begin_call(ctx);
        int r = bridge_name_check(ctx, name);
        if (r < 0)
                return r;
        uint32_t addr;
        int prefix;
        if (!cidr || parse_ipv4_cidr(cidr, &addr, &prefix) < 0)
                return ctx_fail(ctx, EINVAL, "bridge \"%s\": address \"%s\" is not ADDR/PREFIX such as 10.88.0.1/16", name, cidr ? cidr : "");
        uint32_t mask = ~0u << (32 - (prefix ? prefix : 1));
        if (prefix < 8 || prefix > 30)
                return ctx_fail(ctx, EINVAL, "bridge \"%s\": prefix /%d out of range (8 to 30)", name, prefix);
        if ((addr & ~mask) == 0 || (addr & ~mask) == ~mask)
                return ctx_fail(ctx, EINVAL, "bridge \"%s\": %s is the network or broadcast address, not a host address", name, cidr);

        _cleanup_unlock_ int lock = -1;
        if ((r = store_lock(ctx, &lock)) < 0)
                return r;
        if (manifest_exists(ctx, KIND_BRIDGES, name))
                return ctx_fail(ctx, EEXIST, "bridge \"%s\": already exists", name);
        _cleanup_record_list_ bl_record_list *all = NULL;
        if ((r = manifest_list(ctx, KIND_BRIDGES, &all)) < 0)
                return r;
        for (size_t i = 0; i < all->n; i++) {
                uint32_t oa;
                int op;
                const char *other = bl_record_get(all->items[i], "address");
                if (other && parse_ipv4_cidr(other, &oa, &op) == 0 && net_subnets_overlap(addr, prefix, oa, op))
                        return ctx_fail(ctx, EADDRINUSE, "bridge \"%s\": %s overlaps bridge \"%s\" (%s)", name, cidr,
                                      bl_record_get(all->items[i], "name"), other);
        }
        /* never take over an interface someone else made */
        if ((r = net_link_query(ctx, name, NULL, NULL, NULL)) != 0)
                return r < 0 ? r : ctx_fail(ctx, EEXIST, "bridge \"%s\": a network interface of that name already exists", name);
        /* the manifest first, as a reservation: a crash then leaves one
         * that check undoes, never a kernel bridge nothing names */
        _cleanup_record_ bl_record *rec = record_new();
        if (!rec)
                return -ENOMEM;
        record_set(rec, "name", name);
        record_set(rec, "address", cidr);
        record_set(rec, "state", "creating");
        record_setf(rec, "creator_pid", "%d", (int) getpid());
        record_setf(rec, "created", "%lld", (long long) time(NULL));
        if ((r = manifest_save(ctx, KIND_BRIDGES, name, rec)) < 0)
                return r;
        if ((r = net_bridge_ensure(ctx, name, addr, prefix)) < 0) {
                manifest_remove(ctx, KIND_BRIDGES, name);
                return r;
        }
        fault_point("bridge-add-kernel");
        record_set(rec, "state", "ready");
        record_set(rec, "creator_pid", NULL);
        if ((r = manifest_save(ctx, KIND_BRIDGES, name, rec)) < 0) {
                net_bridge_delete(ctx, name);
                manifest_remove(ctx, KIND_BRIDGES, name);
                return r;
        }
        hosts_refresh(ctx);
        return 0;
}

BL_EXPORT int bl_bridge_remove(bl_ctx *ctx, const char *name, int force)
{
        ctx_begin_call(ctx);
        int r = bridge_name_check(ctx, name);
        if (r < 0)
                return r;
        _cleanup_unlock_ int lock = -1;
        _cleanup_record_ bl_record *rec = NULL;
        if ((r = store_lock(ctx, &lock)) < 0 || (r = manifest_load(ctx, KIND_BRIDGES, name, &rec)) < 0)
                return r;
        size_t n;
        if ((r = attached(ctx, name, &n)) < 0)
                return r;
        if (n && !force)
                return ctx_fail(ctx, EBUSY, "bridge \"%s\": %zu container%s attached; remove %s first or use --force", name, n,
                              n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
        /* marked first: a crash then leaves a removal check completes */
        record_set(rec, "state", "removing");
        if ((r = manifest_save(ctx, KIND_BRIDGES, name, rec)) < 0)
                return r;
        fault_point("bridge-remove-marked");
        return bridge_finish_remove(ctx, name);
}

int bridge_finish_remove(bl_ctx *ctx, const char *name)
{
        bool is_bridge = false;
        if (net_link_query(ctx, name, NULL, NULL, &is_bridge) == 1 && is_bridge)
                net_bridge_delete(ctx, name);
        _cleanup_free_ char *hosts = hosts_path(ctx, name);
        if (hosts)
                unlink(hosts);
        return manifest_remove(ctx, KIND_BRIDGES, name);
}

BL_EXPORT int bl_bridge_set_up(bl_ctx *ctx, const char *name, int up)
{
        ctx_begin_call(ctx);
        int r = bridge_name_check(ctx, name);
        if (r < 0)
                return r;
        _cleanup_unlock_ int lock = -1;
        if ((r = store_lock(ctx, &lock)) < 0 || (r = bridge_ensure(ctx, name, NULL, NULL)) < 0)
                return r;
        return net_link_set_up(ctx, name, up);
}

BL_EXPORT int bl_bridge_list(bl_ctx *ctx, bl_record_list **ret)
{
        ctx_begin_call(ctx);
        bl_record_list *list;
        int r = manifest_list(ctx, KIND_BRIDGES, &list);
        if (r < 0)
                return r;
        for (size_t i = 0; i < list->n; i++) {
                bl_record *rec = list->items[i];
                bool up = false;
                int e = net_link_query(ctx, bl_record_get(rec, "name"), &up, NULL, NULL);
                const char *st = bl_record_get(rec, "state");
                if (!st || (strcmp(st, "creating") != 0 && strcmp(st, "removing") != 0))
                        record_set(rec, "state", e == 1 ? (up ? "up" : "down") : "missing");
                size_t n = 0;
                attached(ctx, bl_record_get(rec, "name"), &n);
                record_setf(rec, "containers", "%zu", n);
        }
        *ret = list;
        return 0;
}
