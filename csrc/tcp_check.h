/* SPDX-License-Identifier: Apache-2.0 */
/* TCP_CHECK's system calls by the thousand: a connect is socket + connect + one epoll_ctl in one
 * call, and a reap is epoll_wait + getsockopt(SO_ERROR) + close for every finished connect, so
 * that Python touches each check once, not once per system call (pyipvs.check.tcp_batch). */
#ifndef PYIPVS_TCP_CHECK_H
#define PYIPVS_TCP_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Returned by pyipvs_tcp_connect when the connection completed at once (no descriptor kept).
 * No errno is that large. */
#define PYIPVS_TCP_CONNECTED (-100000)
#define PYIPVS_TCP_REAP_MAX 512

/* A non-blocking, close-on-exec TCP socket connecting to the sockaddr in addr (addrlen bytes),
 * registered in epfd for EPOLLOUT | EPOLLONESHOT with the descriptor as its data. Returns the
 * descriptor (connect in progress), PYIPVS_TCP_CONNECTED, or -errno (socket, connect or
 * epoll_ctl failed; nothing is left open). */
int pyipvs_tcp_connect(int epfd, const uint8_t *addr, size_t addrlen);

/* Up to max (at most PYIPVS_TCP_REAP_MAX) finished connects of epfd, without waiting: each one's
 * descriptor in fds[i] and its SO_ERROR in errors[i] (0: connected), the descriptor closed.
 * Returns how many, or -errno. */
int pyipvs_tcp_reap(int epfd, int *fds, int *errors, int max);

#endif
