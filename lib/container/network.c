/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <strings.h>

#include "container.h"

bool network_uses(const struct container_model *m, const char *bridge)
{
        for (size_t k = 0; k < m->nnets; k++)
                if (strcmp(m->nets[k].bridge, bridge) == 0)
                        return true;
        return false;
}

char *hosts_path(bl_ctx *ctx, const char *bridge)
{
        return store_path(ctx, "bridges/%s.hosts", bridge);
}

int bridge_ensure(bl_ctx *ctx, const char *bridge, uint32_t *ret_addr, int *ret_prefix)
{
        _cleanup_bridge_model_ struct bridge_model b = { 0 };
        int r = bridge_model_load(ctx, bridge, &b);
        if (r < 0)
                return r;
        if (b.state == BSTATE_CREATING || b.state == BSTATE_REMOVING)
                return ctx_fail(ctx, EBUSY, "bridge \"%s\": is being %s", bridge, b.state == BSTATE_CREATING ? "created" : "removed");
        if (!b.has_address)
                return ctx_fail(ctx, EBADMSG, "bridge \"%s\": manifest has no valid address", bridge);
        uint32_t addr = b.addr;
        int prefix = b.prefix;
        /* after a reboot the kernel has forgotten it: make it again */
        if ((r = net_bridge_ensure(ctx, bridge, addr, prefix)) < 0)
                return r;
        if (ret_addr)
                *ret_addr = addr;
        if (ret_prefix)
                *ret_prefix = prefix;
        return 0;
}

/* Every address recorded on `bridge` by any container: one whose manifest
 * is corrupt or lost keeps its addresses through its copy, and one known by
 * neither makes allocation refuse rather than hand its address out twice. */
static int used_addresses(bl_ctx *ctx, const char *bridge, uint32_t **ret, size_t *ret_n)
{
        _cleanup_strv_ char **names = NULL;
        int r = container_names(ctx, &names);
        if (r < 0)
                return r;
        size_t n = 0, cap = 16;
        _cleanup_free_ uint32_t *v = malloc(cap * sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (char **name = names; name && *name; name++) {
                _cleanup_model_ struct container_model m = { 0 };
                if ((r = container_load_any(ctx, *name, &m, NULL)) == -ENOENT) {
                        ctx_error_take(ctx, NULL);
                        continue; /* a folder of nothing: no address */
                }
                if (r < 0)
                        return ctx_fail_replace(ctx, r, "bridge \"%s\": container \"%s\" has a corrupt manifest and no copy: its addresses are "
                                                    "unknown; repair or remove it first", bridge, *name);
                for (size_t k = 0; k < m.nnets; k++) {
                        if (strcmp(m.nets[k].bridge, bridge) != 0)
                                continue;
                        if (n == cap) {
                                uint32_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
                                if (!nv)
                                        return -ENOMEM;
                                v = nv;
                        }
                        v[n++] = m.nets[k].addr;
                }
        }
        *ret = steal_ptr(&v);
        *ret_n = n;
        return 0;
}

/* The address asked for (checked against the bridge's subnet and the
 * used ones), else the first free one. */
static int choose_address(bl_ctx *ctx, const char *name, const struct bridge_model *b, const char *want, const uint32_t *used,
                          size_t nused, uint32_t *ret)
{
        char cidr[32], ip[16];
        uint32_t addr;
        int p;
        format_ipv4(b->addr, ip);
        snprintf(cidr, sizeof(cidr), "%s/%d", ip, b->prefix);
        if (!want) {
                if (net_alloc_addr(b->addr, b->prefix, used, nused, ret) < 0)
                        return ctx_fail(ctx, ENOSPC, "container \"%s\": bridge \"%s\" has no free address left in %s", name, b->name, cidr);
                return 0;
        }
        if (strchr(want, '/') ? parse_ipv4_cidr(want, &addr, &p) < 0 : parse_ipv4(want, &addr) < 0)
                return ctx_fail(ctx, EINVAL, "container \"%s\": address \"%s\" is not an IPv4 address", name, want);
        if (strchr(want, '/') && p != b->prefix)
                return ctx_fail(ctx, EINVAL, "container \"%s\": address \"%s\": bridge \"%s\" has prefix /%d", name, want, b->name, b->prefix);
        uint32_t mask = b->prefix ? ~0u << (32 - b->prefix) : 0;
        if (!net_in_subnet(addr, b->addr, b->prefix) || (addr & ~mask) == 0 || (addr & ~mask) == ~mask)
                return ctx_fail(ctx, EINVAL, "container \"%s\": address %s is not a host address of bridge \"%s\"'s subnet %s", name, want,
                                b->name, cidr);
        if (addr == b->addr)
                return ctx_fail(ctx, EADDRINUSE, "container \"%s\": address %s is bridge \"%s\"'s own", name, want, b->name);
        for (size_t k = 0; k < nused; k++)
                if (used[k] == addr)
                        return ctx_fail(ctx, EADDRINUSE, "container \"%s\": address %s is already used on bridge \"%s\"", name, want, b->name);
        *ret = addr;
        return 0;
}

int network_assign(bl_ctx *ctx, const bl_container_config *cfg, struct container_model *m)
{
        for (size_t i = 0; i < cfg->nnets && i < MODEL_MAX_NETS; i++) {
                const char *bridge = cfg->nets[i].bridge;
                _cleanup_bridge_model_ struct bridge_model b = { 0 };
                int r = bridge_model_load(ctx, bridge, &b);
                if (r < 0)
                        return r;
                if (!b.has_address)
                        return ctx_fail(ctx, EBADMSG, "bridge \"%s\": manifest has no valid address", bridge);
                _cleanup_free_ uint32_t *used = NULL;
                size_t nused = 0;
                if ((r = used_addresses(ctx, bridge, &used, &nused)) < 0)
                        return r;
                /* interfaces of this very container already assigned */
                for (size_t k = 0; k < i; k++) {
                        if (strcmp(m->nets[k].bridge, bridge) != 0)
                                continue;
                        uint32_t *nu = realloc(used, (nused + 1) * sizeof(*used));
                        if (!nu)
                                return -ENOMEM;
                        used = nu;
                        used[nused++] = m->nets[k].addr;
                }
                struct net_attach *na = &m->nets[i];
                if ((r = choose_address(ctx, m->name, &b, cfg->nets[i].address, used, nused, &na->addr)) < 0)
                        return r;
                if (!(na->bridge = strdup(bridge)))
                        return -ENOMEM;
                na->prefix = b.prefix;
                net_host_ifname(store_root_id(ctx), m->name, (int) i, 0, na->hostif);
                for (unsigned salt = 1; salt < 16; salt++) {
                        bool up;
                        if (net_link_query(ctx, na->hostif, &up, NULL, NULL) != 1)
                                break;
                        net_host_ifname(store_root_id(ctx), m->name, (int) i, salt, na->hostif); /* taken by someone else */
                }
                m->nnets = i + 1;
        }
        return 0;
}

void network_cleanup(bl_ctx *ctx, const struct container_model *m)
{
        for (size_t i = 0; i < m->nnets; i++) {
                /* normally gone with the container's netns; a crash may leave it */
                bool up;
                if (net_link_query(ctx, m->nets[i].hostif, &up, NULL, NULL) == 1)
                        net_link_delete(ctx, m->nets[i].hostif);
        }
}

/* Whether `rec`'s hostname goes in bridge `bname`'s hosts file beside its
 * name. Names always win: a hostname equal (as DNS compares, without case)
 * to any container's name is never published, whatever the order of
 * creation, so `--hostname db` cannot take "db" from the container named
 * db. A hostname that two running containers of the bridge share is
 * published for neither: an ambiguous name must fail, not reach whichever
 * was listed first. Docker publishes no hostname at all (only names and
 * aliases); here it stays reachable when it is unambiguous. */
static bool hostname_published(const struct container_models *all, const struct container_model *m, const char *bname)
{
        const char *hn = m->hostname;
        if (!hn || strcasecmp(hn, m->name) == 0)
                return false;
        for (size_t c = 0; c < all->n; c++) {
                const struct container_model *o = &all->items[c];
                if (strcasecmp(o->name, hn) == 0)
                        return false;
                if (o == m || !o->hostname || strcasecmp(o->hostname, hn) != 0 || o->state != CSTATE_RUNNING)
                        continue;
                if (network_uses(o, bname))
                        return false;
        }
        return true;
}

int hosts_refresh(bl_ctx *ctx)
{
        _cleanup_bridge_models_ struct bridge_models bridges = { 0 };
        _cleanup_models_ struct container_models all = { 0 };
        int r = bridge_models_load(ctx, &bridges);
        if (r < 0 || (r = container_models_load(ctx, &all)) < 0)
                return r;
        for (size_t b = 0; b < bridges.n; b++) {
                const char *bname = bridges.items[b].name;
                char *buf = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&buf, &len);
                if (!f)
                        return -ENOMEM;
                fprintf(f, "# written by baleine for bridge %s\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n", bname);
                for (size_t c = 0; c < all.n; c++) {
                        const struct container_model *m = &all.items[c];
                        for (size_t k = 0; m->state == CSTATE_RUNNING && k < m->nnets; k++) {
                                char ip[16];
                                if (strcmp(m->nets[k].bridge, bname) != 0)
                                        continue;
                                format_ipv4(m->nets[k].addr, ip);
                                if (hostname_published(&all, m, bname))
                                        fprintf(f, "%s\t%s %s\n", ip, m->name, m->hostname);
                                else
                                        fprintf(f, "%s\t%s\n", ip, m->name);
                        }
                }
                fclose(f);
                _cleanup_free_ char *path = hosts_path(ctx, bname);
                if (path)
                        write_file_inplace(path, buf, len);
                free(buf);
        }
        return 0;
}
