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
/* The rules in the order they are evaluated, the first match deciding: the
 * added denials, the added allows, then the defaults; -EINVAL on a bad
 * rule (never one silently left out). */
int devices_rules(const struct cg_limits *lim, struct dev_rule **ret, size_t *ret_n);
/* Builds the program (*ret_n instructions): an allow matches when it grants
 * every access asked, a denial when it refuses any; no match denies. */
int devices_bpf_build(const struct dev_rule *rules, size_t n, bool allow_all, struct bpf_insn **ret, size_t *ret_n);
/* Loads the program through the kernel's verifier; *ret_fd owns it. */
int devices_bpf_load(bl_ctx *ctx, const char *what, const struct bpf_insn *prog, size_t n, int *ret_fd);
int devices_bpf_attach(bl_ctx *ctx, const char *cgroup_dir, const struct cg_limits *lim);
/* Human-readable policy, one rule a line (what fake trees record). */
char *devices_policy_text(const struct cg_limits *lim);
