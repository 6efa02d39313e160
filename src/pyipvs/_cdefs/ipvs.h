/* cffi declarations for csrc/ipvs.h */
struct pyipvs_ipvs_info {
    uint32_t version;
    uint32_t conn_tab_size;
};

int pyipvs_ipvs_get_info(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_info *out,
                         uint8_t *rbuf, size_t rcap);
