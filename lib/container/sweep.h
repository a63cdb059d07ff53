/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "core/core.h"

/* How check reports an action it takes (check.c's act). */
typedef int (*check_act_fn)(bl_ctx *ctx, bl_record_list *out, const char *object, const char *action, const char *fmt, ...)
        _printf_(5, 6);

/* sweep.c: the work folders of tmp/ and the partial files that records
 * in tmp/ name, whose owner is provably dead (or, without a readable
 * record, older than the grace period). */
void sweep_tmp(bl_ctx *ctx, bool dry, bl_record_list *out, check_act_fn act);
