/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Races between verbs: a verb that waits outside the lock is held there
 * (BALEINE_PAUSE) while another verb changes the container, then resumed;
 * it must act only on the run it observed (compare-and-set). */
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "disk/disk.h"
#include "runtime/runtime.h"
#include "helpers.h"
#include "store/store.h"

static char *disk_of(const char *name)
{
        return strdup_printf("%s/containers/%s/rootfs.img", root, name);
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

static size_t count_actions(const char *action, const char *object)
{
        bl_record_list *list;
        int r = bl_check_run(ctx, 0, &list);
        ck_assert_msg(r == 0, "check: %s", bl_ctx_errmsg(ctx));
        size_t n = 0;
        for (size_t i = 0; i < bl_record_list_count(list); i++) {
                const bl_record *a = bl_record_list_get(list, i);
                if (strcmp(bl_record_get(a, "action"), action) == 0 && strcmp(bl_record_get(a, "container"), object) == 0)
                        n++;
        }
        bl_record_list_free(list);
        return n;
}

static char *manifest_of(const char *name)
{
        return strdup_printf("%s/manifeste/containers/%s.manifest", root, name);
}

/* A restart while the container's creator is between its copy and its last
 * save: refused, and the create completes with the one run recorded. */
START_TEST(test_restart_raced_with_create)
{
        char *args[] = { (char *) "container", (char *) "create", (char *) "-i", (char *) "base", (char *) "-c", (char *) "bltrd",
                         (char *) "-p", (char *) "sleep", (char *) "1000", NULL };
        pid_t creator = cli_paused("container-create-renamed", args);
        ck_assert_int_eq(bl_container_restart(ctx, "bltrd", 1), -EBUSY);
        kill(creator, SIGCONT);
        ck_assert_int_eq(cli_wait(creator), 0);
        assert_running("bltrd");
}
END_TEST

/* A running container whose manifest is lost: check never deletes its disk;
 * without a copy it keeps and reports it, with one it rebuilds the store. */
START_TEST(test_check_keeps_running_without_manifest)
{
        start_shell("bltm", "exec sleep 1000", NULL);
        char *m = manifest_of("bltm"), *copy = strdup_printf("%s/containers/bltm/manifest.copy", root), *disk = disk_of("bltm");
        char *saved = NULL;
        ck_assert_int_eq(read_file(copy, &saved, NULL), 0);
        ck_assert_int_eq(unlink(m), 0);
        ck_assert_int_eq(unlink(copy), 0);
        ck_assert_uint_eq(count_actions("keep-in-use", "bltm"), 1);
        ck_assert_msg(path_exists(disk), "check deleted the disk of a running container");
        /* with the copy: the manifest comes back, saying running */
        ck_assert_int_eq(write_file_atomic(copy, saved, strlen(saved), 0600), 0);
        ck_assert_uint_eq(count_actions("rebuild-manifest", "bltm"), 1);
        assert_running("bltm");
        free(saved);
        free(m);
        free(copy);
        free(disk);
}
END_TEST

/* A truncated manifest: its address is not handed out again, and check
 * restores the manifest from the copy. */
START_TEST(test_corrupt_manifest_keeps_address)
{
        ck_assert_int_eq(bl_bridge_create(ctx, "bltrbr", "10.93.0.1/24"), 0);
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_add_network(cfg, "bltrbr", NULL), 0);
        start_shell("bltca", "exec sleep 1000", cfg);
        char *a = inspect_key("bltca", "address");
        char *m = manifest_of("bltca");
        ck_assert_int_eq(truncate(m, 20), 0);
        bl_container_config *cfg2 = shell_config("exec sleep 1000");
        ck_assert_int_eq(bl_container_config_add_network(cfg2, "bltrbr", NULL), 0);
        int r = bl_container_create(ctx, "bltcb", cfg2);
        ck_assert_msg(r == 0, "create: %s", bl_ctx_errmsg(ctx));
        char *b = inspect_key("bltcb", "address");
        ck_assert_msg(strcmp(a, b) != 0, "two containers got %s", a);
        ck_assert_uint_eq(count_actions("restore-manifest", "bltca"), 1);
        assert_running("bltca");
        free(a);
        free(b);
        free(m);
        bl_container_config_free(cfg);
        bl_container_config_free(cfg2);
}
END_TEST


/* The host end of a container's first veth (freed by the caller). */
static char *hostif_of(bl_ctx *c, const char *name)
{
        bl_record *rec;
        ck_assert_int_eq(bl_container_inspect(c, name, &rec), 0);
        char br[64], cidr[32], hostif[32];
        ck_assert_int_eq(sscanf(bl_record_get(rec, "net0"), "%63s %31s %31s", br, cidr, hostif), 3);
        bl_record_free(rec);
        return strdup(hostif);
}

/* Two state roots, one container name, both running: nothing host-global
 * is shared, and a check in one root leaves the other's container whole. */
START_TEST(test_two_roots_same_name)
{
        char root2[] = "/tmp/blt-integ.XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(root2));
        bl_ctx *c2;
        ck_assert_int_eq(bl_ctx_new(&c2, root2), 0);
        bl_image_config *icfg;
        ck_assert_int_eq(bl_image_config_new(ctx, &icfg), 0);
        ck_assert_int_eq(bl_image_create(c2, "base", icfg), 0);
        bl_image_config_free(icfg);
        ck_assert_int_eq(bl_bridge_create(ctx, "bltr1", "10.94.0.1/24"), 0);
        ck_assert_int_eq(bl_bridge_create(c2, "bltr2", "10.95.0.1/24"), 0);
        bl_container_config *cfg1 = shell_config("exec sleep 1000"), *cfg2 = shell_config("exec sleep 1000");
        ck_assert_int_eq(bl_container_config_add_network(cfg1, "bltr1", NULL), 0);
        ck_assert_int_eq(bl_container_config_add_network(cfg2, "bltr2", NULL), 0);
        /* both made before either runs: no existing link to dodge */
        ck_assert_int_eq(bl_container_create(ctx, "bltdup", cfg1), 0);
        ck_assert_int_eq(bl_container_create(c2, "bltdup", cfg2), 0);
        int r = bl_container_start(ctx, "bltdup", 0, NULL);
        ck_assert_msg(r == 0, "start in root 1: %s", bl_ctx_errmsg(ctx));
        r = bl_container_start(c2, "bltdup", 0, NULL);
        ck_assert_msg(r == 0, "start in root 2: %s", bl_ctx_errmsg(c2));
        char *if1 = hostif_of(ctx, "bltdup"), *if2 = hostif_of(c2, "bltdup");
        ck_assert_str_ne(if1, if2);
        /* root 1's container stops; its check cleans up only its own */
        ck_assert_int_eq(bl_container_stop(ctx, "bltdup", 1), 0);
        bl_record_list *acts;
        ck_assert_int_eq(bl_check_run(ctx, 0, &acts), 0);
        bl_record_list_free(acts);
        bl_record *rec;
        ck_assert_int_eq(bl_container_inspect(c2, "bltdup", &rec), 0);
        ck_assert_str_eq(bl_record_get(rec, "state"), "running");
        ck_assert_msg(if_nametoindex(if2) > 0, "root 2's veth %s was deleted by root 1's check", if2);
        /* v2's one hierarchy, else v1's pids one */
        char *cgp = strdup_printf(path_exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup/baleine/%s/cgroup.procs"
                                                                                  : "/sys/fs/cgroup/pids/baleine/%s/cgroup.procs",
                                bl_record_get(rec, "cgroup"));
        char *procs = NULL;
        ck_assert_int_eq(read_file(cgp, &procs, NULL), 0);
        ck_assert_msg(strstr(procs, bl_record_get(rec, "pid")), "root 2's init is not in its cgroup %s", cgp);
        bl_record_free(rec);
        ck_assert_int_eq(bl_container_remove(c2, "bltdup", 1), 0);
        ck_assert_int_eq(bl_bridge_remove(c2, "bltr2", 1), 0);
        bl_ctx_free(c2);
        rm_rf(root2);
        free(procs);
        free(cgp);
        free(if1);
        free(if2);
        bl_container_config_free(cfg1);
        bl_container_config_free(cfg2);
}
END_TEST

/* A root whose free space cannot back a container's disk: create and start
 * refuse, instead of a sparse copy that loses data when the host is full. */
START_TEST(test_space_refused)
{
        /* beneath a test root: a failed run's mount is detached by the next */
        char *small = strdup_printf("%s/small", root);
        ck_assert_int_eq(mkdir(small, 0700), 0);
        char *mnt = strdup_printf("mount -t tmpfs -o size=120m blt-small %s", small);
        ck_assert_int_eq(system(mnt), 0);
        bl_ctx *c2;
        ck_assert_int_eq(bl_ctx_new(&c2, small), 0);
        bl_image_config *icfg;
        ck_assert_int_eq(bl_image_config_new(ctx, &icfg), 0);
        ck_assert_int_eq(bl_image_config_set_size(icfg, 80u << 20), 0);
        int r = bl_image_create(c2, "base", icfg);
        ck_assert_msg(r == 0, "image: %s", bl_ctx_errmsg(c2));
        bl_image_config_free(icfg);
        bl_container_config *cfg = shell_config("true");
        r = bl_container_create(c2, "bltsp1", cfg);
        ck_assert_msg(r == 0, "create with room: %s", bl_ctx_errmsg(c2));
        /* the root fills up: the sparse copy could no longer grow */
        char *fill = strdup_printf("%s/filler", small);
        char *dd = strdup_printf("dd if=/dev/zero of=%s bs=1M count=60 status=none", fill);
        ck_assert_int_eq(system(dd), 0);
        ck_assert_int_eq(bl_container_start(c2, "bltsp1", 0, NULL), -ENOSPC);
        ck_assert_int_eq(bl_container_create(c2, "bltsp2", cfg), -ENOSPC);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(c2), "free"));
        ck_assert_int_eq(bl_container_remove(c2, "bltsp1", 1), 0);
        bl_ctx_free(c2);
        char *um = strdup_printf("umount %s", small);
        ck_assert_int_eq(system(um), 0);
        rmdir(small);
        free(small);
        free(mnt);
        free(um);
        free(fill);
        free(dd);
        bl_container_config_free(cfg);
}
END_TEST

/* A disk whose superblock records ext4 errors is repaired before it mounts. */
START_TEST(test_ext4_errors_repaired)
{
        bl_container_config *cfg = shell_config("exec sleep 1000");
        ck_assert_int_eq(bl_container_create(ctx, "bltfsck", cfg), 0);
        char *disk = disk_of("bltfsck"), *cmd = strdup_printf("tune2fs -E force_fsck %s >/dev/null 2>&1", disk);
        ck_assert_int_eq(system(cmd), 0);
        ck_assert_msg(disk_ext4_has_errors(disk), "the probe does not see the error flag tune2fs set");
        int r = bl_container_start(ctx, "bltfsck", 0, NULL);
        ck_assert_msg(r == 0, "start: %s", bl_ctx_errmsg(ctx));
        ck_assert_msg(!disk_ext4_has_errors(disk), "the disk was mounted with its errors unrepaired");
        assert_running("bltfsck");
        free(disk);
        free(cmd);
        bl_container_config_free(cfg);
}
END_TEST

/* A user's start after on-failure:N gave up starts the count over. */
START_TEST(test_user_start_resets_restart_count)
{
        setenv("BALEINE_BACKOFF_BASE", "0", 1);
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_set_restart(cfg, "on-failure:1"), 0);
        start_shell("bltgive", "exit 3", cfg);
        wait_exited("bltgive", 10);
        ck_assert_uint_eq(count_actions("restart", "bltgive"), 1);
        wait_exited("bltgive", 10);
        ck_assert_uint_eq(count_actions("give-up", "bltgive"), 1);
        ck_assert_int_eq(bl_container_start(ctx, "bltgive", 0, NULL), 0);
        wait_exited("bltgive", 10);
        char *n = inspect_key("bltgive", "restart_count"), *ex = inspect_key("bltgive", "restart_exhausted");
        ck_assert_msg(!n && !ex, "after a user's start: restart_count %s, exhausted %s", n, ex);
        /* and the policy applies again */
        ck_assert_uint_eq(count_actions("restart", "bltgive"), 1);
        bl_container_config_free(cfg);
}
END_TEST

/* A read-only root: list and inspect show the truth without writing it. */
START_TEST(test_read_only_root_lists)
{
        start_shell("bltro", "exec sleep 1000", NULL);
        char *pid = inspect_key("bltro", "pid");
        ck_assert_int_eq(kill(atoi(pid), SIGKILL), 0);
        nanosleep(&(struct timespec) { 0, 200 * 1000 * 1000 }, NULL);
        char *cmd = strdup_printf("mount --bind -o ro %s %s && mount -o remount,bind,ro %s", root, root, root);
        ck_assert_int_eq(system(cmd), 0);
        bl_record_list *list;
        int r = bl_container_list(ctx, 1, &list);
        bl_record *rec = NULL;
        int ri = bl_container_inspect(ctx, "bltro", &rec);
        char *um = strdup_printf("umount %s", root);
        ck_assert_int_eq(system(um), 0);
        ck_assert_msg(r == 0, "list on a read-only root: %s", bl_ctx_errmsg(ctx));
        ck_assert_int_eq(ri, 0);
        ck_assert_uint_eq(bl_record_list_count(list), 1);
        ck_assert_str_eq(bl_record_get(bl_record_list_get(list, 0), "state"), "exited");
        ck_assert_str_eq(bl_record_get(rec, "state"), "exited");
        bl_record_list_free(list);
        bl_record_free(rec);
        free(pid);
        free(cmd);
        free(um);
}
END_TEST

/* A full root: check still records that a container died. */
START_TEST(test_full_root_marks_exited)
{
        char *small = strdup_printf("%s/full", root);
        ck_assert_int_eq(mkdir(small, 0700), 0);
        char *mnt = strdup_printf("mount -t tmpfs -o size=100m blt-full %s", small);
        ck_assert_int_eq(system(mnt), 0);
        bl_ctx *c2;
        ck_assert_int_eq(bl_ctx_new(&c2, small), 0);
        bl_image_config *icfg;
        ck_assert_int_eq(bl_image_config_new(ctx, &icfg), 0);
        ck_assert_int_eq(bl_image_config_set_size(icfg, 16u << 20), 0);
        ck_assert_int_eq(bl_image_create(c2, "base", icfg), 0);
        bl_image_config_free(icfg);
        bl_container_config *cfg = shell_config("exec sleep 1000");
        ck_assert_int_eq(bl_container_create(c2, "bltfull", cfg), 0);
        ck_assert_int_eq(bl_container_start(c2, "bltfull", 0, NULL), 0);
        bl_record *rec;
        ck_assert_int_eq(bl_container_inspect(c2, "bltfull", &rec), 0);
        ck_assert_int_eq(kill(atoi(bl_record_get(rec, "pid")), SIGKILL), 0);
        bl_record_free(rec);
        nanosleep(&(struct timespec) { 0, 200 * 1000 * 1000 }, NULL);
        char *dd = strdup_printf("dd if=/dev/zero of=%s/filler bs=64k status=none 2>/dev/null", small);
        ck_assert_int_ne(system(dd), 0); /* ends at ENOSPC */
        bl_record_list *acts;
        ck_assert_int_eq(bl_check_run(c2, 0, &acts), 0);
        bl_record_list_free(acts);
        bl_record *m;
        ck_assert_int_eq(manifest_load(c2, KIND_CONTAINERS, "bltfull", &m), 0);
        ck_assert_msg(strcmp(bl_record_get(m, "state"), "exited") == 0, "a full root's manifest still says %s", bl_record_get(m, "state"));
        bl_record_free(m);
        ck_assert_int_eq(bl_container_remove(c2, "bltfull", 1), 0);
        bl_ctx_free(c2);
        char *um = strdup_printf("umount %s", small);
        ck_assert_int_eq(system(um), 0);
        rmdir(small);
        free(small);
        free(mnt);
        free(dd);
        free(um);
        bl_container_config_free(cfg);
}
END_TEST

/* A bridge create or remove killed halfway: check undoes or completes it;
 * never a kernel bridge that nothing names. */
START_TEST(test_bridge_crash_consistent)
{
        char *add[] = { (char *) "bridge", (char *) "create", (char *) "-b", (char *) "bltfb1", (char *) "-a", (char *) "10.96.1.1/24", NULL };
        ck_assert_int_eq(cli_run("bridge-add-kernel", -1, add), 128 + SIGKILL);
        ck_assert_uint_eq(count_actions("undo-bridge-create", "bltfb1"), 1);
        ck_assert_msg(if_nametoindex("bltfb1") == 0, "a kernel bridge without a manifest remains");
        ck_assert(!manifest_exists(ctx, KIND_BRIDGES, "bltfb1"));
        ck_assert_int_eq(cli_run(NULL, -1, add), 0);
        char *rm[] = { (char *) "bridge", (char *) "remove", (char *) "bltfb1", NULL };
        ck_assert_int_eq(cli_run("bridge-remove-marked", -1, rm), 128 + SIGKILL);
        ck_assert_uint_eq(count_actions("finish-bridge-remove", "bltfb1"), 1);
        ck_assert(if_nametoindex("bltfb1") == 0);
        ck_assert(!manifest_exists(ctx, KIND_BRIDGES, "bltfb1"));
}
END_TEST

/* A bridge deleted by hand under a running container: check makes it again
 * and attaches the container's veth to it; the container answers again. */
START_TEST(test_bridge_deleted_by_hand)
{
        ck_assert_int_eq(bl_bridge_create(ctx, "bltfb3", "10.96.3.1/24"), 0);
        bl_container_config *cfg = shell_config("");
        ck_assert_int_eq(bl_container_config_add_network(cfg, "bltfb3", NULL), 0);
        start_shell("bltbh", "exec sleep 1000", cfg);
        /* from inside, the bridge's address: through the host end */
        char *ping[] = { (char *) "ping", (char *) "-c1", (char *) "-W2", (char *) "10.96.3.1", NULL };
        ck_assert_msg(exec_capture("bltbh", ping, NULL) == 0, "no answer from the bridge before");
        ck_assert_int_eq(system("ip link del bltfb3"), 0);
        ck_assert_uint_eq(count_actions("recreate-bridge", "bltfb3"), 1);
        ck_assert_msg(exec_capture("bltbh", ping, NULL) == 0, "no answer from the bridge after check");
        ck_assert_uint_eq(count_actions("reattach-veth", "bltbh"), 0); /* done once */
        bl_container_config_free(cfg);
}
END_TEST

/* Temp files of atomic writes whose writer died are removed; a live
 * writer's stay. */
START_TEST(test_check_removes_dead_temps)
{
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        char *stale = strdup_printf("%s/manifeste/containers/x.manifest.tmp.%d", root, (int) dead);
        char *live = strdup_printf("%s/manifeste/containers/y.manifest.tmp.%d", root, (int) getpid());
        ck_assert_int_eq(write_file_atomic(stale, "x", 1, 0600), 0);
        ck_assert_int_eq(write_file_atomic(live, "y", 1, 0600), 0);
        char *base = strrchr(stale, '/') + 1;
        ck_assert_uint_eq(count_actions("remove-temp", base), 1);
        ck_assert(!path_exists(stale));
        ck_assert(path_exists(live));
        unlink(live);
        free(stale);
        free(live);
}
END_TEST

/* A work folder of tmp/ as baleine makes one: `name`, holding a file and
 * an owner record with `text` (NULL: none), its mtime `age` s ago. */
static char *work_folder(const char *name, const char *text, int age)
{
        char *dir = strdup_printf("%s/tmp/%s", root, name), *file = strdup_printf("%s/rootfs/bin/sh", dir);
        char *rec = strdup_printf("%s/owner", dir);
        ck_assert_int_eq(mkdir_p(file, 0755), 0);
        if (text)
                ck_assert_int_eq(write_file_atomic(rec, text, strlen(text), 0600), 0);
        struct timespec t[2] = { { time(NULL) - age, 0 }, { time(NULL) - age, 0 } };
        ck_assert_int_eq(utimensat(AT_FDCWD, dir, t, 0), 0);
        free(file);
        free(rec);
        return dir;
}

/* An owner record of `kind` `name` for pid with its start time plus `skew`. */
static char *owner_text(const char *kind, const char *name, pid_t pid, int skew)
{
        uint64_t st = 0;
        ck_assert_int_eq(proc_starttime(pid, &st), 0);
        return strdup_printf("kind %s\nname %s\npid %d\nstarttime %llu\n", kind, name, (int) pid, (unsigned long long) st + skew);
}

static void save_image(const char *name, const char *state)
{
        int lock = -1;
        ck_assert_int_eq(store_lock(ctx, &lock), 0);
        bl_record *img = record_new();
        record_set(img, "name", name);
        record_set(img, "state", state);
        record_setf(img, "creator_pid", "%d", (int) getpid());
        ck_assert_int_eq(manifest_save(ctx, KIND_IMAGES, name, img), 0);
        bl_record_free(img);
        store_unlock(&lock);
}

/* An image being made whose name holds a dot: check leaves its staging
 * folder (its owner record says who) and its partial file (its manifest
 * does) alone; once its owner is gone, both are leftovers. */
START_TEST(test_check_staging_dotted_name)
{
        save_image("ch.dotted", "creating");
        char *live = owner_text("image", "ch.dotted", getpid(), 0);
        char *staging = work_folder("image-ch.dotted.AbCdEf", live, 0), *file = strdup_printf("%s/rootfs/bin", staging);
        char *partial = strdup_printf("%s/tmp/image-ch.dotted.img.partial", root), *rec = strdup_printf("%s/owner", staging);
        ck_assert_int_eq(write_file_atomic(partial, "x", 1, 0600), 0);
        ck_assert_uint_eq(count_actions("remove-orphan", "image-ch.dotted.AbCdEf"), 0);
        ck_assert_msg(path_exists(file), "check removed a live image's staging folder");
        ck_assert_msg(path_exists(partial), "check removed a live image's partial file");
        ck_assert_int_eq(manifest_remove(ctx, KIND_IMAGES, "ch.dotted"), 0);
        char *dead = owner_text("image", "ch.dotted", getpid(), 1); /* another process of the same pid */
        ck_assert_int_eq(write_file_atomic(rec, dead, strlen(dead), 0600), 0);
        /* its owner gone: both are leftovers now */
        ck_assert_uint_eq(count_actions("remove-orphan", "image-ch.dotted.AbCdEf"), 1);
        ck_assert(!path_exists(staging) && !path_exists(partial));
        free(staging);
        free(file);
        free(partial);
        free(rec);
        free(live);
        free(dead);
}
END_TEST

/* Work folders are judged by the owner recorded inside, never by their
 * name nor by a manifest: a live owner's stay whatever they are named,
 * a dead owner's go (a pid gone, or reused: another start time), and one
 * without a readable record goes only past the grace period. */
START_TEST(test_check_staging_owner_record)
{
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        char *dead_text = strdup_printf("kind image\nname done\npid %d\nstarttime 1\n", (int) dead);
        waitpid(dead, NULL, 0);
        char *live_dotted = owner_text("image", "a.b", getpid(), 0), *live_export = owner_text("export", "x.y", getpid(), 0);
        char *reused = owner_text("export", "gone", getpid(), 7);
        save_image("done", "ready");
        save_image("corrupt", "ready");
        /* would parse as image "a.b.c", which has no manifest */
        char *d1 = work_folder("image-a.b.c.Xy12Zw", live_dotted, 0);
        char *d2 = work_folder("export-x.y.Q1w2e3", live_export, 7200);
        char *d3 = work_folder("image-done.R4t5y6", dead_text, 0);
        char *d4 = work_folder("export-gone.Zz9Yy8", reused, 0);
        char *d5 = work_folder("image-corrupt.C0rrup", "garbage\n", 7200);
        char *d6 = work_folder("image-young.Y0ungg", "kind image\nname young\npid x\n", 0);
        char *d7 = work_folder("image-norecord.N0rec0", NULL, 7200);
        ck_assert_uint_eq(count_actions("remove-orphan", "image-done.R4t5y6"), 1);
        ck_assert_msg(path_exists(d1), "check removed the work folder of a live owner (name with dots)");
        ck_assert_msg(path_exists(d2), "check removed the export folder of a live owner");
        ck_assert_msg(!path_exists(d3), "check left the work folder of a dead owner");
        ck_assert_msg(!path_exists(d4), "check left the work folder of a reused pid");
        ck_assert_msg(!path_exists(d5), "check left an old work folder with a corrupt owner record");
        ck_assert_msg(path_exists(d6), "check removed a young work folder with a corrupt owner record");
        ck_assert_msg(!path_exists(d7), "check left an old work folder without an owner record");
        char *all[] = { d1, d2, d3, d4, d5, d6, d7 };
        for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
                rm_rf(all[i]);
                free(all[i]);
        }
        ck_assert_int_eq(manifest_remove(ctx, KIND_IMAGES, "done"), 0);
        ck_assert_int_eq(manifest_remove(ctx, KIND_IMAGES, "corrupt"), 0);
        free(dead_text);
        free(live_dotted);
        free(live_export);
        free(reused);
}
END_TEST

/* Records of partial files: check removes the file a dead owner's record
 * names only when it is that very file (its inode, or empty when the
 * record was killed before it had one), never one a live owner writes,
 * nor another file at that path, nor a file not named *.partial. */
START_TEST(test_check_partial_records)
{
        char dir[] = "/tmp/blt-partial.XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        static const struct { const char *file, *data; int owner; int id; bool removed; } cases[] = {
                { "empty.partial", "", 0, 0, true },            /* dead, no inode yet, still empty */
                { "written.partial", "data", 0, 0, false },     /* dead, no inode, not empty: not provably its */
                { "same.partial", "data", 0, 1, true },         /* dead, its inode */
                { "other.partial", "data", 0, 2, false },       /* dead, another inode */
                { "live.partial", "", 1, 1, false },            /* its owner lives */
                { "out.tar", "", 0, 1, false },                 /* not a partial file's name */
        };
        uint64_t start;
        ck_assert_int_eq(proc_starttime(getpid(), &start), 0);
        char *paths[ARRAY_SIZE(cases)], *recs[ARRAY_SIZE(cases)];
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                paths[i] = strdup_printf("%s/%s", dir, cases[i].file);
                recs[i] = strdup_printf("%s/tmp/partial-case%zu", root, i);
                ck_assert_int_eq(write_file_atomic(paths[i], cases[i].data, strlen(cases[i].data), 0644), 0);
                struct stat st;
                ck_assert_int_eq(stat(paths[i], &st), 0);
                char id[64] = "";
                if (cases[i].id)
                        snprintf(id, sizeof(id), "dev %llu\nino %llu\n", (unsigned long long) st.st_dev,
                                 (unsigned long long) st.st_ino + (cases[i].id == 2));
                char *text = strdup_printf("kind export\nname base\npid %d\nstarttime %llu\n%spath %s", cases[i].owner ? (int) getpid() : (int) dead,
                                           (unsigned long long) start, id, paths[i]);
                ck_assert_int_eq(write_file_atomic(recs[i], text, strlen(text), 0600), 0);
                free(text);
        }
        bl_record_list *list;
        ck_assert_int_eq(bl_check_run(ctx, 0, &list), 0);
        bl_record_list_free(list);
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                ck_assert_msg(path_exists(paths[i]) != cases[i].removed, "%s: %s", cases[i].file,
                              cases[i].removed ? "left by check" : "removed by check");
                ck_assert_msg(path_exists(recs[i]) == (cases[i].owner == 1), "%s: its record %s", cases[i].file,
                              cases[i].owner ? "removed while its owner lives" : "left after its owner died");
                unlink(paths[i]);
                unlink(recs[i]);
                free(paths[i]);
                free(recs[i]);
        }
        rmdir(dir);
}
END_TEST

/* An export killed while it writes DEST.partial (outside the state root)
 * and its work folder: check leaves both while the export lives, removes
 * both once it is dead. */
START_TEST(test_check_removes_dead_export)
{
        char dir[] = "/tmp/blt-export.XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        char *dest = strdup_printf("%s/out.tar", dir), *partial = strdup_printf("%s/out.tar.partial", dir);
        char *args[] = { (char *) "image", (char *) "export", (char *) "base", dest, NULL };
        pid_t exporter = cli_paused("image-export-writing", args);
        ck_assert_msg(path_exists(partial), "no %s while the export writes", partial);
        bl_record_list *list;
        ck_assert_int_eq(bl_check_run(ctx, 0, &list), 0);
        bl_record_list_free(list);
        ck_assert_msg(path_exists(partial), "check removed the partial file of a live export");
        char *tmp = strdup_printf("%s/tmp", root), *cmd = strdup_printf("ls %s | grep -q '^export-base\\.'", tmp);
        ck_assert_msg(system(cmd) == 0, "check removed the work folder of a live export");
        kill(exporter, SIGKILL);
        ck_assert_int_eq(cli_wait(exporter), 128 + SIGKILL);
        ck_assert_uint_eq(count_actions("remove-partial", partial), 1);
        ck_assert_msg(!path_exists(partial), "check left the partial file of a dead export");
        ck_assert_msg(system(cmd) != 0, "check left the work folder of a dead export");
        ck_assert_msg(!path_exists(dest), "a killed export left its destination");
        /* and a completed export leaves neither */
        char *done[] = { (char *) "image", (char *) "export", (char *) "base", dest, NULL };
        ck_assert_int_eq(cli_run(NULL, -1, done), 0);
        ck_assert(path_exists(dest) && !path_exists(partial));
        char *cmd2 = strdup_printf("ls %s | grep -q '^partial-'", tmp);
        ck_assert_msg(system(cmd2) != 0, "a completed export left its record");
        unlink(dest);
        rmdir(dir);
        free(dest);
        free(partial);
        free(tmp);
        free(cmd);
        free(cmd2);
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
        tcase_add_test(tc, test_restart_raced_with_create);
        tcase_add_test(tc, test_check_keeps_running_without_manifest);
        tcase_add_test(tc, test_corrupt_manifest_keeps_address);
        tcase_add_test(tc, test_check_staging_dotted_name);
        tcase_add_test(tc, test_two_roots_same_name);
        tcase_add_test(tc, test_space_refused);
        tcase_add_test(tc, test_ext4_errors_repaired);
        tcase_add_test(tc, test_user_start_resets_restart_count);
        tcase_add_test(tc, test_read_only_root_lists);
        tcase_add_test(tc, test_full_root_marks_exited);
        tcase_add_test(tc, test_bridge_crash_consistent);
        tcase_add_test(tc, test_bridge_deleted_by_hand);
        tcase_add_test(tc, test_check_removes_dead_temps);
        tcase_add_test(tc, test_check_staging_owner_record);
        tcase_add_test(tc, test_check_removes_dead_export);
        tcase_add_test(tc, test_check_partial_records);
        suite_add_tcase(s, tc);
        return s;
}
