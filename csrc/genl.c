/* SPDX-License-Identifier: Apache-2.0 */
/* Generic netlink family resolution (see genl.h). */
#include "genl.h"

#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>

#include "nlmsg.h"

static int parse_ops(const struct nlattr *ops_attr, struct pyipvs_genl_family *out)
{
    const uint8_t *data = pyipvs_attr_data(ops_attr);
    size_t len = pyipvs_attr_len(ops_attr), offset = 0;
    const struct nlattr *op;

    out->n_ops = 0;
    /* CTRL_ATTR_OPS is an array: each element is a nest of CTRL_ATTR_OP_ID / _FLAGS. */
    while ((op = pyipvs_attr_next(data, len, &offset)) != NULL) {
        const struct nlattr *tb[CTRL_ATTR_OP_MAX + 1];
        struct pyipvs_genl_op *slot;

        if (out->n_ops == PYIPVS_GENL_MAX_OPS)
            return -ENOSPC;
        if (pyipvs_attr_parse(pyipvs_attr_data(op), pyipvs_attr_len(op), tb, CTRL_ATTR_OP_MAX))
            return -EBADMSG;
        slot = &out->ops[out->n_ops];
        slot->flags = 0;
        if (pyipvs_attr_u32(tb[CTRL_ATTR_OP_ID], &slot->id))
            return -EBADMSG;
        if (tb[CTRL_ATTR_OP_FLAGS] && pyipvs_attr_u32(tb[CTRL_ATTR_OP_FLAGS], &slot->flags))
            return -EBADMSG;
        out->n_ops++;
    }
    return 0;
}

static int on_family(const struct nlmsghdr *nlh, void *arg)
{
    struct pyipvs_genl_family *out = arg;
    const struct nlattr *tb[CTRL_ATTR_MAX + 1];
    const uint8_t *payload = (const uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN;
    size_t len;

    if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
        return -EBADMSG;
    len = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
    if (pyipvs_attr_parse(payload, len, tb, CTRL_ATTR_MAX))
        return -EBADMSG;
    if (pyipvs_attr_u16(tb[CTRL_ATTR_FAMILY_ID], &out->id) ||
        pyipvs_attr_str(tb[CTRL_ATTR_FAMILY_NAME], out->name, sizeof(out->name)))
        return -EBADMSG;
    /* Optional in the protocol; absent means zero. */
    out->version = out->hdrsize = out->maxattr = 0;
    if (tb[CTRL_ATTR_VERSION])
        (void)pyipvs_attr_u32(tb[CTRL_ATTR_VERSION], &out->version);
    if (tb[CTRL_ATTR_HDRSIZE])
        (void)pyipvs_attr_u32(tb[CTRL_ATTR_HDRSIZE], &out->hdrsize);
    if (tb[CTRL_ATTR_MAXATTR])
        (void)pyipvs_attr_u32(tb[CTRL_ATTR_MAXATTR], &out->maxattr);
    return tb[CTRL_ATTR_OPS] ? parse_ops(tb[CTRL_ATTR_OPS], out) : 0;
}

int pyipvs_genl_resolve(struct pyipvs_nl *nl, const char *name, struct pyipvs_genl_family *out,
                        uint8_t *rbuf, size_t rcap)
{
    uint8_t req[128];
    struct pyipvs_msgbuf mb;
    int rc;

    if (strlen(name) >= PYIPVS_GENL_NAME_MAX)
        return -ENAMETOOLONG;
    memset(out, 0, sizeof(*out));
    pyipvs_mb_init(&mb, req, sizeof(req));
    pyipvs_mb_genl_begin(&mb, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, pyipvs_nl_next_seq(nl),
                         CTRL_CMD_GETFAMILY, 1);
    pyipvs_mb_put_strz(&mb, CTRL_ATTR_FAMILY_NAME, name);
    rc = pyipvs_mb_end(&mb);
    if (rc)
        return rc;
    rc = pyipvs_nl_transact(nl, req, mb.len, rbuf, rcap, on_family, out);
    if (rc == 0 && out->id == 0)
        return -EBADMSG; /* acked without an answer */
    return rc;
}
