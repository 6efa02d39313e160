/* SPDX-License-Identifier: Apache-2.0 */
/* Generic netlink: resolving a family by name (CTRL_CMD_GETFAMILY). */
#ifndef PYIPVS_GENL_H
#define PYIPVS_GENL_H

#include <stdint.h>

#include "netlink.h"

#define PYIPVS_GENL_NAME_MAX 16
#define PYIPVS_GENL_MAX_OPS 64

struct pyipvs_genl_op {
    uint32_t id;
    uint32_t flags; /* GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP, ... */
};

struct pyipvs_genl_family {
    char name[PYIPVS_GENL_NAME_MAX];
    uint16_t id;
    uint32_t version;
    uint32_t hdrsize;
    uint32_t maxattr;
    uint32_t n_ops;
    struct pyipvs_genl_op ops[PYIPVS_GENL_MAX_OPS];
};

/* Returns 0, -ENOENT when no such family is registered, or another -errno. */
int pyipvs_genl_resolve(struct pyipvs_nl *nl, const char *name, struct pyipvs_genl_family *out,
                        uint8_t *rbuf, size_t rcap);

#endif
