/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "helpers.h"

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

START_TEST(test_isolation)
{
        char *script = strdup_printf(
                "echo init=$(cat /proc/1/comm); echo procs=$(ls -d /proc/[0-9]* | wc -l); echo host=$(hostname);"
                "test -e %s && echo HOSTROOT; grep -q blt-integ /proc/self/mountinfo && echo HOSTMOUNT;"
                "echo self=$$; exit 0", root);
        char *out;
        ck_assert_int_eq(run_shell("bltiso", script, NULL, &out), 0);
        ck_assert_ptr_nonnull(strstr(out, "init=baleine-init"));
        /* the init, the shell and the pipeline: nothing of the host */
        const char *procs = strstr(out, "procs=");
        ck_assert_ptr_nonnull(procs);
        ck_assert_msg(atoi(procs + 6) <= 6, "%s", out);
        ck_assert_ptr_nonnull(strstr(out, "host=bltiso"));
        ck_assert_ptr_null(strstr(out, "HOSTROOT"));
        ck_assert_ptr_null(strstr(out, "HOSTMOUNT"));
        ck_assert_ptr_nonnull(strstr(out, "self=2"));
        free(out);
        free(script);
}
END_TEST

START_TEST(test_exit_status)
{
        ck_assert_int_eq(run_shell("blt42", "exit 42", NULL, NULL), 42);
        char *sig = inspect_key("blt42", "exit_signal");
        ck_assert_ptr_null(sig);
        ck_assert_int_eq(run_shell("bltkill", "kill -9 $$", NULL, NULL), 137);
        sig = inspect_key("bltkill", "exit_signal");
        ck_assert_str_eq(sig, "9");
        free(sig);
        bl_record_list *list;
        ck_assert_int_eq(bl_container_list(ctx, 0, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), 0); /* running only */
        bl_record_list_free(list);
        ck_assert_int_eq(bl_container_list(ctx, 1, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), 2);
        bl_record_list_free(list);
}
END_TEST

START_TEST(test_program_missing)
{
        bl_container_config *cfg;
        bl_container_config_new(ctx, &cfg);
        bl_container_config_set_image(cfg, "base");
        char *argv[] = { (char *) "/no/such/program", NULL };
        bl_container_config_set_argv(cfg, argv);
        ck_assert_int_eq(bl_container_create(ctx, "bltmiss", cfg), 0);
        ck_assert_int_eq(bl_container_start(ctx, "bltmiss", 0, NULL), -ENOENT);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "container \"bltmiss\": program \"/no/such/program\": not found in the image");
        char *code = inspect_key("bltmiss", "exit_code");
        ck_assert_str_eq(code, "127");
        free(code);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_zombies_reaped)
{
        char *out;
        /* orphans re-parented to the init must not pile up as zombies */
        ck_assert_int_eq(run_shell("bltzomb",
                                   "for i in $(seq 1 30); do (sleep 0.01 &) ; done; sleep 1;"
                                   "echo zombies=$(grep -l '^State:.Z' /proc/[0-9]*/status 2>/dev/null | wc -l)",
                                   NULL, &out), 0);
        ck_assert_msg(strstr(out, "zombies=0"), "%s", out);
        free(out);
}
END_TEST

START_TEST(test_stop_timeout)
{
        start_shell("bltterm", "trap '' TERM; while true; do sleep 1; done", NULL);
        nanosleep(&(struct timespec) { 0, 200 * 1000 * 1000 }, NULL);
        double t0 = now_s();
        ck_assert_int_eq(bl_container_stop(ctx, "bltterm", 1), 0);
        double dt = now_s() - t0;
        ck_assert_msg(dt >= 0.9 && dt < 4, "stop took %.2f s", dt);
        char *code = inspect_key("bltterm", "exit_code");
        ck_assert_str_eq(code, "137");
        free(code);
        /* a stopped container: stop and exec refuse, state unchanged */
        ck_assert_int_eq(bl_container_stop(ctx, "bltterm", 1), -EINVAL);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "container \"bltterm\": is not running");
        char *argv[] = { (char *) "true", NULL };
        ck_assert_int_lt(exec_capture("bltterm", argv, NULL), 0);
}
END_TEST

START_TEST(test_exec_and_restart)
{
        start_shell("bltexec", "echo kept > /data; exec sleep 1000", NULL);
        nanosleep(&(struct timespec) { 0, 300 * 1000 * 1000 }, NULL);
        char *out;
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) "hostname; cat /proc/1/comm; cat /data; echo kept > /kept; exit 5", NULL };
        ck_assert_int_eq(exec_capture("bltexec", argv, &out), 5);
        ck_assert_str_eq(out, "bltexec\nbaleine-init\nkept\n");
        free(out);
        char *missing[] = { (char *) "/nope", NULL };
        ck_assert_int_eq(exec_capture("bltexec", missing, NULL), -ENOENT);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "container \"bltexec\": program \"/nope\": not found in the image");
        /* found but not executable (Docker's 126): execve's own error */
        char *noexec[] = { (char *) "/etc/passwd", NULL };
        ck_assert_int_eq(exec_capture("bltexec", noexec, NULL), -EACCES);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "container \"bltexec\": program \"/etc/passwd\": Permission denied");
        /* killed by a signal: 128+N, the caller's SIGCHLD notwithstanding */
        char *killed[] = { (char *) "/bin/sh", (char *) "-c", (char *) "kill -TERM $$", NULL };
        ck_assert_int_eq(exec_capture("bltexec", killed, NULL), 128 + SIGTERM);
        /* restart keeps the disk */
        char *pid1 = inspect_key("bltexec", "pid");
        ck_assert_int_eq(bl_container_restart(ctx, "bltexec", 1), 0);
        char *pid2 = inspect_key("bltexec", "pid");
        ck_assert_str_ne(pid1, pid2);
        /* a file only the first run wrote (the program rewrites /data at each start) */
        char *cat[] = { (char *) "cat", (char *) "/kept", NULL };
        ck_assert_int_eq(exec_capture("bltexec", cat, &out), 0);
        ck_assert_str_eq(out, "kept\n");
        free(out);
        free(pid1);
        free(pid2);
        /* remove refuses a running container without force */
        ck_assert_int_eq(bl_container_remove(ctx, "bltexec", 0), -EBUSY);
        ck_assert_int_eq(bl_container_remove(ctx, "bltexec", 1), 0);
        char *dir = strdup_printf("%s/containers/bltexec", root);
        ck_assert(!path_exists(dir));
        free(dir);
}
END_TEST

START_TEST(test_kill_everything)
{
        start_shell("bltk9", "sleep 1000 & sleep 1000", NULL);
        nanosleep(&(struct timespec) { 0, 300 * 1000 * 1000 }, NULL);
        char *pid = inspect_key("bltk9", "pid");
        ck_assert_int_eq(kill(atoi(pid), SIGKILL), 0);
        free(pid);
        wait_exited("bltk9", 10);
        /* the kernel unmounted it and freed the loop device */
        assert_no_leaks();
}
END_TEST

START_TEST(test_bad_input)
{
        bl_container_config *cfg = shell_config("true");
        ck_assert_int_eq(bl_container_create(ctx, "bad/name", cfg), -EINVAL);
        bl_container_config_set_image(cfg, "nosuchimage");
        ck_assert_int_eq(bl_container_create(ctx, "bltx", cfg), -ENOENT);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "image \"nosuchimage\": no such image");
        bl_container_config_set_image(cfg, "base");
        ck_assert_int_eq(bl_container_create(ctx, "bltdup", cfg), 0);
        ck_assert_int_eq(bl_container_create(ctx, "bltdup", cfg), -EEXIST);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "container \"bltdup\": already exists");
        ck_assert_int_eq(bl_container_start(ctx, "nosuch", 0, NULL), -ENOENT);
        bl_container_config_free(cfg);
        bl_record_list *list;
        ck_assert_int_eq(bl_container_list(ctx, 1, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), 1);
        bl_record_list_free(list);
}
END_TEST

START_TEST(test_attach)
{
        bl_container_config *cfg = shell_config("exit 7");
        ck_assert_int_eq(bl_container_create(ctx, "bltatt", cfg), 0);
        bl_process *p = NULL;
        ck_assert_int_eq(bl_container_start(ctx, "bltatt", BL_START_ATTACH, &p), 0);
        int code = -1;
        ck_assert_int_eq(bl_process_wait(ctx, p, &code), 0);
        ck_assert_int_eq(code, 7);
        bl_process_free(p);
        char *st = inspect_key("bltatt", "state");
        ck_assert_str_eq(st, "exited");
        free(st);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_same_name_other_root)
{
        /* cgroups are named for the container and its state root: a second
         * root runs its own container of the same name beside it */
        start_shell("bltsame", "exec sleep 100", NULL);
        char *other = strdup_printf("%s/other-root", root);
        bl_ctx *c;
        ck_assert_int_eq(bl_ctx_new(&c, other), 0);
        bl_image_config *ic;
        bl_image_config_new(ctx, &ic);
        ck_assert_int_eq(bl_image_create(c, "base", ic), 0);
        bl_container_config *cfg = shell_config("true");
        ck_assert_int_eq(bl_container_create(c, "bltsame", cfg), 0);
        ck_assert_msg(bl_container_start(c, "bltsame", 0, NULL) == 0, "%s", bl_ctx_errmsg(c));
        char *st = inspect_key("bltsame", "state");
        ck_assert_str_eq(st, "running");
        free(st);
        bl_record *rec;
        ck_assert_int_eq(bl_container_inspect(c, "bltsame", &rec), 0);
        char *cg = inspect_key("bltsame", "cgroup");
        ck_assert_str_ne(cg, bl_record_get(rec, "cgroup"));
        free(cg);
        bl_record_free(rec);
        ck_assert_int_eq(bl_container_remove(c, "bltsame", 1), 0);
        bl_container_config_free(cfg);
        bl_image_config_free(ic);
        bl_ctx_free(c);
        free(other);
}
END_TEST

START_TEST(test_log_rotation)
{
        setenv("BALEINE_LOG_MAX", "4096", 1);
        char *out;
        /* 40 KiB of output through a 4 KiB log: one previous generation kept */
        ck_assert_int_eq(run_shell("bltlog", "i=0; while [ $i -lt 1000 ]; do echo line-$i-0123456789012345678901234567; i=$((i+1)); done",
                                   NULL, &out), 0);
        ck_assert_uint_le(strlen(out), 4096 + 16384);
        ck_assert_msg(strstr(out, "line-999-"), "the last line is in console.log");
        char *old = strdup_printf("%s/containers/bltlog/console.log.1", root), *prev = NULL;
        ck_assert_int_eq(read_file(old, &prev, NULL), 0);
        /* its size depends on how the pipe cut the output: one chunk at least */
        ck_assert_ptr_nonnull(strstr(prev, "line-"));
        ck_assert_ptr_null(strstr(prev, "line-0-")); /* older ones are gone */
        free(prev);
        free(old);
        free(out);
        unsetenv("BALEINE_LOG_MAX");
}
END_TEST

START_TEST(test_disk_full)
{
        /* a state root on a small tmpfs: the image fits, its copy does not */
        char *small = strdup_printf("%s/small", root), *cmd = strdup_printf("mount -t tmpfs -o size=48m blt-small %s", small);
        ck_assert_int_eq(mkdir_p(small, 0700), 0);
        ck_assert_int_eq(system(cmd), 0);
        bl_ctx *c;
        ck_assert_int_eq(bl_ctx_new(&c, small), 0);
        char *src = strdup_printf("%s/src", root), *fill = strdup_printf("head -c 14000000 /dev/urandom > %s/data", src);
        mkdir_p(src, 0755);
        ck_assert_int_eq(system(fill), 0);
        bl_image_config *ic;
        bl_image_config_new(ctx, &ic);
        bl_image_config_set_source(ic, BL_IMAGE_SOURCE_DIR, src);
        bl_image_config_set_size(ic, 20u << 20);
        ck_assert_msg(bl_image_create(c, "big", ic) == 0, "%s", bl_ctx_errmsg(c));
        char *filler = strdup_printf("head -c 26000000 /dev/zero > %s/filler", small);
        ck_assert_int_eq(system(filler), 0);
        free(filler);
        bl_container_config *cfg = shell_config("true");
        bl_container_config_set_image(cfg, "big");
        ck_assert_int_eq(bl_container_create(c, "bltfull", cfg), -ENOSPC);
        /* refused before the copy: the root cannot back the disk's size */
        ck_assert_msg(strstr(bl_ctx_errmsg(c), "free"), "%s", bl_ctx_errmsg(c));
        char *dir = strdup_printf("%s/containers/bltfull", small);
        ck_assert(!path_exists(dir));
        bl_record *rec;
        ck_assert_int_eq(bl_container_inspect(c, "bltfull", &rec), -ENOENT);
        bl_container_config_free(cfg);
        bl_image_config_free(ic);
        bl_ctx_free(c);
        free(cmd);
        cmd = strdup_printf("umount %s", small);
        ck_assert_int_eq(system(cmd), 0);
        free(cmd);
        free(dir);
        free(fill);
        free(src);
        free(small);
}
END_TEST

Suite *suite_lifecycle(void);
Suite *suite_lifecycle(void)
{
        Suite *s = suite_create("lifecycle");
        TCase *tc = tcase_create("lifecycle");
        tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_isolation);
        tcase_add_test(tc, test_exit_status);
        tcase_add_test(tc, test_program_missing);
        tcase_add_test(tc, test_zombies_reaped);
        tcase_add_test(tc, test_stop_timeout);
        tcase_add_test(tc, test_exec_and_restart);
        tcase_add_test(tc, test_kill_everything);
        tcase_add_test(tc, test_bad_input);
        tcase_add_test(tc, test_attach);
        tcase_add_test(tc, test_log_rotation);
        tcase_add_test(tc, test_same_name_other_root);
        tcase_add_test(tc, test_disk_full);
        suite_add_tcase(s, tc);
        return s;
}
