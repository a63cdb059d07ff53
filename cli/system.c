/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check and cron: control without a daemon. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define CRON_TAG "# baleine check"

int cmd_check(struct cli *cli, int argc, char **argv)
{
        unsigned flags = 0;
        bool json = false;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--dry-run") == 0 || strcmp(argv[i], "-n") == 0)
                        flags |= BL_CHECK_DRY_RUN;
                else if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        help_noun("check");
                        return 0;
                } else
                        return usage_error("check", "check: unexpected \"%s\"", argv[i]);
        }
        bl_record_list *actions;
        if (bl_check_run(cli->ctx, flags, &actions) < 0)
                return fail(cli, -1);
        if (json)
                print_record_list_json(actions);
        else
                for (size_t i = 0; i < bl_record_list_count(actions); i++) {
                        const bl_record *a = bl_record_list_get(actions, i);
                        printf("%s: %s: %s\n", bl_record_get(a, "container"), bl_record_get(a, "action"), bl_record_get(a, "detail"));
                }
        bl_record_list_free(actions);
        return 0;
}

static const char *cron_dir(void)
{
        const char *d = secure_getenv("BALEINE_CRON_DIR");
        return d && *d ? d : "/etc/cron.d";
}

static bool use_cron_d(void)
{
        struct stat st;
        return stat(cron_dir(), &st) == 0 && S_ISDIR(st.st_mode);
}

/* One entry per state root: its tag and its cron.d file carry a hash of the
 * root's path (cron.d names allow only letters, digits, _ and -). */
static void cron_id(struct cli *cli, char id[9])
{
        uint32_t h = 2166136261u;
        for (const unsigned char *p = (const unsigned char *) bl_ctx_root(cli->ctx); *p; p++)
                h = (h ^ *p) * 16777619u;
        snprintf(id, 9, "%08x", h);
}

static void cron_tag(struct cli *cli, char *buf, size_t n)
{
        char id[9];
        cron_id(cli, id);
        snprintf(buf, n, CRON_TAG " %s", id);
}

static void cron_file(struct cli *cli, char *buf, size_t n)
{
        char id[9];
        cron_id(cli, id);
        snprintf(buf, n, "%s/baleine-%s", cron_dir(), id);
}

static int cron_line(struct cli *cli, int every, char *buf, size_t n)
{
        char exe[4096];
        ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (k < 0)
                return failf(1, "cron: cannot find my own path: %s", strerror(errno));
        exe[k] = 0;
        char when[32], tag[64];
        if (every == 1)
                snprintf(when, sizeof(when), "* * * * *");
        else
                snprintf(when, sizeof(when), "*/%d * * * *", every);
        cron_tag(cli, tag, sizeof(tag));
        /* the user field exists in cron.d files only, never in a crontab */
        snprintf(buf, n, "%s%s %s --root %s check >/dev/null 2>&1 %s\n", when, use_cron_d() ? " root" : "", exe,
                 bl_ctx_root(cli->ctx), tag);
        return 0;
}

/* Whether a line is this root's entry: its tag, ending the line. */
static bool is_entry(const char *line, const char *tag)
{
        const char *t = strstr(line, tag);
        return t && (t[strlen(tag)] == '\n' || t[strlen(tag)] == 0);
}

/* root's crontab (crontab -l), or an empty text when it has none. */
static char *crontab_read(void)
{
        int p[2];
        if (pipe(p) < 0)
                return NULL;
        pid_t pid = fork();
        if (pid == 0) {
                dup2(p[1], 1);
                close(p[0]);
                int devnull = open("/dev/null", O_WRONLY);
                if (devnull >= 0)
                        dup2(devnull, 2); /* "no crontab for root" */
                execlp("crontab", "crontab", "-l", (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        FILE *f = fdopen(p[0], "r");
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        char line[4096];
        while (f && m && fgets(line, sizeof(line), f))
                fputs(line, m);
        if (m)
                fclose(m);
        if (f)
                fclose(f);
        waitpid(pid, NULL, 0);
        return text;
}

/* root's crontab without /etc/cron.d: crontab -l, edit, crontab - */
static int crontab_rewrite(const char *tag, const char *add)
{
        char *old = crontab_read();
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (!m) {
                free(old);
                return -ENOMEM;
        }
        for (char *line = old, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                next = next ? next + 1 : line + strlen(line);
                char *one = strndup(line, (size_t) (next - line));
                if (one && !is_entry(one, tag))
                        fputs(one, m);
                free(one);
        }
        free(old);
        if (add)
                fputs(add, m);
        fclose(m);
        int p[2];
        if (pipe(p) < 0) {
                free(text);
                return -errno;
        }
        pid_t pid = fork();
        if (pid == 0) {
                dup2(p[0], 0);
                close(p[1]);
                execlp("crontab", "crontab", "-", (char *) NULL);
                _exit(127);
        }
        close(p[0]);
        if (write(p[1], text, len) < 0) {
                /* crontab reports its own error */
        }
        close(p[1]);
        free(text);
        int st;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

int cmd_cron(struct cli *cli, int argc, char **argv)
{
        if (argc < 2)
                return usage_error("cron", "cron: a verb is required (install, remove, status)");
        const char *verb = argv[1];
        char path[4096], tag[64];
        cron_file(cli, path, sizeof(path));
        cron_tag(cli, tag, sizeof(tag));
        if (strcmp(verb, "install") == 0) {
                int every = 1;
                for (int i = 2; i < argc; i++) {
                        char *end;
                        if (strcmp(argv[i], "--every") == 0 && i + 1 < argc) {
                                every = (int) strtol(argv[++i], &end, 10);
                                if (*end || every < 1 || every > 59)
                                        return usage_error("cron", "cron install: --every takes 1 to 59 minutes");
                        } else
                                return usage_error("cron", "cron install: unexpected \"%s\"", argv[i]);
                }
                char line[8192];
                if (cron_line(cli, every, line, sizeof(line)))
                        return 1;
                if (use_cron_d()) {
                        char tmp[4200];
                        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
                        FILE *f = fopen(tmp, "we");
                        if (!f)
                                return failf(1, "cron: cannot write %s: %s", tmp, strerror(errno));
                        fprintf(f, "# installed by 'baleine --root %s cron install'; remove with 'baleine cron remove'\n"
                                   "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n%s",
                                bl_ctx_root(cli->ctx), line);
                        if (fclose(f) != 0 || chmod(tmp, 0644) < 0 || rename(tmp, path) < 0) {
                                int e = errno;
                                unlink(tmp);
                                return failf(1, "cron: cannot install %s: %s", path, strerror(e));
                        }
                        printf("installed %s\n", path);
                } else if (crontab_rewrite(tag, line) < 0)
                        return failf(1, "cron: cannot update root's crontab");
                else
                        printf("installed in root's crontab\n");
                return 0;
        }
        if (strcmp(verb, "remove") == 0) {
                if (use_cron_d()) {
                        if (unlink(path) < 0 && errno != ENOENT)
                                return failf(1, "cron: cannot remove %s: %s", path, strerror(errno));
                } else if (crontab_rewrite(tag, NULL) < 0)
                        return failf(1, "cron: cannot update root's crontab");
                return 0;
        }
        if (strcmp(verb, "status") == 0) {
                char *text = NULL;
                if (use_cron_d()) {
                        FILE *f = fopen(path, "re");
                        size_t len = 0;
                        FILE *m = open_memstream(&text, &len);
                        char buf[4096];
                        while (f && m && fgets(buf, sizeof(buf), f))
                                fputs(buf, m);
                        if (m)
                                fclose(m);
                        if (f)
                                fclose(f);
                        printf("file: %s\n", path);
                } else {
                        text = crontab_read();
                        printf("file: root's crontab\n");
                }
                bool found = false;
                for (char *line = text, *next; line && *line; line = next) {
                        next = strchr(line, '\n');
                        next = next ? next + 1 : line + strlen(line);
                        char *one = strndup(line, (size_t) (next - line));
                        if (one && is_entry(one, tag)) {
                                printf("entry: %s", one);
                                found = true;
                        }
                        free(one);
                }
                free(text);
                if (!found)
                        printf("entry: none (run 'baleine cron install')\n");
                char line[8192];
                char log[4096];
                snprintf(log, sizeof(log), "%s/check.log", bl_ctx_root(cli->ctx));
                FILE *f = fopen(log, "re");
                char last[8192] = "";
                while (f && fgets(line, sizeof(line), f))
                        if (strstr(line, " check: "))
                                snprintf(last, sizeof(last), "%s", line);
                if (f)
                        fclose(f);
                printf("last check: %s", *last ? last : "never\n");
                return 0;
        }
        return usage_error("cron", "cron: unknown verb \"%s\"", verb);
}
