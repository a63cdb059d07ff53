/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "core/core.h"
#include "core/owner.h"
#include "unit.h"

static bl_ctx *ctx;
static void setup(void) { ck_assert_int_eq(bl_ctx_new(&ctx, "/tmp/blt-unused"), 0); }
static void teardown(void) { bl_ctx_free(ctx); }

START_TEST(test_names)
{
        static const struct { const char *name; bool ok; } cases[] = {
                { "web1", true }, { "a", true }, { "my_box.v2-x", true }, { "", false }, { ".hidden", false },
                { "-dash", false }, { "a/b", false }, { "..", false }, { "a b", false }, { "tab\tx", false },
                { "nl\nx", false }, { "dollar$", false },
                { "0123456789012345678901234567890123456789012345678901234567890123", true },
                { "01234567890123456789012345678901234567890123456789012345678901234", false },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                ctx_begin_call(ctx);
                int r = bl_name_check(ctx, "image", cases[i].name);
                ck_assert_msg((r == 0) == cases[i].ok, "name \"%s\": got %d", cases[i].name, r);
                if (!cases[i].ok) {
                        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "image"));
                        ck_assert_ptr_null(strchr(bl_ctx_errmsg(ctx), '\n'));
                }
        }
}
END_TEST

START_TEST(test_sizes)
{
        static const struct { const char *text; int ret; uint64_t bytes; } cases[] = {
                { "4096", 0, 4096 }, { "64M", 0, 64ull << 20 }, { "2G", 0, 2ull << 30 }, { "512k", 0, 512 << 10 },
                { "1.5G", 0, 3ull << 29 }, { "64MiB", 0, 64ull << 20 }, { "64MB", 0, 64ull << 20 }, { "1T", 0, 1ull << 40 },
                { "0", -EINVAL, 0 }, { "0M", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "abc", -EINVAL, 0 }, { "12Q", -EINVAL, 0 },
                { "-5M", -EINVAL, 0 }, { "5M junk", -EINVAL, 0 }, { "1.5", -EINVAL, 0 }, { "1.", -EINVAL, 0 },
                { "99999999999999999999", -ERANGE, 0 }, { "20000000000000T", -ERANGE, 0 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                uint64_t v = 7;
                ctx_begin_call(ctx);
                int r = bl_size_parse(ctx, cases[i].text, &v);
                ck_assert_msg(r == cases[i].ret, "size \"%s\": got %d", cases[i].text, r);
                if (r == 0)
                        ck_assert_uint_eq(v, cases[i].bytes);
                else {
                        ck_assert_uint_eq(v, 7); /* untouched on failure */
                        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "size"));
                }
        }
}
END_TEST

START_TEST(test_cidr)
{
        uint32_t a;
        int p;
        ck_assert_int_eq(parse_ipv4_cidr("10.88.0.1/16", &a, &p), 0);
        ck_assert_uint_eq(a, 0x0a580001);
        ck_assert_int_eq(p, 16);
        static const char *const bad[] = { "10.88.0.1", "10.88.0.1/33", "10.88.0.1/", "10.88/16", "10.88.0.256/8",
                                           "a.b.c.d/8", "10.0.0.1/16x", "010.0.0.1/8", " 10.0.0.1/8", "10.0.0.1/-1", NULL };
        for (size_t i = 0; bad[i]; i++)
                ck_assert_msg(parse_ipv4_cidr(bad[i], &a, &p) < 0, "accepted \"%s\"", bad[i]);
        char buf[16];
        format_ipv4(0xc0a80a01, buf);
        ck_assert_str_eq(buf, "192.168.10.1");
}
END_TEST

START_TEST(test_user)
{
        uid_t u;
        gid_t g;
        ck_assert_int_eq(parse_user("1000", &u, &g), 0);
        ck_assert_uint_eq(u, 1000);
        ck_assert_uint_eq(g, 1000);
        ck_assert_int_eq(parse_user("1000:50", &u, &g), 0);
        ck_assert_uint_eq(g, 50);
        ck_assert_int_lt(parse_user("root", &u, &g), 0);
        ck_assert_int_lt(parse_user("1:x", &u, &g), 0);
        ck_assert_int_lt(parse_user("", &u, &g), 0);
        ck_assert_int_lt(parse_user("4294967295", &u, &g), 0);
}
END_TEST

START_TEST(test_env)
{
        char **env = NULL;
        ck_assert_int_eq(env_set(&env, "A=1"), 0);
        ck_assert_int_eq(env_set(&env, "B=2"), 0);
        ck_assert_int_eq(env_set(&env, "A=3"), 0);
        ck_assert_int_eq(env_set(&env, "=x"), -EINVAL);
        ck_assert_int_eq(env_set(&env, "noequal"), -EINVAL);
        ck_assert_uint_eq(strv_length(env), 2);
        ck_assert_str_eq(env[0], "A=3");
        strv_freep(&env);
}
END_TEST

START_TEST(test_ctx_root)
{
        bl_ctx *c;
        setenv("BALEINE_ROOT", "/tmp/blt-env-root/", 1);
        ck_assert_int_eq(bl_ctx_new(&c, NULL), 0);
        ck_assert_str_eq(bl_ctx_root(c), "/tmp/blt-env-root");
        bl_ctx_free(c);
        ck_assert_int_eq(bl_ctx_new(&c, "/explicit"), 0);
        ck_assert_str_eq(bl_ctx_root(c), "/explicit");
        bl_ctx_free(c);
        unsetenv("BALEINE_ROOT");
        ck_assert_int_eq(bl_ctx_new(&c, NULL), 0);
        ck_assert_str_eq(bl_ctx_root(c), "/var/lib/baleine");
        bl_ctx_free(c);
        ck_assert_int_eq(bl_ctx_new(&c, "relative"), -EINVAL);
}
END_TEST

/* Whether a process is gone, or a zombie waiting for its reaper. */
static bool process_gone(pid_t pid)
{
        char st[64], *stat = NULL;
        snprintf(st, sizeof(st), "/proc/%d/stat", (int) pid);
        bool gone = read_file(st, &stat, NULL) < 0 || strstr(stat, ") Z ");
        free(stat);
        return gone;
}

/* Waits up to `ms` for the process to be gone; kills it (by pid) when not. */
static bool wait_gone(pid_t pid, int ms)
{
        for (int i = 0; i < ms / 10 && !process_gone(pid); i++)
                nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
        bool gone = process_gone(pid);
        if (!gone)
                kill(pid, SIGKILL);
        return gone;
}

/* Runs `sh -c SCRIPT` through run_argv in a forked caller; SCRIPT writes
 * the pid to watch into the file $P (atomically, by mv); the
 * caller is then SIGKILLed, and the watched process must be gone within
 * a second, whatever its place in the tree. */
static void assert_dies_with_caller_by(const char *script, bool by_terminal)
{
        char dir[] = "/tmp/blt-run.XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        char *pidfile = strdup_printf("%s/pid", dir);
        pid_t caller = fork();
        if (caller == 0) {
                setpgid(0, 0); /* a group of its own, as a shell's job */
                signal(SIGINT, SIG_DFL); /* not check's handler: it kills the test */
                setenv("P", pidfile, 1);
                char *argv[] = { (char *) "sh", (char *) "-c", (char *) script, NULL };
                run_argv(ctx, "test", argv, -1, NULL);
                _exit(0);
        }
        char *s = NULL;
        for (int i = 0; i < 500 && read_file(pidfile, &s, NULL) < 0; i++)
                nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
        ck_assert_ptr_nonnull(s);
        pid_t watched = (pid_t) atoi(s);
        ck_assert_int_gt(watched, 1);
        ck_assert(!process_gone(watched));
        /* SIGKILL, or a terminal's ^C to the caller's whole group */
        if (by_terminal)
                kill(-caller, SIGINT);
        else
                kill(caller, SIGKILL);
        waitpid(caller, NULL, 0);
        ck_assert_msg(wait_gone(watched, 1000), "pid %d outlived its killed caller (%s)", (int) watched, script);
        unlink(pidfile);
        rmdir(dir);
        free(s);
        free(pidfile);
}

static void assert_dies_with_caller(const char *script)
{
        assert_dies_with_caller_by(script, false);
}

/* A program run by the library dies with its caller: a killed CLI leaves
 * no mke2fs, cp or debootstrap writing into the state root. */
START_TEST(test_run_dies_with_caller)
{
        assert_dies_with_caller("echo $$ > $P.tmp && mv $P.tmp $P && exec sleep 100");
}
END_TEST

/* ... and so do its children (debootstrap's dpkg, tar, wget): one in the
 * program's process group, one in a session of its own, one orphaned by
 * a parent that exited (a daemon's double fork). */
START_TEST(test_run_grandchildren_die_with_caller)
{
        assert_dies_with_caller("sleep 100 & echo $! > $P.tmp && mv $P.tmp $P; wait");
        assert_dies_with_caller("setsid sleep 100 & echo $! > $P.tmp && mv $P.tmp $P; wait");
        assert_dies_with_caller("(setsid sleep 100 & echo $! > $P.tmp && mv $P.tmp $P); exec sleep 100");
        assert_dies_with_caller_by("sleep 100 & echo $! > $P.tmp && mv $P.tmp $P; wait", true);
}
END_TEST

/* A caller that ignores SIGCHLD (children reaped for it): run_argv still
 * returns, it does not wait forever on a program the kernel reaped. */
START_TEST(test_run_caller_ignores_sigchld)
{
        pid_t caller = fork();
        if (caller == 0) {
                signal(SIGCHLD, SIG_IGN);
                char *argv[] = { (char *) "true", NULL };
                run_argv(ctx, "test", argv, -1, NULL);
                _exit(0);
        }
        bool ended = false;
        for (int i = 0; i < 500 && !ended; i++) {
                ended = waitpid(caller, NULL, WNOHANG) == caller;
                if (!ended)
                        nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
        }
        if (!ended) {
                kill(caller, SIGKILL);
                waitpid(caller, NULL, 0);
        }
        ck_assert_msg(ended, "run_argv hangs in a caller that ignores SIGCHLD");
}
END_TEST

/* A program that exits leaving a child behind: run_argv returns at once
 * (the child holds its stderr open) and the child is gone; the status of
 * the program itself is reported as it was. */
START_TEST(test_run_leftovers_and_status)
{
        char dir[] = "/tmp/blt-run.XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        char *pidfile = strdup_printf("%s/pid", dir);
        char *script = strdup_printf("setsid sleep 100 & echo $! > %s; exit 0", pidfile);
        char *argv[] = { (char *) "sh", (char *) "-c", script, NULL };
        uint64_t t0 = now_usec();
        ck_assert_int_eq(run_argv(ctx, "test", argv, -1, NULL), 0);
        ck_assert_msg(now_usec() - t0 < 5000000, "run_argv waited %llu ms for a leftover child",
                      (unsigned long long) (now_usec() - t0) / 1000);
        char *s = NULL;
        ck_assert_int_eq(read_file(pidfile, &s, NULL), 0);
        ck_assert_msg(wait_gone((pid_t) atoi(s), 1000), "the program's leftover child %s lives on", s);
        char *fail[] = { (char *) "sh", (char *) "-c", (char *) "echo oops >&2; exit 3", NULL };
        ck_assert_int_eq(run_argv(ctx, "test", fail, -1, NULL), -EIO);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "test: sh exited with status 3: oops");
        ctx_begin_call(ctx);
        char *killed[] = { (char *) "sh", (char *) "-c", (char *) "kill -9 $$", NULL };
        ck_assert_int_eq(run_argv(ctx, "test", killed, -1, NULL), -EIO);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "test: sh killed by signal 9");
        ctx_begin_call(ctx);
        char *out = NULL, *echo[] = { (char *) "sh", (char *) "-c", (char *) "echo hello", NULL };
        ck_assert_int_eq(run_argv(ctx, "test", echo, -1, &out), 0);
        ck_assert_str_eq(out, "hello\n");
        free(out);
        unlink(pidfile);
        rmdir(dir);
        free(s);
        free(pidfile);
        free(script);
}
END_TEST

/* Owner records: what one writes, one reads back; a dead or reused pid
 * reads as dead; anything malformed reads as no record at all. */
START_TEST(test_owner_record)
{
        char dir[] = "/tmp/blt-owner.XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dfd, 0);
        struct owner o;
        ck_assert_int_eq(owner_create_at(dfd, "live", "image", "a.b.c"), 0);
        ck_assert_int_eq(owner_create_at(dfd, "live", "image", "a.b.c"), -EEXIST);
        ck_assert_int_eq(owner_read_at(dfd, "live", &o), 1);
        ck_assert_str_eq(o.kind, "image");
        ck_assert_str_eq(o.name, "a.b.c");
        ck_assert_int_eq(o.pid, getpid());
        ck_assert(!o.path && !o.has_id);
        owner_done(&o);
        /* a partial file's record: its path (any byte but NUL) and identity */
        struct stat st = { .st_dev = 2049, .st_ino = 77 };
        const char *odd = "/tmp/a dir/with\nnewline/out.tar.partial";
        int fd = openat(dfd, "partial", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        ck_assert_int_eq(owner_write_fd(fd, "export", "web", odd, &st), 0);
        close(fd);
        ck_assert_int_eq(owner_read_at(dfd, "partial", &o), 1);
        ck_assert_str_eq(o.path, odd);
        ck_assert(o.has_id && o.dev == 2049 && o.ino == 77);
        owner_done(&o);
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        uint64_t start;
        ck_assert_int_eq(proc_starttime(getpid(), &start), 0);
        char *gone = strdup_printf("kind image\nname x\npid %d\nstarttime 5\n", (int) dead);
        char *reused = strdup_printf("kind image\nname x\npid %d\nstarttime %llu\n", (int) getpid(), (unsigned long long) start + 1);
        static const char *const bad[] = {
                "", "garbage\n", "kind image\nname x\npid 12\n", "kind image\nname x\npid 0\nstarttime 1\n",
                "kind image\nname x\npid -4\nstarttime 1\n", "kind image\nname x\npid 12\nstarttime 1\ndev 3\n",
                "kind image\nname x\npid 12\nstarttime 1", "kind image\nname x\npid 12\nstarttime 1\nowner me\n",
                "kind image\nname \npid 12\nstarttime 1\n", "kind image\nname x\npid 12\nstarttime 1\npath ",
        };
        struct { const char *text; int want; } cases[ARRAY_SIZE(bad) + 2] = { { gone, 0 }, { reused, 0 } };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                cases[i + 2].text = bad[i], cases[i + 2].want = -EBADMSG;
        char *file = strdup_printf("%s/case", dir);
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                ck_assert_int_eq(write_file_atomic(file, cases[i].text, strlen(cases[i].text), 0600), 0);
                int r = owner_read_at(dfd, "case", &o);
                owner_done(&o);
                ck_assert_msg(r == cases[i].want, "record \"%s\": %d, not %d", cases[i].text, r, cases[i].want);
        }
        ck_assert_int_eq(write_file_atomic(file, "kind a\0name", 11, 0600), 0);
        ck_assert_int_eq(owner_read_at(dfd, "case", &o), -EBADMSG);
        ck_assert_int_eq(owner_read_at(dfd, "missing", &o), -ENOENT);
        close(dfd);
        free(gone);
        free(reused);
        free(file);
        char *cmd = strdup_printf("rm -rf %s", dir);
        ck_assert_int_eq(system(cmd), 0);
        free(cmd);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("parse");
        TCase *tc = tcase_create("parse");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_names);
        tcase_add_test(tc, test_sizes);
        tcase_add_test(tc, test_cidr);
        tcase_add_test(tc, test_user);
        tcase_add_test(tc, test_env);
        tcase_add_test(tc, test_ctx_root);
        tcase_add_test(tc, test_run_dies_with_caller);
        tcase_add_test(tc, test_run_grandchildren_die_with_caller);
        tcase_add_test(tc, test_run_leftovers_and_status);
        tcase_add_test(tc, test_run_caller_ignores_sigchld);
        tcase_add_test(tc, test_owner_record);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
