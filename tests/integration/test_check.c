/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check, restart policies, crash consistency (fault injection at every
 * named step, kills at random moments) and concurrency. */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "helpers.h"
#include "store/store.h"

static size_t check_actions(const char *action, const char *container)
{
        bl_record_list *list;
        int r = bl_check_run(ctx, 0, &list);
        ck_assert_msg(r == 0, "check: %s", bl_ctx_errmsg(ctx));
        size_t n = 0;
        for (size_t i = 0; i < bl_record_list_count(list); i++) {
                const bl_record *a = bl_record_list_get(list, i);
                if ((!action || strcmp(bl_record_get(a, "action"), action) == 0) &&
                    (!container || strcmp(bl_record_get(a, "container"), container) == 0))
                        n++;
        }
        bl_record_list_free(list);
        return n;
}

/* The store says the truth: no half-made object, every manifest readable,
 * every recorded running container alive. */
static void assert_consistent(void)
{
        /* a second check finds nothing to do */
        bl_record_list *acts;
        ck_assert_int_eq(bl_check_run(ctx, 0, &acts), 0);
        if (bl_record_list_count(acts))
                ck_abort_msg("second check acted: %s %s: %s", bl_record_get(bl_record_list_get(acts, 0), "container"),
                             bl_record_get(bl_record_list_get(acts, 0), "action"), bl_record_get(bl_record_list_get(acts, 0), "detail"));
        bl_record_list_free(acts);
        bl_record_list *list;
        ck_assert_int_eq(manifest_list(ctx, KIND_CONTAINERS, &list), 0);
        for (size_t i = 0; i < bl_record_list_count(list); i++) {
                const bl_record *c = bl_record_list_get(list, i);
                const char *st = bl_record_get(c, "state");
                ck_assert_str_ne(st, "creating");
                char *disk = strdup_printf("%s/containers/%s/rootfs.img", root, bl_record_get(c, "name"));
                ck_assert_msg(path_exists(disk), "container %s has no disk", bl_record_get(c, "name"));
                free(disk);
        }
        bl_record_list_free(list);
        ck_assert_int_eq(manifest_list(ctx, KIND_IMAGES, &list), 0);
        for (size_t i = 0; i < bl_record_list_count(list); i++) {
                const bl_record *img = bl_record_list_get(list, i);
                ck_assert_str_eq(bl_record_get(img, "state"), "ready");
                ck_assert(path_exists(bl_record_get(img, "path")));
        }
        bl_record_list_free(list);
}

START_TEST(test_killed_with_everything)
{
        start_shell("bltk", "sleep 1000 & exec sleep 1000", NULL);
        char *pid = inspect_key("bltk", "pid"), *cg = container_cgroup_dir("bltk", "memory");
        ck_assert_int_eq(kill(atoi(pid), SIGKILL), 0);
        free(pid);
        /* the init ends once the kernel has killed and reaped the rest of
         * its namespace: a moment, longer on a slow (emulated) machine */
        size_t marked = 0;
        for (int i = 0; i < 100 && !marked; i++) {
                nanosleep(&(struct timespec) { 0, 100 * 1000 * 1000 }, NULL);
                marked = check_actions("mark-exited", "bltk");
        }
        ck_assert_uint_eq(marked, 1);
        char *code = inspect_key("bltk", "exit_code");
        ck_assert_str_eq(code, "137");
        free(code);
        ck_assert_msg(!path_exists(cg), "%s remains", cg);
        free(cg);
        assert_consistent();
}
END_TEST

START_TEST(test_on_failure)
{
        setenv("BALEINE_BACKOFF_BASE", "0", 1);
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_set_restart(cfg, "on-failure:2"), 0);
        start_shell("bltfail", "exit 3", cfg);
        for (int round = 1; round <= 2; round++) {
                wait_exited("bltfail", 10);
                ck_assert_uint_eq(check_actions("restart", "bltfail"), 1);
        }
        wait_exited("bltfail", 10);
        ck_assert_uint_eq(check_actions("give-up", "bltfail"), 1);
        ck_assert_uint_eq(check_actions("restart", "bltfail"), 0);
        char *n = inspect_key("bltfail", "restart_count");
        ck_assert_str_eq(n, "2");
        free(n);
        char *st = inspect_key("bltfail", "state");
        ck_assert_str_eq(st, "exited");
        free(st);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_backoff)
{
        unsetenv("BALEINE_BACKOFF_BASE");
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_set_restart(cfg, "always"), 0);
        start_shell("bltback", "exit 1", cfg);
        wait_exited("bltback", 10);
        ck_assert_uint_eq(check_actions("restart", "bltback"), 1); /* first failure: at once */
        wait_exited("bltback", 10);
        ck_assert_uint_eq(check_actions("wait", "bltback"), 1);    /* second: after a back-off */
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_always_stopped_by_user)
{
        setenv("BALEINE_BACKOFF_BASE", "0", 1);
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_set_restart(cfg, "always"), 0);
        start_shell("bltalways", "exec sleep 1000", cfg);
        ck_assert_int_eq(bl_container_stop(ctx, "bltalways", 1), 0);
        ck_assert_uint_eq(check_actions("restart", "bltalways"), 0);
        char *st = inspect_key("bltalways", "state");
        ck_assert_str_eq(st, "exited");
        free(st);
        /* a user's start lifts the suspension */
        ck_assert_int_eq(bl_container_start(ctx, "bltalways", 0, NULL), 0);
        char *by = inspect_key("bltalways", "stopped_by_user");
        ck_assert_ptr_null(by);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_auto_remove)
{
        bl_container_config *cfg = shell_config("");
        bl_container_config_set_auto_remove(cfg, 1);
        start_shell("bltrm", "exit 0", cfg);
        wait_exited("bltrm", 10);
        ck_assert_uint_eq(check_actions("remove", "bltrm"), 1);
        bl_record *rec;
        ck_assert_int_eq(bl_container_inspect(ctx, "bltrm", &rec), -ENOENT);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_leaked_host_mount)
{
        /* a mount under the root in the host's namespace (as a crash of an
         * export could leave): check detaches it */
        char *dir = strdup_printf("%s/tmp/export-leak", root), *cmd = strdup_printf("mount -t tmpfs blt-leak %s", dir);
        ck_assert_int_eq(mkdir_p(dir, 0700), 0);
        ck_assert_int_eq(system(cmd), 0);
        ck_assert_uint_eq(check_actions("detach-mount", dir), 1);
        char *mi = NULL;
        ck_assert_int_eq(read_file("/proc/self/mountinfo", &mi, NULL), 0);
        ck_assert_ptr_null(strstr(mi, dir));
        free(mi);
        free(cmd);
        free(dir);
}
END_TEST

START_TEST(test_reused_pid)
{
        bl_container_config *cfg = shell_config("true");
        ck_assert_int_eq(bl_container_create(ctx, "bltreuse", cfg), 0);
        /* a manifest whose pid now belongs to another process: this test */
        int lock = -1;
        bl_record *rec;
        ck_assert_int_eq(store_lock(ctx, &lock), 0);
        ck_assert_int_eq(manifest_load(ctx, KIND_CONTAINERS, "bltreuse", &rec), 0);
        record_set(rec, "state", "running");
        record_setf(rec, "pid", "%d", (int) getpid());
        record_set(rec, "pid_starttime", "1");
        ck_assert_int_eq(manifest_save(ctx, KIND_CONTAINERS, "bltreuse", rec), 0);
        bl_record_free(rec);
        store_unlock(&lock);
        ck_assert_int_eq(bl_container_stop(ctx, "bltreuse", 1), -EINVAL); /* never signalled: we live on */
        ck_assert_uint_eq(check_actions(NULL, NULL), 0); /* stop already corrected it */
        char *st = inspect_key("bltreuse", "state");
        ck_assert_str_eq(st, "exited");
        free(st);
        bl_container_config_free(cfg);
}
END_TEST

START_TEST(test_fault_injection)
{
        ck_assert_int_eq(bl_bridge_create(ctx, "bltfbr", "10.91.0.1/24"), 0);
        static const struct { const char *fault; const char *args[12]; } steps[] = {
                { "image-create-reserved", { "image", "create", "-i", "fimg" } },
                { "image-create-staged", { "image", "create", "-i", "fimg" } },
                { "image-create-formatted", { "image", "create", "-i", "fimg" } },
                { "atomic-before-rename", { "image", "create", "-i", "fimg" } },
                { "container-create-reserved", { "container", "create", "-i", "base", "-c", "bltf", "-b", "bltfbr", "-p", "sleep", "100" } },
                { "container-create-copied", { "container", "create", "-i", "base", "-c", "bltf", "-b", "bltfbr", "-p", "sleep", "100" } },
                { "container-start-loop", { "container", "create", "-i", "base", "-c", "bltf", "-b", "bltfbr", "-p", "sleep", "100" } },
                { "container-start-cgroup", { "container", "start", "bltf" } },
                { "container-start-spawned", { "container", "start", "bltf" } },
                { "container-start-recorded", { "container", "start", "bltf" } },
                { "container-remove-manifest", { "container", "remove", "--force", "bltf" } },
                { "image-remove-manifest", { "image", "remove", "fimg2" } },
        };
        char *mk2[] = { (char *) "image", (char *) "create", (char *) "-i", (char *) "fimg2", NULL };
        ck_assert_int_eq(cli_run(NULL, -1, mk2), 0);
        for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
                int code = cli_run(steps[i].fault, -1, (char *const *) steps[i].args);
                ck_assert_msg(code == 128 + SIGKILL, "step %s: exit %d (the fault did not fire)", steps[i].fault, code);
                check_actions(NULL, NULL);
                assert_consistent();
        }
        /* after all that: everything still works and nothing leaked */
        char *run[] = { (char *) "container", (char *) "create", (char *) "-i", (char *) "base", (char *) "-c",
                        (char *) "bltafter", (char *) "-b", (char *) "bltfbr", (char *) "--attach", (char *) "-p", (char *) "true", NULL };
        ck_assert_int_eq(cli_run(NULL, -1, run), 0);
}
END_TEST

START_TEST(test_random_kills)
{
        srand((unsigned) time(NULL));
        for (int i = 0; i < 12; i++) {
                char name[32];
                snprintf(name, sizeof(name), "bltr%d", i);
                char *create[] = { (char *) "container", (char *) "create", (char *) "-i", (char *) "base", (char *) "-c",
                                   name, (char *) "-p", (char *) "sleep", (char *) "100", NULL };
                char *rm[] = { (char *) "container", (char *) "remove", (char *) "--force", name, NULL };
                cli_run(NULL, rand() % 60, create);
                check_actions(NULL, NULL);
                assert_consistent();
                cli_run(NULL, rand() % 40, rm);
                check_actions(NULL, NULL);
                assert_consistent();
        }
}
END_TEST

START_TEST(test_concurrency)
{
        ck_assert_int_eq(bl_bridge_create(ctx, "bltcbr", "10.92.0.1/24"), 0);
        enum { P = 16 };
        pid_t pids[P];
        for (int i = 0; i < P; i++) {
                pids[i] = fork();
                if (pids[i] == 0) {
                        char name[32];
                        snprintf(name, sizeof(name), "bltc%d", i);
                        char *create[] = { (char *) "container", (char *) "create", (char *) "-i", (char *) "base", (char *) "-c",
                                           name, (char *) "-b", (char *) "bltcbr", (char *) "-p", (char *) "sleep", (char *) "100", NULL };
                        char *list[] = { (char *) "container", (char *) "list", (char *) "--all", NULL };
                        char *stop[] = { (char *) "container", (char *) "stop", (char *) "-t", (char *) "1", name, NULL };
                        char *start[] = { (char *) "container", (char *) "start", name, NULL };
                        char *rm[] = { (char *) "container", (char *) "remove", (char *) "--force", name, NULL };
                        int bad = cli_run(NULL, -1, create) != 0;
                        bad |= cli_run(NULL, -1, list) != 0;
                        bad |= cli_run(NULL, -1, stop) != 0;
                        bad |= cli_run(NULL, -1, start) != 0;
                        if (i % 2)
                                bad |= cli_run(NULL, -1, rm) != 0;
                        _exit(bad);
                }
        }
        for (int i = 0; i < P; i++) {
                int st;
                waitpid(pids[i], &st, 0);
                ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d failed", i);
        }
        bl_record_list *list;
        ck_assert_int_eq(bl_container_list(ctx, 1, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), P / 2);
        for (size_t i = 0; i < bl_record_list_count(list); i++) {
                ck_assert_str_eq(bl_record_get(bl_record_list_get(list, i), "state"), "running");
                for (size_t k = i + 1; k < bl_record_list_count(list); k++)
                        ck_assert_str_ne(bl_record_get(bl_record_list_get(list, i), "address"),
                                         bl_record_get(bl_record_list_get(list, k), "address"));
        }
        bl_record_list_free(list);
        assert_consistent();
}
END_TEST

Suite *suite_check(void);
Suite *suite_check(void)
{
        Suite *s = suite_create("check");
        TCase *tc = tcase_create("check");
        tcase_add_checked_fixture(tc, integ_setup_netns, integ_teardown);
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_killed_with_everything);
        tcase_add_test(tc, test_on_failure);
        tcase_add_test(tc, test_backoff);
        tcase_add_test(tc, test_always_stopped_by_user);
        tcase_add_test(tc, test_reused_pid);
        tcase_add_test(tc, test_leaked_host_mount);
        tcase_add_test(tc, test_auto_remove);
        tcase_add_test(tc, test_fault_injection);
        tcase_add_test(tc, test_random_kills);
        tcase_add_test(tc, test_concurrency);
        suite_add_tcase(s, tc);
        return s;
}
