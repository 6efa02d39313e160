/* The kernel's IPVS generic-netlink family: requests and reply parsers. */
#ifndef PYIPVS_IPVS_H
#define PYIPVS_IPVS_H

#include <stdint.h>

#include "netlink.h"

struct pyipvs_ipvs_info {
    uint32_t version;        /* IP_VS_VERSION_CODE, e.g. 0x010201 for 1.2.1 */
    uint32_t conn_tab_size;  /* connection hash table size */
};

/* IPVS_CMD_GET_INFO. family_id comes from pyipvs_genl_resolve("IPVS"). */
int pyipvs_ipvs_get_info(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_info *out,
                         uint8_t *rbuf, size_t rcap);

#endif
