/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container start's state, its steps and their undo list (start.c,
 * start_setup.c), and helpers it shares with exec (program.c). */
#pragma once

#include "container.h"
#include "runtime/runtime.h"

#define UNDO_MAX (MAX_NETS + 8)
_Static_assert(MODEL_MAX_NETS <= MAX_NETS, "a model's interfaces fit the hook");

struct start;
struct undo {
        void (*fn)(struct start *st, size_t arg);
        size_t arg;
};

struct net_hook {
        struct net_if ifs[MAX_NETS];
        size_t n;
};

struct start {
        bl_ctx *ctx;
        struct container_model *m;
        const char *name;
        unsigned flags;
        const int *stdio;       /* an attached start: the caller's descriptors */
        cstate prev_state;
        char *mnt, *disk, *hosts;
        int status_fd, log_fd, old_fd, loop_fd, master, slave, loop_nr;
        char loop_dev[32];
        char **argv, **env;
        struct run_spec spec;
        struct net_hook hook;
        char hostifs[MAX_NETS][IFNAMSIZ_];
        struct cg_host cgh;
        struct cg_limits lim;
        char cg[CGNAME_MAX];
        struct run_child child;
        struct undo undo[UNDO_MAX];
        size_t nundo;
};

/* Pushes what undoes a step that succeeded; run backwards on failure. */
void push_undo(struct start *st, void (*fn)(struct start *, size_t), size_t arg);

/* start_setup.c: the steps before the cgroup and the spawn */
int step_stdio(struct start *st);
int step_disk(struct start *st);
int step_network(struct start *st);


/* A terminal pair; the master gets the caller's window size. */
int open_pty(bl_ctx *ctx, const char *name, int *ret_master, int *ret_slave);
/* ROOT/containers/NAME/FILE opened with flags (O_CLOEXEC added, mode 0600). */
int open_in(bl_ctx *ctx, const char *name, const char *file, int flags, int *ret);
