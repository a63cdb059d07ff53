/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Escape attempts from inside a container, as root inside: each refused by
 * default, and the difference --privileged makes. */
#include <sys/stat.h>
#include <time.h>

#include "helpers.h"

/* An attack that could not be tried is a failure, never a pass. */
static void require_probe(void)
{
        ck_assert_msg(path_exists(probe_path()), "the probe %s is missing: nothing was tried", probe_path());
}

/* Runs the probe `what` in a new container; its one-line verdict. */
static char *probe(const char *name, const char *what, bool privileged)
{
        bl_container_config *cfg;
        ck_assert_int_eq(bl_container_config_new(ctx, &cfg), 0);
        bl_container_config_set_image(cfg, "base");
        char *argv[] = { (char *) "/bin/blt-probe", (char *) what, NULL };
        bl_container_config_set_argv(cfg, argv);
        if (privileged)
                bl_container_config_set_privileged(cfg, 1);
        ck_assert_int_eq(bl_container_create(ctx, name, cfg), 0);
        int r = bl_container_start(ctx, name, 0, NULL);
        ck_assert_msg(r == 0, "%s", bl_ctx_errmsg(ctx));
        wait_exited(name, 20);
        char *log, *out = NULL;
        ck_assert_int_eq(bl_container_log_path(ctx, name, &log), 0);
        read_file(log, &out, NULL);
        free(log);
        bl_container_config_free(cfg);
        bl_container_remove(ctx, name, 1);
        return out ? out : strdup("");
}

static void denied(const char *what)
{
        char *out = probe("bltsec", what, false);
        ck_assert_msg(strncmp(out, "DENIED", 6) == 0, "%s was allowed: %s", what, out);
        free(out);
}

START_TEST(test_defaults_deny)
{
        require_probe();
        static const char *const attempts[] = {
                "mount", "module", "reboot", "keyctl", "bpf", "userns", "ptrace1", "init-fds",
                "sysrq", "kcore", "blockdev", "chroot-escape", "settime",
        };
        for (size_t i = 0; i < ARRAY_SIZE(attempts); i++)
                denied(attempts[i]);
}
END_TEST

START_TEST(test_privileged_differs)
{
        require_probe();
        /* privileged: mounting works inside (its own mount namespace) */
        char *out = probe("bltpriv", "mount", true);
        ck_assert_msg(strncmp(out, "ALLOWED", 7) == 0, "privileged mount: %s", out);
        free(out);
        out = probe("bltpriv", "keyctl", true);
        ck_assert_msg(strncmp(out, "ALLOWED", 7) == 0, "privileged keyctl: %s", out);
        free(out);
}
END_TEST

START_TEST(test_confinement_state)
{
        char *out;
        ck_assert_int_eq(run_shell("bltconf",
                                   "grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status;"
                                   "grep -E '^(CapEff):' /proc/1/status | sed 's/^/init/';"
                                   "ls /proc/1/root/ >/dev/null 2>&1 && echo INIT-ROOT-OPEN;"
                                   "cat /proc/1/cmdline >/dev/null; ps -o pid | wc -l",
                                   NULL, &out), 0);
        ck_assert_msg(strstr(out, "CapBnd:\t00000000a80425fb"), "%s", out);
        ck_assert_msg(strstr(out, "NoNewPrivs:\t1"), "%s", out);
        ck_assert_msg(strstr(out, "Seccomp:\t2"), "%s", out);
        ck_assert_msg(strstr(out, "initCapEff:\t0000000000000000"), "%s", out);
        ck_assert_msg(!strstr(out, "INIT-ROOT-OPEN"), "%s", out);
        free(out);
        /* a non-root user keeps no capability */
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_user(cfg, "1000:1000");
        ck_assert_int_eq(run_shell("bltuser", "id -u; id -g; grep CapEff /proc/self/status", cfg, &out), 0);
        ck_assert_msg(strstr(out, "1000\n1000\nCapEff:\t0000000000000000"), "%s", out);
        free(out);
        bl_container_config_free(cfg);
        /* cap-drop takes one away */
        cfg = shell_config("");
        bl_container_config_drop_cap(cfg, "CHOWN");
        ck_assert_int_eq(run_shell("bltdrop", "chown 5 /tmp && echo CHOWNED; true", cfg, &out), 0);
        ck_assert_msg(!strstr(out, "CHOWNED"), "%s", out);
        free(out);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_setuid_does_not_regain)
{
        require_probe();
        char *suid = strdup_printf("%s/probe-suid", root), *cmd = strdup_printf("cp %s %s && chmod 4755 %s", probe_path(), suid, suid);
        ck_assert_int_eq(system(cmd), 0);
        bl_image_config *ic;
        bl_image_config_new(ctx, &ic);
        bl_image_config_add_copy(ic, suid, "/bin/probe-suid");
        ck_assert_msg(bl_image_create(ctx, "suid", ic) == 0, "%s", bl_ctx_errmsg(ctx));
        bl_image_config_free(ic);
        static const struct { const char *name; bool privileged; const char *expect; } runs[] = {
                { "bltsuid", false, "euid=1000\n" },   /* no_new_privs: the setuid bit is ignored */
                { "bltsuidp", true, "euid=0\n" },      /* --privileged: the difference */
        };
        for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
                bl_container_config *cfg = shell_config("");
                bl_container_config_set_user(cfg, "1000:1000");
                bl_container_config_set_privileged(cfg, runs[i].privileged);
                char *argv[] = { (char *) "/bin/probe-suid", (char *) "euid", NULL };
                bl_container_config_set_argv(cfg, argv);
                bl_container_config_set_image(cfg, "suid");
                ck_assert_int_eq(bl_container_create(ctx, runs[i].name, cfg), 0);
                ck_assert_int_eq(bl_container_start(ctx, runs[i].name, 0, NULL), 0);
                wait_exited(runs[i].name, 20);
                char *log, *out = NULL;
                bl_container_log_path(ctx, runs[i].name, &log);
                read_file(log, &out, NULL);
                ck_assert_msg(out && strcmp(out, runs[i].expect) == 0, "%s: %s", runs[i].name, out ? out : "");
                free(out);
                free(log);
                bl_container_config_free(cfg);
        }
        free(cmd);
        free(suid);
}
END_TEST

START_TEST(test_userns)
{
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_set_userns(cfg, 1, 300000, 65536), 0);
        start_shell("bltuserns", "id -u > /tmp/inside; echo made > /tmp/made; exec sleep 100", cfg);
        bl_container_config_free(cfg);
        nanosleep(&(struct timespec) { 0, 400 * 1000 * 1000 }, NULL);
        char *pid = inspect_key("bltuserns", "pid");
        char *status = strdup_printf("/proc/%s/status", pid), *made = strdup_printf("/proc/%s/root/tmp/made", pid);
        char *inside = strdup_printf("/proc/%s/root/tmp/inside", pid), *text = NULL;
        /* root inside ... */
        ck_assert_int_eq(read_file(inside, &text, NULL), 0);
        ck_assert_str_eq(text, "0\n");
        free(text);
        /* ... is an unprivileged id outside, and so are the files it makes */
        ck_assert_int_eq(read_file(status, &text, NULL), 0);
        ck_assert_msg(strstr(text, "Uid:\t300000\t300000"), "%s", text);
        free(text);
        struct stat st;
        ck_assert_int_eq(stat(made, &st), 0);
        ck_assert_uint_eq(st.st_uid, 300000);
        ck_assert_uint_eq(st.st_gid, 300000);
        /* exec joins the namespace as its root */
        char *out;
        char *id[] = { (char *) "id", (char *) "-u", NULL };
        ck_assert_int_eq(exec_capture("bltuserns", id, &out), 0);
        ck_assert_str_eq(out, "0\n");
        free(out);
        free(pid);
        free(status);
        free(made);
        free(inside);
        /* the denied operations stay denied */
        require_probe();
        {
                static const char *const attempts[] = { "mount", "module", "keyctl", "sysrq", "blockdev", "userns" };
                for (size_t i = 0; i < ARRAY_SIZE(attempts); i++) {
                        bl_container_config *c;
                        bl_container_config_new(ctx, &c);
                        bl_container_config_set_image(c, "base");
                        bl_container_config_set_userns(c, 1, 300000, 65536);
                        char *argv[] = { (char *) "/bin/blt-probe", (char *) attempts[i], NULL };
                        bl_container_config_set_argv(c, argv);
                        ck_assert_int_eq(bl_container_create(ctx, "bltnsprobe", c), 0);
                        ck_assert_int_eq(bl_container_start(ctx, "bltnsprobe", 0, NULL), 0);
                        wait_exited("bltnsprobe", 20);
                        char *log, *o = NULL;
                        bl_container_log_path(ctx, "bltnsprobe", &log);
                        read_file(log, &o, NULL);
                        ck_assert_msg(o && strncmp(o, "DENIED", 6) == 0, "userns %s: %s", attempts[i], o ? o : "");
                        free(o);
                        free(log);
                        bl_container_remove(ctx, "bltnsprobe", 1);
                        bl_container_config_free(c);
                }
        }
}
END_TEST

START_TEST(test_userns_no_range)
{
        if (path_exists("/etc/subuid")) {
                char *s = NULL;
                read_file("/etc/subuid", &s, NULL);
                bool has_root = s && (startswith(s, "root:") || strstr(s, "\nroot:"));
                free(s);
                if (has_root)
                        return;
        }
        bl_container_config *cfg = shell_config("true");
        bl_container_config_set_userns(cfg, 1, 0, 0);
        ck_assert_int_eq(bl_container_create(ctx, "bltnorange", cfg), -ENOENT);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "/etc/subuid"));
        bl_container_config_free(cfg);
}
END_TEST

Suite *suite_security(void);
Suite *suite_security(void)
{
        Suite *s = suite_create("security");
        TCase *tc = tcase_create("security");
        tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_defaults_deny);
        tcase_add_test(tc, test_privileged_differs);
        tcase_add_test(tc, test_confinement_state);
        tcase_add_test(tc, test_setuid_does_not_regain);
        tcase_add_test(tc, test_userns);
        tcase_add_test(tc, test_userns_no_range);
        suite_add_tcase(s, tc);
        return s;
}
