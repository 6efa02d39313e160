/* SPDX-License-Identifier: Apache-2.0 */
/* IPVS generic-netlink requests (see ipvs.h). Attribute numbers: include/uapi/linux/ip_vs.h. */
#define _GNU_SOURCE /* recvmmsg */
#include "ipvs.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/ip_vs.h>

#include "nlmsg.h"

#define REQ_MAX 512 /* the largest single request (a full NEW_DEST is ~140 bytes) */

static int on_info(const struct nlmsghdr *nlh, void *arg)
{
    struct pyipvs_ipvs_info *out = arg;
    const struct nlattr *tb[IPVS_INFO_ATTR_MAX + 1];
    const uint8_t *payload = (const uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN;
    size_t len;

    if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
        return -EBADMSG;
    len = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
    /* The info reply carries IPVS_INFO_ATTR_* at the top level. */
    if (pyipvs_attr_parse(payload, len, tb, IPVS_INFO_ATTR_MAX))
        return -EBADMSG;
    /* The version identifies a real IPVS reply; the table size is optional (0 when absent). */
    if (pyipvs_attr_u32(tb[IPVS_INFO_ATTR_VERSION], &out->version))
        return -EBADMSG;
    if (tb[IPVS_INFO_ATTR_CONN_TAB_SIZE] &&
        pyipvs_attr_u32(tb[IPVS_INFO_ATTR_CONN_TAB_SIZE], &out->conn_tab_size))
        return -EBADMSG;
    return 0;
}

int pyipvs_ipvs_get_info(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_info *out,
                         uint8_t *rbuf, size_t rcap)
{
    uint8_t req[64];
    struct pyipvs_msgbuf mb;
    int rc;

    memset(out, 0, sizeof(*out));
    pyipvs_mb_init(&mb, req, sizeof(req));
    pyipvs_mb_genl_begin(&mb, family_id, NLM_F_REQUEST | NLM_F_ACK, pyipvs_nl_next_seq(nl),
                         IPVS_CMD_GET_INFO, IPVS_GENL_VERSION);
    rc = pyipvs_mb_end(&mb);
    if (rc)
        return rc;
    rc = pyipvs_nl_transact(nl, req, mb.len, rbuf, rcap, on_info, out);
    if (rc == 0 && out->version == 0)
        return -EBADMSG;
    return rc;
}

struct one_svc {
    struct pyipvs_ipvs_svc *out;
    int found;
};

static int on_service(const struct nlmsghdr *nlh, void *arg)
{
    struct one_svc *one = arg;
    int rc = pyipvs_ipvs_parse_svc(nlh, one->out);

    one->found = rc == 0;
    return rc;
}

int pyipvs_ipvs_get_service(struct pyipvs_nl *nl, uint16_t family_id,
                            const struct pyipvs_ipvs_svc *key, struct pyipvs_ipvs_svc *out,
                            uint8_t *rbuf, size_t rcap)
{
    struct pyipvs_ipvs_op op = {.cmd = IPVS_CMD_GET_SERVICE, .svc = 0, .dest = -1};
    struct one_svc one = {.out = out, .found = 0};
    uint8_t req[REQ_MAX];
    struct pyipvs_msgbuf mb;
    int rc;

    pyipvs_mb_init(&mb, req, sizeof(req));
    rc = pyipvs_ipvs_put_op(&mb, family_id, NLM_F_REQUEST | NLM_F_ACK, pyipvs_nl_next_seq(nl),
                            &op, key, NULL);
    if (rc)
        return rc;
    rc = pyipvs_nl_transact(nl, req, mb.len, rbuf, rcap, on_service, &one);
    return rc ? rc : one.found ? 0 : -EBADMSG;
}

static int on_timeouts(const struct nlmsghdr *nlh, void *arg)
{
    return pyipvs_ipvs_parse_timeouts(nlh, arg);
}

int pyipvs_ipvs_get_timeouts(struct pyipvs_nl *nl, uint16_t family_id,
                             struct pyipvs_ipvs_timeouts *out, uint8_t *rbuf, size_t rcap)
{
    struct pyipvs_ipvs_op op = {.cmd = IPVS_CMD_GET_CONFIG, .svc = -1, .dest = -1};
    uint8_t req[64];
    struct pyipvs_msgbuf mb;
    int rc;

    memset(out, 0, sizeof(*out));
    pyipvs_mb_init(&mb, req, sizeof(req));
    rc = pyipvs_ipvs_put_op(&mb, family_id, NLM_F_REQUEST | NLM_F_ACK, pyipvs_nl_next_seq(nl),
                            &op, NULL, NULL);
    return rc ? rc : pyipvs_nl_transact(nl, req, mb.len, rbuf, rcap, on_timeouts, out);
}

int pyipvs_ipvs_daemon(struct pyipvs_nl *nl, uint16_t family_id, uint8_t cmd,
                       const struct pyipvs_ipvs_daemon *d, uint8_t *rbuf, size_t rcap)
{
    uint8_t req[REQ_MAX];
    struct pyipvs_msgbuf mb;
    int rc;

    pyipvs_mb_init(&mb, req, sizeof(req));
    rc = pyipvs_ipvs_put_daemon(&mb, family_id, NLM_F_REQUEST, pyipvs_nl_next_seq(nl), cmd, d);
    return rc ? rc : pyipvs_nl_do(nl, req, mb.len, rbuf, rcap);
}

struct daemons {
    struct pyipvs_ipvs_daemon *out;
    size_t cap, n;
};

static int on_daemon(const struct nlmsghdr *nlh, void *arg)
{
    struct daemons *ds = arg;
    int rc;

    if (ds->n == ds->cap)
        return -ENOSPC;
    rc = pyipvs_ipvs_parse_daemon(nlh, &ds->out[ds->n]);
    if (rc == 0)
        ds->n++;
    return rc;
}

int pyipvs_ipvs_get_daemons(struct pyipvs_nl *nl, uint16_t family_id,
                            struct pyipvs_ipvs_daemon *out, size_t cap, uint8_t *rbuf,
                            size_t rcap)
{
    struct daemons ds = {.out = out, .cap = cap, .n = 0};
    uint8_t req[64];
    struct pyipvs_msgbuf mb;
    int rc;

    pyipvs_mb_init(&mb, req, sizeof(req));
    pyipvs_mb_genl_begin(&mb, family_id, NLM_F_REQUEST | NLM_F_DUMP, pyipvs_nl_next_seq(nl),
                         IPVS_CMD_GET_DAEMON, IPVS_GENL_VERSION);
    rc = pyipvs_mb_end(&mb);
    if (rc)
        return rc;
    rc = pyipvs_nl_transact(nl, req, mb.len, rbuf, rcap, on_daemon, &ds);
    return rc ? rc : (int)ds.n;
}

/* ---- chunked dumps ---- */

static int dump_send(struct pyipvs_nl *nl, uint16_t family_id, uint8_t cmd,
                     const struct pyipvs_ipvs_svc *svc, struct pyipvs_ipvs_dump *st)
{
    struct pyipvs_ipvs_op op = {.cmd = cmd, .svc = svc ? 0 : -1, .dest = -1};
    uint8_t req[REQ_MAX];
    struct pyipvs_msgbuf mb;
    int rc;

    st->seq = pyipvs_nl_next_seq(nl);
    pyipvs_mb_init(&mb, req, sizeof(req));
    rc = pyipvs_ipvs_put_op(&mb, family_id, NLM_F_REQUEST | NLM_F_DUMP, st->seq, &op, svc, NULL);
    if (rc)
        return rc;
    rc = pyipvs_nl_send(nl, req, mb.len);
    if (rc)
        return rc;
    st->active = 1;
    st->off = st->len = 0;
    st->next_len = 0;
    return 0;
}

/* Reads the next datagram of the dump into rbuf, and the one after it if the kernel has it
 * ready: a dump's next part is made while the previous one is read (netlink_recvmsg calls
 * netlink_dump), so a second, non-blocking receive in the same recvmmsg() usually finds it; a
 * one-service GET_DEST dump then costs a send and one receive instead of two. Each half of
 * rbuf holds PYIPVS_NL_RECV_MIN, the most one dump datagram carries. */
static int dump_recv(struct pyipvs_nl *nl, struct pyipvs_ipvs_dump *st, uint8_t *rbuf,
                     size_t rcap)
{
    struct sockaddr_nl from[2];
    struct iovec iov[2];
    struct mmsghdr msgs[2];
    size_t half = rcap / 2;
    int got, k;

    if (half < PYIPVS_NL_RECV_MIN) {
        ssize_t one = pyipvs_nl_recv(nl, rbuf, rcap); /* MSG_TRUNC -> -EMSGSIZE */

        if (one < 0)
            return (int)one;
        st->off = 0;
        st->len = (size_t)one;
        return 0;
    }
    memset(msgs, 0, sizeof(msgs));
    for (k = 0; k < 2; k++) {
        iov[k].iov_base = rbuf + k * half;
        iov[k].iov_len = half;
        msgs[k].msg_hdr.msg_name = &from[k];
        msgs[k].msg_hdr.msg_namelen = sizeof(from[k]);
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
    }
    do {
        got = recvmmsg(nl->fd, msgs, 2, MSG_WAITFORONE, NULL);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        return -errno;
    for (k = 0; k < got; k++)
        if (msgs[k].msg_hdr.msg_flags & MSG_TRUNC)
            return -EMSGSIZE;
    st->off = 0;
    st->len = msgs[0].msg_len;
    if (got == 2) {
        st->next_off = half;
        st->next_len = msgs[1].msg_len;
    }
    return 0;
}

/* The next data message of the active dump: 1 and *out, 0 at NLMSG_DONE, or -errno. */
static int dump_next(struct pyipvs_nl *nl, struct pyipvs_ipvs_dump *st, uint8_t *rbuf,
                     size_t rcap, const struct nlmsghdr **out)
{
    for (;;) {
        const struct nlmsghdr *nlh;
        size_t left = st->len - st->off;

        if (left == 0) {
            int rc = 0;

            if (st->next_len) { /* the second datagram of the last receive */
                st->off = st->next_off;
                st->len = st->next_off + st->next_len;
                st->next_len = 0;
            } else {
                rc = dump_recv(nl, st, rbuf, rcap);
            }
            if (rc < 0) {
                st->active = 0;
                return rc;
            }
            continue;
        }
        nlh = (const struct nlmsghdr *)(rbuf + st->off);
        if (!NLMSG_OK(nlh, left)) {
            st->active = 0;
            return -EBADMSG;
        }
        st->off += NLMSG_ALIGN(nlh->nlmsg_len) < left ? NLMSG_ALIGN(nlh->nlmsg_len) : left;
        if (nlh->nlmsg_seq != st->seq || nlh->nlmsg_type == NLMSG_NOOP)
            continue; /* a late reply to an abandoned request */
        if (nlh->nlmsg_type == NLMSG_DONE) {
            st->active = 0;
            return 0;
        }
        if (nlh->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *err = NLMSG_DATA(nlh);

            st->active = 0;
            if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
                return -EBADMSG;
            return err->error ? err->error : 0;
        }
        *out = nlh;
        return 1;
    }
}

int pyipvs_ipvs_dump_services_start(struct pyipvs_nl *nl, uint16_t family_id,
                                    struct pyipvs_ipvs_dump *st)
{
    memset(st, 0, sizeof(*st));
    return dump_send(nl, family_id, IPVS_CMD_GET_SERVICE, NULL, st);
}

int pyipvs_ipvs_dump_services(struct pyipvs_nl *nl, struct pyipvs_ipvs_dump *st, uint8_t *rbuf,
                              size_t rcap, struct pyipvs_ipvs_svc *out, size_t cap)
{
    size_t n = 0;

    if (rcap < PYIPVS_NL_RECV_MIN)
        return -EINVAL;
    while (n < cap && !st->done) {
        const struct nlmsghdr *nlh;
        int rc = dump_next(nl, st, rbuf, rcap, &nlh);

        if (rc < 0)
            return rc;
        if (rc == 0) {
            st->done = 1;
            break;
        }
        if (pyipvs_ipvs_parse_svc(nlh, &out[n]) == 0)
            n++;
        else
            return -EBADMSG;
    }
    return (int)n;
}

int pyipvs_ipvs_dump_dests(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_dump *st,
                           const struct pyipvs_ipvs_svc *svcs, size_t n_svcs, uint8_t *rbuf,
                           size_t rcap, struct pyipvs_ipvs_dest *out, size_t cap)
{
    size_t n = 0;

    if (rcap < PYIPVS_NL_RECV_MIN)
        return -EINVAL;
    while (n < cap && !st->done) {
        const struct nlmsghdr *nlh;
        int rc;

        if (!st->active) {
            if (st->next_svc >= n_svcs) {
                st->done = 1;
                break;
            }
            /* GET_DEST is dump-only; one dump per service (there is no all-dests request). */
            rc = dump_send(nl, family_id, IPVS_CMD_GET_DEST, &svcs[st->next_svc], st);
            if (rc)
                return rc;
            st->next_svc++;
        }
        rc = dump_next(nl, st, rbuf, rcap, &nlh);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue; /* this service is finished */
        if (pyipvs_ipvs_parse_dest(nlh, &out[n]))
            return -EBADMSG;
        out[n].svc = st->next_svc - 1;
        if (!out[n].af)
            out[n].af = svcs[out[n].svc].af;
        n++;
    }
    return (int)n;
}
