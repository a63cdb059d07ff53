/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The entering process (CVE-2019-5736 class), played as the attacker: a
 * process in the container watches every process that enters it (exec) or
 * starts it (a "#!/proc/self/exe" program) and tries to reach the host's
 * baleine files through /proc/PID/exe, /proc/PID/mem and /proc/PID/fd.
 * Also: exec without a terminal gives the program pipes, not the caller's
 * terminal. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "helpers.h"

static const char *env_path(const char *var)
{
        const char *p = getenv(var);
        ck_assert_msg(p && path_exists(p), "%s is not set to an existing file (run through meson test)", var);
        return p;
}

/* The host's baleine installation: the program, its init, its library. */
static void host_files(const char *files[3])
{
        files[0] = env_path("BLT_BALEINE");
        files[1] = env_path("BLT_INIT");
        files[2] = env_path("BLT_LIB");
}

static uint64_t hash_file(const char *path)
{
        char *s = NULL;
        size_t n = 0;
        ck_assert_int_eq(read_file(path, &s, &n), 0);
        uint64_t h = 1469598103934665603ULL;
        for (size_t i = 0; i < n; i++)
                h = (h ^ (unsigned char) s[i]) * 1099511628211ULL;
        free(s);
        return h;
}

static void hash_all(uint64_t h[3])
{
        const char *f[3];
        host_files(f);
        for (int i = 0; i < 3; i++)
                h[i] = hash_file(f[i]);
}

static void sleep_ms(long ms)
{
        nanosleep(&(struct timespec) { ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

/* Runs the CLI with stdin from in_fd (-1: /dev/null), output into *out
 * (NULL: discarded); its exit status. */
static int cli(int in_fd, char **out, char *const args[])
{
        char path[] = "/tmp/blt-cli.XXXXXX";
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        pid_t pid = fork();
        if (pid == 0) {
                char *argv[32] = { (char *) env_path("BLT_BALEINE"), (char *) "--root", root };
                size_t n = 3;
                for (size_t i = 0; args[i] && n < 31; i++)
                        argv[n++] = args[i];
                argv[n] = NULL;
                int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
                dup2(in, 0);
                dup2(fd, 1);
                dup2(fd, 2);
                execv(argv[0], argv);
                _exit(127);
        }
        close(fd);
        int st;
        waitpid(pid, &st, 0);
        if (out) {
                *out = NULL;
                if (read_file(path, out, NULL) < 0)
                        *out = strdup("");
        }
        unlink(path);
        return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static char *log_of(const char *name)
{
        char *log, *out = NULL;
        ck_assert_int_eq(bl_container_log_path(ctx, name, &log), 0);
        if (read_file(log, &out, NULL) < 0)
                out = strdup("");
        free(log);
        return out;
}

static void start_argv(const char *name, const char *image, char *const argv[])
{
        bl_container_config *cfg;
        ck_assert_int_eq(bl_container_config_new(ctx, &cfg), 0);
        bl_container_config_set_image(cfg, image);
        bl_container_config_set_argv(cfg, (char **) argv);
        ck_assert_msg(bl_container_create(ctx, name, cfg) == 0, "create %s: %s", name, bl_ctx_errmsg(ctx));
        ck_assert_msg(bl_container_start(ctx, name, 0, NULL) == 0, "start %s: %s", name, bl_ctx_errmsg(ctx));
        bl_container_config_free(cfg);
}

/* (a) exec: the attacker watches ~30 execs for the entering process. */
START_TEST(test_exec_entering_process)
{
        ck_assert_msg(path_exists(probe_path()), "the probe %s is missing", probe_path());
        uint64_t before[3], after[3];
        hash_all(before);
        char *watch[] = { (char *) "/bin/blt-probe", (char *) "exe-watch", (char *) "90", (char *) "/bin/busybox", NULL };
        start_argv("bltwatch", "base", watch);
        sleep_ms(200);
        char *run[] = { (char *) "container", (char *) "exec", (char *) "bltwatch", (char *) "--",
                        (char *) "/bin/sleep", (char *) "0.05", NULL };
        for (int i = 0; i < 30; i++) {
                ck_assert_int_eq(cli(-1, NULL, run), 0);
                sleep_ms(30);
        }
        char *stop[] = { (char *) "container", (char *) "exec", (char *) "bltwatch", (char *) "--",
                         (char *) "/bin/touch", (char *) "/tmp/blt-stop", NULL };
        ck_assert_int_eq(cli(-1, NULL, stop), 0);
        wait_exited("bltwatch", 30);
        char *out = log_of("bltwatch");
        printf("watcher:\n%.4000s\n", out);
        int final = 0, entering = 0;
        const char *sum = strstr(out, "SEEN-FINAL ");
        ck_assert_msg(sum && sscanf(sum, "SEEN-FINAL %d ENTERING %d", &final, &entering) == 2, "the watcher did not finish: %.300s", out);
        /* it did watch: it saw exec'd programs */
        ck_assert_msg(final + entering >= 1, "the watcher saw no exec: %.300s", out);
        ck_assert_msg(!strstr(out, "-WRITABLE"), "a host file was opened for writing:\n%.300s", out);
        ck_assert_msg(!strstr(out, "MEM-OPENED"), "/proc/PID/mem of the entering process opened:\n%.300s", out);
        ck_assert_msg(!strstr(out, "EXE-OPENED"), "/proc/PID/exe of the entering process opened:\n%.300s", out);
        ck_assert_msg(!strstr(out, "FD-SEEN"), "descriptors of the entering process seen:\n%.300s", out);
        free(out);
        hash_all(after);
        for (int i = 0; i < 3; i++)
                ck_assert_msg(before[i] == after[i], "a host file of baleine changed");
}
END_TEST

/* (a') the same attacker given CAP_SYS_PTRACE (no user namespace): it
 * seizes every new process of the container as soon as its pid exists,
 * stops it, and must find only the sealed copy or the final program: never
 * a host file of baleine as its exe, nor the host program's memory, nor
 * capabilities or a missing filter it could borrow by injecting code. */
START_TEST(test_exec_entering_process_ptrace)
{
        ck_assert_msg(path_exists(probe_path()), "the probe %s is missing", probe_path());
        uint64_t before[3], after[3];
        hash_all(before);
        bl_container_config *cfg;
        ck_assert_int_eq(bl_container_config_new(ctx, &cfg), 0);
        char *watch[] = { (char *) "/bin/blt-probe", (char *) "ptrace-watch", (char *) "90", (char *) "/bin/busybox", NULL };
        bl_container_config_set_image(cfg, "base");
        bl_container_config_set_argv(cfg, watch);
        ck_assert_int_eq(bl_container_config_add_cap(cfg, "SYS_PTRACE"), 0);
        ck_assert_msg(bl_container_create(ctx, "bltptrace", cfg) == 0, "create: %s", bl_ctx_errmsg(ctx));
        ck_assert_msg(bl_container_start(ctx, "bltptrace", 0, NULL) == 0, "start: %s", bl_ctx_errmsg(ctx));
        bl_container_config_free(cfg);
        sleep_ms(200);
        char *run[] = { (char *) "container", (char *) "exec", (char *) "bltptrace", (char *) "--",
                        (char *) "/bin/sleep", (char *) "0.05", NULL };
        for (int i = 0; i < 30; i++) {
                ck_assert_int_eq(cli(-1, NULL, run), 0);
                sleep_ms(30);
        }
        char *stop[] = { (char *) "container", (char *) "exec", (char *) "bltptrace", (char *) "--",
                         (char *) "/bin/touch", (char *) "/tmp/blt-stop", NULL };
        ck_assert_int_eq(cli(-1, NULL, stop), 0);
        wait_exited("bltptrace", 30);
        char *out = log_of("bltptrace");
        printf("ptrace watcher:\n%.4000s\n", out);
        int seized = 0, sealed = 0, final = 0, other = 0;
        const char *sum = strstr(out, "SEIZED ");
        ck_assert_msg(sum && sscanf(sum, "SEIZED %d SEALED %d FINAL %d OTHER %d", &seized, &sealed, &final, &other) == 4,
                      "the watcher did not finish: %.300s", out);
        /* it did trace: the container's CAP_SYS_PTRACE let it seize the exec'd processes */
        ck_assert_msg(seized >= 10, "the watcher seized only %d processes: %.300s", seized, out);
        const char *files[3];
        host_files(files);
        for (int i = 0; i < 3; i++)
                ck_assert_msg(!strstr(out, files[i]), "a host file of baleine reached: %s\n%.600s", files[i], out);
        ck_assert_msg(!strstr(out, "EXE-HOST"), "an entering process ran a host program:\n%.600s", out);
        ck_assert_msg(!strstr(out, "EXE-OPENED-HOST"), "a host program opened through /proc/PID/exe:\n%.600s", out);
        ck_assert_msg(!strstr(out, "MEM-HOST-READ"), "host program memory read:\n%.600s", out);
        ck_assert_msg(!strstr(out, "-WRITABLE"), "an exe opened for writing:\n%.600s", out);
        ck_assert_msg(!strstr(out, "EXE-UNSEALED"), "an exe not sealed:\n%.600s", out);
        /* born confined: nothing to borrow from it */
        ck_assert_msg(!strstr(out, "CAPS-BEYOND") && !strstr(out, "UNFILTERED") && !strstr(out, "STATUS-UNREAD"),
                      "an entering process held more than the container:\n%.600s", out);
        ck_assert_int_eq(other, 0);
        free(out);
        hash_all(after);
        for (int i = 0; i < 3; i++)
                ck_assert_msg(before[i] == after[i], "a host file of baleine changed");
}
END_TEST

/* An image that would let a host program of baleine run inside it: the
 * loader and libraries the CLI needs, at their host paths, and a library
 * preloaded into it that attacks. */
static void make_selfexe_image(void)
{
        char *script = strdup_printf("%s/selfexe", root);
        FILE *sf = fopen(script, "we");
        ck_assert_ptr_nonnull(sf);
        fputs("#!/proc/self/exe\n", sf);
        fclose(sf);
        ck_assert_int_eq(chmod(script, 0755), 0);
        bl_image_config *ic;
        ck_assert_int_eq(bl_image_config_new(ctx, &ic), 0);
        ck_assert_int_eq(bl_image_config_add_copy(ic, probe_path(), "/bin/blt-probe"), 0);
        ck_assert_int_eq(bl_image_config_add_copy(ic, env_path("BLT_EVIL"), "/lib/blt-evil.so"), 0);
        ck_assert_int_eq(bl_image_config_add_copy(ic, script, "/bin/selfexe"), 0);
        char *cmd = strdup_printf("ldd %s", env_path("BLT_BALEINE"));
        FILE *f = popen(cmd, "r");
        ck_assert_ptr_nonnull(f);
        char line[1024];
        int libs = 0;
        while (fgets(line, sizeof(line), f)) {
                char *p = strchr(line, '/');
                if (!p)
                        continue;
                p[strcspn(p, " \n")] = 0;
                /* at the path the loader asks for, its ".." taken lexically */
                char real[4096], dst[4096] = "";
                ck_assert_ptr_nonnull(realpath(p, real));
                for (char *save = NULL, *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                        if (strcmp(c, "..") == 0)
                                *strrchr(dst, '/') = 0;
                        else if (strcmp(c, ".") != 0)
                                snprintf(dst + strlen(dst), sizeof(dst) - strlen(dst), "/%s", c);
                }
                ck_assert_int_eq(bl_image_config_add_copy(ic, real, dst), 0);
                /* and where LD_LIBRARY_PATH finds it, whatever its RUNPATH */
                char *lib = strdup_printf("/lib/blt/%s", strrchr(dst, '/') + 1);
                ck_assert_int_eq(bl_image_config_add_copy(ic, real, lib), 0);
                free(lib);
                libs++;
        }
        pclose(f);
        ck_assert_int_ge(libs, 2);
        ck_assert_msg(bl_image_create(ctx, "selfexe", ic) == 0, "image: %s", bl_ctx_errmsg(ctx));
        bl_image_config_free(ic);
        free(cmd);
        free(script);
}

/* (b) a "#!/proc/self/exe" program, at start and through exec */
START_TEST(test_proc_self_exe_program)
{
        ck_assert_msg(path_exists(probe_path()), "the probe %s is missing", probe_path());
        uint64_t before[3], after[3];
        hash_all(before);
        make_selfexe_image();
        /* the container's program itself, started by the CLI, which then ends */
        char *create[] = { (char *) "container", (char *) "create", (char *) "-i", (char *) "selfexe", (char *) "-c",
                           (char *) "bltself", (char *) "-e", (char *) "LD_PRELOAD=/lib/blt-evil.so", (char *) "-e",
                           (char *) "LD_LIBRARY_PATH=/lib/blt", (char *) "-p",
                           (char *) "/bin/selfexe", NULL };
        char *out;
        int code = cli(-1, &out, create);
        ck_assert_msg(code == 0, "create: %d %s", code, out);
        free(out);
        wait_exited("bltself", 30);
        out = log_of("bltself");
        ck_assert_msg(!strstr(out, "HOST-BINARY-RAN"), "a host program ran in the container:\n%.300s", out);
        ck_assert_msg(!strstr(out, "-WRITABLE"), "a host file was opened for writing:\n%.300s", out);
        free(out);
        char *code_s = inspect_key("bltself", "exit_code");
        ck_assert_msg(code_s && atoi(code_s) != 0, "the program succeeded: %s", code_s ? code_s : "?");
        free(code_s);
        /* the same program through exec */
        char *sleeper[] = { (char *) "/bin/sleep", (char *) "60", NULL };
        start_argv("bltself2", "selfexe", sleeper);
        char *ex[] = { (char *) "container", (char *) "exec", (char *) "-e", (char *) "LD_PRELOAD=/lib/blt-evil.so",
                       (char *) "-e", (char *) "LD_LIBRARY_PATH=/lib/blt", (char *) "bltself2", (char *) "--", (char *) "/bin/selfexe", NULL };
        code = cli(-1, &out, ex);
        ck_assert_msg(code != 0, "exec of the program succeeded: %s", out);
        ck_assert_msg(!strstr(out, "HOST-BINARY-RAN"), "a host program ran in the container:\n%.300s", out);
        ck_assert_msg(!strstr(out, "-WRITABLE"), "a host file was opened for writing:\n%.300s", out);
        free(out);
        /* the probe, left to try for up to 5 s in the old design, would be done by now */
        sleep_ms(500);
        hash_all(after);
        for (int i = 0; i < 3; i++)
                ck_assert_msg(before[i] == after[i], "a host file of baleine changed");
}
END_TEST

/* (c) the started program and an exec'd one hold stdio only */
START_TEST(test_program_fds)
{
        ck_assert_msg(path_exists(probe_path()), "the probe %s is missing", probe_path());
        char *fds[] = { (char *) "/bin/blt-probe", (char *) "fds", NULL };
        start_argv("bltfds", "base", fds);
        wait_exited("bltfds", 20);
        char *out = log_of("bltfds");
        ck_assert_msg(strstr(out, "FD 0 /dev/null\n") && strstr(out, "FD 1 pipe:") && strstr(out, "FD 2 pipe:"), "%s", out);
        ck_assert_msg(!strstr(out, "FD 3"), "the program holds more than stdio:\n%s", out);
        free(out);
}
END_TEST

/* exec without -t: pipes, never the caller's terminal, and nothing reads
 * that terminal once the CLI has returned */
START_TEST(test_exec_pipes_not_terminal)
{
        ck_assert_msg(path_exists(probe_path()), "the probe %s is missing", probe_path());
        char *sleeper[] = { (char *) "/bin/sleep", (char *) "60", NULL };
        start_argv("bltpipe", "base", sleeper);
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        ck_assert_int_ge(master, 0);
        ck_assert_int_eq(grantpt(master), 0);
        ck_assert_int_eq(unlockpt(master), 0);
        int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        ck_assert_int_ge(slave, 0);
        char *fds[] = { (char *) "container", (char *) "exec", (char *) "bltpipe", (char *) "--",
                        (char *) "/bin/blt-probe", (char *) "fds", NULL };
        char *out;
        ck_assert_int_eq(cli(slave, &out, fds), 0);
        ck_assert_msg(strstr(out, "FD 0 pipe:") && strstr(out, "FD 1 pipe:") && strstr(out, "FD 2 pipe:"),
                      "exec's stdio is not pipes:\n%s", out);
        ck_assert_msg(!strstr(out, "FD 3"), "the exec'd program holds more than stdio:\n%s", out);
        free(out);
        /* the status passes through; input is relayed */
        char *st[] = { (char *) "container", (char *) "exec", (char *) "bltpipe", (char *) "--", (char *) "/bin/sh",
                       (char *) "-c", (char *) "read x; echo got-$x; exit 7", NULL };
        int in[2];
        ck_assert_int_eq(pipe(in), 0);
        ck_assert_int_eq(write(in[1], "hello\n", 6), 6);
        close(in[1]);
        ck_assert_int_eq(cli(in[0], &out, st), 7);
        close(in[0]);
        ck_assert_msg(strstr(out, "got-hello"), "%s", out);
        free(out);
        /* a background reader left behind must not read the caller's terminal */
        char *bg[] = { (char *) "container", (char *) "exec", (char *) "bltpipe", (char *) "--", (char *) "/bin/sh",
                       (char *) "-c", (char *) "(sleep 0.5; cat > /tmp/got) & exit 0", NULL };
        ck_assert_int_eq(cli(slave, NULL, bg), 0);
        ck_assert_int_eq(write(master, "secret\n", 7), 7);
        sleep_ms(1500);
        char *cat[] = { (char *) "/bin/cat", (char *) "/tmp/got", NULL };
        ck_assert_int_eq(exec_capture("bltpipe", cat, &out), 0);
        ck_assert_msg(!strstr(out, "secret"), "a process of the container read the caller's terminal: %s", out);
        free(out);
        close(slave);
        close(master);
}
END_TEST

Suite *suite_escape_exe(void);
Suite *suite_escape_exe(void)
{
        Suite *s = suite_create("escape_exe");
        TCase *tc = tcase_create("escape_exe");
        tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
        tcase_set_timeout(tc, 180);
        tcase_add_test(tc, test_exec_entering_process);
        tcase_add_test(tc, test_exec_entering_process_ptrace);
        tcase_add_test(tc, test_proc_self_exe_program);
        tcase_add_test(tc, test_program_fds);
        tcase_add_test(tc, test_exec_pipes_not_terminal);
        suite_add_tcase(s, tc);
        return s;
}
