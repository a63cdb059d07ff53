/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup v2 device program, tested by what it decides: every program is
 * run through a small interpreter of the instructions the generator emits
 * (the kernel cannot test-run CGROUP_DEVICE programs) and, as root, loaded
 * through the kernel's verifier. */
#include <sys/syscall.h>

#include "cgroup/devices_bpf.h"
#include "unit.h"

#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD
#define BLK BPF_DEVCG_DEV_BLOCK
#define CHR BPF_DEVCG_DEV_CHAR

START_TEST(test_rule_parse)
{
        struct dev_rule r;
        ck_assert_int_eq(dev_rule_parse("c 1:3 rwm", true, &r), 0);
        ck_assert_int_eq(r.type, 'c');
        ck_assert_int_eq(r.major, 1);
        ck_assert_int_eq(r.minor, 3);
        ck_assert_uint_eq(r.access, R | W | M);
        ck_assert_int_eq(dev_rule_parse("b *:* r", false, &r), 0);
        ck_assert_int_eq(r.major, -1);
        ck_assert_int_eq(r.minor, -1);
        ck_assert(!r.allow);
        ck_assert_int_eq(dev_rule_parse("c 4095:1048575 m", true, &r), 0);
        ck_assert_int_eq(r.minor, 1048575);
        static const char *const bad[] = {
                "x 1:3 rwm", "c 1 rwm", "c 1:3", "c 1:3 rwx", "c a:3 r", "c 1:3 r extra", "",
                "c 1*2:3 r", "c 1:3* r", "c 4096:0 r", "c 1:1048576 r", "c -1:3 r", "c 1:3 rr", NULL,
        };
        for (size_t i = 0; bad[i]; i++)
                ck_assert_msg(dev_rule_parse(bad[i], true, &r) < 0, "accepted \"%s\"", bad[i]);
}
END_TEST

/* The instructions the generator may emit, and nothing else: an unknown one
 * fails the test (the kernel would run it; we could not judge it). */
static int run(const struct bpf_insn *p, size_t n, unsigned type, unsigned major, unsigned minor, unsigned access)
{
        const uint32_t ctx[3] = { (access << 16) | type, major, minor };
        uint64_t reg[11] = { 0 };
        bool is_ctx[11] = { [BPF_REG_1] = true };
        for (size_t pc = 0, steps = 0; pc < n && steps < 4096; pc++, steps++) {
                const struct bpf_insn *i = &p[pc];
                uint64_t *d = &reg[i->dst_reg];
                if (i->dst_reg > 10 || i->src_reg > 10)
                        ck_abort_msg("insn %zu: bad register", pc);
                switch (i->code) {
                case BPF_LDX | BPF_W | BPF_MEM:
                        ck_assert_msg(is_ctx[i->src_reg] && i->off >= 0 && i->off % 4 == 0 && i->off < 12,
                                      "insn %zu: load outside the context", pc);
                        *d = ctx[i->off / 4];
                        is_ctx[i->dst_reg] = false;
                        continue;
                case BPF_ALU | BPF_AND | BPF_K:
                        *d = (uint32_t) *d & (uint32_t) i->imm;
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        *d = (uint32_t) *d >> i->imm;
                        break;
                case BPF_ALU | BPF_MOV | BPF_X:
                        *d = (uint32_t) reg[i->src_reg];
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        *d = (uint64_t) (int64_t) i->imm;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                case BPF_JMP | BPF_JEQ | BPF_K:
                case BPF_JMP | BPF_JA:
                        ck_assert_msg(i->off >= 0 && pc + 1 + (size_t) i->off < n, "insn %zu: jump out of the program", pc);
                        if (BPF_OP(i->code) == BPF_JA ||
                            (BPF_OP(i->code) == BPF_JNE) == (*d != (uint64_t) (int64_t) i->imm))
                                pc += (size_t) i->off;
                        continue;
                case BPF_JMP | BPF_EXIT:
                        return (int) reg[BPF_REG_0];
                default:
                        ck_abort_msg("insn %zu: opcode 0x%02x not interpreted", pc, i->code);
                }
                is_ctx[i->dst_reg] = false;
        }
        ck_abort_msg("the program runs off its end");
        return -1;
}

/* The policy for `rules` ("a c 1:3 rwm" / "d ..."), as a program. */
static void build(char **rules, bool all, struct bpf_insn **ret, size_t *ret_n)
{
        struct cg_limits lim = { .device_rules = rules, .all_devices = all, .device_rules_apply = true };
        struct dev_rule *v;
        size_t n;
        ck_assert_int_eq(devices_rules(&lim, &v, &n), 0);
        ck_assert_int_eq(devices_bpf_build(v, n, all, ret, ret_n), 0);
        free(v);
}

struct dev_case {
        unsigned type, major, minor, access;
        int allow;
};

static void check_cases(char **rules, bool all, const struct dev_case *c, size_t n)
{
        struct bpf_insn *p;
        size_t np;
        build(rules, all, &p, &np);
        for (size_t i = 0; i < n; i++) {
                int got = run(p, np, c[i].type, c[i].major, c[i].minor, c[i].access);
                ck_assert_msg(got == c[i].allow, "%c %u:%u %s%s%s: %s, expected %s", c[i].type == BLK ? 'b' : 'c',
                              c[i].major, c[i].minor, c[i].access & R ? "r" : "", c[i].access & W ? "w" : "",
                              c[i].access & M ? "m" : "", got ? "allowed" : "denied", c[i].allow ? "allowed" : "denied");
        }
        free(p);
}

START_TEST(test_default_policy)
{
        static const struct dev_case c[] = {
                /* the default nodes, every access */
                { CHR, 1, 3, R, 1 }, { CHR, 1, 3, W, 1 }, { CHR, 1, 3, R | W, 1 }, { CHR, 1, 3, M, 1 },
                { CHR, 1, 5, R | W, 1 }, { CHR, 1, 7, R | W, 1 }, { CHR, 1, 8, R, 1 }, { CHR, 1, 9, R | W, 1 },
                { CHR, 5, 0, R | W, 1 }, { CHR, 5, 2, R | W, 1 }, { CHR, 136, 0, R | W, 1 }, { CHR, 136, 4095, R | W, 1 },
                /* the host's console, memory, disks, tun: made perhaps, never opened */
                { CHR, 5, 1, R, 0 }, { CHR, 5, 1, W, 0 }, { CHR, 5, 1, R | W, 0 }, { CHR, 5, 1, M, 1 },
                { CHR, 1, 1, R, 0 }, { CHR, 1, 1, W, 0 }, { CHR, 1, 1, M, 1 }, { CHR, 1, 2, R, 0 },
                { BLK, 8, 0, R, 0 }, { BLK, 8, 0, W, 0 }, { BLK, 8, 0, M, 1 }, { BLK, 253, 0, R, 0 },
                { CHR, 10, 200, R | W, 0 }, { CHR, 4, 1, R | W, 0 }, { CHR, 13, 64, R, 0 },
                /* a char rule says nothing of the block device of the same numbers */
                { BLK, 1, 3, R, 0 }, { BLK, 136, 0, R, 0 }, { BLK, 5, 2, W, 0 },
                /* mknod with an open in the same request: the open part decides */
                { CHR, 5, 1, R | M, 0 }, { BLK, 8, 0, W | M, 0 }, { CHR, 1, 3, R | W | M, 1 },
        };
        check_cases(NULL, false, c, ARRAY_SIZE(c));
        /* the table says the same (what v1 writes, what a fake tree records) */
        struct cg_limits lim = { 0 };
        char *text = devices_policy_text(&lim);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(!strstr(text, "5:1 ") && !strstr(text, "10:200"), "%s", text);
        ck_assert_msg(strstr(text, "allow c *:* m\n") && strstr(text, "allow b *:* m\n"), "%s", text);
        free(text);
}
END_TEST

START_TEST(test_user_rules)
{
        char *rules[] = {
                (char *) "a c 10:200 rwm",      /* tun, back */
                (char *) "d c 1:9 rwm",         /* urandom, away */
                (char *) "d c 1:3 w",           /* null: read only */
                (char *) "a b 8:* r",           /* every sd disk, read only */
                (char *) "a a 99:* rw",         /* both types */
                (char *) "d c 136:* m",         /* no pty nodes made */
                (char *) "d b 8:16 rwm",        /* one disk away, though its family is allowed */
                NULL,
        };
        static const struct dev_case c[] = {
                { CHR, 10, 200, R | W, 1 }, { CHR, 1, 9, R, 0 }, { CHR, 1, 9, M, 0 }, { CHR, 1, 8, R, 1 },
                { CHR, 1, 3, R, 1 }, { CHR, 1, 3, W, 0 }, { CHR, 1, 3, R | W, 0 }, { CHR, 1, 3, M, 1 },
                { BLK, 8, 0, R, 1 }, { BLK, 8, 0, W, 0 }, { BLK, 8, 1, R, 1 }, { BLK, 8, 16, R, 0 },
                { BLK, 8, 16, M, 0 }, { CHR, 8, 0, R, 0 },
                { BLK, 99, 1, R | W, 1 }, { CHR, 99, 7, R, 1 }, { CHR, 99, 7, M, 1 }, { BLK, 98, 1, R, 0 },
                { CHR, 136, 3, R | W, 1 }, { CHR, 136, 3, M, 0 }, { CHR, 5, 1, R, 0 }, { CHR, 1, 1, R, 0 },
        };
        check_cases(rules, false, c, ARRAY_SIZE(c));
}
END_TEST

START_TEST(test_wildcard_rules)
{
        char *rules[] = { (char *) "d c *:* m", (char *) "a c 7:* r", NULL };
        static const struct dev_case c[] = {
                /* no char node made any more, the block wildcard stays */
                { CHR, 5, 1, M, 0 }, { CHR, 1, 3, M, 0 }, { BLK, 8, 0, M, 1 }, { CHR, 1, 3, R | W, 1 },
                { CHR, 7, 0, R, 1 }, { CHR, 7, 1000, R, 1 }, { CHR, 7, 0, W, 0 }, { CHR, 6, 0, R, 0 },
        };
        check_cases(rules, false, c, ARRAY_SIZE(c));
        char *all[] = { (char *) "a a *:* rwm", NULL };
        static const struct dev_case everything[] = { { BLK, 8, 0, R | W, 1 }, { CHR, 5, 1, R | W | M, 1 } };
        check_cases(all, false, everything, ARRAY_SIZE(everything));
}
END_TEST

START_TEST(test_privileged)
{
        static const struct dev_case c[] = {
                { BLK, 8, 0, R | W, 1 }, { CHR, 1, 1, R, 1 }, { CHR, 5, 1, R | W | M, 1 }, { CHR, 1, 3, W, 1 },
        };
        check_cases(NULL, true, c, ARRAY_SIZE(c));
}
END_TEST

/* The kernel's verifier takes every program we build (root only). */
START_TEST(test_verifier_loads)
{
        char *user[] = { (char *) "a c 10:200 rwm", (char *) "d c 1:3 w", (char *) "a a 99:* rw", (char *) "d b 8:16 rwm", NULL };
        struct { char **rules; bool all; } progs[] = { { NULL, false }, { user, false }, { NULL, true } };
        for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
                struct bpf_insn *p;
                size_t n;
                build(progs[i].rules, progs[i].all, &p, &n);
                bl_ctx *ctx;
                ck_assert_int_eq(bl_ctx_new(&ctx, "/tmp"), 0);
                int fd = -1;
                int r = devices_bpf_load(ctx, "test", p, n, &fd);
                ck_assert_msg(r == 0 && fd >= 0, "program %zu: %s", i, bl_ctx_errmsg(ctx));
                close(fd);
                bl_ctx_free(ctx);
                free(p);
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("devices");
        TCase *tc = tcase_create("devices");
        tcase_add_test(tc, test_rule_parse);
        tcase_add_test(tc, test_default_policy);
        tcase_add_test(tc, test_user_rules);
        tcase_add_test(tc, test_wildcard_rules);
        tcase_add_test(tc, test_privileged);
        bool root = geteuid() == 0;
        if (root)
                tcase_add_test(tc, test_verifier_loads);
        suite_add_tcase(s, tc);
        int r = run_suite(s);
        if (r == 0 && !root) {
                printf("SKIP: loading through the kernel's verifier needs root\n");
                return 77;
        }
        return r;
}
