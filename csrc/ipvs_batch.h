/* SPDX-License-Identifier: Apache-2.0 */
/* Many IPVS requests per sendmsg(), with an exact result for each.
 *
 * The caller hands over complete request messages, back to back (each a netlink header, a genl
 * header and attributes, as pyipvs.ops encodes them once per operation); this file only stamps
 * each copy with the family id, flags and a seq, cuts the stream into chunks and reads the
 * answers, so the per-request cost is a memcpy.
 *
 * Requests go WITHOUT NLM_F_ACK, so the kernel answers only failures (an NLMSG_ERROR carrying
 * the failed request's seq, hence its index); each chunk ends with one acked barrier request
 * (an NLMSG_NOOP), whose ACK proves every earlier request of the chunk has been answered
 * (netlink_rcv_skb processes a sendmsg's messages in order, synchronously). In stop_on_error
 * mode each chunk is one request and the barrier. No answer means no error, also for a handler
 * that returned -EINTR, which the kernel answers with nothing even when asked for an ACK (see
 * pyipvs_nl_do): the barrier is what ends every wait.
 *
 * Replies are never lost by construction: a chunk holds at most max_msgs requests, which the
 * caller derives from the socket's receive buffer so that even all-failing chunks fit. Should
 * the kernel drop replies anyway (ENOBUFS), the dropped ones are a suffix of the chunk's
 * replies (netlink stays "congested" until we read), so results up to the last received error
 * are exact; the rest are marked PYIPVS_BATCH_UNKNOWN and the chunk size is halved. No reply
 * can tell what those did: a lost answer is information the kernel has thrown away, which is
 * why the sizing must prevent it rather than repair it. */
#ifndef PYIPVS_IPVS_BATCH_H
#define PYIPVS_IPVS_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "netlink.h"

/* results[i]: 0 = done, -errno = the kernel refused it, or one of these: */
#define PYIPVS_BATCH_NOT_RUN 1 /* not sent (stop_on_error after an earlier failure) */
#define PYIPVS_BATCH_UNKNOWN 2 /* sent, but its answer may be lost (ENOBUFS, or the socket
                                * failed before the chunk's answers were all read) */

struct pyipvs_ipvs_batch {
    uint16_t family_id;
    size_t max_msgs;       /* requests per chunk (from the receive buffer) */
    uint8_t *sbuf;         /* one chunk; scap <= the socket's send buffer - 32 */
    size_t scap;
    uint8_t *rbuf;
    size_t rcap;
    int stop_on_error;     /* stop after the first failure: one request per chunk */
    /* Out: */
    size_t chunks;         /* sendmsg() calls made */
    size_t lost;           /* replies detected as dropped (ENOBUFS events) */
    size_t ran;            /* requests sent (all of them unless stop_on_error stopped early) */
    size_t failed;         /* results that are not 0 among those sent */
};

/* Checks that reqs[0..len) is exactly n request messages back to back: each nlmsg_len covers at
 * least the netlink and genl headers, and the next message starts at NLMSG_ALIGN(nlmsg_len),
 * within len. Returns 0 or -EINVAL. Nothing is sent. */
int pyipvs_ipvs_requests_check(const uint8_t *reqs, size_t len, size_t n);

/* Runs the n requests in reqs[0..len) in order (checked first: -EINVAL and nothing sent if
 * malformed). Returns 0 (per-request outcomes in results) or a -errno that stopped the whole
 * batch (socket failure); results of requests not reached are PYIPVS_BATCH_NOT_RUN. With
 * stop_on_error, nothing runs after the first result that is not 0 (UNKNOWN included). */
int pyipvs_ipvs_batch_run(struct pyipvs_nl *nl, struct pyipvs_ipvs_batch *b, const uint8_t *reqs,
                          size_t len, size_t n, int32_t *results);

/* One request (a single message of reqs' format), sent with pyipvs_nl_do. Returns 0 or the
 * kernel's -errno. */
int pyipvs_ipvs_request(struct pyipvs_nl *nl, uint16_t family_id, const uint8_t *req, size_t len,
                        uint8_t *rbuf, size_t rcap);

#endif
