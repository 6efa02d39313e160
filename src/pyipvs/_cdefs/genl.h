/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/genl.h */
#define PYIPVS_GENL_NAME_MAX ...
#define PYIPVS_GENL_MAX_OPS ...

struct pyipvs_genl_op {
    uint32_t id;
    uint32_t flags;
};

struct pyipvs_genl_family {
    char name[...];
    uint16_t id;
    uint32_t version;
    uint32_t hdrsize;
    uint32_t maxattr;
    uint32_t n_ops;
    struct pyipvs_genl_op ops[...];
};

int pyipvs_genl_resolve(struct pyipvs_nl *nl, const char *name, struct pyipvs_genl_family *out,
                        uint8_t *rbuf, size_t rcap);
