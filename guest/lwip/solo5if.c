/*
 * solo5if.c: an lwIP Ethernet netif over a Solo5 network device.
 *
 * Receive: each frame is read (one NET_READ) straight into a pool pbuf big
 * enough for MTU + 14 bytes, which goes to netif->input. Transmit: a frame in
 * one pbuf is written as it is; a chain (TCP header + data) is gathered into
 * one buffer first, since NET_WRITE takes one contiguous frame.
 *
 * One addition to lwIP's TCP: a SYN for a connection that lwIP holds in
 * TIME_WAIT reopens it (RFC 6191 style; Linux and BSD do the same). lwIP
 * itself answers such a SYN with an ACK for the old connection, which the
 * client resets and lwIP ignores, so a client that reuses its port soon after
 * the server closed first could not connect for 2 * TCP_MSL.
 */
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "netif/ethernet.h"
#include "ukvm_lwip.h"

#define FRAME_MAX (1500 + SOLO5_NET_HLEN)

static uint8_t tx_frame[FRAME_MAX];
static uint8_t rx_discard[FRAME_MAX];
static struct pbuf *rx_spare;

static err_t solo5if_linkoutput(struct netif *netif, struct pbuf *p)
{
    struct solo5if *s = netif->state;
    const uint8_t *frame;
    size_t len = p->tot_len;

    if (len > s->info.mtu + SOLO5_NET_HLEN || len > sizeof tx_frame)
        return ERR_ARG;
    if (p->len == p->tot_len) {
        frame = p->payload;
    } else {
        if (pbuf_copy_partial(p, tx_frame, (u16_t)len, 0) != len)
            return ERR_BUF;
        frame = tx_frame;
    }
    ukvm_lwip_traffic();
    switch (solo5_net_write(s->handle, frame, len)) {
    case SOLO5_R_OK:
        return ERR_OK;
    case SOLO5_R_AGAIN:
        return ERR_WOULDBLOCK;
    case SOLO5_R_EINVAL:
        return ERR_ARG;
    default:
        return ERR_IF;
    }
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* A TCP SYN (without ACK) in (frame): drop a TIME_WAIT PCB of the same connection. */
static void reopen_time_wait(const uint8_t *frame, size_t len)
{
    if (tcp_tw_pcbs == NULL || len < SOLO5_NET_HLEN + 20 || get16(frame + 12) != ETHTYPE_IP)
        return;
    const uint8_t *ip = frame + SOLO5_NET_HLEN;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    if ((ip[0] >> 4) != 4 || ip[9] != IP_PROTO_TCP || ihl < 20 ||
        len < SOLO5_NET_HLEN + ihl + 20 || (get16(ip + 6) & 0x3fff) != 0)
        return;
    const uint8_t *tcp = ip + ihl;
    if ((tcp[13] & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return;
    uint16_t sport = get16(tcp), dport = get16(tcp + 2);
    ip4_addr_t src, dst;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb != NULL; pcb = pcb->next) {
        if (pcb->remote_port == sport && pcb->local_port == dport &&
            ip4_addr_cmp(ip_2_ip4(&pcb->remote_ip), &src) &&
            ip4_addr_cmp(ip_2_ip4(&pcb->local_ip), &dst)) {
            tcp_abort(pcb); /* in TIME_WAIT: freed, no RST sent */
            return;
        }
    }
}

unsigned solo5if_input(struct netif *netif, unsigned max)
{
    struct solo5if *s = netif->state;
    size_t want = s->info.mtu + SOLO5_NET_HLEN;
    unsigned n = 0;

    while (n < max) {
        struct pbuf *p = rx_spare;
        rx_spare = NULL;
        if (p == NULL) {
            p = pbuf_alloc(PBUF_RAW, (u16_t)want, PBUF_POOL);
            if (p != NULL && p->len != p->tot_len) {
                /* Pool pbufs are smaller than a frame: not this configuration. */
                pbuf_free(p);
                p = NULL;
            }
        }
        size_t got = 0;
        solo5_result_t r;
        if (p == NULL) {
            /* Out of pbufs: read the frame anyway and drop it, as a busy NIC
             * would, so that a full tap queue cannot keep us spinning. */
            r = solo5_net_read(s->handle, rx_discard, sizeof rx_discard, &got);
            if (r != SOLO5_R_OK)
                break;
            n++;
            continue;
        }
        r = solo5_net_read(s->handle, p->payload, p->len, &got);
        if (r != SOLO5_R_OK) {
            rx_spare = p;
            break;
        }
        n++;
        if (got < SOLO5_NET_HLEN) {
            rx_spare = p;
            continue;
        }
        reopen_time_wait(p->payload, got);
        pbuf_realloc(p, (u16_t)got);
        if (netif->input(p, netif) != ERR_OK)
            pbuf_free(p);
    }
    return n;
}

err_t solo5if_init(struct netif *netif)
{
    struct solo5if *s = netif->state;

    netif->name[0] = 's';
    netif->name[1] = '5';
    netif->output = etharp_output;
    netif->linkoutput = solo5if_linkoutput;
    netif->mtu = (u16_t)(s->info.mtu > 1500 ? 1500 : s->info.mtu);
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, s->info.mac_address, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                   NETIF_FLAG_LINK_UP;
    return ERR_OK;
}
