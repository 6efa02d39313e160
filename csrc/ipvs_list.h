/* SPDX-License-Identifier: Apache-2.0 */
/* ipvsadm -L -n in one call, for a process that lists and exits: GET_INFO, the service dump,
 * one GET_DEST dump per service, ipvsadm's order and ipvsadm's text, into caller-owned
 * arrays. pyipvs.cli.ipvsadm.format is the reference spelling (tests hold this to it). */
#ifndef PYIPVS_IPVS_LIST_H
#define PYIPVS_IPVS_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "ipvs_codec.h"

struct pyipvs_ipvs_list {
    struct pyipvs_ipvs_svc *svcs;   /* room for svc_cap services */
    size_t svc_cap, n_svcs;
    struct pyipvs_ipvs_dest *dests; /* room for dest_cap real servers */
    size_t dest_cap, n_dests;
    uint32_t *order;                /* scratch: 3 * (svc_cap + dest_cap) + 1 */
    char *text;                     /* the listing, text_len bytes (no NUL) */
    size_t text_cap, text_len;
    int nosort;                     /* --nosort: the kernel's order */
};

/* Lists the current namespace's table into l. 0, or -ENOSPC (an array or the text is too
 * small), -EAGAIN (the kernel listed a service twice: kernel 7.x right after a burst of
 * changes), -EPROTONOSUPPORT (a protocol ipvsadm's listing has no name for) or another -errno. */
int pyipvs_ipvs_once_list(struct pyipvs_ipvs_list *l, uint8_t *rbuf, size_t rcap);

/* The text of a listing of records already in l (n_svcs, n_dests set; dests grouped by service
 * in .svc order), headed by GET_INFO's version and size: for tests, without a kernel. */
int pyipvs_ipvs_list_text(struct pyipvs_ipvs_list *l, uint32_t version, uint32_t conn_tab_size);

#endif
