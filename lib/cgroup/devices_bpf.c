/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device policy on cgroup v2: a CGROUP_DEVICE eBPF program generated
 * from the rules. The program is a list of blocks, one per rule; a block
 * either ends the program with its rule's verdict or jumps to the next
 * block. Blocks are emitted first with their "no match" jumps pending, then
 * the jumps are patched once the block's end is known (as crun does). */
#include <fcntl.h>
#include <sys/syscall.h>

#include "devices_bpf.h"

#define DEV_MAJOR_MAX 0xfff     /* the kernel's dev_t: 12 bits of major */
#define DEV_MINOR_MAX 0xfffff   /* and 20 of minor */
#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

/* "*" or a decimal number up to max; -1 for "*". */
static int parse_number(const char *s, size_t len, long max, int *ret)
{
        if (len == 1 && s[0] == '*') {
                *ret = -1;
                return 0;
        }
        long v = 0;
        if (len == 0 || len > 8)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (s[i] - '0');
        }
        if (v > max)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

int dev_rule_parse(const char *text, bool allow, struct dev_rule *ret)
{
        struct dev_rule r = { .allow = allow, .major = -1, .minor = -1 };
        if (!text)
                return -EINVAL;
        if (strcmp(text, "a") == 0) {
                r.type = 'a';
                r.access = ACC_ALL;
                *ret = r;
                return 0;
        }
        /* TYPE MAJOR:MINOR ACCESS, single spaces, nothing more */
        if ((text[0] != 'a' && text[0] != 'b' && text[0] != 'c') || text[1] != ' ')
                return -EINVAL;
        r.type = text[0];
        const char *maj = text + 2, *colon = strchr(maj, ':');
        const char *min = colon ? colon + 1 : NULL, *space = min ? strchr(min, ' ') : NULL;
        if (!space || parse_number(maj, (size_t) (colon - maj), DEV_MAJOR_MAX, &r.major) < 0 ||
            parse_number(min, (size_t) (space - min), DEV_MINOR_MAX, &r.minor) < 0 || !space[1])
                return -EINVAL;
        for (const char *p = space + 1; *p; p++) {
                unsigned bit = *p == 'r' ? BPF_DEVCG_ACC_READ : *p == 'w' ? BPF_DEVCG_ACC_WRITE
                             : *p == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
                if (!bit || (r.access & bit))
                        return -EINVAL;
                r.access |= bit;
        }
        *ret = r;
        return 0;
}

int devices_rules(const struct cg_limits *lim, struct dev_rule **ret, size_t *ret_n)
{
        size_t n = 0, max = strv_length(lim->device_rules);
        for (const char *const *p = cg_default_devices; *p; p++)
                max++;
        struct dev_rule *v = calloc(max ? max : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        /* the first matching rule decides: the user's denials, then the
         * user's allows, then the defaults (a denial overrides a default) */
        for (int pass = 0; pass < 2; pass++)
                for (char **p = lim->device_rules; p && *p; p++) {
                        bool deny = (*p)[0] == 'd';
                        if (deny != (pass == 0))
                                continue;
                        if (((*p)[0] != 'a' && !deny) || (*p)[1] != ' ' || dev_rule_parse(*p + 2, !deny, &v[n]) < 0) {
                                free(v);
                                return -EINVAL;
                        }
                        n++;
                }
        for (const char *const *p = cg_default_devices; *p; p++)
                if (dev_rule_parse(*p, true, &v[n++]) < 0) {
                        free(v);
                        return -EINVAL;
                }
        *ret = v;
        *ret_n = n;
        return 0;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
/* registers the prologue fills */
#define REG_TYPE BPF_REG_2
#define REG_ACCESS BPF_REG_3
#define REG_MAJOR BPF_REG_4
#define REG_MINOR BPF_REG_5
#define REG_TMP BPF_REG_1
#define PENDING ((short) 0x7fff) /* a "no match" jump not patched yet */

struct prog {
        struct bpf_insn *insn;
        size_t n, cap;
};

static void emit(struct prog *p, struct bpf_insn i)
{
        /* the capacity is computed for the worst case before emitting */
        if (p->n < p->cap)
                p->insn[p->n] = i;
        p->n++;
}

static void emit_verdict(struct prog *p, bool allow)
{
        emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, allow ? 1 : 0));
        emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/* One rule: every test that fails jumps past the block. */
static void emit_rule(struct prog *p, const struct dev_rule *r)
{
        size_t start = p->n;
        if (r->type != 'a')
                emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, REG_TYPE, 0, PENDING,
                             r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
        if (r->major >= 0)
                emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, REG_MAJOR, 0, PENDING, r->major));
        if (r->minor >= 0)
                emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, REG_MINOR, 0, PENDING, r->minor));
        unsigned acc = r->access & ACC_ALL;
        if (r->allow && acc != ACC_ALL) {
                /* an allow matches when it grants all that is asked: (asked & ~rule) == 0 */
                emit(p, INSN(BPF_ALU | BPF_MOV | BPF_X, REG_TMP, REG_ACCESS, 0, 0));
                emit(p, INSN(BPF_ALU | BPF_AND | BPF_K, REG_TMP, 0, 0, (int) (~acc & ACC_ALL)));
                emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, REG_TMP, 0, PENDING, 0));
        } else if (!r->allow && acc != ACC_ALL) {
                /* a denial matches when it refuses any part of it: (asked & rule) != 0 */
                emit(p, INSN(BPF_ALU | BPF_MOV | BPF_X, REG_TMP, REG_ACCESS, 0, 0));
                emit(p, INSN(BPF_ALU | BPF_AND | BPF_K, REG_TMP, 0, 0, (int) acc));
                emit(p, INSN(BPF_JMP | BPF_JEQ | BPF_K, REG_TMP, 0, PENDING, 0));
        }
        emit_verdict(p, r->allow);
        /* the next block starts here: offsets count from the next instruction */
        for (size_t i = start; i < p->n && i < p->cap; i++)
                if (p->insn[i].off == PENDING)
                        p->insn[i].off = (short) (p->n - (i + 1));
}

int devices_bpf_build(const struct dev_rule *rules, size_t n, bool allow_all, struct bpf_insn **ret, size_t *ret_n)
{
        /* prologue 6, a rule at most 3 + 3 + 2, the final verdict 2 */
        if (n > 4000)
                return -E2BIG;
        struct prog p = { .cap = 6 + n * 8 + 2 };
        p.insn = calloc(p.cap, sizeof(*p.insn));
        if (!p.insn)
                return -ENOMEM;
        if (!allow_all) {
                /* ctx: u32 access_type (access << 16 | type), u32 major, u32 minor */
                emit(&p, INSN(BPF_LDX | BPF_W | BPF_MEM, REG_TYPE, BPF_REG_1, 0, 0));
                emit(&p, INSN(BPF_ALU | BPF_AND | BPF_K, REG_TYPE, 0, 0, 0xFFFF));
                emit(&p, INSN(BPF_LDX | BPF_W | BPF_MEM, REG_ACCESS, BPF_REG_1, 0, 0));
                emit(&p, INSN(BPF_ALU | BPF_RSH | BPF_K, REG_ACCESS, 0, 0, 16));
                emit(&p, INSN(BPF_LDX | BPF_W | BPF_MEM, REG_MAJOR, BPF_REG_1, 4, 0));
                emit(&p, INSN(BPF_LDX | BPF_W | BPF_MEM, REG_MINOR, BPF_REG_1, 8, 0));
                for (size_t i = 0; i < n; i++)
                        emit_rule(&p, &rules[i]);
        }
        emit_verdict(&p, allow_all);
        if (p.n > p.cap) {
                free(p.insn);
                return -EOVERFLOW;
        }
        *ret = p.insn;
        *ret_n = p.n;
        return 0;
}

static int prog_load(const struct bpf_insn *prog, size_t n, char *log, size_t logsize)
{
        union bpf_attr attr = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uint64_t) (uintptr_t) prog,
                .insn_cnt = (uint32_t) n,
                .license = (uint64_t) (uintptr_t) "GPL",
                .log_buf = (uint64_t) (uintptr_t) log,
                .log_size = (uint32_t) logsize,
                .log_level = log ? 1 : 0,
        };
        return (int) syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

int devices_bpf_load(bl_ctx *ctx, const char *what, const struct bpf_insn *prog, size_t n, int *ret_fd)
{
        int fd = prog_load(prog, n, NULL, 0);
        if (fd >= 0) {
                *ret_fd = fd;
                return 0;
        }
        int e = errno;
        /* refused: once more with the verifier's log, whose last line says why */
        _cleanup_free_ char *log = calloc(1, 1 << 16);
        if (log && prog_load(prog, n, log, 1 << 16) < 0 && *log) {
                /* the last line but the statistics ("processed N insns ...") */
                char *last = NULL;
                for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
                        if (!startswith(line, "processed ") && !startswith(line, "verification time"))
                                last = line;
                return ctx_fail(ctx, e, "cgroup %s: cannot load the device program: %s (verifier: %s)", what,
                              strerror(e), last ? last : "?");
        }
        return ctx_fail(ctx, e, "cgroup %s: cannot load the device program: %s", what, strerror(e));
}

int devices_bpf_attach(bl_ctx *ctx, const char *cgroup_dir, const struct cg_limits *lim)
{
        _cleanup_free_ struct dev_rule *rules = NULL;
        _cleanup_free_ struct bpf_insn *prog = NULL;
        _cleanup_close_ int pfd = -1;
        size_t nrules, ninsn;
        int r = devices_rules(lim, &rules, &nrules);
        if (r < 0 || (r = devices_bpf_build(rules, nrules, lim->all_devices, &prog, &ninsn)) < 0)
                return ctx_fail(ctx, -r, "cgroup %s: cannot build the device program: %s", cgroup_dir, strerror(-r));
        if ((r = devices_bpf_load(ctx, cgroup_dir, prog, ninsn, &pfd)) < 0)
                return r;
        _cleanup_close_ int cfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cfd < 0)
                return ctx_fail(ctx, errno, "cgroup %s: %m", cgroup_dir);
        union bpf_attr at = {
                .target_fd = (uint32_t) cfd,
                .attach_bpf_fd = (uint32_t) pfd,
                .attach_type = BPF_CGROUP_DEVICE,
                .attach_flags = BPF_F_ALLOW_MULTI,
        };
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &at, sizeof(at)) < 0)
                return ctx_fail(ctx, errno, "cgroup %s: cannot attach the device program: %m", cgroup_dir);
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
