/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/netlink.h, csrc/genl.h */
#define PYIPVS_NL_RECV_MIN ...
#define PYIPVS_GENL_NAME_MAX ...
#define PYIPVS_GENL_MAX_OPS ...

struct pyipvs_nl {
    int fd;
    uint32_t portid;
    uint32_t seq;
};

int pyipvs_nl_open(struct pyipvs_nl *nl, int protocol, int netns_fd);
void pyipvs_nl_close(struct pyipvs_nl *nl);
int pyipvs_nl_set_buffers(struct pyipvs_nl *nl, int rcvbuf, int sndbuf);
uint32_t pyipvs_nl_next_seq(struct pyipvs_nl *nl);
int pyipvs_nl_do(struct pyipvs_nl *nl, const uint8_t *req, size_t req_len, uint8_t *rbuf,
                 size_t rcap);

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
