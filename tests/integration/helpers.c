/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <dirent.h>
#include <glob.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "disk/disk.h"
#include "helpers.h"

bl_ctx *ctx;
char root[256];

void cleanup_stale_roots(void);

static void make_root_and_image(void)
{
        cleanup_stale_roots();
        snprintf(root, sizeof(root), "/tmp/blt-integ.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        ck_assert_int_eq(bl_ctx_new(&ctx, root), 0);
        bl_image_config *cfg;
        ck_assert_int_eq(bl_image_config_new(ctx, &cfg), 0);
        if (path_exists(probe_path()))
                bl_image_config_add_copy(cfg, probe_path(), "/bin/blt-probe");
        int r = bl_image_create(ctx, "base", cfg);
        ck_assert_msg(r == 0, "image: %s", bl_ctx_errmsg(ctx));
        bl_image_config_free(cfg);
}

void integ_setup(void)
{
        make_root_and_image();
}

void integ_setup_netns(void)
{
        /* the test's own network: no host interface is ever touched */
        ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
        ck_assert_int_eq(system("ip link set lo up"), 0);
        make_root_and_image();
}

void remove_all(void)
{
        bl_record_list *list;
        if (bl_container_list(ctx, 1, &list) == 0) {
                for (size_t i = 0; i < bl_record_list_count(list); i++)
                        bl_container_remove(ctx, bl_record_get(bl_record_list_get(list, i), "name"), 1);
                bl_record_list_free(list);
        }
        if (bl_bridge_list(ctx, &list) == 0) {
                for (size_t i = 0; i < bl_record_list_count(list); i++)
                        bl_bridge_remove(ctx, bl_record_get(bl_record_list_get(list, i), "name"), 1);
                bl_record_list_free(list);
        }
}

void integ_teardown(void)
{
        remove_all();
        assert_no_leaks();
        rm_rf(root);
        bl_ctx_free(ctx);
}

static bool loop_leaked(void)
{
        DIR *d = opendir("/sys/block");
        struct dirent *de;
        bool leaked = false;
        while (d && (de = readdir(d))) {
                if (strncmp(de->d_name, "loop", 4) != 0)
                        continue;
                char p[300];
                snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", de->d_name);
                char *s = NULL;
                if (read_file(p, &s, NULL) == 0 && strstr(s, root))
                        leaked = true;
                free(s);
        }
        if (d)
                closedir(d);
        return leaked;
}

static bool mount_leaked(void)
{
        char *s = NULL;
        bool leaked = read_file("/proc/self/mountinfo", &s, NULL) == 0 && strstr(s, root);
        free(s);
        return leaked;
}

static char leaked_cgroup[300];
/* A cgroup named blt* under dir, down to depth levels (baleine/NAME, or
 * baleine/ROOT-ID/NAME). */
static bool blt_cgroup_under(const char *dir, int depth)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        bool leaked = false;
        while (d && !leaked && (de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                char p[512];
                snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
                leaked = strncmp(de->d_name, "blt", 3) == 0 || (depth > 1 && blt_cgroup_under(p, depth - 1));
                if (leaked && !leaked_cgroup[0])
                        snprintf(leaked_cgroup, sizeof(leaked_cgroup), "%s", p);
        }
        if (d)
                closedir(d);
        return leaked;
}

static bool cgroup_leaked(void)
{
        /* the v2 hierarchy, then every v1 one */
        static const char *const base[] = { "", "/memory", "/pids", "/cpu", "/cpuset", "/blkio", "/devices" };
        for (size_t i = 0; i < ARRAY_SIZE(base); i++) {
                char p[128];
                snprintf(p, sizeof(p), "/sys/fs/cgroup%s/baleine", base[i]);
                if (blt_cgroup_under(p, 2))
                        return true;
        }
        return false;
}

char *container_cgroup_dir(const char *name, const char *controller)
{
        char *pid = inspect_key(name, "pid"), p[64], *s = NULL, *dir = NULL;
        ck_assert_ptr_nonnull(pid);
        snprintf(p, sizeof(p), "/proc/%s/cgroup", pid);
        free(pid);
        ck_assert_int_eq(read_file(p, &s, NULL), 0);
        bool v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
        /* lines "ID:CONTROLLERS:PATH"; v2's is "0::PATH" */
        for (char *save = NULL, *l = strtok_r(s, "\n", &save); l && !dir; l = strtok_r(NULL, "\n", &save)) {
                char *c = strchr(l, ':'), *path = c ? strchr(c + 1, ':') : NULL;
                if (!path)
                        continue;
                *path++ = 0;
                const char *ctls = c + 1;
                if (v2 && !*ctls)
                        dir = strdup_printf("/sys/fs/cgroup%s", path);
                else if (!v2 && *ctls) {
                        char *copy = strdup(ctls);
                        for (char *sv = NULL, *w = strtok_r(copy, ",", &sv); w && !dir; w = strtok_r(NULL, ",", &sv))
                                if (strcmp(w, controller) == 0)
                                        dir = strdup_printf("/sys/fs/cgroup/%s%s", ctls, path);
                        free(copy);
                }
        }
        free(s);
        ck_assert_msg(dir && path_exists(dir), "no %s cgroup for container %s", controller, name);
        return dir;
}

static bool veth_leaked(void)
{
        struct if_nameindex *ifs = if_nameindex(), *i;
        bool leaked = false;
        for (i = ifs; i && i->if_name; i++)
                if (strncmp(i->if_name, "vb", 2) == 0)
                        leaked = true;
        if (ifs)
                if_freenameindex(ifs);
        return leaked;
}

void assert_no_leaks(void)
{
        /* the kernel frees a dead container's mount and loop device as its
         * last process goes: give it a moment */
        for (int i = 0; i < 100 && (loop_leaked() || mount_leaked()); i++)
                nanosleep(&(struct timespec) { 0, 20 * 1000 * 1000 }, NULL);
        ck_assert_msg(!loop_leaked(), "a loop device of %s leaked", root);
        ck_assert_msg(!mount_leaked(), "a mount under %s leaked", root);
        ck_assert_msg(!cgroup_leaked(), "a cgroup leaked: %s", leaked_cgroup);
        ck_assert_msg(!veth_leaked(), "a veth host end leaked");
}

bl_container_config *shell_config(const char *script)
{
        bl_container_config *cfg;
        ck_assert_int_eq(bl_container_config_new(ctx, &cfg), 0);
        bl_container_config_set_image(cfg, "base");
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) script, NULL };
        bl_container_config_set_argv(cfg, argv);
        return cfg;
}

void start_shell(const char *name, const char *script, bl_container_config *cfg)
{
        bool own = !cfg;
        if (own)
                cfg = shell_config(script);
        else {
                char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) script, NULL };
                bl_container_config_set_image(cfg, "base");
                bl_container_config_set_argv(cfg, argv);
        }
        int r = bl_container_create(ctx, name, cfg);
        ck_assert_msg(r == 0, "create %s: %s", name, bl_ctx_errmsg(ctx));
        r = bl_container_start(ctx, name, 0, NULL);
        ck_assert_msg(r == 0, "start %s: %s", name, bl_ctx_errmsg(ctx));
        if (own)
                bl_container_config_free(cfg);
}

char *inspect_key(const char *name, const char *key)
{
        bl_record *rec;
        int r = bl_container_inspect(ctx, name, &rec);
        ck_assert_msg(r == 0, "inspect %s: %s", name, bl_ctx_errmsg(ctx));
        const char *v = bl_record_get(rec, key);
        char *s = v ? strdup(v) : NULL;
        bl_record_free(rec);
        return s;
}

void wait_exited(const char *name, int timeout)
{
        for (int i = 0; i < timeout * 50; i++) {
                char *st = inspect_key(name, "state");
                bool done = strcmp(st, "running") != 0;
                free(st);
                if (done)
                        return;
                nanosleep(&(struct timespec) { 0, 20 * 1000 * 1000 }, NULL);
        }
        ck_abort_msg("container %s still running after %d s", name, timeout);
}

int run_shell(const char *name, const char *script, bl_container_config *cfg, char **out)
{
        start_shell(name, script, cfg);
        wait_exited(name, 60);
        char *code = inspect_key(name, "exit_code");
        ck_assert_ptr_nonnull(code);
        int c = atoi(code);
        free(code);
        if (out) {
                char *log;
                ck_assert_int_eq(bl_container_log_path(ctx, name, &log), 0);
                *out = NULL;
                if (read_file(log, out, NULL) < 0)
                        *out = strdup("");
                free(log);
        }
        return c;
}

int exec_capture(const char *name, char *const argv[], char **out)
{
        char path[] = "/tmp/blt-exec.XXXXXX";
        int fd = mkostemp(path, O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        unlink(path);
        bl_exec_config *cfg;
        bl_exec_config_new(ctx, &cfg);
        bl_exec_config_set_argv(cfg, argv);
        /* the output into our file: our own stdout stays as it is */
        bl_exec_config_set_stdio(cfg, 0, fd, 2);
        bl_process *p = NULL;
        int code = -1;
        int r = bl_container_exec(ctx, name, cfg, &p);
        if (r == 0) {
                ck_assert_ptr_nonnull(p);
                r = bl_process_wait(ctx, p, &code);
        } else
                ck_assert_ptr_null(p);
        bl_process_free(p);
        bl_exec_config_free(cfg);
        if (out) {
                *out = calloc(1, 65536);
                ck_assert_ptr_nonnull(*out);
                ck_assert_int_ge(pread(fd, *out, 65535, 0), 0);
        }
        close(fd);
        return r < 0 ? r : code;
}

const char *probe_path(void)
{
        const char *p = getenv("BLT_PROBE");
        return p ? p : "/nonexistent";
}

void assert_no_leaks_veth_of(const char *name)
{
        bl_record *rec;
        ck_assert_int_eq(bl_container_inspect(ctx, name, &rec), 0);
        for (size_t i = 0;; i++) {
                char key[16], br[64], cidr[32], hostif[32];
                snprintf(key, sizeof(key), "net%zu", i);
                const char *v = bl_record_get(rec, key);
                if (!v)
                        break;
                ck_assert_int_eq(sscanf(v, "%63s %31s %31s", br, cidr, hostif), 3);
                ck_assert_msg(if_nametoindex(hostif) == 0, "veth %s of %s remains", hostif, name);
        }
        bl_record_free(rec);
}

char *http_get(const char *addr, int port)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        struct timeval tv = { .tv_sec = 3 };
        inet_pton(AF_INET, addr, &sa.sin_addr);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                close(fd);
                return NULL;
        }
        const char *req = "GET / HTTP/1.0\r\n\r\n";
        if (write(fd, req, strlen(req)) < 0) {
                close(fd);
                return NULL;
        }
        char *buf = calloc(1, 65536);
        size_t len = 0;
        ssize_t n;
        while (len < 65535 && (n = read(fd, buf + len, 65535 - len)) > 0)
                len += (size_t) n;
        close(fd);
        return buf;
}

/* Containers of a test that failed (check skips its teardown): removed
 * before the next test, so one failure does not cascade. */
void cleanup_stale_roots(void)
{
        glob_t g;
        if (glob("/tmp/blt-integ.*", 0, NULL, &g) != 0)
                return;
        for (size_t i = 0; i < g.gl_pathc; i++) {
                bl_ctx *c;
                if (bl_ctx_new(&c, g.gl_pathv[i]) < 0)
                        continue;
                bl_ctx *saved = ctx;
                ctx = c;
                remove_all();
                ctx = saved;
                /* mounts a failed test made under its root (a tmpfs…) */
                char **mounts = NULL;
                if (disk_mounts_under(c, g.gl_pathv[i], &mounts) == 0)
                        for (char **m = mounts; m && *m; m++)
                                disk_detach(c, *m);
                strv_freep(&mounts);
                bl_ctx_free(c);
                rm_rf(g.gl_pathv[i]);
        }
        globfree(&g);
        /* empty cgroups of test containers whose root went with a failed test */
        if (glob("/sys/fs/cgroup/*/baleine/blt*", GLOB_ONLYDIR, NULL, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc; i++)
                        rmdir(g.gl_pathv[i]);
                globfree(&g);
        }
}

static const char *baleine(void)
{
        const char *b = getenv("BLT_BALEINE");
        return b ? b : "baleine";
}

pid_t cli_spawn(const char *var, const char *value, char *const args[])
{
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                char *argv[32] = { (char *) baleine(), (char *) "--root", root };
                size_t n = 3;
                for (size_t i = 0; args[i] && n < 31; i++)
                        argv[n++] = args[i];
                argv[n] = NULL;
                if (var)
                        setenv(var, value, 1);
                int devnull = open("/dev/null", O_WRONLY);
                dup2(devnull, 1);
                dup2(devnull, 2);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

int cli_wait(pid_t pid)
{
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

int cli_run(const char *fault, int kill_after_ms, char *const args[])
{
        pid_t pid = cli_spawn(fault ? "BALEINE_FAULT" : NULL, fault, args);
        if (kill_after_ms >= 0) {
                nanosleep(&(struct timespec) { kill_after_ms / 1000, (kill_after_ms % 1000) * 1000000L }, NULL);
                kill(pid, SIGKILL);
        }
        return cli_wait(pid);
}

pid_t cli_paused(const char *step, char *const args[])
{
        pid_t pid = cli_spawn("BALEINE_PAUSE", step, args);
        int st;
        /* bounded: the test's own timeout; a CLI that never reaches the
         * step ends and fails the test here */
        while (waitpid(pid, &st, WUNTRACED) < 0)
                ck_assert_int_eq(errno, EINTR);
        ck_assert_msg(WIFSTOPPED(st), "the CLI ended (status 0x%x) before pausing at %s", st, step);
        return pid;
}
