/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <strings.h>

#include "container.h"

size_t network_count(const bl_record *rec)
{
        size_t n = 0;
        for (;; n++) {
                char key[16];
                snprintf(key, sizeof(key), "net%zu", n);
                if (!bl_record_get(rec, key))
                        return n;
        }
}

/* net0: "BRIDGE ADDR/PREFIX HOSTIF" */
int network_parse(const bl_record *rec, size_t i, char **ret_bridge, uint32_t *ret_addr, int *ret_prefix, char **ret_hostif)
{
        char key[16], br[64], cidr[32], hostif[32];
        snprintf(key, sizeof(key), "net%zu", i);
        const char *v = bl_record_get(rec, key);
        if (!v || sscanf(v, "%63s %31s %31s", br, cidr, hostif) != 3)
                return -EBADMSG;
        if (parse_ipv4_cidr(cidr, ret_addr, ret_prefix) < 0)
                return -EBADMSG;
        if (ret_bridge && !(*ret_bridge = strdup(br)))
                return -ENOMEM;
        if (ret_hostif && !(*ret_hostif = strdup(hostif)))
                return -ENOMEM;
        return 0;
}

char *hosts_path(bl_ctx *ctx, const char *bridge)
{
        return store_path(ctx, "bridges/%s.hosts", bridge);
}

int bridge_ensure(bl_ctx *ctx, const char *bridge, uint32_t *ret_addr, int *ret_prefix)
{
        _cleanup_record_ bl_record *b = NULL;
        int r = manifest_load(ctx, KIND_BRIDGES, bridge, &b);
        if (r < 0)
                return r;
        uint32_t addr;
        int prefix;
        const char *st = bl_record_get(b, "state");
        if (st && (strcmp(st, "creating") == 0 || strcmp(st, "removing") == 0))
                return ctx_fail(ctx, EBUSY, "bridge \"%s\": is being %s", bridge, st[0] == 'c' ? "created" : "removed");
        const char *a = bl_record_get(b, "address");
        if (!a || parse_ipv4_cidr(a, &addr, &prefix) < 0)
                return ctx_fail(ctx, EBADMSG, "bridge \"%s\": manifest has no valid address", bridge);
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
                _cleanup_record_ bl_record *rec = NULL;
                if ((r = container_load_any(ctx, *name, &rec, NULL)) == -ENOENT) {
                        ctx_begin_call(ctx);
                        continue; /* a folder of nothing: no address */
                }
                if (r < 0)
                        return ctx_fail_replace(ctx, r, "bridge \"%s\": container \"%s\" has a corrupt manifest and no copy: its addresses are "
                                                    "unknown; repair or remove it first", bridge, *name);
                for (size_t k = 0; k < network_count(rec); k++) {
                        _cleanup_free_ char *br = NULL;
                        uint32_t a;
                        int p;
                        if (network_parse(rec, k, &br, &a, &p, NULL) < 0 || strcmp(br, bridge) != 0)
                                continue;
                        if (n == cap) {
                                uint32_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
                                if (!nv)
                                        return -ENOMEM;
                                v = nv;
                        }
                        v[n++] = a;
                }
        }
        *ret = steal_ptr(&v);
        *ret_n = n;
        return 0;
}

int network_assign(bl_ctx *ctx, const bl_container_config *cfg, const char *name, bl_record *rec)
{
        for (size_t i = 0; i < cfg->nnets; i++) {
                const char *bridge = cfg->nets[i].bridge;
                _cleanup_record_ bl_record *b = NULL;
                int r = manifest_load(ctx, KIND_BRIDGES, bridge, &b);
                if (r < 0)
                        return r;
                uint32_t baddr, addr;
                int prefix, p;
                if (parse_ipv4_cidr(bl_record_get(b, "address"), &baddr, &prefix) < 0)
                        return ctx_fail(ctx, EBADMSG, "bridge \"%s\": manifest has no valid address", bridge);
                _cleanup_free_ uint32_t *used = NULL;
                size_t nused = 0;
                if ((r = used_addresses(ctx, bridge, &used, &nused)) < 0)
                        return r;
                /* interfaces of this very container already assigned */
                for (size_t k = 0; k < i; k++) {
                        _cleanup_free_ char *br = NULL;
                        uint32_t a;
                        if (network_parse(rec, k, &br, &a, &p, NULL) == 0 && strcmp(br, bridge) == 0) {
                                uint32_t *nu = realloc(used, (nused + 1) * sizeof(*used));
                                if (!nu)
                                        return -ENOMEM;
                                used = nu;
                                used[nused++] = a;
                        }
                }
                char ip[16];
                if (cfg->nets[i].address) {
                        const char *s = cfg->nets[i].address;
                        if (strchr(s, '/') ? parse_ipv4_cidr(s, &addr, &p) < 0 : parse_ipv4(s, &addr) < 0)
                                return ctx_fail(ctx, EINVAL, "container \"%s\": address \"%s\" is not an IPv4 address", name, s);
                        if (strchr(s, '/') && p != prefix)
                                return ctx_fail(ctx, EINVAL, "container \"%s\": address \"%s\": bridge \"%s\" has prefix /%d", name, s, bridge, prefix);
                        uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;
                        if (!net_in_subnet(addr, baddr, prefix) || (addr & ~mask) == 0 || (addr & ~mask) == ~mask)
                                return ctx_fail(ctx, EINVAL, "container \"%s\": address %s is not a host address of bridge \"%s\"'s subnet %s",
                                              name, s, bridge, bl_record_get(b, "address"));
                        if (addr == baddr)
                                return ctx_fail(ctx, EADDRINUSE, "container \"%s\": address %s is bridge \"%s\"'s own", name, s, bridge);
                        for (size_t k = 0; k < nused; k++)
                                if (used[k] == addr)
                                        return ctx_fail(ctx, EADDRINUSE, "container \"%s\": address %s is already used on bridge \"%s\"", name, s, bridge);
                } else if (net_alloc_addr(baddr, prefix, used, nused, &addr) < 0)
                        return ctx_fail(ctx, ENOSPC, "container \"%s\": bridge \"%s\" has no free address left in %s", name, bridge,
                                      bl_record_get(b, "address"));
                format_ipv4(addr, ip);
                char hostif[IFNAMSIZ_];
                net_host_ifname(store_root_id(ctx), name, (int) i, 0, hostif);
                for (unsigned salt = 1; salt < 16; salt++) {
                        bool up;
                        if (net_link_query(ctx, hostif, &up, NULL, NULL) != 1)
                                break;
                        net_host_ifname(store_root_id(ctx), name, (int) i, salt, hostif); /* taken by someone else */
                }
                char key[16];
                snprintf(key, sizeof(key), "net%zu", i);
                record_setf(rec, key, "%s %s/%d %s", bridge, ip, prefix, hostif);
                if (i == 0) {
                        record_set(rec, "bridge", bridge);
                        record_set(rec, "address", ip);
                }
        }
        return 0;
}

void network_cleanup(bl_ctx *ctx, const bl_record *rec)
{
        for (size_t i = 0; i < network_count(rec); i++) {
                _cleanup_free_ char *hostif = NULL;
                uint32_t a;
                int p;
                if (network_parse(rec, i, NULL, &a, &p, &hostif) < 0)
                        continue;
                /* normally gone with the container's netns; a crash may leave it */
                bool up;
                if (net_link_query(ctx, hostif, &up, NULL, NULL) == 1)
                        net_link_delete(ctx, hostif);
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
static bool hostname_published(const bl_record_list *containers, const bl_record *rec, const char *bname)
{
        const char *hn = bl_record_get(rec, "hostname"), *name = bl_record_get(rec, "name");
        if (!hn || !name || strcasecmp(hn, name) == 0)
                return false;
        for (size_t c = 0; c < containers->n; c++) {
                const bl_record *o = containers->items[c];
                const char *oname = bl_record_get(o, "name"), *ohn = bl_record_get(o, "hostname");
                const char *state = bl_record_get(o, "state");
                if (oname && strcasecmp(oname, hn) == 0)
                        return false;
                if (o == rec || !ohn || strcasecmp(ohn, hn) != 0 || !state || strcmp(state, "running") != 0)
                        continue;
                for (size_t k = 0; k < network_count(o); k++) {
                        _cleanup_free_ char *br = NULL;
                        uint32_t a;
                        int p;
                        if (network_parse(o, k, &br, &a, &p, NULL) == 0 && strcmp(br, bname) == 0)
                                return false;
                }
        }
        return true;
}

int hosts_refresh(bl_ctx *ctx)
{
        _cleanup_record_list_ bl_record_list *bridges = NULL, *containers = NULL;
        int r = manifest_list(ctx, KIND_BRIDGES, &bridges);
        if (r < 0 || (r = manifest_list(ctx, KIND_CONTAINERS, &containers)) < 0)
                return r;
        for (size_t b = 0; b < bridges->n; b++) {
                const char *bname = bl_record_get(bridges->items[b], "name");
                char *buf = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&buf, &len);
                if (!f)
                        return -ENOMEM;
                fprintf(f, "# written by baleine for bridge %s\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n", bname);
                for (size_t c = 0; c < containers->n; c++) {
                        const bl_record *rec = containers->items[c];
                        const char *state = bl_record_get(rec, "state");
                        if (!state || strcmp(state, "running") != 0)
                                continue;
                        for (size_t k = 0; k < network_count(rec); k++) {
                                _cleanup_free_ char *br = NULL;
                                uint32_t a;
                                int p;
                                char ip[16];
                                if (network_parse(rec, k, &br, &a, &p, NULL) < 0 || strcmp(br, bname) != 0)
                                        continue;
                                format_ipv4(a, ip);
                                const char *name = bl_record_get(rec, "name");
                                if (hostname_published(containers, rec, bname))
                                        fprintf(f, "%s\t%s %s\n", ip, name, bl_record_get(rec, "hostname"));
                                else
                                        fprintf(f, "%s\t%s\n", ip, name);
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
