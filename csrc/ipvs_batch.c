/* SPDX-License-Identifier: Apache-2.0 */
/* Batched IPVS requests (see ipvs_batch.h). */
#include "ipvs_batch.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>

#include "nlmsg.h"

#define BARRIER_ROOM 64
#define REQ_MAX 512 /* the largest single request (a full NEW_DEST is ~140 bytes) */

/* The barrier: an acked NLMSG_NOOP. netlink_rcv_skb answers control types with a bare ACK and
 * no IPVS work, so even a tiny receive buffer holds its reply. */
static int put_barrier(struct pyipvs_msgbuf *mb, uint32_t seq)
{
    pyipvs_mb_genl_begin(mb, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, seq, 0, 0);
    return pyipvs_mb_end(mb);
}

/* The length of the request at p (callers hold at least NLMSG_HDRLEN bytes there; the stream
 * comes from Python and need not be aligned for a direct load). */
static uint32_t req_len(const uint8_t *p)
{
    uint32_t len;

    memcpy(&len, p, sizeof(len));
    return len;
}

int pyipvs_ipvs_requests_check(const uint8_t *reqs, size_t len, size_t n)
{
    size_t off = 0, k;

    for (k = 0; k < n; k++) {
        size_t left = len - off, mlen;

        if (left < NLMSG_HDRLEN + GENL_HDRLEN)
            return -EINVAL;
        mlen = req_len(reqs + off);
        /* Compared before aligning: NLMSG_ALIGN of a length near 2^32 wraps to 0. */
        if (mlen < NLMSG_HDRLEN + GENL_HDRLEN || mlen > left || NLMSG_ALIGN(mlen) > left)
            return -EINVAL;
        off += NLMSG_ALIGN(mlen);
    }
    return off == len ? 0 : -EINVAL;
}

/* Stamps a copied request with what only the sender knows. */
static void stamp(uint8_t *msg, uint16_t family_id, uint32_t seq)
{
    struct nlmsghdr *nlh = (struct nlmsghdr *)msg;

    nlh->nlmsg_type = family_id;
    nlh->nlmsg_flags = NLM_F_REQUEST; /* no ACK: the barrier that follows acknowledges */
    nlh->nlmsg_seq = seq;
    nlh->nlmsg_pid = 0;
}

struct chunk {
    size_t first, count;   /* requests [first .. first+count) */
    size_t off, end;       /* their byte range in the request stream */
    uint32_t base_seq;     /* seq of request first; request k has base_seq + (k - first) */
    uint32_t barrier_seq;
};

/* Consecutive seqs for the chunk, never 0 (the kernel's seq for unsolicited messages). */
static uint32_t reserve_seqs(struct pyipvs_nl *nl, size_t count)
{
    if (nl->seq > UINT32_MAX - count - 2)
        nl->seq = 0;
    nl->seq += 1;
    return nl->seq;
}

/* Copies as many requests as fit (at most limit) into sbuf, stamped, then the barrier. */
static int fill_chunk(struct pyipvs_nl *nl, struct pyipvs_ipvs_batch *b, const uint8_t *reqs,
                      size_t n, size_t limit, struct chunk *c, struct pyipvs_msgbuf *mb)
{
    size_t room = b->scap - BARRIER_ROOM, used = 0, off = c->off, count = 0;

    c->base_seq = reserve_seqs(nl, limit + 1);
    while (c->first + count < n && count < limit) {
        size_t step = NLMSG_ALIGN(req_len(reqs + off));

        if (step > room - used)
            break; /* this one starts the next chunk */
        memcpy(b->sbuf + used, reqs + off, step);
        stamp(b->sbuf + used, b->family_id, c->base_seq + (uint32_t)count);
        used += step;
        off += step;
        count++;
    }
    if (count == 0)
        return -EMSGSIZE;
    c->count = count;
    c->end = off;
    nl->seq = c->base_seq + (uint32_t)count;
    pyipvs_mb_init(mb, b->sbuf, b->scap);
    mb->len = used;
    c->barrier_seq = pyipvs_nl_next_seq(nl);
    return put_barrier(mb, c->barrier_seq);
}

/* Reads replies until the ACK of `until` (a seq). Answers inside the chunk land in results;
 * *answered becomes one past the last request answered (answers arrive in request order, so
 * every request before it has its exact result). *dropped is set when the kernel reported
 * ENOBUFS. Returns 0 or a socket -errno. */
static int collect(struct pyipvs_nl *nl, struct pyipvs_ipvs_batch *b, const struct chunk *c,
                   uint32_t until, int32_t *results, size_t *answered, int *dropped)
{
    for (;;) {
        ssize_t got = pyipvs_nl_recv(nl, b->rbuf, b->rcap);
        const struct nlmsghdr *nlh;
        size_t left;

        if (got == -ENOBUFS) {
            *dropped = 1;
            return 0; /* the barrier's ACK may be gone too: the caller re-synchronises */
        }
        if (got < 0)
            return (int)got;
        left = (size_t)got;
        for (nlh = (const struct nlmsghdr *)b->rbuf; NLMSG_OK(nlh, left);
             nlh = NLMSG_NEXT(nlh, left)) {
            const struct nlmsgerr *err = NLMSG_DATA(nlh);
            uint32_t k = nlh->nlmsg_seq - c->base_seq;

            if (nlh->nlmsg_type != NLMSG_ERROR)
                continue; /* nothing else is expected; skip */
            if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
                return -EBADMSG;
            if (k < c->count) { /* a failure */
                results[c->first + k] = err->error;
                if (k + 1 > *answered)
                    *answered = k + 1;
            }
            if (nlh->nlmsg_seq == until)
                return 0;
        }
    }
}

/* After ENOBUFS: empty the queue, then a fresh acked barrier proves nothing else is pending. */
static int resync(struct pyipvs_nl *nl, struct pyipvs_ipvs_batch *b, const struct chunk *c,
                  int32_t *results, size_t *answered)
{
    uint8_t req[BARRIER_ROOM];
    struct pyipvs_msgbuf mb;
    int dropped = 0, rc;
    uint32_t seq;

    for (;;) {
        ssize_t got = recv(nl->fd, b->rbuf, b->rcap, MSG_DONTWAIT);
        const struct nlmsghdr *nlh;
        size_t left;

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && errno == ENOBUFS)
            continue;
        if (got < 0)
            break; /* EAGAIN: empty */
        left = (size_t)got;
        for (nlh = (const struct nlmsghdr *)b->rbuf; NLMSG_OK(nlh, left);
             nlh = NLMSG_NEXT(nlh, left)) {
            const struct nlmsgerr *err = NLMSG_DATA(nlh);
            uint32_t k = nlh->nlmsg_seq - c->base_seq;

            if (nlh->nlmsg_type == NLMSG_ERROR && k < c->count) {
                results[c->first + k] = err->error;
                if (k + 1 > *answered)
                    *answered = k + 1;
            }
        }
    }
    seq = pyipvs_nl_next_seq(nl);
    pyipvs_mb_init(&mb, req, sizeof(req));
    rc = put_barrier(&mb, seq);
    if (!rc)
        rc = pyipvs_nl_send(nl, req, mb.len);
    if (!rc)
        rc = collect(nl, b, c, seq, results, answered, &dropped);
    return rc ? rc : dropped ? -ENOBUFS : 0;
}

/* Requests of the chunk after the last answer received may have had their answers dropped. */
static void mark_unknown(const struct chunk *c, size_t answered, int32_t *results)
{
    size_t k;

    for (k = answered; k < c->count; k++)
        if (results[c->first + k] == 0)
            results[c->first + k] = PYIPVS_BATCH_UNKNOWN;
}

static int run_chunk(struct pyipvs_nl *nl, struct pyipvs_ipvs_batch *b, struct chunk *c,
                     const uint8_t *reqs, size_t n, int32_t *results, size_t *limit)
{
    struct pyipvs_msgbuf mb;
    size_t answered = 0, k;
    int dropped = 0, rc;

    for (;;) {
        rc = fill_chunk(nl, b, reqs, n, *limit, c, &mb);
        if (rc)
            return rc;
        rc = pyipvs_nl_send(nl, b->sbuf, mb.len);
        /* Too big for the send buffer: refused before anything ran, so retry smaller. */
        if ((rc == -EMSGSIZE || rc == -ENOBUFS) && *limit > 1) {
            *limit = c->count > 1 ? c->count / 2 : 1;
            continue;
        }
        if (rc)
            return rc;
        break;
    }
    b->chunks++;
    for (k = 0; k < c->count; k++)
        results[c->first + k] = 0;
    rc = collect(nl, b, c, c->barrier_seq, results, &answered, &dropped);
    if (rc) { /* the socket failed under us: what this chunk did is not known */
        mark_unknown(c, answered, results);
        return rc;
    }
    while (dropped) {
        b->lost++;
        rc = resync(nl, b, c, results, &answered);
        mark_unknown(c, answered, results);
        if (rc && rc != -ENOBUFS)
            return rc;
        dropped = rc == -ENOBUFS;
        *limit = *limit > 1 ? *limit / 2 : 1;
    }
    return 0;
}

static void count_outcomes(struct pyipvs_ipvs_batch *b, const int32_t *results, size_t n)
{
    size_t i;

    b->ran = b->failed = 0;
    for (i = 0; i < n; i++) {
        if (results[i] == PYIPVS_BATCH_NOT_RUN)
            continue;
        b->ran++;
        if (results[i] != 0)
            b->failed++;
    }
}

int pyipvs_ipvs_batch_run(struct pyipvs_nl *nl, struct pyipvs_ipvs_batch *b, const uint8_t *reqs,
                          size_t len, size_t n, int32_t *results)
{
    size_t limit = b->stop_on_error ? 1 : (b->max_msgs ? b->max_msgs : 1);
    struct chunk c = {0};
    size_t i;
    int rc = 0;

    b->chunks = b->lost = b->ran = b->failed = 0;
    for (i = 0; i < n; i++)
        results[i] = PYIPVS_BATCH_NOT_RUN;
    if (b->scap <= BARRIER_ROOM || b->rcap < PYIPVS_NL_RECV_MIN)
        return -EINVAL;
    if (pyipvs_ipvs_requests_check(reqs, len, n))
        return -EINVAL;
    while (c.first < n) {
        size_t k;

        rc = run_chunk(nl, b, &c, reqs, n, results, &limit);
        if (rc)
            break;
        if (b->stop_on_error) /* a failure, or an answer that may have been one */
            for (k = 0; k < c.count; k++)
                if (results[c.first + k] != 0)
                    goto out;
        c.first += c.count;
        c.off = c.end;
    }
out:
    count_outcomes(b, results, n);
    return rc;
}

int pyipvs_ipvs_request(struct pyipvs_nl *nl, uint16_t family_id, const uint8_t *req, size_t len,
                        uint8_t *rbuf, size_t rcap)
{
    union {
        struct nlmsghdr header; /* aligns the copy for the header's fields */
        uint8_t bytes[REQ_MAX];
    } msg;

    if (pyipvs_ipvs_requests_check(req, len, 1))
        return -EINVAL;
    if (len > sizeof(msg.bytes))
        return -EMSGSIZE;
    memcpy(msg.bytes, req, len);
    stamp(msg.bytes, family_id, pyipvs_nl_next_seq(nl));
    return pyipvs_nl_do(nl, msg.bytes, len, rbuf, rcap);
}
