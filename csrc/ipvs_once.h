/* SPDX-License-Identifier: Apache-2.0 */
/* One IPVS change in one call, for a process that makes a single change and exits
 * (pyipvsadm -A and its kin): the request built from flat structs, then a socket opened in the
 * current namespace, the family resolved, the request sent and acked, the socket closed.
 * Nothing is kept between calls. */
#ifndef PYIPVS_IPVS_ONCE_H
#define PYIPVS_IPVS_ONCE_H

#include <stddef.h>
#include <stdint.h>

#include "ipvs_codec.h"

/* The request of cmd: the netlink and genl headers (type, flags, seq and pid 0, as
 * pyipvs._bindings.ipvs_requests.request makes them), the service's nest (whole when
 * svc_full, else its key) and, when dest is not NULL, the real server's (whole when dest_full).
 * Returns the length written to out, or -errno (-EMSGSIZE: cap too small). */
int pyipvs_ipvs_once_request(uint8_t cmd, const struct pyipvs_ipvs_svc *svc, int svc_full,
                             const struct pyipvs_ipvs_dest *dest, int dest_full, uint8_t *out,
                             size_t cap);

/* Sends one request made as above and waits for its ACK: 0, or the -errno of whichever step
 * failed (socket, family resolution, the kernel's answer). */
int pyipvs_ipvs_once_send(const uint8_t *req, size_t len);

#endif
