/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Escape attempts from inside a container, as root inside: each refused by
 * default, and the difference --privileged makes. */
#include <sys/stat.h>

#include "helpers.h"

/* Runs the probe `what` in a new container; its one-line verdict. */
static char *probe(const char *name, const char *what, bool privileged)
{
        bl_container_config *cfg;
        ck_assert_int_eq(bl_container_config_new(&cfg), 0);
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
        if (!path_exists(probe_path()))
                return;
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
        if (!path_exists(probe_path()))
                return;
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
        suite_add_tcase(s, tc);
        return s;
}
