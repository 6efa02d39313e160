/* SPDX-License-Identifier: Apache-2.0 */
/* One IPVS change in one call, for a process that makes a single change and exits
 * (pyipvsadm -A and its kin): a socket opened in the current namespace, the family resolved,
 * the request sent and acked, the socket closed; and -R's batch on a socket of its own. */
#ifndef PYIPVS_IPVS_ONCE_H
#define PYIPVS_IPVS_ONCE_H

#include <stddef.h>
#include <stdint.h>

#include "ipvs_codec.h"
#include "netlink.h"

/* Sends one request (as pyipvs._bindings.ipvs_requests.request makes them) and waits for its
 * ACK: 0, or the -errno of whichever step failed (socket, family, the kernel's answer). */
int pyipvs_ipvs_once_send(const uint8_t *req, size_t len);

/* ---- pyipvsadm -R in two calls ---- */

/* ipvsadm's ipvs_init on a socket of the caller's: open it in the current namespace, resolve
 * the family into *family_id, ask GET_INFO (a caller without CAP_NET_ADMIN stops here). 0 or
 * -errno (the socket is then closed). */
int pyipvs_ipvs_once_open(struct pyipvs_nl *nl, uint16_t *family_id);

/* Runs n requests (back to back, as pyipvs_ipvs_batch_run takes them) on nl, without stopping
 * at a failure, sized as pyipvs._bindings.ipvs.IpvsChannel sizes its batches, then closes nl.
 * results[i] as pyipvs_ipvs_batch_run gives them; returns its rc. */
int pyipvs_ipvs_once_batch(struct pyipvs_nl *nl, uint16_t family_id, const uint8_t *reqs,
                           size_t len, size_t n, int32_t *results, uint8_t *sbuf, size_t scap);

#endif
