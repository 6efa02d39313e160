/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/ipvs_once.h and csrc/ipvs_list.h */
int pyipvs_ipvs_once_request(uint8_t cmd, const struct pyipvs_ipvs_svc *svc, int svc_full,
                             const struct pyipvs_ipvs_dest *dest, int dest_full, uint8_t *out,
                             size_t cap);
int pyipvs_ipvs_once_send(const uint8_t *req, size_t len);
struct pyipvs_ipvs_list {
    struct pyipvs_ipvs_svc *svcs;
    size_t svc_cap, n_svcs;
    struct pyipvs_ipvs_dest *dests;
    size_t dest_cap, n_dests;
    uint32_t *order;
    char *text;
    size_t text_cap, text_len;
    int nosort;
};
int pyipvs_ipvs_once_list(struct pyipvs_ipvs_list *l, uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_list_text(struct pyipvs_ipvs_list *l, uint32_t version, uint32_t conn_tab_size);
int pyipvs_ipvs_once_open(struct pyipvs_nl *nl, uint16_t *family_id);
int pyipvs_ipvs_once_batch(struct pyipvs_nl *nl, uint16_t family_id, const uint8_t *reqs,
                           size_t len, size_t n, int32_t *results, uint8_t *sbuf, size_t scap);
