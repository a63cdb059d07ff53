/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PID 1 of every container: reaps zombies, forwards signals to the
 * program, relays its output into the bounded console log, and writes the
 * program's exit status through a descriptor opened before pivot_root.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime.h"

static const int forwarded[] = { INIT_FORWARDED_SIGNALS };

/* A PID 1 receives a signal from outside its namespace only if it has a
 * handler; the handler never runs (the signals are blocked, read by signalfd). */
static void no_op(int sig) { (void) sig; }

/* Before `incoming` more bytes: the log keeps its newest lines. */
static void rotate_if_needed(const struct init_params *spec, size_t incoming)
{
        struct stat st;
        if (spec->log_max == 0 || spec->log_old_fd < 0 || fstat(spec->log_fd, &st) < 0 || st.st_size == 0 ||
            (uint64_t) st.st_size + incoming <= spec->log_max)
                return;
        /* keep one previous generation: console.log → console.log.1, by copy,
         * since the init holds descriptors to the two files, not their folder */
        if (ftruncate(spec->log_old_fd, 0) < 0)
                return;
        loff_t in = 0, out = 0;
        while (in < st.st_size) {
                ssize_t n = copy_file_range(spec->log_fd, &in, spec->log_old_fd, &out, (size_t) (st.st_size - in), 0);
                if (n <= 0)
                        break;
        }
        (void) !ftruncate(spec->log_fd, 0);
}

/* Copies what is there on fd into the log and, attached, to *tee (the
 * caller's descriptor: blocking, it is the caller's to drain; dropped once
 * it fails, the log goes on).  False at the pipe's end. */
static bool relay(const struct init_params *spec, int fd, int *tee)
{
        char buf[16384];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
                return false;
        if (spec->log_fd >= 0) {
                rotate_if_needed(spec, (size_t) n);
                (void) !write(spec->log_fd, buf, (size_t) n);
        }
        for (ssize_t off = 0; *tee >= 0 && off < n;) {
                ssize_t k = write(*tee, buf + off, (size_t) (n - off));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        *tee = -1;
                else
                        off += k;
        }
        return true;
}

static void write_status(int fd, int status)
{
        if (fd < 0)
                return;
        /* by hand: printf would pull most of stdio into the static init */
        char line[32];
        const char *word = WIFSIGNALED(status) ? "signal " : "exit ";
        unsigned v = (unsigned) (WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        int n = (int) strlen(word);
        memcpy(line, word, (size_t) n);
        char digits[4];
        int k = 0;
        do
                digits[k++] = (char) ('0' + v % 10);
        while ((v /= 10) && k < 3);
        while (k)
                line[n++] = digits[--k];
        line[n++] = '\n';
        (void) !ftruncate(fd, 0);
        (void) !pwrite(fd, line, (size_t) n, 0);
        fsync(fd);
}

_Noreturn void init_run(const struct init_params *spec)
{
        pid_t program = spec->program;
        /* the program's output and, attached, its errors; where each goes too */
        int relay_fd[2] = { spec->relay_fd, spec->relay_err_fd }, tee[2] = { spec->tee_fd[0], spec->tee_fd[1] };
        /* a caller that closed its end must not kill PID 1 */
        signal(SIGPIPE, SIG_IGN);
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        struct sigaction sa = { .sa_handler = no_op };
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++) {
                sigaddset(&mask, forwarded[i]);
                sigaction(forwarded[i], &sa, NULL);
        }
        sigprocmask(SIG_BLOCK, &mask, NULL);
        int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

        /* keep only what the init needs: nothing else of the host */
        int keep[] = { spec->status_fd, spec->log_fd, spec->log_old_fd, relay_fd[0], relay_fd[1], sfd, spec->go_fd,
                       tee[0], tee[1] };
        for (int fd = 0; fd < 1024; fd++) {
                bool k = false;
                for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
                        if (keep[i] == fd)
                                k = true;
                if (!k)
                        close(fd);
        }
        syscall(SYS_close_range, 1024U, ~0U, 0);
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        (void) devnull;
        prctl(PR_SET_DUMPABLE, 0);
        prctl(PR_SET_NAME, "baleine-init");
        security_drop_all();
        /* the init is not dumpable, holds no capability and hears the
         * program's end: only now may the program, and whatever it starts,
         * look at it */
        if (spec->go_fd >= 0) {
                (void) !write(spec->go_fd, "g", 1);
                close(spec->go_fd);
        }

        if (spec->settle)
                spec->settle();

        int status = 0;
        bool program_done = false;
        /* an end before the signalfd existed left no SIGCHLD to read */
        for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;)
                if (pid == program)
                        program_done = true;
        while (!program_done) {
                struct pollfd p[3] = { { .fd = sfd, .events = POLLIN }, { .fd = relay_fd[0], .events = POLLIN },
                                       { .fd = relay_fd[1], .events = POLLIN } };
                if (poll(p, 3, -1) < 0)
                        continue;
                for (int i = 0; i < 2; i++)
                        if (relay_fd[i] >= 0 && (p[1 + i].revents & (POLLIN | POLLHUP)) && !relay(spec, relay_fd[i], &tee[i])) {
                                close(relay_fd[i]);
                                relay_fd[i] = -1;
                        }
                if (!(p[0].revents & POLLIN))
                        continue;
                struct signalfd_siginfo si;
                if (read(sfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                if (si.ssi_signo != SIGCHLD) {
                        kill(program, (int) si.ssi_signo);
                        continue;
                }
                int st;
                pid_t pid;
                while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
                        if (pid == program) {
                                status = st;
                                program_done = true;
                        }
        }
        /* the rest of its output, without waiting on processes that keep the pipe */
        for (int i = 0; i < 2; i++)
                if (relay_fd[i] >= 0) {
                        fcntl(relay_fd[i], F_SETFL, O_NONBLOCK);
                        while (relay(spec, relay_fd[i], &tee[i]))
                                ;
                }
        write_status(spec->status_fd, status);
        _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}
