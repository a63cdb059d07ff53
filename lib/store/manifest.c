/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "store.h"

const char *kind_noun(const char *kind)
{
        if (strcmp(kind, KIND_IMAGES) == 0)
                return "image";
        if (strcmp(kind, KIND_CONTAINERS) == 0)
                return "container";
        return "bridge";
}

char *store_path(bl_ctx *ctx, const char *fmt, ...)
{
        char *tail = NULL, *p;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&tail, fmt, ap);
        va_end(ap);
        if (r < 0)
                return NULL;
        p = strdup_printf("%s/%s", ctx->root, tail);
        free(tail);
        return p;
}

const char *store_root_id(bl_ctx *ctx)
{
        if (ctx->root_id[0])
                return ctx->root_id;
        char key[64];
        struct stat st;
        if (stat(ctx->root, &st) == 0)
                snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
        else
                key[0] = 0;
        /* FNV-1a; a root not made yet is named by its path until
         * store_init makes it (which forgets this id) */
        uint32_t h = 2166136261u;
        for (const unsigned char *p = (const unsigned char *) (key[0] ? key : ctx->root); *p; p++)
                h = (h ^ *p) * 16777619u;
        snprintf(ctx->root_id, sizeof(ctx->root_id), "%08x", h);
        return ctx->root_id;
}

#define RESERVE_BYTES (1u << 20)

/* A full state root must still record the truth (a container that died is
 * marked exited): a spare file is kept, given up when a manifest cannot be
 * written for want of space, and made again once there is room. */
static void store_reserve(bl_ctx *ctx)
{
        _cleanup_free_ char *p = store_path(ctx, "reserve");
        struct stat st;
        if (!p || (stat(p, &st) == 0 && (uint64_t) st.st_blocks * 512 >= RESERVE_BYTES))
                return;
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return;
        if (fallocate(fd, 0, 0, RESERVE_BYTES) < 0) {
                close(fd);
                unlink(p); /* no room yet: the next init tries again */
                return;
        }
        close(fd);
}

/* Gives the spare back to the filesystem; whether there was one. */
static bool store_unreserve(bl_ctx *ctx)
{
        _cleanup_free_ char *p = store_path(ctx, "reserve");
        if (!p || unlink(p) < 0)
                return false;
        ctx_log(ctx, BL_LOG_WARNING, "state root \"%s\": full; its reserve was used to record the state: free some space", ctx->root);
        return true;
}

int store_init(bl_ctx *ctx)
{
        if (ctx->store_ready)
                return 0;
        static const char *const dirs[] = {
                "manifeste/images", "manifeste/containers", "manifeste/bridges",
                "images", "containers", "bridges", "tmp",
        };
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                _cleanup_free_ char *p = store_path(ctx, "%s", dirs[i]);
                if (!p)
                        return -ENOMEM;
                int r = mkdir_p(p, 0700);
                if (r < 0)
                        return ctx_fail(ctx, r, "state root \"%s\": cannot create %s: %s", ctx->root, dirs[i], strerror(-r));
        }
        /* searchable, not readable: the root of a user namespace (an
         * unprivileged host id) reaches its own mount point and hosts file */
        static const char *const traversed[] = { "", "containers", "bridges" };
        for (size_t i = 0; i < ARRAY_SIZE(traversed); i++) {
                _cleanup_free_ char *p = store_path(ctx, "%s", traversed[i]);
                if (p)
                        chmod(p, 0711);
        }
        ctx->store_ready = true;
        ctx->root_id[0] = 0;
        store_reserve(ctx);
        return 0;
}

static bool valid_key(const char *k, size_t n)
{
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(islower((unsigned char) k[i]) || isdigit((unsigned char) k[i]) || k[i] == '_' || k[i] == '.'))
                        return false;
        return true;
}

int manifest_parse(const char *text, bl_record **ret)
{
        _cleanup_record_ bl_record *rec = record_new();
        if (!rec)
                return -ENOMEM;
        size_t len = strlen(text);
        if (len == 0 || text[len - 1] != '\n')
                return -EBADMSG; /* empty or truncated */
        const char *p = text;
        while (*p) {
                const char *nl = strchr(p, '\n');
                const char *colon = memchr(p, ':', (size_t) (nl - p));
                if (!colon || !valid_key(p, (size_t) (colon - p)))
                        return -EBADMSG;
                const char *v = colon + 1;
                if (*v == ' ')
                        v++;
                if (v > nl)
                        v = nl;
                _cleanup_free_ char *key = strndup(p, (size_t) (colon - p));
                _cleanup_free_ char *val = strndup(v, (size_t) (nl - v));
                if (!key || !val)
                        return -ENOMEM;
                int r = record_set(rec, key, val);
                if (r < 0)
                        return r;
                p = nl + 1;
        }
        if (!bl_record_get(rec, "name"))
                return -EBADMSG;
        *ret = steal_ptr(&rec);
        return 0;
}

int manifest_format(const bl_record *rec, char **ret)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < rec->n; i++) {
                if (strchr(rec->values[i], '\n') || !valid_key(rec->keys[i], strlen(rec->keys[i]))) {
                        fclose(f);
                        free(buf);
                        return -EINVAL;
                }
                fprintf(f, "%s: %s\n", rec->keys[i], rec->values[i]);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static char *manifest_path(bl_ctx *ctx, const char *kind, const char *name)
{
        return store_path(ctx, "manifeste/%s/%s.manifest", kind, name);
}

int manifest_load(bl_ctx *ctx, const char *kind, const char *name, bl_record **ret)
{
        _cleanup_free_ char *path = manifest_path(ctx, kind, name);
        _cleanup_free_ char *text = NULL;
        if (!path)
                return -ENOMEM;
        int r = read_file(path, &text, NULL);
        if (r == -ENOENT)
                return ctx_fail(ctx, ENOENT, "%s \"%s\": no such %s", kind_noun(kind), name, kind_noun(kind));
        if (r < 0)
                return ctx_fail(ctx, r, "%s \"%s\": cannot read %s: %s", kind_noun(kind), name, path, strerror(-r));
        bl_record *rec;
        r = manifest_parse(text, &rec);
        if (r < 0)
                return ctx_fail(ctx, r, "%s \"%s\": corrupt manifest %s", kind_noun(kind), name, path);
        const char *n = bl_record_get(rec, "name");
        if (strcmp(n, name) != 0) {
                r = ctx_fail(ctx, EBADMSG, "%s \"%s\": manifest %s names \"%s\"", kind_noun(kind), name, path, n);
                bl_record_free(rec);
                return r;
        }
        *ret = rec;
        return 0;
}

int manifest_save(bl_ctx *ctx, const char *kind, const char *name, const bl_record *rec)
{
        _cleanup_free_ char *path = manifest_path(ctx, kind, name);
        _cleanup_free_ char *text = NULL;
        if (!path)
                return -ENOMEM;
        int r = manifest_format(rec, &text);
        if (r < 0)
                return ctx_fail(ctx, r, "%s \"%s\": a value contains a newline", kind_noun(kind), name);
        r = write_file_atomic(path, text, strlen(text), 0644);
        if ((r == -ENOSPC || r == -EDQUOT) && store_unreserve(ctx))
                r = write_file_atomic(path, text, strlen(text), 0644);
        if (r < 0)
                return ctx_fail(ctx, r, "%s \"%s\": cannot write %s: %s", kind_noun(kind), name, path, strerror(-r));
        return 0;
}

int manifest_remove(bl_ctx *ctx, const char *kind, const char *name)
{
        _cleanup_free_ char *path = manifest_path(ctx, kind, name);
        if (!path)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return ctx_fail(ctx, errno, "%s \"%s\": cannot remove %s: %m", kind_noun(kind), name, path);
        return 0;
}

bool manifest_exists(bl_ctx *ctx, const char *kind, const char *name)
{
        _cleanup_free_ char *path = manifest_path(ctx, kind, name);
        return path && path_exists(path);
}

int manifest_list(bl_ctx *ctx, const char *kind, bl_record_list **ret)
{
        _cleanup_free_ char *dir = store_path(ctx, "manifeste/%s", kind);
        _cleanup_record_list_ bl_record_list *list = record_list_new();
        if (!dir || !list)
                return -ENOMEM;
        DIR *d = opendir(dir);
        if (!d) {
                if (errno == ENOENT && path_exists(ctx->root)) { /* a root nothing was made in yet; a missing root is an error */
                        *ret = steal_ptr(&list);
                        return 0;
                }
                return ctx_fail(ctx, errno, "state root \"%s\": cannot read %s: %m", ctx->root, dir);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);
                if (de->d_name[0] == '.' || n <= 9 || strcmp(de->d_name + n - 9, ".manifest") != 0)
                        continue;
                _cleanup_free_ char *name = strndup(de->d_name, n - 9);
                if (!name)
                        break;
                bl_record *rec;
                int r = manifest_load(ctx, kind, name, &rec);
                if (r < 0) {
                        /* skipped, never fatal: one bad file must not hide the others */
                        struct error e;
                        ctx_error_take(ctx, &e);
                        ctx_log(ctx, BL_LOG_WARNING, "%s", e.msg);
                        continue;
                }
                if (record_list_push(list, rec) < 0) {
                        bl_record_free(rec);
                        closedir(d);
                        return -ENOMEM;
                }
        }
        closedir(d);
        record_list_sort(list, "name");
        *ret = steal_ptr(&list);
        return 0;
}
