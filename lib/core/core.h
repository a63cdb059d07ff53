/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private core of libbaleine: context, errors, logging, cleanup helpers. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baleine/baleine.h"
#include "config.h"
#include "error.h"

#define BL_EXPORT __attribute__((visibility("default")))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct bl_ctx {
        char *root;
        struct error error;     /* the pending failure of this call (core/error.h) */
        bl_log_fn log_fn;
        void *log_data;
        bl_progress_fn progress_fn;
        void *progress_data;
        uint64_t t0_usec;       /* monotonic, at creation: for ctx_trace */
        bool store_ready;       /* the root's folders exist (made once per context) */
        char root_id[9];        /* store_root_id(), once computed */
};

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) { if (*fd >= 0) { int e = errno; close(*fd); errno = e; } }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void strv_freep(char ***v)
{
        if (*v) { for (char **p = *v; *p; p++) free(*p); free(*v); }
}
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_strv_ _cleanup_(strv_freep)

static inline int steal_fd(int *fd) { int r = *fd; *fd = -1; return r; }
static inline void *steal_ptr(void *pp) { void **p = pp; void *r = *p; *p = NULL; return r; }

/* Clears the pending error at the start of a public call. */
void ctx_begin_call(bl_ctx *ctx);
/* Sets the context's error (unless a deeper call already did: the deepest
 * layer knows the cause best) and returns -|err|. */
int ctx_fail(bl_ctx *ctx, int err, const char *fmt, ...) _printf_(3, 4);
/* Like ctx_fail, but replaces an error a deeper call set. */
int ctx_fail_replace(bl_ctx *ctx, int err, const char *fmt, ...) _printf_(3, 4);
/* Prefixes the pending error with context ("container "x": "). */
int ctx_fail_wrap(bl_ctx *ctx, int err, const char *fmt, ...) _printf_(3, 4);
bool ctx_has_error(const bl_ctx *ctx);
/* Moves the pending error out of the context into *ret (which may be NULL
 * to drop it): for a failure the caller tolerates, logs or reports, so it
 * never stands in for a later one. */
void ctx_error_take(bl_ctx *ctx, struct error *ret);
/* Makes e the context's error (a child's report); returns -code. */
int ctx_error_adopt(bl_ctx *ctx, const struct error *e);
/* For the return of a public call: a failure without a message gets
 * "<what>: <strerror>", so none leaves the library silent. */
int ctx_end_call(bl_ctx *ctx, int r, const char *fmt, ...) _printf_(3, 4);
void ctx_log(bl_ctx *ctx, int prio, const char *fmt, ...) _printf_(3, 4);
void ctx_progress(bl_ctx *ctx, const char *what, uint64_t done, uint64_t total);
/* A debug log line "<step> at +N.N ms" (time since the context was made):
 * where the time of an operation goes (BALEINE_DEBUG=1 on the CLI). */
void ctx_trace(bl_ctx *ctx, const char *step);

/* Fault injection for crash-consistency tests: when BALEINE_FAULT equals
 * `step`, the process is killed with SIGKILL right there; when BALEINE_PAUSE
 * does, it stops itself (SIGSTOP) so a test can race it, then SIGCONT it. */
void fault_point(const char *step);
/* The value of a BALEINE_* test knob: NULL unless built with -Dtest_knobs=true. */
const char *test_knob(const char *name);

/* strings */
char *strdup_or_null(const char *s);
char *strdup_printf(const char *fmt, ...) _printf_(1, 2);
char **strv_copy(char *const *v);
size_t strv_length(char *const *v);
int strv_push(char ***v, const char *s);
bool strv_contains(char *const *v, const char *s);
bool startswith(const char *s, const char *prefix);
/* env list: replace KEY= if present, else append. */
int env_set(char ***env, const char *key_value);

/* parse.c */
int parse_u64(const char *s, uint64_t *ret);
int parse_ipv4_cidr(const char *s, uint32_t *ret_addr, int *ret_prefix);
int parse_ipv4(const char *s, uint32_t *ret_addr);
void format_ipv4(uint32_t addr, char buf[16]);
void format_size(uint64_t bytes, char buf[32]);
/* "1000:1000" → ids; -EINVAL on junk. */
int parse_user(const char *s, uid_t *ret_uid, gid_t *ret_gid);

/* fs.c */
int mkdir_p(const char *path, mode_t mode);
int rm_rf(const char *path);
int read_file(const char *path, char **ret, size_t *ret_len);
/* Writes atomically: temp file in the same folder, fsync, rename, fsync of the folder. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
/* Writes in place (keeps the inode, for files bind-mounted elsewhere). */
int write_file_inplace(const char *path, const char *data, size_t len);
int write_string(const char *path, const char *s);
int read_line(const char *path, char **ret);
uint64_t dir_usage(const char *path);
/* The same, and how many entries the tree holds (itself included). */
uint64_t dir_usage_count(const char *path, uint64_t *ret_count);
bool path_exists(const char *path);

/* run.c: runs argv with fork/exec, stdout to `out_fd` (-1: /dev/null),
 * stderr captured; on failure sets "`what`: <program> failed: <stderr's last line>". */
int run_argv(bl_ctx *ctx, const char *what, char *const argv[], int out_fd, char **ret_stdout);

/* time helpers */
uint64_t now_usec(void);
