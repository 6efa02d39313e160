/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel's IPVS generic-netlink family: requests, dumps and replies over one socket. */
#ifndef PYIPVS_IPVS_H
#define PYIPVS_IPVS_H

#include <stddef.h>
#include <stdint.h>

#include "ipvs_codec.h"
#include "netlink.h"

struct pyipvs_ipvs_info {
    uint32_t version;        /* IP_VS_VERSION_CODE, e.g. 0x010201 for 1.2.1 */
    uint32_t conn_tab_size;  /* connection hash table size */
};

/* IPVS_CMD_GET_INFO. family_id comes from pyipvs_genl_resolve("IPVS"). */
int pyipvs_ipvs_get_info(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_info *out,
                         uint8_t *rbuf, size_t rcap);

/* GET_SERVICE (do) for the service identified by key. -ESRCH when it does not exist. */
int pyipvs_ipvs_get_service(struct pyipvs_nl *nl, uint16_t family_id,
                            const struct pyipvs_ipvs_svc *key, struct pyipvs_ipvs_svc *out,
                            uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_get_timeouts(struct pyipvs_nl *nl, uint16_t family_id,
                             struct pyipvs_ipvs_timeouts *out, uint8_t *rbuf, size_t rcap);
/* NEW_DAEMON / DEL_DAEMON (cmd), acked. */
int pyipvs_ipvs_daemon(struct pyipvs_nl *nl, uint16_t family_id, uint8_t cmd,
                       const struct pyipvs_ipvs_daemon *d, uint8_t *rbuf, size_t rcap);
/* GET_DAEMON dump into out[0..cap): returns the count or -errno. */
int pyipvs_ipvs_get_daemons(struct pyipvs_nl *nl, uint16_t family_id,
                            struct pyipvs_ipvs_daemon *out, size_t cap, uint8_t *rbuf,
                            size_t rcap);

/* A dump read in caller-sized chunks. The unread rest of the current datagram stays in rbuf,
 * so nothing else may use the socket (or rbuf) until done is set. */
struct pyipvs_ipvs_dump {
    uint32_t seq;
    int active;      /* a dump request is outstanding */
    int done;        /* the whole dump has been delivered */
    size_t off, len; /* unread part of rbuf */
    uint32_t next_svc; /* dests of all services: the next service to dump */
    size_t next_off, next_len; /* a second datagram read with the first, still unread */
};

/* Starts GET_SERVICE (dump). Then call dump_services until st->done. */
int pyipvs_ipvs_dump_services_start(struct pyipvs_nl *nl, uint16_t family_id,
                                    struct pyipvs_ipvs_dump *st);
/* Fills up to cap services; returns how many (0 only when done) or -errno. */
int pyipvs_ipvs_dump_services(struct pyipvs_nl *nl, struct pyipvs_ipvs_dump *st, uint8_t *rbuf,
                              size_t rcap, struct pyipvs_ipvs_svc *out, size_t cap);
/* The destinations of svcs[0..n_svcs), one GET_DEST dump each, in order; every dest gets the
 * index of its service in .svc. st must be zeroed before the first call. Returns the count
 * filled (0 only when done) or -errno. */
int pyipvs_ipvs_dump_dests(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_dump *st,
                           const struct pyipvs_ipvs_svc *svcs, size_t n_svcs, uint8_t *rbuf,
                           size_t rcap, struct pyipvs_ipvs_dest *out, size_t cap);

#endif
