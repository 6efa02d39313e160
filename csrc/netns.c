/* SPDX-License-Identifier: Apache-2.0 */
/* Files of another network namespace (see netns.h). */
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

int pyipvs_in_netns(int netns_fd, int (*make)(void *arg), void *arg)
{
    int home, fd, rc;

    home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0)
        return -errno;
    if (setns(netns_fd, CLONE_NEWNET) < 0) {
        rc = -errno;
        close(home);
        return rc;
    }
    fd = make(arg);
    rc = fd;
    if (setns(home, CLONE_NEWNET) < 0) {
        /* Cannot get back: never leave the thread in the wrong namespace unnoticed. */
        rc = -errno;
        if (fd >= 0)
            close(fd);
    }
    close(home);
    return rc;
}

static int open_path(void *arg)
{
    int fd = open((const char *)arg, O_RDONLY | O_CLOEXEC);

    return fd < 0 ? -errno : fd;
}

int pyipvs_open_in_netns(int netns_fd, const char *path)
{
    return pyipvs_in_netns(netns_fd, open_path, (void *)path);
}
