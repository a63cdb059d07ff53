/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Integration fixture: a private state root, a busybox image, real kernel
 * objects; every test ends with a check that nothing leaked. */
#pragma once

#include <check.h>

#include "core/core.h"
#include "core/record.h"

extern bl_ctx *ctx;
extern char root[256];

void integ_setup(void);
void integ_teardown(void);
/* Removes what tests that failed left (their containers, bridges, mounts, roots). */
void cleanup_stale_roots(void);
/* Same, inside a private network namespace made for the test. */
void integ_setup_netns(void);

/* A config with image "base" and `sh -c script`. */
bl_container_config *shell_config(const char *script);
/* Creates and starts detached; fails the test on error. */
void start_shell(const char *name, const char *script, bl_container_config *cfg);
/* Waits until the container is no longer running (at most timeout s). */
void wait_exited(const char *name, int timeout);
/* Runs a script to its end; returns its exit code, output in *out. */
int run_shell(const char *name, const char *script, bl_container_config *cfg, char **out);
/* Runs a command in a running container, its output in *out; its status,
 * or bl_container_exec's error (-ENOENT: not found...). */
int exec_capture(const char *name, char *const argv[], char **out);
/* A key of the container's inspect record (freed by the caller). */
char *inspect_key(const char *name, const char *key);
/* Nothing of the test's root left: loop devices, mounts, cgroups, veths. */
void assert_no_leaks(void);
void remove_all(void);
/* GET / from addr:port over TCP; the whole answer, or NULL. */
char *http_get(const char *addr, int port);
/* No host end of the container's veths remains. */
void assert_no_leaks_veth_of(const char *name);
/* The directory of the running container's cgroup that holds controller
 * ("memory", "pids"...), from its init's /proc/PID/cgroup: the v2 unified
 * one, or the v1 hierarchy of that controller (freed by the caller). */
char *container_cgroup_dir(const char *name, const char *controller);
/* Path of the static probe program (built by meson). */
const char *probe_path(void);

/* The CLI on the test's root, with VAR=VALUE in its environment (var NULL:
 * none) and stdout/stderr to /dev/null; its pid. */
pid_t cli_spawn(const char *var, const char *value, char *const args[]);
/* Waits for a CLI; its exit status, or 128+signal. */
int cli_wait(pid_t pid);
/* Runs the CLI with BALEINE_FAULT=fault (NULL: none), killed after
 * kill_after_ms when >= 0; its exit status, or 128+signal. */
int cli_run(const char *fault, int kill_after_ms, char *const args[]);
/* Runs the CLI with BALEINE_PAUSE=step and waits until it stopped itself
 * there (fails the test when it ends instead); its pid, stopped. */
pid_t cli_paused(const char *step, char *const args[]);
