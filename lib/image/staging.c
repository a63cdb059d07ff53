/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "core/owner.h"
#include "core/resolve.h"
#include "image.h"
#include "store/store.h"

#define BUSYBOX "/bin/busybox"

/* Whether `rel` names an entry beneath rootfd (a link counts, whatever it points to). */
static bool present(int rootfd, const char *rel)
{
        const char *base;
        _cleanup_close_ int dfd = open_parent_in_root(rootfd, rel, false, &base);
        struct stat st;
        return dfd >= 0 && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int write_if_missing(bl_ctx *ctx, int rootfd, const char *rel, const char *content, mode_t mode)
{
        if (present(rootfd, rel))
                return 0;
        const char *base;
        _cleanup_close_ int dfd = open_parent_in_root(rootfd, rel, true, &base);
        _cleanup_close_ int fd = dfd < 0 ? dfd : openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        int r = fd < 0 ? (dfd < 0 ? dfd : -errno) : 0;
        size_t len = strlen(content);
        if (r == 0 && write(fd, content, len) != (ssize_t) len)
                r = -EIO;
        if (r == 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r < 0)
                return ctx_fail(ctx, r, "image staging: cannot write /%s: %s", rel, strerror(-r));
        return 0;
}

char *staging_folder(bl_ctx *ctx, const char *kind, const char *name)
{
        _cleanup_free_ char *work = store_path(ctx, "tmp/%s-%s.XXXXXX", kind, name);
        if (!work) {
                ctx_fail(ctx, ENOMEM, "image \"%s\": cannot make a work folder: out of memory", name);
                return NULL;
        }
        if (!mkdtemp(work)) {
                ctx_fail(ctx, errno, "image \"%s\": cannot make a work folder: %m", name);
                return NULL;
        }
        /* the record goes in before anything else: a folder without one is
         * some other process's for check's grace period only */
        _cleanup_close_ int dfd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = dfd < 0 ? -errno : owner_create_at(dfd, OWNER_FILE, kind, name);
        if (r < 0) {
                ctx_fail(ctx, r, "image \"%s\": cannot record the owner of %s: %s", name, work, strerror(-r));
                rm_rf(work);
                return NULL;
        }
        return steal_ptr(&work);
}

/* What every image has, whatever its source; never overwrites the source's
 * files, and writes beneath the staging folder only: a source's link (etc
 * -> /somewhere) resolves inside it, as the container will see it. */
int staging_skeleton(bl_ctx *ctx, const char *dir)
{
        static const struct { const char *path; mode_t mode; } dirs[] = {
                { "bin", 0755 }, { "sbin", 0755 }, { "usr/bin", 0755 }, { "usr/sbin", 0755 },
                { "etc", 0755 }, { "proc", 0555 }, { "sys", 0555 }, { "dev", 0755 },
                { "tmp", 01777 }, { "root", 0700 }, { "run", 0755 }, { "var/log", 0755 },
                { "var/tmp", 01777 }, { "home", 0755 },
        };
        _cleanup_close_ int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return ctx_fail(ctx, errno, "image staging: %s: %m", dir);
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                if (present(rootfd, dirs[i].path))
                        continue; /* the source's own (maybe a symlink, as usrmerge has) */
                _cleanup_close_ int fd = mkdir_in_root(rootfd, dirs[i].path, 0755);
                if (fd < 0)
                        return ctx_fail(ctx, fd, "image staging: cannot create /%s: %s", dirs[i].path, strerror(-fd));
                (void) fchmod(fd, dirs[i].mode);
        }
        int r;
        if ((r = write_if_missing(ctx, rootfd, "etc/passwd",
                                  "root:x:0:0:root:/root:/bin/sh\n"
                                  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n", 0644)) < 0 ||
            (r = write_if_missing(ctx, rootfd, "etc/group", "root:x:0:\nnogroup:x:65534:\n", 0644)) < 0 ||
            (r = write_if_missing(ctx, rootfd, "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n", 0644)) < 0 ||
            (r = write_if_missing(ctx, rootfd, "etc/resolv.conf", "", 0644)) < 0 ||
            (r = write_if_missing(ctx, rootfd, "etc/nsswitch.conf", "hosts: files dns\npasswd: files\ngroup: files\n", 0644)) < 0)
                return r;
        return 0;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
        _cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return -errno;
        _cleanup_close_ int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (out < 0)
                return -errno;
        for (;;) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 20, 0);
                if (n == 0)
                        break;
                if (n < 0) {
                        char buf[65536];
                        ssize_t k = read(in, buf, sizeof(buf));
                        if (k < 0)
                                return -errno;
                        if (k == 0)
                                break;
                        if (write(out, buf, (size_t) k) != k)
                                return -EIO;
                }
        }
        return fchmod(out, mode) < 0 ? -errno : 0;
}

static bool elf_is_dynamic(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        Elf64_Ehdr eh;
        if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
            eh.e_ident[EI_CLASS] != ELFCLASS64)
                return false;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;
                if (pread(fd, &ph, sizeof(ph), (off_t) (eh.e_phoff + i * eh.e_phentsize)) != sizeof(ph))
                        return false;
                if (ph.p_type == PT_INTERP)
                        return true;
        }
        return false;
}

int staging_busybox(bl_ctx *ctx, const char *dir)
{
        if (access(BUSYBOX, X_OK) < 0)
                return ctx_fail(ctx, ENOENT, "image source busybox: %s not found; install the Debian package busybox-static", BUSYBOX);
        if (elf_is_dynamic(BUSYBOX))
                return ctx_fail(ctx, ENOEXEC, "image source busybox: %s is not statically linked; install the Debian package busybox-static", BUSYBOX);
        _cleanup_free_ char *bin = strdup_printf("%s/bin", dir);
        _cleanup_free_ char *dst = strdup_printf("%s/bin/busybox", dir);
        if (!bin || !dst)
                return -ENOMEM;
        mkdir_p(bin, 0755);
        int r = copy_file(BUSYBOX, dst, 0755);
        if (r < 0)
                return ctx_fail(ctx, r, "image source busybox: cannot copy %s: %s", BUSYBOX, strerror(-r));

        char *argv[] = { (char *) BUSYBOX, (char *) "--list-full", NULL };
        _cleanup_free_ char *list = NULL;
        r = run_argv(ctx, "image source busybox", argv, -1, &list);
        if (r < 0)
                return r;
        for (char *save = NULL, *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!*line || strstr(line, "..") || strcmp(line, "bin/busybox") == 0)
                        continue;
                _cleanup_free_ char *link = strdup_printf("%s/%s", dir, line);
                if (!link)
                        return -ENOMEM;
                char *slash = strrchr(link, '/');
                *slash = 0;
                mkdir_p(link, 0755);
                *slash = '/';
                if (symlink("/bin/busybox", link) < 0 && errno != EEXIST)
                        return ctx_fail(ctx, errno, "image source busybox: cannot link /%s: %m", line);
        }
        return 0;
}

int staging_from_dir(bl_ctx *ctx, const char *dir, const char *src)
{
        struct stat st;
        if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
                return ctx_fail(ctx, ENOTDIR, "image source directory \"%s\": not a directory", src);
        _cleanup_free_ char *from = strdup_printf("%s/.", src);
        if (!from)
                return -ENOMEM;
        char *argv[] = { (char *) "cp", (char *) "-a", from, (char *) dir, NULL };
        return run_argv(ctx, "image source directory", argv, -1, NULL);
}

/* A rootfs tarball is applied as a single layer: the same checks keep
 * every entry beneath the root, the same limit bounds it. */
int staging_from_tar(bl_ctx *ctx, const char *dir, const char *tarball, uint64_t size)
{
        char what[300];
        snprintf(what, sizeof(what), "image source tarball \"%s\"", tarball);
        int r = lazylibs_check(ctx, what);
        if (r < 0)
                return r;
        if (access(tarball, R_OK) < 0)
                return ctx_fail(ctx, errno, "%s: %m", what);
        _cleanup_close_ int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return ctx_fail(ctx, errno, "%s: %s: %m", what, dir);
        struct extract x;
        extract_init(&x, ctx, rootfd, size);
        x.what = what;
        x.used = dir_usage_count(dir, &x.entries);
        return layer_apply(&x, tarball);
}

/* The first http(s) URI of the host's apt sources, else Debian's own. */
static char *host_mirror(void)
{
        static const char *const files[] = { "/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list" };
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *text = NULL;
                if (read_file(files[i], &text, NULL) < 0)
                        continue;
                for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        char *u = strstr(l, "http");
                        if (!u || l[0] == '#' || strstr(l, "security"))
                                continue;
                        u[strcspn(u, " \t")] = 0;
                        return strdup(u);
                }
        }
        return strdup("http://deb.debian.org/debian");
}

int staging_debootstrap(bl_ctx *ctx, const char *dir, const char *suite, const char *include, const char *mirror)
{
        if (access("/usr/sbin/debootstrap", X_OK) < 0)
                return ctx_fail(ctx, ENOENT, "image source debootstrap: /usr/sbin/debootstrap not found; install the Debian package debootstrap");
        _cleanup_free_ char *m = mirror ? strdup(mirror) : host_mirror();
        _cleanup_free_ char *inc = include ? strdup_printf("--include=%s", include) : NULL;
        if (!m)
                return -ENOMEM;
        char *argv[8];
        size_t n = 0;
        argv[n++] = (char *) "debootstrap";
        argv[n++] = (char *) "--variant=minbase";
        if (inc)
                argv[n++] = inc;
        argv[n++] = (char *) suite;
        argv[n++] = (char *) dir;
        argv[n++] = m;
        argv[n] = NULL;
        int r = run_argv(ctx, "image source debootstrap", argv, -1, NULL);
        return r;
}

/* Copies a host file or tree to `image_path` beneath the staging folder,
 * as cp -a (deref: cp -aL) would, but by descriptors: the host side is
 * read with libarchive, the image side written by the extractor, so an
 * image's link on the way resolves inside the image. */
static int copy_into(bl_ctx *ctx, const char *dir, const char *host, const char *image_path, bool deref)
{
        char what[300];
        snprintf(what, sizeof(what), "image copy \"%s\"", host);
        int r = lazylibs_check(ctx, what);
        if (r < 0)
                return r;
        _cleanup_free_ char *dst = path_clean(image_path + strspn(image_path, "/"));
        if (!dst || !*dst)
                return ctx_fail(ctx, EINVAL, "%s: destination \"%s\" is not a path inside the image", what, image_path);
        _cleanup_close_ int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return ctx_fail(ctx, errno, "%s: %s: %m", what, dir);
        /* cp's rule: into an existing folder, under the source's own name */
        _cleanup_close_ int existing = open_in_root(rootfd, dst, O_PATH | O_DIRECTORY, 0);
        if (existing >= 0) {
                const char *name = strrchr(host, '/') ? strrchr(host, '/') + 1 : host;
                char *in = strdup_printf("%s/%s", dst, name);
                if (!in)
                        return -ENOMEM;
                free(dst);
                dst = in;
        }
        struct archive *disk = archive_read_disk_new();
        if (!disk)
                return -ENOMEM;
        if (deref)
                archive_read_disk_set_symlink_logical(disk);
        else
                archive_read_disk_set_symlink_physical(disk);
        struct extract x;
        extract_init(&x, ctx, rootfd, 0);
        x.limit = 0; /* the caller's own files */
        x.what = what;
        size_t hostlen = strlen(host);
        while (hostlen > 1 && host[hostlen - 1] == '/')
                hostlen--;
        struct archive_entry *e = archive_entry_new();
        int st = ARCHIVE_FATAL;
        if (!e || archive_read_disk_open(disk, host) != ARCHIVE_OK)
                r = ctx_fail(ctx, EIO, "%s: %s", what, archive_error_string(disk));
        while (r == 0 && (st = archive_read_next_header2(disk, e)) == ARCHIVE_OK) {
                archive_read_disk_descend(disk);
                const char *p = archive_entry_pathname(e);
                _cleanup_free_ char *target = strdup_printf("%s%s", dst, strlen(p) > hostlen ? p + hostlen : "");
                if (!target)
                        r = -ENOMEM;
                else
                        r = extract_entry(&x, disk, e, target);
        }
        if (r == 0 && st != ARCHIVE_EOF)
                r = ctx_fail(ctx, EIO, "%s: %s", what, archive_error_string(disk));
        if (e)
                archive_entry_free(e);
        archive_read_free(disk);
        return r;
}

int staging_add_copy(bl_ctx *ctx, const char *dir, const char *host, const char *image_path)
{
        if (access(host, F_OK) < 0)
                return ctx_fail(ctx, errno, "image copy \"%s\": %m", host);
        return copy_into(ctx, dir, host, image_path, false);
}

int staging_add_program(bl_ctx *ctx, const char *dir, const char *program)
{
        if (program[0] != '/' || access(program, X_OK) < 0)
                return ctx_fail(ctx, ENOENT, "image program \"%s\": not an executable absolute path", program);
        int r = copy_into(ctx, dir, program, program, true);
        if (r < 0 || !elf_is_dynamic(program))
                return r;
        /* ldd lists the libraries with their resolved paths and the loader */
        char *argv[] = { (char *) "ldd", (char *) program, NULL };
        _cleanup_free_ char *out = NULL;
        r = run_argv(ctx, "image program libraries", argv, -1, &out);
        if (r < 0)
                return r;
        for (char *save = NULL, *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *path = strstr(l, "=> ");
                path = path ? path + 3 : l;
                while (*path == ' ' || *path == '\t')
                        path++;
                if (*path != '/')
                        continue;
                path[strcspn(path, " \t(")] = 0;
                r = copy_into(ctx, dir, path, path, true);
                if (r < 0)
                        return r;
        }
        return 0;
}
