/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/netlink.h */
#define PYIPVS_NL_RECV_MIN ...

struct pyipvs_nl {
    int fd;
    uint32_t portid;
    uint32_t seq;
};

int pyipvs_nl_open(struct pyipvs_nl *nl, int protocol, int netns_fd);
void pyipvs_nl_close(struct pyipvs_nl *nl);
int pyipvs_nl_set_buffers(struct pyipvs_nl *nl, int rcvbuf, int sndbuf);
int pyipvs_nl_get_buffers(struct pyipvs_nl *nl, int *rcvbuf, int *sndbuf);
uint32_t pyipvs_nl_next_seq(struct pyipvs_nl *nl);
int pyipvs_nl_do(struct pyipvs_nl *nl, const uint8_t *req, size_t req_len, uint8_t *rbuf,
                 size_t rcap);
