/* SPDX-License-Identifier: Apache-2.0 */
/* Netlink sockets: open (optionally inside another network namespace), send, receive, and one
 * request/response exchange. The only place that makes netlink syscalls. */
#ifndef PYIPVS_NETLINK_H
#define PYIPVS_NETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/netlink.h>

/* Smaller receive buffers silently truncate IPVS dumps (the kernel sizes dump skbs up to
 * ~32 KiB): every receive uses at least this much. */
#define PYIPVS_NL_RECV_MIN 32768

struct pyipvs_nl {
    int fd;
    uint32_t portid;
    uint32_t seq;
};

/* Called for every data message of a reply (not for ACK, DONE or errors). Returning non-zero
 * stops the exchange with that value once the reply is drained. */
typedef int (*pyipvs_nl_msg_cb)(const struct nlmsghdr *nlh, void *arg);

/* Opens a netlink socket of the given protocol. netns_fd >= 0 creates it inside that network
 * namespace (the socket stays bound to it); -1 uses the caller's. */
int pyipvs_nl_open(struct pyipvs_nl *nl, int protocol, int netns_fd);
void pyipvs_nl_close(struct pyipvs_nl *nl);
/* Sets SO_RCVBUF / SO_SNDBUF (0 leaves one alone), forcing past rmem_max when privileged. */
int pyipvs_nl_set_buffers(struct pyipvs_nl *nl, int rcvbuf, int sndbuf);
/* The effective SO_RCVBUF / SO_SNDBUF (what the kernel enforces, i.e. doubled). */
int pyipvs_nl_get_buffers(struct pyipvs_nl *nl, int *rcvbuf, int *sndbuf);
uint32_t pyipvs_nl_next_seq(struct pyipvs_nl *nl);

int pyipvs_nl_send(struct pyipvs_nl *nl, const uint8_t *buf, size_t len);
/* One datagram. Returns its length, or -errno (-EMSGSIZE if it did not fit in cap). */
ssize_t pyipvs_nl_recv(struct pyipvs_nl *nl, uint8_t *buf, size_t cap);

/* Sends the single request in req (its nlmsg_seq identifies the reply) and reads until its ACK,
 * NLMSG_DONE or error, calling cb for each data message. rbuf must hold PYIPVS_NL_RECV_MIN.
 * Returns 0, the kernel's -errno, or cb's non-zero value. */
int pyipvs_nl_transact(struct pyipvs_nl *nl, const uint8_t *req, size_t req_len, uint8_t *rbuf,
                       size_t rcap, pyipvs_nl_msg_cb cb, void *arg);

/* Sends the single request in req (no dump, no data in its reply) followed, in the same
 * datagram, by an acked NLMSG_NOOP (a barrier), and reads until the barrier's ACK. Returns the
 * kernel's -errno for the request, or 0 for its ACK or for no answer at all: the barrier's ACK
 * comes after the request's answer if there is one. So the request need not ask for an ACK
 * (ours do not), and one whose handler returned -EINTR, which netlink answers with nothing even
 * when asked, cannot leave the reader waiting. rbuf must hold PYIPVS_NL_RECV_MIN. */
int pyipvs_nl_do(struct pyipvs_nl *nl, const uint8_t *req, size_t req_len, uint8_t *rbuf,
                 size_t rcap);

#endif
