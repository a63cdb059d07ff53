/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* baleine-init's join mode with the library's message (join_message), run
 * without root (ids left as they are, every capability kept, the filter
 * loaded under no_new_privs): it executes the program, relays it when it
 * forks, reports what cannot start, and a message that is not whole and
 * right runs nothing. */
#include <fcntl.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "runtime/runtime.h"
#include "unit.h"

static const char *init_path(void)
{
        const char *p = getenv("BLT_INIT");
        ck_assert_msg(p && access(p, X_OK) == 0, "BLT_INIT is not set to baleine-init (run through meson test)");
        return p;
}

struct run {
        int code;       /* the init's exit status */
        int report;     /* report_read: 0 (the program started) or -errno */
        char msg[256];
};

/* In a child: "baleine-init --join FD" (arg replaces FD when not NULL),
 * the message and the report's end kept open across the exec. */
static _Noreturn void exec_join(int msg, int report_end, const char *arg)
{
        char fd_s[16];
        snprintf(fd_s, sizeof(fd_s), "%d", msg);
        fcntl(msg, F_SETFD, 0);
        fcntl(report_end, F_SETFD, 0);
        char *argv[] = { (char *) "baleine-init", (char *) JOIN_MODE, (char *) (arg ? arg : fd_s), NULL };
        char *envp[] = { NULL };
        execve(init_path(), argv, envp);
        _exit(99);
}

static int wait_code(pid_t pid)
{
        int st;
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* The whole run: message from prog (ids unchanged, all capabilities,
 * no_new_privs and the default filter for them), an optional tampering of
 * the memfd, the init's exit code and its report. */
static struct run join(struct run_program *prog, void (*tamper)(int fd), const char *arg)
{
        int sv[2];
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        struct run_security sec = { .caps = caps_all(), .seccomp = true };
        struct sock_fprog filter;
        ck_assert_int_eq(seccomp_prepare(sec.caps, &filter, NULL), 0);
        int msg = join_message(prog, &sec, &filter, sv[1]);
        free(filter.filter);
        ck_assert_int_ge(msg, 0);
        if (tamper)
                tamper(msg);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                close(sv[0]);
                exec_join(msg, sv[1], arg);
        }
        close(sv[1]);
        close(msg);
        struct run r = { 0 };
        bl_ctx *ctx;
        ck_assert_int_eq(bl_ctx_new(&ctx, "/tmp"), 0);
        r.report = report_read(ctx, sv[0], 10000, NULL);
        snprintf(r.msg, sizeof(r.msg), "%s", bl_ctx_errmsg(ctx));
        bl_ctx_free(ctx);
        close(sv[0]);
        r.code = wait_code(pid);
        return r;
}

static struct run_program program(char **argv, char **envp, const char *workdir)
{
        struct run_program p = { .argv = argv, .envp = envp, .workdir = workdir, .pty_slave = -1, .go_fd = -1 };
        for (int i = 0; i < 3; i++)
                p.stdio[i] = -1;
        for (int i = 0; i < 6; i++)
                p.relay[i] = -1;
        return p;
}

static char *slurp(const char *path)
{
        char *s = NULL;
        if (read_file(path, &s, NULL) < 0)
                return strdup("");
        return s;
}

START_TEST(test_join_executes)
{
        char *dir = make_tmp();
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) "printf '%s %s' \"$X\" \"$(pwd)\" > out", NULL };
        char *envp[] = { (char *) "X=joined", NULL };
        struct run_program p = program(argv, envp, dir);
        struct run r = join(&p, NULL, NULL);
        ck_assert_msg(r.code == 0 && r.report == 0, "code %d report %d: %s", r.code, r.report, r.msg);
        char *out_path = strdup_printf("%s/out", dir), *out = slurp(out_path), *want = strdup_printf("joined %s", dir);
        ck_assert_str_eq(out, want);
        free(out);
        free(want);
        unlink(out_path);
        free(out_path);
        rmdir(dir);
        free(dir);
}
END_TEST

/* exec's shape: the init forks the program and relays its pipes to the
 * caller's descriptors, and ends with the program's status */
START_TEST(test_join_forks_and_relays)
{
        int in[2], out[2], err[2], caller_out[2];
        ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
        ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
        ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
        ck_assert_int_eq(pipe2(caller_out, O_CLOEXEC), 0);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) "echo relayed; echo to-err >&2; exit 7", NULL };
        struct run_program p = program(argv, NULL, "/");
        p.fork = true;
        p.stdio[0] = in[0];
        p.stdio[1] = out[1];
        p.stdio[2] = err[1];
        int relay[6] = { null, caller_out[1], caller_out[1], in[1], out[0], err[0] };
        memcpy(p.relay, relay, sizeof(relay));
        /* the message names the descriptors: they must reach the init */
        for (int i = 0; i < 6; i++)
                fcntl(relay[i], F_SETFD, 0);
        for (int i = 0; i < 3; i++)
                fcntl(p.stdio[i], F_SETFD, 0);
        struct run r = join(&p, NULL, NULL);
        int ends[] = { in[0], in[1], out[0], out[1], err[0], err[1], caller_out[1], null };
        for (size_t i = 0; i < ARRAY_SIZE(ends); i++)
                close(ends[i]);
        char buf[256] = "";
        ssize_t n = read(caller_out[0], buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = 0;
        close(caller_out[0]);
        ck_assert_msg(r.code == 7 && r.report == 0, "code %d report %d: %s", r.code, r.report, r.msg);
        ck_assert_msg(strstr(buf, "relayed\n") && strstr(buf, "to-err\n"), "relayed: \"%s\"", buf);
}
END_TEST

START_TEST(test_join_reports)
{
        char *missing[] = { (char *) "/no/such/program", NULL };
        struct run_program p = program(missing, NULL, "/");
        struct run r = join(&p, NULL, NULL);
        ck_assert_int_eq(r.code, 127);
        ck_assert_msg(r.report < 0 && strstr(r.msg, "not found in the image"), "%s", r.msg);
        char *sh[] = { (char *) "/bin/true", NULL };
        p = program(sh, NULL, "/no/such/folder");
        r = join(&p, NULL, NULL);
        ck_assert_int_eq(r.code, 126);
        ck_assert_msg(r.report < 0 && strstr(r.msg, "working directory \"/no/such/folder\""), "%s", r.msg);
}
END_TEST

static void wrong_magic(int fd) { ck_assert_int_eq(pwrite(fd, "XXXX", 4, offsetof(struct join_params, magic)), 4); }
static void size_off(int fd)
{
        uint32_t size;
        ck_assert_int_eq(pread(fd, &size, 4, offsetof(struct join_params, size)), 4);
        size++;
        ck_assert_int_eq(pwrite(fd, &size, 4, offsetof(struct join_params, size)), 4);
}
/* the last string loses its NUL, the size field following */
static void unterminated(int fd)
{
        off_t end = lseek(fd, 0, SEEK_END);
        ck_assert_int_eq(pwrite(fd, "x", 1, end - 1), 1);
}
static void one_more_arg(int fd)
{
        uint32_t argc;
        ck_assert_int_eq(pread(fd, &argc, 4, offsetof(struct join_params, argc)), 4);
        argc++;
        ck_assert_int_eq(pwrite(fd, &argc, 4, offsetof(struct join_params, argc)), 4);
}
static void huge_filter(int fd)
{
        uint32_t n = 4000;
        ck_assert_int_eq(pwrite(fd, &n, 4, offsetof(struct join_params, filter_len)), 4);
}

/* Not the library's message, or not whole: nothing runs, exit 126. */
START_TEST(test_join_refuses_forged)
{
        char *dir = make_tmp();
        char *marker = strdup_printf("%s/ran", dir);
        char *argv[] = { (char *) "/bin/touch", marker, NULL };
        void (*tampers[])(int) = { wrong_magic, size_off, unterminated, one_more_arg, huge_filter };
        for (size_t i = 0; i < ARRAY_SIZE(tampers); i++) {
                struct run_program p = program(argv, NULL, "/");
                struct run r = join(&p, tampers[i], NULL);
                ck_assert_msg(r.code == 126, "tampering %zu: exit %d", i, r.code);
                ck_assert_msg(access(marker, F_OK) < 0, "tampering %zu: the program ran", i);
        }
        static const char *const args[] = { "2", "3x", "", "-1" };
        for (size_t i = 0; i < ARRAY_SIZE(args); i++) {
                struct run_program p = program(argv, NULL, "/");
                struct run r = join(&p, NULL, args[i]);
                ck_assert_msg(r.code == 126, "argument \"%s\": exit %d", args[i], r.code);
                ck_assert_msg(access(marker, F_OK) < 0, "argument \"%s\": the program ran", args[i]);
        }
        /* the control: untouched, it runs */
        struct run_program p = program(argv, NULL, "/");
        struct run r = join(&p, NULL, NULL);
        ck_assert_msg(r.code == 0 && access(marker, F_OK) == 0, "untouched: exit %d, %s", r.code, r.msg);
        unlink(marker);
        free(marker);
        rmdir(dir);
        free(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("join");
        TCase *tc = tcase_create("join");
        tcase_add_test(tc, test_join_executes);
        tcase_add_test(tc, test_join_forks_and_relays);
        tcase_add_test(tc, test_join_reports);
        tcase_add_test(tc, test_join_refuses_forged);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
