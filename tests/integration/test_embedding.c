/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library inside a host program that is not baleine's CLI: SIGCHLD
 * ignored or handled, a custom signal mask, an odd umask and working
 * directory.  Every call must work there and leave all of it as it was,
 * and no descriptor behind. */
#include <dirent.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "helpers.h"

/* What the host program owns and the library must not change. */
struct host_state {
        sigset_t mask;
        struct sigaction act[NSIG];
        mode_t umask;
        char cwd[256];
        char fds[1024];
};

static void host_state(struct host_state *s)
{
        memset(s, 0, sizeof(*s));
        sigprocmask(SIG_SETMASK, NULL, &s->mask);
        for (int i = 1; i < NSIG; i++)
                sigaction(i, NULL, &s->act[i]);
        s->umask = umask(0);
        umask(s->umask);
        ck_assert_ptr_nonnull(getcwd(s->cwd, sizeof(s->cwd)));
        DIR *d = opendir("/proc/self/fd");
        ck_assert_ptr_nonnull(d);
        int own = dirfd(d);
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.' && atoi(de->d_name) != own)
                        n += (size_t) snprintf(s->fds + n, sizeof(s->fds) - n, "%s ", de->d_name);
        closedir(d);
}

static void assert_host_state(const struct host_state *before)
{
        struct host_state now;
        host_state(&now);
        for (int i = 1; i < NSIG; i++) {
                ck_assert_msg(sigismember(&now.mask, i) == sigismember(&before->mask, i), "signal %d's mask changed", i);
                ck_assert_msg(now.act[i].sa_handler == before->act[i].sa_handler &&
                              now.act[i].sa_flags == before->act[i].sa_flags,
                              "signal %d's disposition changed", i);
        }
        ck_assert_uint_eq(now.umask, before->umask);
        ck_assert_str_eq(now.cwd, before->cwd);
        ck_assert_msg(strcmp(now.fds, before->fds) == 0, "descriptors were \"%s\", are \"%s\"", before->fds, now.fds);
}

/* A host program's usual handler: it reaps every child it hears of, the
 * library's too (exec sets a child's exit signal back to SIGCHLD). */
static volatile sig_atomic_t reaped;
static void on_sigchld(int sig)
{
        (void) sig;
        int e = errno;
        while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
                reaped++;
        errno = e;
}

static char workdir[64];

/* The host program of the test: its own umask, folder, mask and SIGCHLD. */
static void become_odd_host(void (*chld)(int))
{
        umask(0077);
        snprintf(workdir, sizeof(workdir), "/tmp/blt-emb.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(workdir));
        ck_assert_int_eq(chdir(workdir), 0);
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGUSR1);
        sigaddset(&m, SIGALRM);
        sigaddset(&m, SIGTERM);
        sigprocmask(SIG_BLOCK, &m, NULL);
        struct sigaction sa = { .sa_handler = chld };
        sigaction(SIGCHLD, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
}

static void leave_odd_host(void)
{
        ck_assert_int_eq(chdir("/"), 0);
        rmdir(workdir);
}

static void create(const char *name, const char *script)
{
        bl_container_config *cfg = shell_config(script);
        int r = bl_container_create(ctx, name, cfg);
        ck_assert_msg(r == 0, "create %s: %s", name, bl_ctx_errmsg(ctx));
        bl_container_config_free(cfg);
}

/* A file of the test to capture a process's output in. */
static int capture_file(void)
{
        char path[] = "/tmp/blt-emb-out.XXXXXX";
        int fd = mkostemp(path, O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        unlink(path);
        return fd;
}

static char *captured(int fd)
{
        char *s = calloc(1, 4096);
        ck_assert_ptr_nonnull(s);
        ck_assert_int_ge(pread(fd, s, 4095, 0), 0);
        return s;
}

/* exec of `script` with its output in a file of ours; its status, output in *out */
static int exec_sh(const char *name, const char *script, char **out)
{
        int fd = capture_file();
        bl_exec_config *cfg;
        ck_assert_int_eq(bl_exec_config_new(ctx, &cfg), 0);
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) script, NULL };
        bl_exec_config_set_argv(cfg, argv);
        ck_assert_int_eq(bl_exec_config_set_stdio(cfg, -1, fd, fd), 0);
        bl_process *p = NULL;
        int r = bl_container_exec(ctx, name, cfg, &p);
        ck_assert_msg(r == 0, "exec: %s", bl_ctx_errmsg(ctx));
        int code = -1;
        r = bl_process_wait(ctx, p, &code);
        ck_assert_msg(r == 0, "wait: %s", bl_ctx_errmsg(ctx));
        bl_process_free(p);
        bl_exec_config_free(cfg);
        if (out)
                *out = captured(fd);
        close(fd);
        return code;
}

static void embedded_run(void (*chld)(int))
{
        create("bltembd", "sleep 60");
        create("bltemba", "echo to-out; echo to-err >&2; exit 7");
        become_odd_host(chld);
        struct host_state before;
        host_state(&before);

        int r = bl_container_start(ctx, "bltembd", 0, NULL);
        ck_assert_msg(r == 0, "start: %s", bl_ctx_errmsg(ctx));
        char *out = NULL;
        ck_assert_int_eq(exec_sh("bltembd", "echo hello; exit 3", &out), 3);
        ck_assert_str_eq(out, "hello\n");
        free(out);
        ck_assert_int_eq(exec_sh("bltembd", "kill -9 $$", NULL), 137);

        /* attached, output to our own descriptors, status through wait */
        int o = capture_file(), e = capture_file();
        bl_process *p = NULL;
        r = bl_container_start_attach(ctx, "bltemba", -1, o, e, &p);
        ck_assert_msg(r == 0, "start attached: %s", bl_ctx_errmsg(ctx));
        int code = -1;
        ck_assert_int_eq(bl_process_wait(ctx, p, &code), 0);
        bl_process_free(p);
        ck_assert_int_eq(code, 7);
        out = captured(o);
        ck_assert_str_eq(out, "to-out\n");
        free(out);
        out = captured(e);
        ck_assert_str_eq(out, "to-err\n");
        free(out);
        close(o);
        close(e);
        char *st = inspect_key("bltemba", "exit_code");
        ck_assert_str_eq(st, "7");
        free(st);
        /* attached output is in the log too, as Docker's logs show it */
        char *log = NULL, *text = NULL;
        ck_assert_int_eq(bl_container_log_path(ctx, "bltemba", &log), 0);
        ck_assert_int_eq(read_file(log, &text, NULL), 0);
        ck_assert_msg(strstr(text, "to-out\n") && strstr(text, "to-err\n"), "log: \"%s\"", text);
        free(text);
        free(log);

        ck_assert_int_eq(bl_container_stop(ctx, "bltembd", 5), 0);
        assert_host_state(&before);
        leave_odd_host();
}

START_TEST(test_sigchld_ignored)
{
        embedded_run(SIG_IGN);
}
END_TEST

START_TEST(test_sigchld_handled)
{
        reaped = 0;
        embedded_run(on_sigchld);
        /* the handler took some: the statuses came through all the same */
        ck_assert_int_gt(reaped, 0);
}
END_TEST

START_TEST(test_exec_failure_leaves_ret)
{
        create("bltembf", "sleep 60");
        ck_assert_int_eq(bl_container_start(ctx, "bltembf", 0, NULL), 0);
        become_odd_host(SIG_IGN);
        struct host_state before;
        host_state(&before);
        bl_exec_config *cfg;
        ck_assert_int_eq(bl_exec_config_new(ctx, &cfg), 0);
        char *argv[] = { (char *) "/no/such/program", NULL };
        bl_exec_config_set_argv(cfg, argv);
        bl_exec_config_set_stdio(cfg, -1, -1, -1);
        bl_process *sentinel = (bl_process *) (void *) &before, *p = sentinel;
        ck_assert_int_eq(bl_container_exec(ctx, "bltembf", cfg, &p), -ENOENT);
        ck_assert_ptr_eq(p, sentinel);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "container \"bltembf\": program \"/no/such/program\": not found in the image");
        /* a folder cannot be executed: 126's case */
        char *dir[] = { (char *) "/etc", NULL };
        bl_exec_config_set_argv(cfg, dir);
        ck_assert_int_eq(bl_container_exec(ctx, "bltembf", cfg, &p), -EACCES);
        ck_assert_ptr_eq(p, sentinel);
        bl_exec_config_free(cfg);
        ck_assert_int_eq(bl_container_stop(ctx, "bltembf", 5), 0);
        assert_host_state(&before);
        leave_odd_host();
}
END_TEST

START_TEST(test_bad_stdio)
{
        create("bltembb", "echo never");
        int fds[2];
        ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
        close(fds[1]);
        bl_process *sentinel = (bl_process *) (void *) fds, *p = sentinel;
        /* a descriptor that is not open: refused before anything starts */
        ck_assert_int_eq(bl_container_start_attach(ctx, "bltembb", -1, fds[1], -1, &p), -EBADF);
        ck_assert_ptr_eq(p, sentinel);
        char *want = strdup_printf("container \"bltembb\": its stdout, descriptor %d, is not open", fds[1]);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), want);
        free(want);
        ck_assert_int_eq(bl_container_start_attach(ctx, "bltembb", -1, -1, -1, NULL), -EINVAL);
        char *st = inspect_key("bltembb", "state");
        ck_assert_str_eq(st, "created");
        free(st);
        ck_assert_int_eq(bl_exec_config_set_stdio(NULL, 0, 1, 2), -EINVAL);
        bl_exec_config *cfg;
        ck_assert_int_eq(bl_exec_config_new(ctx, &cfg), 0);
        ck_assert_int_eq(bl_exec_config_set_stdio(cfg, -2, 1, 2), -EINVAL);
        bl_exec_config_free(cfg);
        close(fds[0]);
}
END_TEST

/* An attached program reads the descriptor it is given; -1 is /dev/null. */
START_TEST(test_attach_stdin)
{
        create("bltembi", "cat; echo end");
        int in[2], o = capture_file();
        ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
        ck_assert_int_eq(write(in[1], "fed\n", 4), 4);
        close(in[1]);
        bl_process *p = NULL;
        ck_assert_int_eq(bl_container_start_attach(ctx, "bltembi", in[0], o, -1, &p), 0);
        close(in[0]);
        int code = -1;
        ck_assert_int_eq(bl_process_wait(ctx, p, &code), 0);
        /* once waited for: the status is not there twice */
        ck_assert_int_eq(bl_process_wait(ctx, p, &code), -ECHILD);
        bl_process_free(p);
        ck_assert_int_eq(code, 0);
        char *out = captured(o);
        ck_assert_str_eq(out, "fed\nend\n");
        free(out);
        close(o);
}
END_TEST

/* Creating a container, an image (mke2fs and its like run under a
 * supervisor the library waits for) and an export (its layer writer),
 * all with SIGCHLD ignored. */
START_TEST(test_create_sigchld_ignored)
{
        become_odd_host(SIG_IGN);
        struct host_state before;
        host_state(&before);
        create("bltembn", "exit 0");
        ck_assert_int_eq(bl_container_remove(ctx, "bltembn", 0), 0);
        bl_image_config *ic;
        ck_assert_int_eq(bl_image_config_new(ctx, &ic), 0);
        ck_assert_int_eq(bl_image_config_set_source(ic, BL_IMAGE_SOURCE_EMPTY, NULL), 0);
        int r = bl_image_create(ctx, "bltembimg", ic);
        bl_image_config_free(ic);
        ck_assert_msg(r == 0, "image create with SIGCHLD ignored: %s", bl_ctx_errmsg(ctx));
        _cleanup_free_ char *out = strdup_printf("%s/embed-export.tar", root);
        r = bl_image_export(ctx, "bltembimg", out, NULL, BL_EXPORT_DOCKER_ARCHIVE);
        ck_assert_msg(r == 0, "image export with SIGCHLD ignored: %s", bl_ctx_errmsg(ctx));
        unlink(out);
        ck_assert_int_eq(bl_image_remove(ctx, "bltembimg"), 0);
        assert_host_state(&before);
        leave_odd_host();
}
END_TEST

/* BALEINE_NO_CLONE3 (test builds) forces the fallback, as valgrind does. */
START_TEST(test_clone3_knob)
{
        create("bltembk", "sleep 60");
        setenv("BALEINE_NO_CLONE3", "1", 1);
        become_odd_host(SIG_IGN);
        int r = bl_container_start(ctx, "bltembk", 0, NULL);
        ck_assert_msg(r == 0, "start: %s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(exec_sh("bltembk", "exit 4", NULL), 4);
        ck_assert_int_eq(bl_container_stop(ctx, "bltembk", 5), 0);
        leave_odd_host();
        unsetenv("BALEINE_NO_CLONE3");
}
END_TEST

/* Where clone3 is unknown (valgrind, old kernels, a filter): clone. */
START_TEST(test_clone3_unavailable)
{
        create("bltembc", "sleep 60");
        scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), 0);
        ck_assert_int_eq(seccomp_load(f), 0);
        seccomp_release(f);
        become_odd_host(SIG_IGN);
        int r = bl_container_start(ctx, "bltembc", 0, NULL);
        ck_assert_msg(r == 0, "start: %s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(exec_sh("bltembc", "exit 5", NULL), 5);
        ck_assert_int_eq(bl_container_stop(ctx, "bltembc", 5), 0);
        leave_odd_host();
}
END_TEST

Suite *suite_embedding(void);
Suite *suite_embedding(void)
{
        Suite *s = suite_create("embedding");
        TCase *tc = tcase_create("embedding");
        tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
        tcase_set_timeout(tc, 90);
        tcase_add_test(tc, test_sigchld_ignored);
        tcase_add_test(tc, test_sigchld_handled);
        tcase_add_test(tc, test_exec_failure_leaves_ret);
        tcase_add_test(tc, test_clone3_unavailable);
        tcase_add_test(tc, test_clone3_knob);
        tcase_add_test(tc, test_bad_stdio);
        tcase_add_test(tc, test_attach_stdin);
        tcase_add_test(tc, test_create_sigchld_ignored);
        suite_add_tcase(s, tc);
        return s;
}
