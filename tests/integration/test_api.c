/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The API programs use: typed info, wait, kill, pause (suite "api"). */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "helpers.h"

static void sleep_ms(int ms)
{
        nanosleep(&(struct timespec) { ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

static bl_container_state state_of(const char *name)
{
        bl_container_info *info;
        int r = bl_container_info_get(ctx, name, &info);
        ck_assert_msg(r == 0, "info %s: %s", name, bl_ctx_errmsg(ctx));
        bl_container_state s = bl_container_info_get_state(info);
        bl_container_info_free(info);
        return s;
}

/* A file of the container's disk read through exec (the counter a
 * running program writes). */
static long counter(const char *name)
{
        char *out = NULL;
        char *argv[] = { (char *) "cat", (char *) "/tmp/n", NULL };
        ck_assert_int_eq(exec_capture(name, argv, &out), 0);
        long n = out ? atol(out) : -1;
        free(out);
        return n;
}

START_TEST(test_info_typed)
{
        ck_assert_int_eq(system("ip link set lo up"), 0);
        ck_assert_msg(bl_bridge_create(ctx, "bltapi0", "10.79.0.1/24") == 0, "%s", bl_ctx_errmsg(ctx));
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_set_memory(cfg, 64u << 20), 0);
        ck_assert_int_eq(bl_container_config_set_cpu_quota(cfg, 0.5), 0);
        ck_assert_int_eq(bl_container_config_set_pids(cfg, 50), 0);
        ck_assert_int_eq(bl_container_config_set_cpus(cfg, "0"), 0);
        ck_assert_int_eq(bl_container_config_add_network(cfg, "bltapi0", "10.79.0.7"), 0);
        ck_assert_int_eq(bl_container_config_set_restart(cfg, "on-failure:3"), 0);
        start_shell("bltinfo", "exec sleep 1000", cfg);
        bl_container_config_free(cfg);

        bl_container_info *info;
        ck_assert_msg(bl_container_info_get(ctx, "bltinfo", &info) == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_str_eq(bl_container_info_get_name(info), "bltinfo");
        ck_assert_str_eq(bl_container_info_get_image(info), "base");
        ck_assert_int_eq(bl_container_info_get_state(info), BL_CONTAINER_RUNNING);
        ck_assert_str_eq(bl_container_state_name(bl_container_info_get_state(info)), "running");
        pid_t pid = bl_container_info_get_pid(info);
        ck_assert_int_gt(pid, 1);
        ck_assert_int_eq(kill(pid, 0), 0);
        ck_assert_int_eq(bl_container_info_get_exit_code(info), -1);
        ck_assert_int_eq(bl_container_info_get_oom_killed(info), 0);
        int64_t now = (int64_t) time(NULL);
        ck_assert_int_le(bl_container_info_get_created_at(info), now);
        ck_assert_int_ge(bl_container_info_get_started_at(info), bl_container_info_get_created_at(info));
        ck_assert_int_eq(bl_container_info_get_finished_at(info), 0);
        ck_assert_uint_eq(bl_container_info_get_memory_limit(info), 64u << 20);
        ck_assert(bl_container_info_get_cpu_quota(info) > 0.49 && bl_container_info_get_cpu_quota(info) < 0.51);
        ck_assert_uint_eq(bl_container_info_get_pids_limit(info), 50);
        ck_assert_str_eq(bl_container_info_get_cpuset(info), "0");
        ck_assert_str_eq(bl_container_info_get_restart(info), "on-failure:3");
        ck_assert_uint_eq(bl_container_info_get_address_count(info), 1);
        const char *br, *addr;
        int prefix;
        ck_assert_int_eq(bl_container_info_get_address(info, 0, &br, &addr, &prefix), 0);
        ck_assert_str_eq(br, "bltapi0");
        ck_assert_str_eq(addr, "10.79.0.7");
        ck_assert_int_eq(prefix, 24);
        ck_assert_int_eq(bl_container_info_get_address(info, 1, &br, &addr, &prefix), -ERANGE);
        bl_container_info_free(info);

        ck_assert_int_eq(bl_container_stop(ctx, "bltinfo", 5), 0);
        ck_assert_int_eq(bl_container_info_get(ctx, "bltinfo", &info), 0);
        ck_assert_int_eq(bl_container_info_get_state(info), BL_CONTAINER_EXITED);
        ck_assert_int_eq(bl_container_info_get_pid(info), 0);
        ck_assert_int_eq(bl_container_info_get_exit_code(info), 128 + SIGTERM);
        ck_assert_int_ge(bl_container_info_get_finished_at(info), bl_container_info_get_started_at(info));
        bl_container_info_free(info);

        ck_assert_int_eq(bl_container_info_get(ctx, "bltnone", &info), -ENOENT);
        ck_assert_str_ne(bl_ctx_errmsg(ctx), "");
}
END_TEST

START_TEST(test_info_created_and_oom)
{
        bl_container_config *cfg = shell_config("x=a; while :; do x=$x$x; done");
        ck_assert_int_eq(bl_container_config_set_memory(cfg, 16u << 20), 0);
        ck_assert_int_eq(bl_container_create(ctx, "bltoom", cfg), 0);
        bl_container_config_free(cfg);
        ck_assert_int_eq(state_of("bltoom"), BL_CONTAINER_CREATED);
        int code = 0;
        ck_assert_int_eq(bl_container_wait(ctx, "bltoom", 1000, &code), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "never been started"));
        ck_assert_int_eq(bl_container_start(ctx, "bltoom", 0, NULL), 0);
        ck_assert_msg(bl_container_wait(ctx, "bltoom", 60000, &code) == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(code, 137);
        bl_container_info *info;
        ck_assert_int_eq(bl_container_info_get(ctx, "bltoom", &info), 0);
        ck_assert_int_eq(bl_container_info_get_oom_killed(info), 1);
        ck_assert_int_eq(bl_container_info_get_exit_code(info), 137);
        bl_container_info_free(info);
}
END_TEST

/* Started and left by another process (the CLI, which exits): this one
 * can only wait on it through the recorded init. */
START_TEST(test_wait_foreign)
{
        char *args[] = { (char *) "container", (char *) "create", (char *) "-i", (char *) "base", (char *) "-c", (char *) "bltwait",
                         (char *) "-p", (char *) "/bin/sh", (char *) "-c", (char *) "sleep 1; exit 7", NULL };
        ck_assert_int_eq(cli_run(NULL, -1, args), 0);
        int code = -1;
        ck_assert_int_eq(bl_container_wait(ctx, "bltwait", 100, &code), -ETIMEDOUT);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "still running"));
        ck_assert_int_eq(code, -1);
        ck_assert_msg(bl_container_wait(ctx, "bltwait", 30000, &code) == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(code, 7);
        ck_assert_int_eq(state_of("bltwait"), BL_CONTAINER_EXITED);
        /* an exited container answers at once, with the same code */
        code = -1;
        ck_assert_int_eq(bl_container_wait(ctx, "bltwait", 0, &code), 0);
        ck_assert_int_eq(code, 7);
}
END_TEST

START_TEST(test_kill_forwards)
{
        start_shell("bltkill", "trap 'exit 42' USR1; while :; do sleep 0.1; done", NULL);
        sleep_ms(300);
        ck_assert_msg(bl_container_kill(ctx, "bltkill", SIGUSR1) == 0, "%s", bl_ctx_errmsg(ctx));
        int code = 0;
        ck_assert_msg(bl_container_wait(ctx, "bltkill", 20000, &code) == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(code, 42);
        /* the run is over: nothing to signal */
        ck_assert_int_eq(bl_container_kill(ctx, "bltkill", SIGKILL), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "not running"));

        /* a signal the init added to its forwarded set: SIGALRM */
        ck_assert_int_eq(bl_container_start(ctx, "bltkill", 0, NULL), 0);
        ck_assert_int_eq(bl_container_remove(ctx, "bltkill", 1), 0);
        start_shell("bltkill", "trap 'exit 43' ALRM; while :; do sleep 0.1; done", NULL);
        sleep_ms(300);
        ck_assert_msg(bl_container_kill(ctx, "bltkill", SIGALRM) == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(bl_container_wait(ctx, "bltkill", 20000, &code), 0);
        ck_assert_int_eq(code, 43);

        ck_assert_int_eq(bl_container_start(ctx, "bltkill", 0, NULL), 0);
        ck_assert_int_eq(bl_container_kill(ctx, "bltkill", SIGSTOP), -EINVAL);
        ck_assert_int_eq(bl_container_kill(ctx, "bltkill", 0), -EINVAL);
        ck_assert_int_eq(bl_container_kill(ctx, "bltkill", SIGKILL), 0);
        ck_assert_int_eq(bl_container_wait(ctx, "bltkill", 20000, &code), 0);
        ck_assert_int_eq(code, 137);
}
END_TEST

/* A manifest that still names a run whose init is gone (and whose pid a
 * new process may hold) is never signalled. */
START_TEST(test_kill_stale_run)
{
        start_shell("bltstale", "exec sleep 1000", NULL);
        /* a process that holds a pid the forged manifest names: our child */
        pid_t decoy = fork();
        ck_assert_int_ge(decoy, 0);
        if (decoy == 0) {
                pause();
                _exit(0);
        }
        ck_assert_int_eq(bl_container_stop(ctx, "bltstale", 5), 0);
        /* forged: running, the decoy's pid, a start time not the decoy's */
        char cmd[768];
        snprintf(cmd, sizeof(cmd),
                 "f=%s/manifeste/containers/bltstale.manifest; sed -i '/^pid_starttime:/d; s/^state: .*/state: running/; "
                 "s/^pid: .*/pid: %d/' $f && echo 'pid_starttime: 1' >> $f",
                 root, (int) decoy);
        ck_assert_int_eq(system(cmd), 0);
        ck_assert_int_eq(bl_container_kill(ctx, "bltstale", SIGKILL), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "not running"));
        int st;
        ck_assert_int_eq(waitpid(decoy, &st, WNOHANG), 0);
        ck_assert_int_eq(bl_container_wait(ctx, "bltstale", 1000, &st), 0);
        ck_assert_int_eq(waitpid(decoy, &st, WNOHANG), 0);
        kill(decoy, SIGKILL);
        waitpid(decoy, &st, 0);
}
END_TEST

START_TEST(test_pause)
{
        start_shell("bltpause", "n=0; while :; do n=$((n+1)); echo $n > /tmp/n; sleep 0.05; done", NULL);
        sleep_ms(400);
        ck_assert_msg(bl_container_pause(ctx, "bltpause") == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(state_of("bltpause"), BL_CONTAINER_PAUSED);
        char *st = inspect_key("bltpause", "state");
        ck_assert_str_eq(st, "paused");
        free(st);
        /* the pause lives in the freezer only: the manifest still says running */
        _cleanup_free_ char *mpath = strdup_printf("%s/manifeste/containers/bltpause.manifest", root), *mtext = NULL;
        ck_assert_int_eq(read_file(mpath, &mtext, NULL), 0);
        ck_assert_ptr_nonnull(strstr(mtext, "\nstate: running\n"));
        bl_record_list *list;
        ck_assert_int_eq(bl_container_list(ctx, 0, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), 1);
        ck_assert_str_eq(bl_record_get(bl_record_list_get(list, 0), "state"), "paused");
        bl_record_list_free(list);
        ck_assert_int_eq(bl_container_pause(ctx, "bltpause"), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "already paused"));
        /* frozen: the counter stands still (read from the host: an exec
         * would join the frozen cgroup) */
        bl_record *rec;
        ck_assert_int_eq(bl_container_inspect(ctx, "bltpause", &rec), 0);
        _cleanup_free_ char *pidpath = strdup_printf("/proc/%s/root/tmp/n", bl_record_get(rec, "pid"));
        bl_record_free(rec);
        _cleanup_free_ char *a = NULL, *b = NULL;
        ck_assert_int_eq(read_file(pidpath, &a, NULL), 0);
        sleep_ms(400);
        ck_assert_int_eq(read_file(pidpath, &b, NULL), 0);
        ck_assert_str_eq(a, b);
        /* an exec would freeze with it: refused, with the reason, and no
         * process handed back */
        {
                bl_exec_config *ec;
                char *true_argv[] = { (char *) "/bin/true", NULL };
                bl_process *p = (bl_process *) 0x1;
                ck_assert_int_eq(bl_exec_config_new(ctx, &ec), 0);
                ck_assert_int_eq(bl_exec_config_set_argv(ec, true_argv), 0);
                ck_assert_int_eq(bl_container_exec(ctx, "bltpause", ec, &p), -EBUSY);
                ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "is paused"));
                ck_assert_ptr_eq(p, (bl_process *) 0x1);
                bl_exec_config_free(ec);
        }

        ck_assert_msg(bl_container_unpause(ctx, "bltpause") == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(state_of("bltpause"), BL_CONTAINER_RUNNING);
        ck_assert_int_eq(bl_container_unpause(ctx, "bltpause"), -EINVAL);
        long n1 = counter("bltpause");
        sleep_ms(400);
        ck_assert_int_gt(counter("bltpause"), n1);

        /* stop and kill end a paused container */
        ck_assert_int_eq(bl_container_pause(ctx, "bltpause"), 0);
        ck_assert_msg(bl_container_stop(ctx, "bltpause", 5) == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(state_of("bltpause"), BL_CONTAINER_EXITED);
        ck_assert_int_eq(bl_container_start(ctx, "bltpause", 0, NULL), 0);
        sleep_ms(200);
        ck_assert_int_eq(bl_container_pause(ctx, "bltpause"), 0);
        ck_assert_int_eq(bl_container_kill(ctx, "bltpause", SIGKILL), 0);
        int code = 0;
        ck_assert_msg(bl_container_wait(ctx, "bltpause", 10000, &code) == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(code, 137);
        ck_assert_int_eq(bl_container_pause(ctx, "bltpause"), -EINVAL);
}
END_TEST

Suite *suite_api(void);
Suite *suite_api(void)
{
        Suite *s = suite_create("api");
        TCase *tc = tcase_create("api");
        tcase_add_checked_fixture(tc, integ_setup_netns, integ_teardown);
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_info_typed);
        tcase_add_test(tc, test_info_created_and_oom);
        tcase_add_test(tc, test_wait_foreign);
        tcase_add_test(tc, test_kill_forwards);
        tcase_add_test(tc, test_kill_stale_run);
        tcase_add_test(tc, test_pause);
        suite_add_tcase(s, tc);
        return s;
}
