/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check's part for bridges and the veths of running containers. */
#include <signal.h>

#include "check.h"

/* Interfaces of running containers on bridge `name`. */
static size_t running_users(const struct container_models *containers, const char *name)
{
        size_t users = 0;
        for (size_t c = 0; c < containers->n; c++)
                for (size_t k = 0; containers->items[c].state == CSTATE_RUNNING && k < containers->items[c].nnets; k++)
                        users += strcmp(containers->items[c].nets[k].bridge, name) == 0;
        return users;
}

/* veths of running containers left without their bridge */
static void reattach_veths(bl_ctx *ctx, bl_record_list *out, const struct container_models *containers)
{
        for (size_t c = 0; c < containers->n; c++) {
                const struct container_model *m = &containers->items[c];
                if (m->state != CSTATE_RUNNING || container_liveness(m) != LIVE_RUNNING)
                        continue;
                for (size_t k = 0; k < m->nnets; k++) {
                        const char *br = m->nets[k].bridge, *hostif = m->nets[k].hostif;
                        bool changed = false, is_bridge = false;
                        if (net_link_query(ctx, br, NULL, NULL, &is_bridge) != 1 || !is_bridge)
                                continue;
                        if (net_link_attach(ctx, hostif, br, &changed) < 0) {
                                struct error e;
                                ctx_error_take(ctx, &e);
                                act(ctx, out, m->name, "reattach-failed", "%s", e.msg);
                        } else if (changed)
                                act(ctx, out, m->name, "reattach-veth", "%s attached again to bridge %s", hostif, br);
                }
        }
}

/* Bridges, both ways: a creation or removal a crash interrupted is undone or
 * completed; a bridge deleted by hand is made again when running
 * containers use it, and their veths are attached to it again. */
void check_bridges(bl_ctx *ctx, bool dry, bl_record_list *out, const struct container_models *containers)
{
        _cleanup_bridge_models_ struct bridge_models bridges = { 0 };
        if (bridge_models_load(ctx, &bridges) < 0) {
                ctx_error_take(ctx, NULL);
                return;
        }
        for (size_t i = 0; i < bridges.n; i++) {
                const struct bridge_model *b = &bridges.items[i];
                const char *name = b->name;
                bool is_bridge = false;
                bool present = net_link_query(ctx, name, NULL, NULL, &is_bridge) == 1 && is_bridge;
                if (b->state == BSTATE_CREATING) {
                        if (pid_alive(b->creator_pid))
                                continue;
                        act(ctx, out, name, "undo-bridge-create", "its creator died; removing the half-made bridge");
                        if (!dry)
                                bridge_finish_remove(ctx, name);
                } else if (b->state == BSTATE_REMOVING) {
                        act(ctx, out, name, "finish-bridge-remove", "its remover died; completing the removal");
                        if (!dry)
                                bridge_finish_remove(ctx, name);
                } else if (!present) {
                        size_t users = running_users(containers, name);
                        if (!users)
                                continue; /* made again by the next start that needs it */
                        act(ctx, out, name, "recreate-bridge", "missing from the kernel while %zu running container interface%s use it", users,
                            users == 1 ? "" : "s");
                        if (!dry && bridge_ensure(ctx, name, NULL, NULL) < 0) {
                                struct error e;
                                ctx_error_take(ctx, &e);
                                act(ctx, out, name, "recreate-bridge-failed", "%s", e.msg);
                        }
                }
        }
        if (!dry)
                reattach_veths(ctx, out, containers);
        ctx_error_take(ctx, NULL);
}

