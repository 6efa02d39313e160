/* SPDX-License-Identifier: Apache-2.0 */
/* Files of another network namespace (e.g. /proc/net/ip_vs_conn, which has no netlink form). */
#ifndef PYIPVS_NETNS_H
#define PYIPVS_NETNS_H

/* Opens path read-only with the calling thread inside the namespace netns_fd, then returns the
 * thread to its own namespace. /proc/thread-self/net/... opened this way stays bound to the
 * target namespace. Returns the fd or -errno. */
int pyipvs_open_in_netns(int netns_fd, const char *path);

#endif
