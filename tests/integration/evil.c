/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LD_PRELOAD'ed by a hostile image: if a host program of baleine is ever
 * executed inside the container (a "#!/proc/self/exe" program), this runs
 * in it, says so, and hands an O_PATH descriptor of that program to the
 * probe, which reopens it for writing once the host program has ended
 * (CVE-2019-5736).  The probe never writes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void blt_evil(void)
{
        char exe[512];
        ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[k > 0 ? k : 0] = 0;
        printf("HOST-BINARY-RAN %s\n", exe);
        fflush(stdout);
        int fd = open("/proc/self/exe", O_PATH);
        if (fd < 0) {
                printf("EXE-REFUSED self\n");
                fflush(stdout);
                _exit(3);
        }
        char n[16];
        snprintf(n, sizeof(n), "%d", fd);
        unsetenv("LD_PRELOAD");
        execl("/bin/blt-probe", "blt-probe", "reopen", n, (char *) NULL);
        _exit(4);
}
