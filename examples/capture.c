/* A complete program on libbaleine's calls alone: makes an image, creates a
 * container, runs it with its output on a pipe of ours (no dup2 over our
 * own 0/1/2), captures that output, waits for its end, reads its typed
 * state and removes everything.
 *   cc capture.c $(pkg-config --cflags --libs libbaleine) -o capture
 *   sudo ./capture            (state in /var/lib/baleine, or $BALEINE_ROOT)
 * Exits with the container's own exit code (3), or 1 when baleine failed. */
#include <baleine/baleine.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define IMAGE "capture-image"
#define NAME "capture"

static int failed(bl_ctx *ctx, const char *what)
{
        fprintf(stderr, "capture: %s: %s\n", what, bl_ctx_errmsg(ctx));
        return 1;
}

/* Reads the program's output from our end of the pipe until it closes. */
static void print_output(int fd)
{
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                fwrite(buf, 1, (size_t) n, stdout);
}

static int run(bl_ctx *ctx)
{
        bl_container_config *cfg;
        bl_container_info *info;
        bl_process *proc;
        char *argv[] = { "/bin/sh", "-c", "echo captured from $(hostname); echo to stderr >&2; exit 3", NULL };
        int code = -1, out[2];

        /* setters check their value at once and explain a refusal */
        if (bl_container_config_new(ctx, &cfg) < 0)
                return failed(ctx, "config");
        if (bl_container_config_set_image(cfg, IMAGE) < 0 || bl_container_config_set_argv(cfg, argv) < 0 ||
            bl_container_config_set_memory(cfg, 32u << 20) < 0) {
                bl_container_config_free(cfg);
                return failed(ctx, "config");
        }
        int r = bl_container_create(ctx, NAME, cfg);
        bl_container_config_free(cfg);
        if (r < 0)
                return failed(ctx, "create");

        /* stdin /dev/null; stdout and stderr to our pipe (and console.log) */
        if (pipe(out) < 0) {
                perror("capture: pipe");
                bl_container_remove(ctx, NAME, 1);
                return 1;
        }
        r = bl_container_start_attach(ctx, NAME, -1, out[1], out[1], &proc);
        close(out[1]); /* the container holds its own copy */
        if (r < 0) {
                close(out[0]);
                failed(ctx, "start");
                bl_container_remove(ctx, NAME, 1);
                return 1;
        }
        print_output(out[0]);
        close(out[0]);
        r = bl_process_wait(ctx, proc, &code); /* Docker's convention: 3 here */
        bl_process_free(proc);
        if (r < 0) {
                failed(ctx, "wait");
                bl_container_remove(ctx, NAME, 1);
                return 1;
        }
        if (bl_container_info_get(ctx, NAME, &info) == 0) {
                printf("state %s, exit code %d, memory limit %llu bytes\n", bl_container_state_name(bl_container_info_get_state(info)),
                       bl_container_info_get_exit_code(info), (unsigned long long) bl_container_info_get_memory_limit(info));
                bl_container_info_free(info);
        }
        if (bl_container_remove(ctx, NAME, 0) < 0)
                return failed(ctx, "remove");
        return code;
}

int main(void)
{
        bl_ctx *ctx;
        bl_image_config *img = NULL;
        if (bl_ctx_new(&ctx, NULL) < 0)
                return 1;
        /* the default source: a busybox root filesystem from the host */
        if (bl_image_config_new(ctx, &img) < 0 || bl_image_create(ctx, IMAGE, img) < 0) {
                bl_image_config_free(img);
                int r = failed(ctx, "image");
                bl_ctx_free(ctx);
                return r;
        }
        bl_image_config_free(img);
        int code = run(ctx);
        if (bl_image_remove(ctx, IMAGE) < 0 && code != 1)
                code = failed(ctx, "image remove");
        bl_ctx_free(ctx);
        return code;
}
