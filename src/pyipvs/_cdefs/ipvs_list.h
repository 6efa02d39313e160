/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/ipvs_list.h */
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
