/* IPVS generic-netlink requests (see ipvs.h). Attribute numbers: include/uapi/linux/ip_vs.h. */
#include "ipvs.h"

#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/ip_vs.h>

#include "nlmsg.h"

static int on_info(const struct nlmsghdr *nlh, void *arg)
{
    struct pyipvs_ipvs_info *out = arg;
    const struct nlattr *tb[IPVS_INFO_ATTR_MAX + 1];
    const uint8_t *payload = (const uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN;
    size_t len;

    if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
        return -EBADMSG;
    len = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
    /* The info reply carries IPVS_INFO_ATTR_* at the top level. */
    if (pyipvs_attr_parse(payload, len, tb, IPVS_INFO_ATTR_MAX))
        return -EBADMSG;
    if (pyipvs_attr_u32(tb[IPVS_INFO_ATTR_VERSION], &out->version) ||
        pyipvs_attr_u32(tb[IPVS_INFO_ATTR_CONN_TAB_SIZE], &out->conn_tab_size))
        return -EBADMSG;
    return 0;
}

int pyipvs_ipvs_get_info(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_info *out,
                         uint8_t *rbuf, size_t rcap)
{
    uint8_t req[64];
    struct pyipvs_msgbuf mb;
    int rc;

    memset(out, 0, sizeof(*out));
    pyipvs_mb_init(&mb, req, sizeof(req));
    pyipvs_mb_genl_begin(&mb, family_id, NLM_F_REQUEST | NLM_F_ACK, pyipvs_nl_next_seq(nl),
                         IPVS_CMD_GET_INFO, IPVS_GENL_VERSION);
    rc = pyipvs_mb_end(&mb);
    if (rc)
        return rc;
    rc = pyipvs_nl_transact(nl, req, mb.len, rbuf, rcap, on_info, out);
    if (rc == 0 && out->version == 0)
        return -EBADMSG;
    return rc;
}
