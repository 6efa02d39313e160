/* SPDX-License-Identifier: Apache-2.0 */
#include "tcp_check.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail_closing(int fd)
{
    int err = errno;

    close(fd);
    return -err;
}

int pyipvs_tcp_connect(int epfd, const uint8_t *addr, size_t addrlen)
{
    const struct sockaddr *sa = (const struct sockaddr *)addr;
    struct epoll_event event = {.events = EPOLLOUT | EPOLLONESHOT};
    int fd;

    if (addrlen < sizeof(sa->sa_family))
        return -EINVAL;
    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, sa, (socklen_t)addrlen) == 0) {
        close(fd);
        return PYIPVS_TCP_CONNECTED;
    }
    if (errno != EINPROGRESS)
        return fail_closing(fd);
    event.data.fd = fd;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) < 0)
        return fail_closing(fd);
    return fd;
}

int pyipvs_tcp_reap(int epfd, int *fds, int *errors, int max)
{
    struct epoll_event events[PYIPVS_TCP_REAP_MAX];
    int n;

    if (max > PYIPVS_TCP_REAP_MAX)
        max = PYIPVS_TCP_REAP_MAX;
    if (max <= 0)
        return 0;
    n = epoll_wait(epfd, events, max, 0);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        int fd = events[i].data.fd;
        int error = 0;
        socklen_t len = sizeof(error);

        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
            error = errno;
        close(fd); /* leaves the epoll set with it */
        fds[i] = fd;
        errors[i] = error;
    }
    return n;
}
