/* SPDX-License-Identifier: Apache-2.0 */
/* Netlink sockets (see netlink.h). */
#define _GNU_SOURCE
#include "netlink.h"
#include "netns.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static int open_socket(int protocol)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

    return fd < 0 ? -errno : fd;
}

static int make_socket(void *arg)
{
    return open_socket(*(const int *)arg);
}

int pyipvs_nl_open(struct pyipvs_nl *nl, int protocol, int netns_fd)
{
    struct sockaddr_nl addr;
    socklen_t addrlen = sizeof(addr);
    int one = 1, fd, rc;

    nl->fd = -1;
    fd = netns_fd >= 0 ? pyipvs_in_netns(netns_fd, make_socket, &protocol) : open_socket(protocol);
    if (fd < 0)
        return fd;
    memset(&addr, 0, sizeof(addr));
    addr.nl_family = AF_NETLINK;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &addrlen) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    /* Errors echo only the header of the failed request, not the whole request. */
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    nl->fd = fd;
    nl->portid = addr.nl_pid;
    nl->seq = 0;
    return 0;
}

void pyipvs_nl_close(struct pyipvs_nl *nl)
{
    if (nl->fd >= 0)
        close(nl->fd);
    nl->fd = -1;
}

static int set_buffer(int fd, int force_opt, int opt, int size)
{
    if (size <= 0)
        return 0;
    if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) == 0)
        return 0;
    return setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size)) == 0 ? 0 : -errno;
}

int pyipvs_nl_set_buffers(struct pyipvs_nl *nl, int rcvbuf, int sndbuf)
{
    int rc = set_buffer(nl->fd, SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf);

    return rc ? rc : set_buffer(nl->fd, SO_SNDBUFFORCE, SO_SNDBUF, sndbuf);
}

int pyipvs_nl_get_buffers(struct pyipvs_nl *nl, int *rcvbuf, int *sndbuf)
{
    socklen_t len = sizeof(int);

    if (getsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, &len) < 0)
        return -errno;
    len = sizeof(int);
    return getsockopt(nl->fd, SOL_SOCKET, SO_SNDBUF, sndbuf, &len) < 0 ? -errno : 0;
}

uint32_t pyipvs_nl_next_seq(struct pyipvs_nl *nl)
{
    if (++nl->seq == 0) /* seq 0 is what the kernel uses for unsolicited messages */
        nl->seq = 1;
    return nl->seq;
}

int pyipvs_nl_send(struct pyipvs_nl *nl, const uint8_t *buf, size_t len)
{
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t sent;

    do {
        sent = sendto(nl->fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
    } while (sent < 0 && errno == EINTR);
    if (sent < 0)
        return -errno;
    return (size_t)sent == len ? 0 : -EMSGSIZE;
}

ssize_t pyipvs_nl_recv(struct pyipvs_nl *nl, uint8_t *buf, size_t cap)
{
    struct sockaddr_nl from;
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
                         .msg_iovlen = 1};
    ssize_t got;

    do {
        got = recvmsg(nl->fd, &msg, 0);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        return -errno;
    if (msg.msg_flags & MSG_TRUNC)
        return -EMSGSIZE;
    return got;
}

/* Outcome of one message: 1 = exchange finished, 0 = keep reading, < 0 = finished with error. */
static int handle_message(const struct nlmsghdr *nlh, pyipvs_nl_msg_cb cb, void *arg, int *cb_rc)
{
    if (nlh->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *err = NLMSG_DATA(nlh);

        if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
            return -EBADMSG;
        return err->error ? err->error : 1;
    }
    if (nlh->nlmsg_type == NLMSG_DONE)
        return 1;
    if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_OVERRUN)
        return 0;
    if (cb && *cb_rc == 0)
        *cb_rc = cb(nlh, arg);
    /* A data message that is neither part of a dump nor followed by an ACK ends the exchange;
     * every request we send asks for an ACK, so only dumps and acked requests reach here. */
    return 0;
}

/* Reads datagrams and hands each message to on_message until it returns non-zero, having set
 * *result; returns *result, or a socket -errno. */
typedef int (*message_fn)(const struct nlmsghdr *nlh, void *ctx, int *result);

static int read_until(struct pyipvs_nl *nl, uint8_t *rbuf, size_t rcap, message_fn on_message,
                      void *ctx)
{
    int result = 0;

    for (;;) {
        ssize_t got = pyipvs_nl_recv(nl, rbuf, rcap);
        const struct nlmsghdr *nlh;
        size_t left;

        if (got < 0)
            return (int)got;
        left = (size_t)got;
        for (nlh = (const struct nlmsghdr *)rbuf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left))
            if (on_message(nlh, ctx, &result))
                return result;
    }
}

struct exchange {
    uint32_t seq;
    pyipvs_nl_msg_cb cb;
    void *arg;
    int cb_rc;
};

static int on_transact_message(const struct nlmsghdr *nlh, void *ctx, int *result)
{
    struct exchange *x = ctx;
    int rc;

    if (nlh->nlmsg_seq != x->seq)
        return 0; /* a late answer to an earlier, abandoned request */
    rc = handle_message(nlh, x->cb, x->arg, &x->cb_rc);
    *result = rc < 0 ? rc : x->cb_rc;
    return rc != 0;
}

int pyipvs_nl_transact(struct pyipvs_nl *nl, const uint8_t *req, size_t req_len, uint8_t *rbuf,
                       size_t rcap, pyipvs_nl_msg_cb cb, void *arg)
{
    struct exchange x = {((const struct nlmsghdr *)req)->nlmsg_seq, cb, arg, 0};
    int rc;

    if (rcap < PYIPVS_NL_RECV_MIN)
        return -EINVAL;
    rc = pyipvs_nl_send(nl, req, req_len);
    return rc ? rc : read_until(nl, rbuf, rcap, on_transact_message, &x);
}

struct do_exchange {
    uint32_t req_seq, barrier_seq;
    int req_result;
};

static int on_do_message(const struct nlmsghdr *nlh, void *ctx, int *result)
{
    struct do_exchange *x = ctx;
    const struct nlmsgerr *err = NLMSG_DATA(nlh);

    if (nlh->nlmsg_type != NLMSG_ERROR)
        return 0; /* a do-request's reply carries no data */
    if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int))) {
        *result = -EBADMSG;
        return 1;
    }
    if (nlh->nlmsg_seq == x->req_seq)
        x->req_result = err->error;
    *result = x->req_result;
    return nlh->nlmsg_seq == x->barrier_seq;
}

/* Why the barrier: netlink_rcv_skb (net/netlink/af_netlink.c) treats a handler's -EINTR as "a
 * dump has started" and sends no answer, not even to a request that asked for an ACK. IPVS's
 * DEL_DAEMON returns -EINTR when kthread_stop() stops a sync thread that had not started running
 * yet (kernel/kthread.c), after it has stopped the daemon completely; a reader waiting for that
 * answer would wait forever. Answers come in request order, so once the barrier is acked the
 * request has either been answered or never will be; the kernel reported no error either way. */
int pyipvs_nl_do(struct pyipvs_nl *nl, const uint8_t *req, size_t req_len, uint8_t *rbuf,
                 size_t rcap)
{
    static const uint8_t pad[NLMSG_ALIGNTO];
    struct nlmsghdr barrier = {.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP,
                               .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK};
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    struct iovec iov[3] = {{.iov_base = (void *)req, .iov_len = req_len},
                           {.iov_base = (void *)pad, .iov_len = NLMSG_ALIGN(req_len) - req_len},
                           {.iov_base = &barrier, .iov_len = sizeof(barrier)}};
    struct msghdr msg = {.msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = iov,
                         .msg_iovlen = 3};
    const struct nlmsghdr *sent = (const struct nlmsghdr *)req;
    struct do_exchange x = {0};
    ssize_t n;

    if (rcap < PYIPVS_NL_RECV_MIN || req_len < NLMSG_HDRLEN || sent->nlmsg_len > req_len ||
        NLMSG_ALIGN(sent->nlmsg_len) != NLMSG_ALIGN(req_len))
        return -EINVAL;
    barrier.nlmsg_seq = pyipvs_nl_next_seq(nl);
    x.req_seq = sent->nlmsg_seq;
    x.barrier_seq = barrier.nlmsg_seq;
    do {
        n = sendmsg(nl->fd, &msg, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if ((size_t)n != NLMSG_ALIGN(req_len) + sizeof(barrier))
        return -EMSGSIZE;
    return read_until(nl, rbuf, rcap, on_do_message, &x);
}
