/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <sys/syscall.h>

#include "devices_bpf.h"

int dev_rule_parse(const char *text, bool allow, struct dev_rule *ret)
{
        struct dev_rule r = { .allow = allow, .major = -1, .minor = -1 };
        char type, maj[16], min[16], acc[8];
        if (!text)
                return -EINVAL;
        if (strcmp(text, "a") == 0) {
                r.type = 'a';
                r.access = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
                *ret = r;
                return 0;
        }
        int n = 0;
        if (sscanf(text, "%c %15[0-9*]:%15[0-9*] %7s%n", &type, maj, min, acc, &n) != 4 || text[n] != 0)
                return -EINVAL;
        if (type != 'a' && type != 'b' && type != 'c')
                return -EINVAL;
        r.type = type;
        if (strcmp(maj, "*") != 0) {
                if (!isdigit((unsigned char) maj[0]))
                        return -EINVAL;
                r.major = atoi(maj);
        }
        if (strcmp(min, "*") != 0) {
                if (!isdigit((unsigned char) min[0]))
                        return -EINVAL;
                r.minor = atoi(min);
        }
        for (const char *p = acc; *p; p++) {
                if (*p == 'r')
                        r.access |= BPF_DEVCG_ACC_READ;
                else if (*p == 'w')
                        r.access |= BPF_DEVCG_ACC_WRITE;
                else if (*p == 'm')
                        r.access |= BPF_DEVCG_ACC_MKNOD;
                else
                        return -EINVAL;
        }
        *ret = r;
        return 0;
}

int devices_rules(const struct cg_limits *lim, struct dev_rule **ret, size_t *ret_n)
{
        size_t max = strv_length(lim->device_rules) + 32, n = 0;
        struct dev_rule *v = calloc(max, sizeof(*v));
        if (!v)
                return -ENOMEM;
        /* first match wins: denials must come before any allow */
        for (int pass = 0; pass < 2; pass++)
                for (char **p = lim->device_rules; p && *p; p++)
                        if (((*p)[0] == 'd') == (pass == 0) && dev_rule_parse(*p + 2, (*p)[0] == 'a', &v[n]) == 0)
                                n++;
        for (const char *const *p = cg_default_devices; *p && n < max; p++)
                if (dev_rule_parse(*p, true, &v[n]) == 0)
                        n++;
        *ret = v;
        *ret_n = n;
        return 0;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

int devices_bpf_build(const struct dev_rule *rules, size_t n, bool allow_all, struct bpf_insn **ret, size_t *ret_n)
{
        size_t cap = 8 + n * 10, k = 0;
        struct bpf_insn *p = calloc(cap, sizeof(*p));
        if (!p)
                return -ENOMEM;
        /* r2 = type, r3 = access, r4 = major, r5 = minor */
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
        p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xFFFF);
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 0, 0);
        p[k++] = INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0);
        p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0);
        for (size_t i = 0; i < n && !allow_all; i++) {
                const struct dev_rule *r = &rules[i];
                /* the block's length decides the jumps to the next rule */
                size_t len = 4 + (r->type != 'a') + (r->major >= 0) + (r->minor >= 0);
                size_t start = k;
#define NEXT ((short) (start + len - k - 1))
                if (r->type != 'a')
                        p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, NEXT,
                                      r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
                if (r->major >= 0)
                        p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, NEXT, r->major);
                if (r->minor >= 0)
                        p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, NEXT, r->minor);
                /* every access asked for must be in the rule: (access & ~rule) == 0 */
                p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
                p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int) (~r->access & 7));
                p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, NEXT, 0);
                p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow ? 1 : 0);
                p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
#undef NEXT
        }
        p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, allow_all ? 1 : 0);
        p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        *ret = p;
        *ret_n = k;
        return 0;
}

int devices_bpf_attach(bl_ctx *ctx, const char *cgroup_dir, const struct cg_limits *lim)
{
        _cleanup_free_ struct dev_rule *rules = NULL;
        _cleanup_free_ struct bpf_insn *prog = NULL;
        size_t nrules, ninsn;
        int r = devices_rules(lim, &rules, &nrules);
        if (r < 0 || (r = devices_bpf_build(rules, nrules, lim->all_devices, &prog, &ninsn)) < 0)
                return r;
        char log[4096] = "";
        union bpf_attr attr = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uint64_t) (uintptr_t) prog,
                .insn_cnt = (uint32_t) ninsn,
                .license = (uint64_t) (uintptr_t) "GPL",
                .log_buf = (uint64_t) (uintptr_t) log,
                .log_size = sizeof(log),
                .log_level = 1,
        };
        _cleanup_close_ int pfd = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
        if (pfd < 0)
                return bl_err(ctx, errno, "cgroup %s: cannot load the device program: %m", cgroup_dir);
        _cleanup_close_ int cfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cfd < 0)
                return bl_err(ctx, errno, "cgroup %s: %m", cgroup_dir);
        union bpf_attr at = {
                .target_fd = (uint32_t) cfd,
                .attach_bpf_fd = (uint32_t) pfd,
                .attach_type = BPF_CGROUP_DEVICE,
                .attach_flags = BPF_F_ALLOW_MULTI,
        };
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &at, sizeof(at)) < 0)
                return bl_err(ctx, errno, "cgroup %s: cannot attach the device program: %m", cgroup_dir);
        return 0;
}

char *devices_policy_text(const struct cg_limits *lim)
{
        _cleanup_free_ struct dev_rule *rules = NULL;
        size_t n;
        if (lim->all_devices)
                return strdup("allow a *:* rwm\n");
        if (devices_rules(lim, &rules, &n) < 0)
                return NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                char maj[16] = "*", min[16] = "*";
                if (rules[i].major >= 0)
                        snprintf(maj, sizeof(maj), "%d", rules[i].major);
                if (rules[i].minor >= 0)
                        snprintf(min, sizeof(min), "%d", rules[i].minor);
                fprintf(f, "%s %c %s:%s %s%s%s\n", rules[i].allow ? "allow" : "deny", rules[i].type, maj, min,
                        rules[i].access & BPF_DEVCG_ACC_READ ? "r" : "", rules[i].access & BPF_DEVCG_ACC_WRITE ? "w" : "",
                        rules[i].access & BPF_DEVCG_ACC_MKNOD ? "m" : "");
        }
        fprintf(f, "deny a *:* rwm\n");
        fclose(f);
        return buf;
}

