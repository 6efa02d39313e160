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
