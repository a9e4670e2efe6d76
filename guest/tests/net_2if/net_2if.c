/*
 * net_2if: the net responder on two devices, "service0" at 10.0.0.2/24
 * and "service1" at 10.1.0.2/24, served by one solo5_yield() loop that reads
 * whichever devices the ready set names.
 *
 *   ukvm --net:service0=TAP0 --net:service1=TAP1 net_2if.hvt [limit[=N]] [verbose]
 *
 * limit: SUCCESS and exit after 100000 (or N) echo requests answered on the
 * two devices together. See ../net/net.c for the rest.
 */
#define NET_PING_2IF
#include "../net/net.c"
