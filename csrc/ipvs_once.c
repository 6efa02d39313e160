/* SPDX-License-Identifier: Apache-2.0 */
/* One IPVS change in one call (see ipvs_once.h). */
#include "ipvs_once.h"

#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genl.h"
#include "ipvs.h"
#include "ipvs_batch.h"
#include "netlink.h"

#define NEST_ROOM 512 /* both nests of the largest value object (ipvs_requests.NEST_ROOM) */
#define IPVS_GENL_VERSION 1

/* Appends the whole or the key-only part of nests (whole first, then key) to out at *off. */
static int append_nest(uint8_t *out, size_t cap, size_t *off, const uint8_t *nests, int total,
                       size_t full_len, int full)
{
    const uint8_t *part = full ? nests : nests + full_len;
    size_t len = full ? full_len : (size_t)total - full_len;

    if (total < 0)
        return total;
    if (len > cap - *off)
        return -EMSGSIZE;
    memcpy(out + *off, part, len);
    *off += len;
    return 0;
}

int pyipvs_ipvs_once_request(uint8_t cmd, const struct pyipvs_ipvs_svc *svc, int svc_full,
                             const struct pyipvs_ipvs_dest *dest, int dest_full, uint8_t *out,
                             size_t cap)
{
    uint8_t nests[NEST_ROOM];
    struct nlmsghdr nlh;
    struct genlmsghdr genl;
    size_t full_len, off = NLMSG_HDRLEN + GENL_HDRLEN;
    int total, rc;

    if (cap < off)
        return -EMSGSIZE;
    total = pyipvs_ipvs_svc_nests((const uint8_t *)svc, sizeof(*svc), nests, sizeof(nests),
                                  &full_len);
    rc = append_nest(out, cap, &off, nests, total, full_len, svc_full);
    if (rc == 0 && dest != NULL) {
        total = pyipvs_ipvs_dest_nests((const uint8_t *)dest, sizeof(*dest), nests,
                                       sizeof(nests), &full_len);
        rc = append_nest(out, cap, &off, nests, total, full_len, dest_full);
    }
    if (rc)
        return rc;
    memset(&nlh, 0, sizeof(nlh));
    nlh.nlmsg_len = (uint32_t)off;
    memset(&genl, 0, sizeof(genl));
    genl.cmd = cmd;
    genl.version = IPVS_GENL_VERSION;
    memcpy(out, &nlh, sizeof(nlh));
    memcpy(out + NLMSG_HDRLEN, &genl, sizeof(genl));
    return (int)off;
}

int pyipvs_ipvs_once_send(const uint8_t *req, size_t len)
{
    uint8_t rbuf[PYIPVS_NL_RECV_MIN]; /* on the stack: thread-safe, and never zeroed */
    struct pyipvs_genl_family family;
    struct pyipvs_nl nl;
    int rc;

    rc = pyipvs_nl_open(&nl, NETLINK_GENERIC, -1);
    if (rc)
        return rc;
    rc = pyipvs_genl_resolve(&nl, "IPVS", &family, rbuf, sizeof(rbuf));
    if (rc == 0)
        rc = pyipvs_ipvs_request(&nl, family.id, req, len, rbuf, sizeof(rbuf));
    pyipvs_nl_close(&nl);
    return rc;
}

/* The batch sizing of pyipvs._bindings.ipvs (IpvsChannel.configure_buffers). */
#define WANTED_RCVBUF (32 << 20)
#define WANTED_SNDBUF (4 << 20)
#define MAX_CHUNK_BYTES (4 << 20)
#define ERROR_REPLY_TRUESIZE 2048

int pyipvs_ipvs_once_open(struct pyipvs_nl *nl, uint16_t *family_id)
{
    uint8_t rbuf[PYIPVS_NL_RECV_MIN];
    struct pyipvs_genl_family family;
    struct pyipvs_ipvs_info info;
    int rc;

    rc = pyipvs_nl_open(nl, NETLINK_GENERIC, -1);
    if (rc)
        return rc;
    rc = pyipvs_genl_resolve(nl, "IPVS", &family, rbuf, sizeof(rbuf));
    if (rc == 0)
        rc = pyipvs_ipvs_get_info(nl, family.id, &info, rbuf, sizeof(rbuf));
    if (rc)
        pyipvs_nl_close(nl);
    *family_id = family.id;
    return rc;
}

int pyipvs_ipvs_once_batch(struct pyipvs_nl *nl, uint16_t family_id, const uint8_t *reqs,
                           size_t len, size_t n, int32_t *results, uint8_t *sbuf, size_t scap)
{
    uint8_t rbuf[2 * PYIPVS_NL_RECV_MIN];
    struct pyipvs_ipvs_batch b;
    int rcvbuf = 0, sndbuf = 0, rc;
    size_t chunk;

    (void)pyipvs_nl_set_buffers(nl, WANTED_RCVBUF, WANTED_SNDBUF); /* else the defaults */
    rc = pyipvs_nl_get_buffers(nl, &rcvbuf, &sndbuf);
    if (rc == 0) {
        memset(&b, 0, sizeof(b));
        b.family_id = family_id;
        /* Even an all-failing chunk's replies and the barrier's ACK fit the receive buffer. */
        b.max_msgs = rcvbuf / ERROR_REPLY_TRUESIZE > 1 ? (size_t)(rcvbuf / ERROR_REPLY_TRUESIZE - 1) : 1;
        /* sendmsg() refuses more than sk_sndbuf - 32 bytes (netlink_sendmsg). */
        chunk = sndbuf - 64 < MAX_CHUNK_BYTES ? (size_t)(sndbuf - 64) : MAX_CHUNK_BYTES;
        if (chunk < 1024)
            chunk = 1024;
        b.sbuf = sbuf;
        b.scap = scap < chunk ? scap : chunk;
        b.rbuf = rbuf;
        b.rcap = sizeof(rbuf);
        rc = pyipvs_ipvs_batch_run(nl, &b, reqs, len, n, results);
    }
    pyipvs_nl_close(nl);
    return rc;
}
