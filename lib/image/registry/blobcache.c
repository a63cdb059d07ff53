/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The layer cache: ROOT/blobs/sha256/<hex>, each file checked against its
 * name while it streams in, so what is there is always what the digest
 * says.  A download in progress is <hex>.partial: a later pull hashes
 * what it holds and asks for the rest (HTTP Range).  ROOT/blobs/refs/NAME
 * lists the blobs image NAME was pulled from; prune removes the others.
 */
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <baleine/baleine.h>

#include "image/image.h"
#include "registry.h"
#include "store/store.h"

char *blobcache_path(bl_ctx *ctx, const char *digest)
{
        return digest_valid(digest) ? store_path(ctx, "blobs/sha256/%s", digest + 7) : NULL;
}

/* Feeds the first `len` bytes of fd to the hash. */
static int hash_prefix(int fd, EVP_MD_CTX *md, uint64_t len)
{
        char buf[65536];
        uint64_t done = 0;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        while (done < len) {
                ssize_t k = read(fd, buf, sizeof(buf));
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
                EVP_DigestUpdate(md, buf, (size_t) k);
                done += (uint64_t) k;
        }
        return 0;
}

static void hex_of(const unsigned char *md, unsigned n, char out[72])
{
        strcpy(out, "sha256:");
        for (unsigned i = 0; i < n && i < 32; i++)
                sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

int blobcache_fetch(struct client *c, const char *digest, uint64_t size, const char *label)
{
        bl_ctx *ctx = c->ctx;
        _cleanup_free_ char *path = blobcache_path(ctx, digest), *dir = store_path(ctx, "blobs/sha256");
        _cleanup_free_ char *partial = path ? strdup_printf("%s.partial", path) : NULL;
        _cleanup_free_ char *rel = strdup_printf("/blobs/%s", digest);
        if (!digest_valid(digest))
                return ctx_fail(ctx, EBADMSG, "%s: unsupported digest \"%.80s\"", c->what, digest ? digest : "(none)");
        if (!path || !dir || !partial || !rel)
                return -ENOMEM;
        if (path_exists(path))
                return 0;
        if (mkdir_p(dir, 0700) < 0)
                return ctx_fail(ctx, errno, "%s: cannot make %s: %m", c->what, dir);
        _cleanup_close_ int fd = open(partial, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return ctx_fail(ctx, errno, "%s: cannot write %s: %m", c->what, partial);
        /* two pulls of one blob: the second waits, then finds it cached */
        if (flock(fd, LOCK_EX) < 0)
                return ctx_fail(ctx, errno, "%s: cannot lock %s: %m", c->what, partial);
        if (path_exists(path))
                return 0;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (!md)
                return ctx_fail(ctx, ENOMEM, "%s: libcrypto cannot be used", c->what);
        int r = 0;
        for (int attempt = 0; attempt < 4; attempt++) {
                struct stat st;
                if (fstat(fd, &st) < 0) {
                        r = ctx_fail(ctx, errno, "%s: %s: %m", c->what, partial);
                        break;
                }
                uint64_t have = (uint64_t) st.st_size;
                if (size && have > size)
                        have = 0;
                EVP_DigestInit_ex(md, EVP_sha256(), NULL);
                if (have && hash_prefix(fd, md, have) < 0)
                        have = 0;
                if (!have) {
                        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
                        if (ftruncate(fd, 0) < 0) {
                                r = ctx_fail(ctx, errno, "%s: %s: %m", c->what, partial);
                                break;
                        }
                }
                if (have && have == size)
                        goto check;
                if (lseek(fd, (off_t) have, SEEK_SET) < 0) {
                        r = ctx_fail(ctx, errno, "%s: %s: %m", c->what, partial);
                        break;
                }
                if (have)
                        ctx_log(ctx, BL_LOG_INFO, "%s: %s: resuming at byte %llu", c->what, label, (unsigned long long) have);
                struct http_request req = { .out_fd = fd, .resume_from = have, .hash = md, .progress = label, .expect_size = size,
                                            .max_body = size ? size - have : 0 };
                struct http_response res;
                if ((r = client_request(c, &req, rel, &res)) < 0)
                        break;
                if (res.status == 200 && have) {
                        /* the server ignored the range: the whole blob came after our prefix */
                        ctx_log(ctx, BL_LOG_INFO, "%s: %s: the server does not resume; downloading again", c->what, label);
                        http_response_free(&res);
                        if (ftruncate(fd, 0) < 0)
                                r = -errno;
                        continue;
                }
                if (res.status != 200 && res.status != 206) {
                        char doing[200];
                        snprintf(doing, sizeof(doing), "blob %.19s…", digest);
                        r = client_fail(c, &res, doing);
                        http_response_free(&res);
                        break;
                }
                if (*res.error) {
                        /* cut short: keep what came, and ask for the rest */
                        ctx_log(ctx, BL_LOG_INFO, "%s: %s: %s after %llu bytes", c->what, label, res.error,
                                (unsigned long long) res.written);
                        bool overflow = strstr(res.error, "longer") != NULL;
                        r = ctx_fail(ctx, EIO, "%s: blob %.19s…: %s", c->what, digest, res.error);
                        http_response_free(&res);
                        if (overflow) {
                                if (ftruncate(fd, 0) < 0)
                                        r = -errno;
                                break;
                        }
                        continue;
                }
                http_response_free(&res);
        check:;
                unsigned char out[EVP_MAX_MD_SIZE];
                unsigned n = 0;
                char got[72];
                EVP_DigestFinal_ex(md, out, &n);
                hex_of(out, n, got);
                if (fstat(fd, &st) == 0 && size && (uint64_t) st.st_size < size) {
                        r = ctx_fail(ctx, EIO, "%s: blob %.19s… is truncated (%llu of %llu bytes)", c->what, digest,
                                     (unsigned long long) st.st_size, (unsigned long long) size);
                        continue;
                }
                if (strcmp(got, digest) != 0) {
                        r = ctx_fail(ctx, EBADMSG, "%s: blob %.19s… does not match its digest (got %.19s…)", c->what, digest, got);
                        if (ftruncate(fd, 0) < 0)
                                r = -errno;
                        break;
                }
                if (fsync(fd) < 0 || rename(partial, path) < 0)
                        r = ctx_fail(ctx, errno, "%s: cannot store blob %.19s…: %m", c->what, digest);
                else
                        r = 0;
                break;
        }
        EVP_MD_CTX_free(md);
        /* a blob that failed its digest is gone; a partial download stays for a resume */
        if (r < 0 && path_exists(partial)) {
                struct stat st;
                if (stat(partial, &st) == 0 && st.st_size == 0)
                        unlink(partial);
        }
        if (r == 0)
                ctx_begin_call(ctx); /* (earlier attempts' messages are not the result) */
        return r;
}

int blobcache_refs_save(bl_ctx *ctx, const char *name, char *const *digests)
{
        _cleanup_free_ char *dir = store_path(ctx, "blobs/refs"), *file = store_path(ctx, "blobs/refs/%s", name);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!dir || !file || !f)
                return -ENOMEM;
        for (size_t i = 0; digests && digests[i]; i++)
                fprintf(f, "%s\n", digests[i]);
        fclose(f);
        if (mkdir_p(dir, 0700) < 0 || write_file_atomic(file, text, len, 0600) < 0)
                return ctx_fail(ctx, errno, "image \"%s\": cannot record its blobs in %s: %m", name, file);
        return 0;
}

/* Adds to *keep the digests listed by ROOT/blobs/refs/NAME for images
 * that still exist (the list of an image removed since is dropped). */
static int referenced(bl_ctx *ctx, char ***keep)
{
        _cleanup_free_ char *dir = store_path(ctx, "blobs/refs");
        DIR *d = dir ? opendir(dir) : NULL;
        if (!d)
                return 0;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *img = image_file(ctx, e->d_name), *f = strdup_printf("%s/%s", dir, e->d_name);
                if (!img || !f)
                        continue;
                if (!path_exists(img)) {
                        unlink(f);
                        continue;
                }
                _cleanup_free_ char *text = NULL;
                if (read_file(f, &text, NULL) < 0)
                        continue;
                for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
                        if (digest_valid(line))
                                strv_push(keep, line + 7);
        }
        closedir(d);
        return 0;
}

BL_EXPORT int bl_image_prune_cache(bl_ctx *ctx, uint64_t *ret_freed)
{
        ctx_begin_call(ctx);
        _cleanup_strv_ char **keep = NULL;
        _cleanup_free_ char *dir = store_path(ctx, "blobs/sha256");
        int lockfd = -1;
        int r = store_lock(ctx, &lockfd);
        if (r < 0)
                return r;
        referenced(ctx, &keep);
        uint64_t freed = 0;
        DIR *d = dir ? opendir(dir) : NULL;
        struct dirent *e;
        while (d && (e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                char hex[65];
                snprintf(hex, sizeof(hex), "%.64s", e->d_name);
                if (strcmp(e->d_name, hex) == 0 && strv_contains(keep, hex))
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
                    unlinkat(dirfd(d), e->d_name, 0) == 0)
                        freed += (uint64_t) st.st_blocks * 512;
        }
        if (d)
                closedir(d);
        close(lockfd);
        if (ret_freed)
                *ret_freed = freed;
        return 0;
}
