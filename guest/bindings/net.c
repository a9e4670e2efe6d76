/*
 * net.c: network devices over the NET_READ / NET_WRITE hypercalls.
 */
#include <string.h>

#include "bindings.h"

static solo5_result_t to_result(int ret)
{
    return (ret >= SOLO5_R_OK && ret <= SOLO5_R_EUNSPEC) ? (solo5_result_t)ret
                                                         : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info)
{
    unsigned index;
    const struct mft_entry *e = ukvm_mft_by_name(name, MFT_DEV_NET_BASIC, &index);

    if (e == NULL)
        return SOLO5_R_EINVAL;
    if (!e->attached)
        ukvm_panic("network device '%s' is not attached\n", name);
    if (!ukvm_mft_acquire(index))
        return SOLO5_R_EINVAL;
    *handle = index;
    memcpy(info->mac_address, e->u.net_basic.mac, SOLO5_NET_ALEN);
    info->mtu = e->u.net_basic.mtu;
    return SOLO5_R_OK;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf,
                               size_t size)
{
    const struct mft_entry *e = ukvm_mft_by_index(handle, MFT_DEV_NET_BASIC);

    if (e == NULL || size > (size_t)e->u.net_basic.mtu + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;

    volatile struct hvt_hc_net_write w;
    w.handle = handle;
    w.data = buf;
    w.len = size;
    w.ret = SOLO5_R_EUNSPEC;
    hvt_do_hypercall(HVT_HYPERCALL_NET_WRITE, &w);
    return to_result(w.ret);
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size,
                              size_t *read_size)
{
    const struct mft_entry *e = ukvm_mft_by_index(handle, MFT_DEV_NET_BASIC);

    if (e == NULL || size < (size_t)e->u.net_basic.mtu + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;

    volatile struct hvt_hc_net_read r;
    r.handle = handle;
    r.data = buf;
    r.len = size;
    r.ret = SOLO5_R_EUNSPEC;
    hvt_do_hypercall(HVT_HYPERCALL_NET_READ, &r);
    solo5_result_t res = to_result(r.ret);
    if (res == SOLO5_R_OK) {
        if (r.len > size)
            return SOLO5_R_EUNSPEC;
        *read_size = r.len;
    }
    return res;
}
