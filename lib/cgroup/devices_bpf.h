/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup v2 device policy: an eBPF program of type CGROUP_DEVICE. */
#pragma once

#include <linux/bpf.h>

#include "cgroup.h"

struct dev_rule {
        bool allow;
        char type;              /* 'a', 'b' or 'c' */
        int major, minor;       /* -1: any */
        unsigned access;        /* BPF_DEVCG_ACC_* bits */
};

/* Parses "c 1:3 rwm" / "b *:* r"; -EINVAL on anything else. */
int dev_rule_parse(const char *text, bool allow, struct dev_rule *ret);
/* The rules in the order they are evaluated: denials first, then the
 * default allowlist and the added allows; the last instruction denies. */
int devices_rules(const struct cg_limits *lim, struct dev_rule **ret, size_t *ret_n);
/* Builds the program; *ret_n instructions. */
int devices_bpf_build(const struct dev_rule *rules, size_t n, bool allow_all, struct bpf_insn **ret, size_t *ret_n);
int devices_bpf_attach(bl_ctx *ctx, const char *cgroup_dir, const struct cg_limits *lim);
/* Human-readable policy, one rule a line (what fake trees record). */
char *devices_policy_text(const struct cg_limits *lim);
