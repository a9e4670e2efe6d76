/*
 * block.c: block devices over the BLOCK_READ / BLOCK_WRITE hypercalls.
 */
#include "bindings.h"

static solo5_result_t to_result(int ret)
{
    return (ret >= SOLO5_R_OK && ret <= SOLO5_R_EUNSPEC) ? (solo5_result_t)ret
                                                         : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info)
{
    unsigned index;
    const struct mft_entry *e = ukvm_mft_by_name(name, MFT_DEV_BLOCK_BASIC, &index);

    if (e == NULL)
        return SOLO5_R_EINVAL;
    if (!e->attached)
        ukvm_panic("block device '%s' is not attached\n", name);
    if (!ukvm_mft_acquire(index))
        return SOLO5_R_EINVAL;
    *handle = index;
    info->capacity = e->u.block_basic.capacity;
    info->block_size = e->u.block_basic.block_size;
    return SOLO5_R_OK;
}

/* One whole block at a block-aligned offset inside the device. */
static bool valid_io(const struct mft_entry *e, solo5_off_t offset, size_t size)
{
    uint64_t bs = e->u.block_basic.block_size;

    return bs != 0 && size == bs && offset % bs == 0 &&
           offset <= e->u.block_basic.capacity &&
           size <= e->u.block_basic.capacity - offset;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset,
                                 const uint8_t *buf, size_t size)
{
    const struct mft_entry *e = ukvm_mft_by_index(handle, MFT_DEV_BLOCK_BASIC);

    if (e == NULL || !valid_io(e, offset, size))
        return SOLO5_R_EINVAL;

    volatile struct hvt_hc_block_write w;
    w.handle = handle;
    w.offset = offset;
    w.data = buf;
    w.len = size;
    w.ret = SOLO5_R_EUNSPEC;
    hvt_do_hypercall(HVT_HYPERCALL_BLOCK_WRITE, &w);
    return to_result(w.ret);
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset,
                                uint8_t *buf, size_t size)
{
    const struct mft_entry *e = ukvm_mft_by_index(handle, MFT_DEV_BLOCK_BASIC);

    if (e == NULL || !valid_io(e, offset, size))
        return SOLO5_R_EINVAL;

    volatile struct hvt_hc_block_read r;
    r.handle = handle;
    r.offset = offset;
    r.data = buf;
    r.len = size;
    r.ret = SOLO5_R_EUNSPEC;
    hvt_do_hypercall(HVT_HYPERCALL_BLOCK_READ, &r);
    solo5_result_t res = to_result(r.ret);
    if (res == SOLO5_R_OK && r.len != size)
        return SOLO5_R_EUNSPEC; /* no short reads */
    return res;
}
