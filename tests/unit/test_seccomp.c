/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The default seccomp filter, by behaviour: a child loads it (as a
 * container's program would, under no_new_privs: no root needed) and makes
 * one call; the test compares the errno with what the filter must answer. */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <sys/wait.h>

#include "runtime/runtime.h"
#include "unit.h"

#define ALLOWED 0

static long io_uring(void)
{
        char params[120] = { 0 };
        return syscall(SYS_io_uring_setup, 1, params);
}
static long io_uring_enter(void) { return syscall(SYS_io_uring_enter, 0, 0, 0, 0, NULL, 0); }
static long vsock(void) { return syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0); }
/* high bits the kernel drops (it reads an int): the filter must too */
static long vsock_high(void) { return syscall(SYS_socket, AF_VSOCK | (1L << 32), SOCK_STREAM, 0); }
static long unix_socket(void) { return syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0); }
static long pers_query(void) { return syscall(SYS_personality, 0xffffffffL); }
static long pers_linux32(void) { return syscall(SYS_personality, 0x8L); }
static long pers_uname26(void) { return syscall(SYS_personality, 0x20008L); }
static long pers_linux(void) { return syscall(SYS_personality, 0L); }
static long pers_high(void) { return syscall(SYS_personality, 0x100000008L); }
static long pers_norandom(void) { return syscall(SYS_personality, (long) ADDR_NO_RANDOMIZE); }
static long pers_exec(void) { return syscall(SYS_personality, (long) READ_IMPLIES_EXEC); }
static long pers_nine(void) { return syscall(SYS_personality, 0x9L); }
static long pers_high_norandom(void) { return syscall(SYS_personality, (long) ADDR_NO_RANDOMIZE | (1L << 32)); }
static long pers_almost_all(void) { return syscall(SYS_personality, 0xfffffffeL); }
static long add_key(void) { return syscall(SYS_add_key, "user", "blt", "x", 1, KEY_SPEC_PROCESS_KEYRING); }
static long keyctl(void) { return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0); }
static long userfaultfd(void) { return syscall(SYS_userfaultfd, O_CLOEXEC | 1); }
static long clone3(void) { return syscall(SYS_clone3, NULL, 0); }
static long unshare_user(void) { return unshare(CLONE_NEWUSER); }
static long clone_user(void)
{
        long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
        if (r == 0)
                _exit(0);
        return r;
}
static long kcmp(void) { return syscall(SYS_kcmp, getpid(), getpid(), KCMP_VM, 0, 0); }
static long set_mempolicy(void) { return syscall(SYS_set_mempolicy, 0, NULL, 0); }
static long name_to_handle(void)
{
        /* real buffers: allowed, the call would succeed */
        _Alignas(struct file_handle) unsigned char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
        struct file_handle *h = (struct file_handle *) buf;
        h->handle_bytes = MAX_HANDLE_SZ;
        int mnt;
        return syscall(SYS_name_to_handle_at, AT_FDCWD, "/", h, &mnt, 0);
}
static long getpid_call(void) { return syscall(SYS_getpid); }
static long adjtime_read(void)
{
        struct timex t = { 0 };        /* modes 0: a read, as glibc's adjtimex */
        return syscall(SYS_clock_adjtime, CLOCK_REALTIME, &t);
}
/* a clock no one may set: the kernel's answer would be EINVAL, harmless even as root */
static long settime(void)
{
        struct timespec ts = { 0 };
        return syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts);
}

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#if defined(__x86_64__)
/* The i386 ABI from this 64-bit process: the filter covers it too. */
static long int80(long nr, long a0, long a1)
{
        long r;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a0), "c"(a1) : "memory");
        if (r < 0 && r > -4096) {
                errno = (int) -r;
                return -1;
        }
        return r;
}
static long i386_io_uring(void) { return int80(425, 1, 0); }           /* io_uring_setup */
static long i386_personality(void) { return int80(136, ADDR_NO_RANDOMIZE, 0); }
static long i386_getpid(void) { return int80(20, 0, 0); }
#endif

/* errno of `call` in a child under the default filter for `caps`; 0: allowed. */
static int under_filter(uint64_t caps, long (*call)(void))
{
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct sock_fprog prog;
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_prepare(caps, &prog, NULL) < 0 ||
                    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
                        _exit(255);
                errno = 0;
                long r = call();
                _exit(r < 0 ? (errno ? errno : 254) : 0);
        }
        int st;
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 255, "the filter did not load");
        return WEXITSTATUS(st);
}

struct sc_case {
        const char *what;
        long (*call)(void);
        int expect;             /* errno, or ALLOWED */
};

static void check_cases(uint64_t caps, const struct sc_case *c, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int got = under_filter(caps, c[i].call);
                /* valgrind answers ENOSYS itself for calls it does not know
                 * (userfaultfd, clone3...): the kernel's filter never saw them */
                if (RUNNING_ON_VALGRIND && got == ENOSYS && c[i].expect != ENOSYS)
                        continue;
                ck_assert_msg(got == c[i].expect, "%s: %s, expected %s", c[i].what, got ? strerrorname_np(got) : "allowed",
                              c[i].expect ? strerrorname_np(c[i].expect) : "allowed");
        }
}

START_TEST(test_default_refuses)
{
        static const struct sc_case c[] = {
                { "io_uring_setup", io_uring, EPERM }, { "io_uring_enter", io_uring_enter, EPERM },
                { "socket(AF_VSOCK)", vsock, EPERM }, { "socket(AF_VSOCK | 1 << 32)", vsock_high, EPERM },
                { "personality(ADDR_NO_RANDOMIZE)", pers_norandom, EPERM },
                { "personality(READ_IMPLIES_EXEC)", pers_exec, EPERM }, { "personality(0x9)", pers_nine, EPERM },
                { "personality(ADDR_NO_RANDOMIZE | 1 << 32)", pers_high_norandom, EPERM },
                { "personality(0xfffffffe)", pers_almost_all, EPERM },
                { "add_key", add_key, EPERM }, { "keyctl", keyctl, EPERM }, { "userfaultfd", userfaultfd, EPERM },
                { "clone3", clone3, ENOSYS }, { "unshare(CLONE_NEWUSER)", unshare_user, EPERM },
                { "clone(CLONE_NEWUSER)", clone_user, EPERM }, { "kcmp", kcmp, EPERM },
                { "set_mempolicy", set_mempolicy, EPERM }, { "name_to_handle_at", name_to_handle, EPERM },
                { "clock_settime", settime, EPERM },
        };
        check_cases(caps_default(), c, ARRAY_SIZE(c));
}
END_TEST

START_TEST(test_default_allows)
{
        /* the controls: what Docker allows passes */
        static const struct sc_case c[] = {
                { "getpid", getpid_call, ALLOWED }, { "socket(AF_UNIX)", unix_socket, ALLOWED },
                { "personality(query)", pers_query, ALLOWED }, { "personality(PER_LINUX)", pers_linux, ALLOWED },
                { "personality(PER_LINUX32)", pers_linux32, ALLOWED }, { "personality(0x20008)", pers_uname26, ALLOWED },
                { "personality(8 | 1 << 32)", pers_high, ALLOWED }, { "clock_adjtime (read)", adjtime_read, ALLOWED },
        };
        check_cases(caps_default(), c, ARRAY_SIZE(c));
}
END_TEST

START_TEST(test_capability_conditions)
{
        /* as Docker: a capability the container keeps lifts its calls' refusal */
        static const struct sc_case ptrace_cases[] = { { "kcmp with CAP_SYS_PTRACE", kcmp, ALLOWED } };
        check_cases(caps_default() | BIT(CAP_SYS_PTRACE), ptrace_cases, 1);
        static const struct sc_case nice_cases[] = { { "set_mempolicy with CAP_SYS_NICE", set_mempolicy, ALLOWED } };
        check_cases(caps_default() | BIT(CAP_SYS_NICE), nice_cases, 1);
        /* CAP_SYS_ADMIN: clone3 reaches the kernel (which refuses a NULL argument) */
        static const struct sc_case admin_cases[] = { { "clone3 with CAP_SYS_ADMIN", clone3, EINVAL } };
        check_cases(caps_default() | BIT(CAP_SYS_ADMIN), admin_cases, 1);
        /* never lifted: io_uring, keyrings */
        static const struct sc_case never[] = { { "io_uring_setup, all caps", io_uring, EPERM }, { "add_key, all caps", add_key, EPERM } };
        check_cases(~0ULL, never, ARRAY_SIZE(never));
}
END_TEST

START_TEST(test_i386_abi)
{
#if defined(__x86_64__)
        if (RUNNING_ON_VALGRIND) {
                /* valgrind cannot run int 0x80 in a 64-bit process: the plain
                 * and sanitizer runs of this suite check the ABI */
                fprintf(stderr, "i386 ABI not checked under valgrind\n");
                return;
        }
        if (i386_getpid() != getpid()) {
                /* a kernel without IA32 emulation: the ABI cannot be reached at all */
                ck_assert_int_eq(errno, ENOSYS);
                return;
        }
        static const struct sc_case c[] = {
                { "i386 getpid", i386_getpid, ALLOWED }, { "i386 io_uring_setup", i386_io_uring, EPERM },
                { "i386 personality(ADDR_NO_RANDOMIZE)", i386_personality, EPERM },
        };
        check_cases(caps_default(), c, ARRAY_SIZE(c));
#endif
}
END_TEST

int main(void)
{
        Suite *s = suite_create("seccomp");
        TCase *tc = tcase_create("seccomp");
        tcase_add_test(tc, test_default_refuses);
        tcase_add_test(tc, test_default_allows);
        tcase_add_test(tc, test_capability_conditions);
        tcase_add_test(tc, test_i386_abi);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
