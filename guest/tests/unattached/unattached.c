/*
 * unattached: declares the block device "storage" and never touches it.
 *
 * The monitor must refuse to start it unless the device is attached:
 *   ukvm unattached.hvt                          exit status 1, one line on
 *                                                stderr, this program never runs
 *   ukvm --block:storage=disk.img unattached.hvt prints SUCCESS, exit status 0
 * So SUCCESS in the output means the guest ran: a test of the refusal checks
 * for status 1 and the absence of SUCCESS.
 */
#include <stdio.h>

#include "solo5.h"

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    printf("\n**** ukvm guest test: unattached ****\n\n");
    printf("the monitor started a guest whose manifest declares block device 'storage'\n");
    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
