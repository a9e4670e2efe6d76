/*
 * mft.c: the manifest copy the monitor placed in guest memory.
 */
#include <string.h>

#include "bindings.h"

static const struct mft *mft;
static uint64_t acquired; /* bit n: device n acquired */

void ukvm_mft_init(const struct mft *m)
{
    /* Trust only what looks like a manifest v1; otherwise there are no devices. */
    if (m != NULL && m->version == MFT_VERSION && m->entries >= 1 &&
        m->entries <= MFT_MAX_ENTRIES && m->e[0].type == MFT_RESERVED_FIRST)
        mft = m;
    else
        mft = NULL;
}

const struct mft *ukvm_mft_get(void)
{
    return mft;
}

const struct mft_entry *ukvm_mft_by_name(const char *name, mft_type_t type,
                                         unsigned *index)
{
    if (mft == NULL || name == NULL || name[0] == '\0' ||
        strnlen(name, MFT_NAME_SIZE) > MFT_NAME_MAX)
        return NULL;
    for (unsigned i = 1; i < mft->entries; i++) {
        const struct mft_entry *e = &mft->e[i];
        if (e->type == type && strncmp(e->name, name, MFT_NAME_SIZE) == 0) {
            *index = i;
            return e;
        }
    }
    return NULL;
}

const struct mft_entry *ukvm_mft_by_index(solo5_handle_t index, mft_type_t type)
{
    if (mft == NULL || index == 0 || index >= mft->entries)
        return NULL;
    if (mft->e[index].type != type || !(acquired & (1ULL << index)))
        return NULL;
    return &mft->e[index];
}

bool ukvm_mft_acquire(unsigned index)
{
    uint64_t bit = 1ULL << index;

    if (acquired & bit)
        return false;
    acquired |= bit;
    return true;
}
