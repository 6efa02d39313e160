/* SPDX-License-Identifier: Apache-2.0 */
/* Files of another network namespace (e.g. /proc/net/ip_vs_conn, which has no netlink form). */
#ifndef PYIPVS_NETNS_H
#define PYIPVS_NETNS_H

/* Runs make(arg) with the calling thread inside the namespace netns_fd (setns only moves the
 * calling thread), then returns the thread to its own namespace. make returns an fd or -errno;
 * what it creates (a socket, an open file) keeps the namespace it was created in. Returns
 * make's result, or -errno (and closes make's fd) when entering or coming back fails. */
int pyipvs_in_netns(int netns_fd, int (*make)(void *arg), void *arg);

/* Opens path read-only with the calling thread inside the namespace netns_fd, then returns the
 * thread to its own namespace. /proc/thread-self/net/... opened this way stays bound to the
 * target namespace. Returns the fd or -errno. */
int pyipvs_open_in_netns(int netns_fd, const char *path);

#endif
