/*
 * lwipopts.h: lwIP 2.1.3 configuration of the ukvm guest SDK.
 *
 * One thread, no OS (NO_SYS), the raw (callback) API only: no sockets, no
 * netconn. IPv4 with ARP, ICMP, UDP and TCP over one Ethernet netif driven by
 * solo5_net_read/solo5_net_write (solo5if.c). Every pool is a static array, so
 * a unikernel's memory is bounded at link time; the sizes below fit a 16 MB
 * guest with room to spare (about 1 MB of .bss in all).
 *
 * The library and every application that includes lwIP headers must see the
 * same options: applications use this file, not one of their own.
 */
#ifndef UKVM_LWIPOPTS_H
#define UKVM_LWIPOPTS_H

#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_TIMERS                 1
/* Our timers (timers.c): the same ticks, but none while idle. */
#define LWIP_TIMERS_CUSTOM          1
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_NETIF_API              0

/* Protocols. No IPv6, no DHCP/AutoIP/IGMP/DNS; no fragmentation or reassembly
 * (no reassembly timer). */
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_RAW                    0
#define LWIP_UDP                    1
#define LWIP_TCP                    1
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define IP_REASSEMBLY               0
#define IP_FRAG                     0
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_TABLE_SIZE              16
#define ARP_QUEUEING                1
#define ETH_PAD_SIZE                0

/* Memory: the heap holds copied TCP data and outgoing headers; pools hold PCBs,
 * segments and pbufs. Received frames are read straight into pool pbufs. */
#define MEM_LIBC_MALLOC             0
#define MEMP_MEM_MALLOC             0
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    (512 * 1024)
#define MEMP_NUM_PBUF               1024
#define MEMP_NUM_UDP_PCB            4
#define MEMP_NUM_TCP_PCB            160
#define MEMP_NUM_TCP_PCB_LISTEN     4
#define MEMP_NUM_TCP_SEG            1024
#define MEMP_NUM_ARP_QUEUE          64
#define PBUF_POOL_SIZE              64
/* One pool pbuf holds a whole frame (MTU 1500 + 14-byte Ethernet header). */
#define PBUF_POOL_BUFSIZE           1536

/* TCP. Windows stay under 64 KiB (no window scaling). */
#define TCP_MSS                     1460
#define TCP_WND                     (16 * TCP_MSS)
#define TCP_SND_BUF                 (44 * TCP_MSS)
#define TCP_SND_QUEUELEN            ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT                (TCP_SND_BUF / 2)
#define TCP_QUEUE_OOSEQ             0
#define TCP_LISTEN_BACKLOG          1
#define TCP_DEFAULT_LISTEN_BACKLOG  128
#define LWIP_TCP_KEEPALIVE          0
#define TCP_MSL                     10000UL  /* TIME_WAIT lasts 2 * MSL = 20 s */
#define LWIP_CALLBACK_API           1
#define LWIP_WND_SCALE              0

/* Checksums in software, both ways (a tap hands over complete frames). */
#define LWIP_CHKSUM_ALGORITHM       3
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_TCP            1
#define CHECKSUM_GEN_UDP            1
#define CHECKSUM_GEN_ICMP           1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_TCP          1
#define CHECKSUM_CHECK_UDP          1
#define CHECKSUM_CHECK_ICMP         1

/* Netif. */
#define LWIP_SINGLE_NETIF           1
#define LWIP_NETIF_HOSTNAME         0
#define LWIP_NETIF_STATUS_CALLBACK  0
#define LWIP_NETIF_LINK_CALLBACK    0
#define LWIP_NETIF_TX_SINGLE_PBUF   0
#define LWIP_HAVE_LOOPIF            0
#define LWIP_NETIF_LOOPBACK         0

/* Counters for memory and TCP only (what a /status page wants); no debug
 * output; assertions stay on (they abort the guest). */
#define LWIP_STATS                  1
#define LWIP_STATS_DISPLAY          0
#define LINK_STATS                  0
#define ETHARP_STATS                0
#define IP_STATS                    0
#define IPFRAG_STATS                0
#define ICMP_STATS                  0
#define UDP_STATS                   0
#define TCP_STATS                   1
#define MEM_STATS                   1
#define MEMP_STATS                  1
#define SYS_STATS                   0
#define LWIP_DEBUG                  0
#define LWIP_PERF                   0

#endif
