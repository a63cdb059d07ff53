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
        _cleanup_models_ struct container_models all = { 0 };
        int r = container_models_load(ctx, &all);
        if (r < 0)
                return r;
        size_t n = 0;
        for (size_t i = 0; i < all.n; i++)
                n += network_uses(&all.items[i], bridge);
        *ret = n;
        return 0;
}

static int bridge_create_call(bl_ctx *ctx, const char *name, const char *cidr)
{
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
        _cleanup_bridge_models_ struct bridge_models all = { 0 };
        if ((r = bridge_models_load(ctx, &all)) < 0)
                return r;
        for (size_t i = 0; i < all.n; i++) {
                const struct bridge_model *o = &all.items[i];
                char ip[16];
                if (!o->has_address || !net_subnets_overlap(addr, prefix, o->addr, o->prefix))
                        continue;
                format_ipv4(o->addr, ip);
                return ctx_fail(ctx, EADDRINUSE, "bridge \"%s\": %s overlaps bridge \"%s\" (%s/%d)", name, cidr, o->name, ip, o->prefix);
        }
        /* never take over an interface someone else made */
        if ((r = net_link_query(ctx, name, NULL, NULL, NULL)) != 0)
                return r < 0 ? r : ctx_fail(ctx, EEXIST, "bridge \"%s\": a network interface of that name already exists", name);
        /* the manifest first, as a reservation: a crash then leaves one
         * that check undoes, never a kernel bridge nothing names */
        _cleanup_bridge_model_ struct bridge_model b = {
                .name = strdup(name), .addr = addr, .prefix = prefix, .has_address = true, .state = BSTATE_CREATING,
                .creator_pid = (uint64_t) getpid(), .created = (uint64_t) time(NULL),
        };
        if (!b.name)
                return -ENOMEM;
        if ((r = bridge_model_save(ctx, &b)) < 0)
                return r;
        if ((r = net_bridge_ensure(ctx, name, addr, prefix)) < 0) {
                manifest_remove(ctx, KIND_BRIDGES, name);
                return r;
        }
        fault_point("bridge-add-kernel");
        b.state = BSTATE_READY;
        b.creator_pid = 0;
        if ((r = bridge_model_save(ctx, &b)) < 0) {
                net_bridge_delete(ctx, name);
                manifest_remove(ctx, KIND_BRIDGES, name);
                return r;
        }
        hosts_refresh(ctx);
        return 0;
}

BL_EXPORT int bl_bridge_create(bl_ctx *ctx, const char *name, const char *cidr)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, bridge_create_call(ctx, name, cidr), "bridge \"%s\"", name ? name : "");
}

static int bridge_remove_call(bl_ctx *ctx, const char *name, int force)
{
        int r = bridge_name_check(ctx, name);
        if (r < 0)
                return r;
        _cleanup_unlock_ int lock = -1;
        _cleanup_bridge_model_ struct bridge_model b = { 0 };
        if ((r = store_lock(ctx, &lock)) < 0 || (r = bridge_model_load(ctx, name, &b)) < 0)
                return r;
        size_t n;
        if ((r = attached(ctx, name, &n)) < 0)
                return r;
        if (n && !force)
                return ctx_fail(ctx, EBUSY, "bridge \"%s\": %zu container%s attached; remove %s first or use --force", name, n,
                              n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
        /* marked first: a crash then leaves a removal check completes */
        b.state = BSTATE_REMOVING;
        if ((r = bridge_model_save(ctx, &b)) < 0)
                return r;
        fault_point("bridge-remove-marked");
        return bridge_finish_remove(ctx, name);
}

BL_EXPORT int bl_bridge_remove(bl_ctx *ctx, const char *name, int force)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, bridge_remove_call(ctx, name, force), "bridge \"%s\"", name ? name : "");
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

static int bridge_set_up_call(bl_ctx *ctx, const char *name, int up)
{
        int r = bridge_name_check(ctx, name);
        if (r < 0)
                return r;
        _cleanup_unlock_ int lock = -1;
        if ((r = store_lock(ctx, &lock)) < 0 || (r = bridge_ensure(ctx, name, NULL, NULL)) < 0)
                return r;
        return net_link_set_up(ctx, name, up);
}

BL_EXPORT int bl_bridge_set_up(bl_ctx *ctx, const char *name, int up)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, bridge_set_up_call(ctx, name, up), "bridge \"%s\"", name ? name : "");
}

/* The listing's record of a bridge: its manifest's keys, the kernel's
 * state and the number of containers attached. */
static int bridge_record(bl_ctx *ctx, const struct bridge_model *b, bl_record **ret)
{
        _cleanup_record_ bl_record *rec = NULL;
        int r = bridge_model_encode(b, &rec);
        if (r < 0)
                return r;
        bool up = false;
        int e = net_link_query(ctx, b->name, &up, NULL, NULL);
        if (b->state != BSTATE_CREATING && b->state != BSTATE_REMOVING)
                r = record_set(rec, "state", e == 1 ? (up ? "up" : "down") : "missing");
        size_t n = 0;
        attached(ctx, b->name, &n);
        if (r < 0 || (r = record_setf(rec, "containers", "%zu", n)) < 0)
                return r;
        *ret = steal_ptr(&rec);
        return 0;
}

static int bridge_list_call(bl_ctx *ctx, bl_record_list **ret)
{
        _cleanup_bridge_models_ struct bridge_models all = { 0 };
        _cleanup_record_list_ bl_record_list *list = record_list_new();
        int r = list ? bridge_models_load(ctx, &all) : -ENOMEM;
        for (size_t i = 0; r == 0 && i < all.n; i++) {
                bl_record *rec;
                if ((r = bridge_record(ctx, &all.items[i], &rec)) == 0 && (r = record_list_push(list, rec)) < 0)
                        bl_record_free(rec);
        }
        if (r < 0)
                return r;
        *ret = steal_ptr(&list);
        return 0;
}

BL_EXPORT int bl_bridge_list(bl_ctx *ctx, bl_record_list **ret)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, bridge_list_call(ctx, ret), "state root \"%s\": bridges", ctx->root);
}
