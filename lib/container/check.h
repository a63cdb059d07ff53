/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parts of check (check.c, check_bridges.c). */
#pragma once

#include <signal.h>

#include "container.h"

/* A creator or starter recorded in a manifest is still at work. */
static inline bool pid_alive(uint64_t pid)
{
        return pid > 0 && kill((pid_t) pid, 0) == 0;
}

/* Records (and logs) one action of check: OBJECT: ACTION: DETAIL. */
int check_act(bl_ctx *ctx, bl_record_list *out, const char *object, const char *action, const char *fmt, ...) _printf_(5, 6);
#define act check_act

/* Bridges, both ways; veths of running containers attached again. */
void check_bridges(bl_ctx *ctx, bool dry, bl_record_list *out, const struct container_models *containers);

/* Applies an exited container's restart policy (check_restart.c). */
void restart_policy(bl_ctx *ctx, struct container_model *m, bool dry, bl_record_list *out);
