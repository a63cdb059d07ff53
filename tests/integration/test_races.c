/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Races between verbs: a verb that waits outside the lock is held there
 * (BALEINE_PAUSE) while another verb changes the container, then resumed;
 * it must act only on the run it observed (compare-and-set). */
#include <signal.h>
#include <sys/stat.h>

#include "helpers.h"
#include "store/store.h"

static char *disk_of(const char *name)
{
        return bl_asprintf("%s/containers/%s/rootfs.img", root, name);
}

/* The container runs, its manifest says so with a live init, its disk is there. */
static void assert_running(const char *name)
{
        char *state = inspect_key(name, "state"), *pid = inspect_key(name, "pid"), *disk = disk_of(name);
        ck_assert_msg(strcmp(state, "running") == 0, "%s: state %s after the race", name, state);
        ck_assert_int_gt(atoi(pid), 1);
        ck_assert_msg(kill(atoi(pid), 0) == 0, "%s: its recorded init %s is gone", name, pid);
        ck_assert_msg(path_exists(disk), "%s: its disk was deleted while it runs", name);
        free(state);
        free(pid);
        free(disk);
}

/* `stop` held after its wait, the container started again meanwhile:
 * stop must not finalize the new run (nor delete its veth). */
START_TEST(test_stop_raced_by_start)
{
        start_shell("bltra", "exec sleep 1000", NULL);
        char *args[] = { (char *) "container", (char *) "stop", (char *) "-t", (char *) "1", (char *) "bltra", NULL };
        pid_t stopper = cli_paused("container-stop-waited", args);
        int r = bl_container_start(ctx, "bltra", 0, NULL);
        ck_assert_msg(r == 0, "start during the stop: %s", bl_ctx_errmsg(ctx));
        kill(stopper, SIGCONT);
        ck_assert_int_eq(cli_wait(stopper), 0);
        assert_running("bltra");
        /* and a plain remove refuses the running container, its disk stays */
        ck_assert_int_eq(bl_container_remove(ctx, "bltra", 0), -EBUSY);
        assert_running("bltra");
}
END_TEST

/* `remove --force` held after its wait, the container started again: the
 * new run keeps its manifest and its disk. */
START_TEST(test_remove_raced_by_start)
{
        start_shell("bltrb", "exec sleep 1000", NULL);
        char *args[] = { (char *) "container", (char *) "remove", (char *) "--force", (char *) "bltrb", NULL };
        pid_t remover = cli_paused("container-stop-waited", args);
        int r = bl_container_start(ctx, "bltrb", 0, NULL);
        ck_assert_msg(r == 0, "start during the remove: %s", bl_ctx_errmsg(ctx));
        kill(remover, SIGCONT);
        ck_assert_int_ne(cli_wait(remover), 0);
        assert_running("bltrb");
}
END_TEST

/* `restart` held after its wait, the container started by someone else:
 * one run only, recorded and alive. */
START_TEST(test_restart_raced_by_start)
{
        start_shell("bltrc", "exec sleep 1000", NULL);
        char *args[] = { (char *) "container", (char *) "restart", (char *) "-t", (char *) "1", (char *) "bltrc", NULL };
        pid_t restarter = cli_paused("container-stop-waited", args);
        int r = bl_container_start(ctx, "bltrc", 0, NULL);
        ck_assert_msg(r == 0, "start during the restart: %s", bl_ctx_errmsg(ctx));
        char *before = inspect_key("bltrc", "pid");
        kill(restarter, SIGCONT);
        cli_wait(restarter);
        assert_running("bltrc");
        char *after = inspect_key("bltrc", "pid");
        ck_assert_str_eq(before, after);
        free(before);
        free(after);
}
END_TEST

Suite *suite_races(void);
Suite *suite_races(void)
{
        Suite *s = suite_create("races");
        TCase *tc = tcase_create("races");
        tcase_add_checked_fixture(tc, integ_setup_netns, integ_teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_stop_raced_by_start);
        tcase_add_test(tc, test_remove_raced_by_start);
        tcase_add_test(tc, test_restart_raced_by_start);
        suite_add_tcase(s, tc);
        return s;
}
