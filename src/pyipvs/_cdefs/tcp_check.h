/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/tcp_check.h */
#define PYIPVS_TCP_CONNECTED ...
#define PYIPVS_TCP_REAP_MAX ...

int pyipvs_tcp_connect(int epfd, const uint8_t *addr, size_t addrlen);
int pyipvs_tcp_reap(int epfd, int *fds, int *errors, int max);
