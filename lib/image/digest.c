/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <fcntl.h>
#include <openssl/evp.h>

#include "image.h"

static void hex(const unsigned char *md, unsigned n, char out[72])
{
        strcpy(out, "sha256:");
        for (unsigned i = 0; i < n; i++)
                sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

int digest_buffer(const void *data, size_t len, char out[72])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
                return -EIO;
        hex(md, n, out);
        return 0;
}

/* SHA-256 of what `next` yields (bytes > 0, then 0 at the end, < 0 on
 * error); -EFBIG past `max` bytes (0: no bound). */
static int digest_stream(ssize_t (*next)(void *src, char *buf, size_t n), void *src, uint64_t max, char out[72])
{
        enum { BUF = 1 << 16 };
        /* the caller's own buffer: two threads hash at once */
        _cleanup_free_ char *buf = malloc(BUF);
        EVP_MD_CTX *c = buf ? EVP_MD_CTX_new() : NULL;
        if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
                EVP_MD_CTX_free(c);
                return -ENOMEM;
        }
        ssize_t k;
        uint64_t total = 0;
        while ((k = next(src, buf, BUF)) > 0) {
                total += (uint64_t) k;
                if (max && total > max) {
                        EVP_MD_CTX_free(c);
                        return -EFBIG;
                }
                EVP_DigestUpdate(c, buf, (size_t) k);
        }
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        EVP_DigestFinal_ex(c, md, &n);
        EVP_MD_CTX_free(c);
        if (k < 0)
                return -EIO;
        hex(md, n, out);
        return 0;
}

static ssize_t next_from_fd(void *src, char *buf, size_t n)
{
        return read(*(int *) src, buf, n);
}

static ssize_t next_from_archive(void *src, char *buf, size_t n)
{
        return (ssize_t) archive_read_data(src, buf, n);
}

int digest_file(const char *path, char out[72])
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return digest_stream(next_from_fd, &fd, 0, out);
}

int digest_uncompressed(const char *path, char out[72])
{
        return digest_uncompressed_max(path, 0, out);
}

int digest_uncompressed_max(const char *path, uint64_t max, char out[72])
{
        struct archive *a = archive_read_new();
        if (!a)
                return -ENOMEM;
        archive_read_support_filter_all(a);
        archive_read_support_format_raw(a);
        struct archive_entry *e;
        int r = -EBADMSG;
        if (archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK && archive_read_next_header(a, &e) == ARCHIVE_OK) {
                int k = digest_stream(next_from_archive, a, max, out);
                r = k == -EFBIG ? -EFBIG : k < 0 ? -EBADMSG : 0;
        }
        archive_read_free(a);
        return r;
}
