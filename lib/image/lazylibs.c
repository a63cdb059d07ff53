/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarchive and libcrypto are loaded when first used (importing,
 * exporting, tarballs), not by every baleine command: together they cost
 * about 8 ms of start-up and several hundred KiB in each container's init.
 * These definitions forward to the real functions, found with dlopen.
 * Threads may call them at once: the libraries are opened under a lock,
 * and each function's address is cached with atomic loads and stores.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <pthread.h>

#include "image.h"

static void *lib_archive, *lib_crypto;
static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;

static void *lookup(void **lib, const char *const names[], const char *sym)
{
        pthread_mutex_lock(&lib_lock);
        for (size_t i = 0; !*lib && names[i]; i++)
                *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        void *handle = *lib;
        pthread_mutex_unlock(&lib_lock);
        return handle ? dlsym(handle, sym) : NULL;
}

/* The cached address of `sym`, looked up once it is needed. */
static void *cached(void **slot, void **lib, const char *const names[], const char *sym)
{
        void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
        if (!fn && (fn = lookup(lib, names, sym)))
                __atomic_store_n(slot, fn, __ATOMIC_RELEASE);
        return fn;
}

static const char *const archive_names[] = { "libarchive.so.13", "libarchive.so", NULL };
static const char *const crypto_names[] = { "libcrypto.so.3", "libcrypto.so", NULL };

int lazylibs_check(bl_ctx *ctx, const char *what)
{
        if (!lookup(&lib_archive, archive_names, "archive_read_new"))
                return ctx_fail(ctx, ENOENT, "%s: libarchive.so.13 cannot be loaded (Debian package libarchive13): %s", what, dlerror());
        if (!lookup(&lib_crypto, crypto_names, "EVP_sha256"))
                return ctx_fail(ctx, ENOENT, "%s: libcrypto.so.3 cannot be loaded (Debian package libssl3): %s", what, dlerror());
        return 0;
}

#define FORWARD(lib, names, ret, name, params, args, fail)                  \
        ret name params                                                     \
        {                                                                   \
                static void *slot;                                          \
                ret(*fn) params;                                            \
                *(void **) &fn = cached(&slot, &lib, names, #name);         \
                if (!fn)                                                    \
                        return fail;                                        \
                return fn args;                                             \
        }
#define A(ret, name, params, args, fail) FORWARD(lib_archive, archive_names, ret, name, params, args, fail)
#define C(ret, name, params, args, fail) FORWARD(lib_crypto, crypto_names, ret, name, params, args, fail)
#define AV(name, params, args)                                              \
        void name params                                                    \
        {                                                                   \
                static void *slot;                                          \
                void(*fn) params;                                           \
                *(void **) &fn = cached(&slot, &lib_archive, archive_names, #name); \
                if (fn)                                                     \
                        fn args;                                            \
        }

typedef struct archive ar;
typedef struct archive_entry ae;

A(ar *, archive_read_new, (void), (), NULL)
A(ar *, archive_write_new, (void), (), NULL)
A(ar *, archive_read_disk_new, (void), (), NULL)
A(int, archive_read_free, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_write_free, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_write_close, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_read_support_filter_all, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_read_support_format_all, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_read_support_format_gnutar, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_read_support_format_raw, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_read_support_format_tar, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_write_set_format_pax_restricted, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_read_open_filename, (ar *a, const char *f, size_t b), (a, f, b), ARCHIVE_FATAL)
A(int, archive_write_open_filename, (ar *a, const char *f), (a, f), ARCHIVE_FATAL)
A(int, archive_write_open_fd, (ar *a, int fd), (a, fd), ARCHIVE_FATAL)
A(int, archive_read_next_header, (ar *a, ae **e), (a, e), ARCHIVE_FATAL)
A(int, archive_read_next_header2, (ar *a, ae *e), (a, e), ARCHIVE_FATAL)
A(la_ssize_t, archive_read_data, (ar *a, void *b, size_t n), (a, b, n), -1)
A(int, archive_read_data_block, (ar *a, const void **b, size_t *n, la_int64_t *o), (a, b, n, o), ARCHIVE_FATAL)
A(la_ssize_t, archive_write_data, (ar *a, const void *b, size_t n), (a, b, n), -1)
A(int, archive_write_header, (ar *a, ae *e), (a, e), ARCHIVE_FATAL)
A(int, archive_read_disk_descend, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_read_disk_open, (ar *a, const char *p), (a, p), ARCHIVE_FATAL)
A(int, archive_read_disk_set_behavior, (ar *a, int f), (a, f), ARCHIVE_FATAL)
A(int, archive_read_disk_set_standard_lookup, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_read_disk_set_symlink_logical, (ar *a), (a), ARCHIVE_FATAL)
A(int, archive_read_disk_set_symlink_physical, (ar *a), (a), ARCHIVE_FATAL)
A(const char *, archive_error_string, (ar *a), (a), "libarchive cannot be loaded")
A(la_int64_t, archive_filter_bytes, (ar *a, int n), (a, n), 0)
A(ae *, archive_entry_new, (void), (), NULL)
AV(archive_entry_free, (ae *e), (e))
A(__LA_MODE_T, archive_entry_filetype, (ae *e), (e), 0)
A(const char *, archive_entry_hardlink, (ae *e), (e), NULL)
A(const char *, archive_entry_pathname, (ae *e), (e), "")
A(la_int64_t, archive_entry_size, (ae *e), (e), 0)
A(int, archive_entry_size_is_set, (ae *e), (e), 0)
A(la_int64_t, archive_entry_uid, (ae *e), (e), 0)
A(la_int64_t, archive_entry_gid, (ae *e), (e), 0)
A(__LA_MODE_T, archive_entry_perm, (ae *e), (e), 0)
A(time_t, archive_entry_mtime, (ae *e), (e), 0)
A(long, archive_entry_mtime_nsec, (ae *e), (e), 0)
A(dev_t, archive_entry_rdevmajor, (ae *e), (e), 0)
A(dev_t, archive_entry_rdevminor, (ae *e), (e), 0)
A(const char *, archive_entry_symlink, (ae *e), (e), NULL)
A(int, archive_entry_xattr_reset, (ae *e), (e), 0)
A(int, archive_entry_xattr_next, (ae *e, const char **n, const void **v, size_t *s), (e, n, v, s), ARCHIVE_WARN)
AV(archive_entry_set_filetype, (ae *e, unsigned int t), (e, t))
AV(archive_entry_set_mtime, (ae *e, time_t t, long n), (e, t, n))
AV(archive_entry_set_pathname, (ae *e, const char *p), (e, p))
AV(archive_entry_set_perm, (ae *e, __LA_MODE_T m), (e, m))
AV(archive_entry_set_size, (ae *e, la_int64_t s), (e, s))

C(const EVP_MD *, EVP_sha256, (void), (), NULL)
C(EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), NULL)
C(int, EVP_Digest, (const void *d, size_t n, unsigned char *md, unsigned int *s, const EVP_MD *t, ENGINE *e), (d, n, md, s, t, e), 0)
C(int, EVP_DigestInit_ex, (EVP_MD_CTX *c, const EVP_MD *t, ENGINE *e), (c, t, e), 0)
C(int, EVP_DigestUpdate, (EVP_MD_CTX *c, const void *d, size_t n), (c, d, n), 0)
C(int, EVP_DigestFinal_ex, (EVP_MD_CTX *c, unsigned char *md, unsigned int *s), (c, md, s), 0)

void EVP_MD_CTX_free(EVP_MD_CTX *c)
{
        static void *slot;
        void (*fn)(EVP_MD_CTX *);
        *(void **) &fn = cached(&slot, &lib_crypto, crypto_names, "EVP_MD_CTX_free");
        if (fn)
                fn(c);
}
