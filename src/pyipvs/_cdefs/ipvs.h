/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/ipvs.h */
struct pyipvs_ipvs_info {
    uint32_t version;
    uint32_t conn_tab_size;
};

struct pyipvs_ipvs_dump {
    uint32_t seq;
    int active;
    int done;
    size_t off, len;
    uint32_t next_svc;
    size_t next_off, next_len;
};

int pyipvs_ipvs_get_info(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_info *out,
                         uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_get_service(struct pyipvs_nl *nl, uint16_t family_id,
                            const struct pyipvs_ipvs_svc *key, struct pyipvs_ipvs_svc *out,
                            uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_get_timeouts(struct pyipvs_nl *nl, uint16_t family_id,
                             struct pyipvs_ipvs_timeouts *out, uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_daemon(struct pyipvs_nl *nl, uint16_t family_id, uint8_t cmd,
                       const struct pyipvs_ipvs_daemon *d, uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_get_daemons(struct pyipvs_nl *nl, uint16_t family_id,
                            struct pyipvs_ipvs_daemon *out, size_t cap, uint8_t *rbuf,
                            size_t rcap);
int pyipvs_ipvs_dump_services_start(struct pyipvs_nl *nl, uint16_t family_id,
                                    struct pyipvs_ipvs_dump *st);
int pyipvs_ipvs_dump_services(struct pyipvs_nl *nl, struct pyipvs_ipvs_dump *st, uint8_t *rbuf,
                              size_t rcap, struct pyipvs_ipvs_svc *out, size_t cap);
int pyipvs_ipvs_dump_dests(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_dump *st,
                           const struct pyipvs_ipvs_svc *svcs, size_t n_svcs, uint8_t *rbuf,
                           size_t rcap, struct pyipvs_ipvs_dest *out, size_t cap);
