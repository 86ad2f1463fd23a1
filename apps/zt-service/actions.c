/*
 * actions.c: zt-service's test actions (docs/service.md, "Test options"): --ping and
 * --message (zt__svc_run_actions), --ping-ip (zt__svc_run_ping_ips: ARP, then ICMP echo
 * requests, as raw frames) on the main thread, and, on the I/O thread, the frames for us
 * (zt__svc_on_frame: logged, answered with --answer-arp-icmp, or taken as a --ping-ip's
 * answer).  The frames themselves are built by responder.c.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "responder.h"
#include "service.h"
#include "util/errors.h"

#define BROADCAST_MAC 0xffffffffffffULL
#define ICMP_PAYLOAD 56

void zt__svc_fmt_mac(uint64_t mac, char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(mac >> 40) & 0xff,
             (unsigned)(mac >> 32) & 0xff, (unsigned)(mac >> 24) & 0xff,
             (unsigned)(mac >> 16) & 0xff, (unsigned)(mac >> 8) & 0xff, (unsigned)mac & 0xff);
}

static void fmt_ip4(const uint8_t ip[4], char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

/* Our first static IPv4 address on |net|, if any. */
static bool first_ipv4(const zt_runner_network *net, uint8_t ip[4])
{
    for (unsigned i = 0; i < net->n_ips; i++) {
        if (net->ips[i].family == 4) {
            memcpy(ip, net->ips[i].ip, 4);
            return true;
        }
    }
    return false;
}

static void send_frame(service *svc, uint64_t nwid, uint64_t dst_mac, unsigned ethertype,
                       const uint8_t *data, size_t len)
{
    char mac[18];
    int rv = zt__runner_send_frame(svc->runner, nwid, dst_mac, ethertype, data, len);

    zt__svc_fmt_mac(dst_mac, mac);
    if (rv != 0)
        zt__svc_log(svc, ZT_RUNNER_LOG_WARN, "frame nwid=%016llx to=%s type=0x%04x not queued: %s",
                (unsigned long long)nwid, mac, ethertype, zt__strerror(rv));
    else
        zt__svc_log(svc, ZT_RUNNER_LOG_DEBUG, "frame-sent nwid=%016llx to=%s type=0x%04x len=%zu",
                (unsigned long long)nwid, mac, ethertype, len);
}

/* A frame for us (I/O thread): log it, answer it (--answer-arp-icmp), or take it as the
 * answer to a --ping-ip. */
void zt__svc_on_frame(service *svc, const zt_runner_event *ev)
{
    zt_runner_network net;
    resp_reply *reply;
    uint8_t my_ip[4], from[4];
    char src[18], dst[18], ip[16];

    zt__svc_fmt_mac(ev->src_mac, src);
    zt__svc_fmt_mac(ev->dst_mac, dst);
    zt__svc_log(svc, ZT_RUNNER_LOG_DEBUG, "frame nwid=%016llx from=%s to=%s type=0x%04x len=%zu",
            (unsigned long long)ev->nwid, src, dst, ev->ethertype, ev->len);
    if (zt__runner_get_network(svc->runner, ev->nwid, &net) != 0 || !net.has_config ||
        !first_ipv4(&net, my_ip))
        return;
    if (svc->answer_arp_icmp) {
        reply = malloc(sizeof(*reply));
        if (reply != NULL && resp_answer(my_ip, net.mac, ev->src_mac, ev->ethertype, ev->data,
                                         ev->len, reply)) {
            zt__svc_log(svc, ZT_RUNNER_LOG_DEBUG, "answering %s from %s",
                    reply->ethertype == RESP_ETHERTYPE_ARP ? "arp-request" : "icmp-echo", src);
            send_frame(svc, ev->nwid, reply->dst_mac, reply->ethertype, reply->data,
                       reply->len);
        }
        free(reply);
    }
    for (unsigned i = 0; i < svc->nping_ips; i++) {
        ping_ip *p = &svc->ping_ips[i];
        uint64_t mac;
        uint16_t id, seq;

        if (p->nwid != ev->nwid)
            continue;
        if (ev->ethertype == RESP_ETHERTYPE_ARP &&
            resp_parse_arp_reply(ev->data, ev->len, my_ip, from, &mac) &&
            memcmp(from, p->ip, 4) == 0 && mac != 0) {
            fmt_ip4(from, ip);
            zt__svc_fmt_mac(mac, src);
            if (atomic_exchange(&p->mac, mac) != mac)
                zt__svc_log(svc, ZT_RUNNER_LOG_INFO, "arp-reply from=%s mac=%s", ip, src);
        } else if (ev->ethertype == RESP_ETHERTYPE_IPV4 &&
                   resp_parse_icmp_reply(ev->data, ev->len, my_ip, from, &id, &seq) &&
                   memcmp(from, p->ip, 4) == 0 && id == svc->icmp_id) {
            fmt_ip4(from, ip);
            atomic_fetch_add(&p->replies, 1);
            zt__svc_log(svc, ZT_RUNNER_LOG_INFO, "icmp-reply from=%s seq=%u", ip, (unsigned)seq);
        }
    }
}

void zt__svc_run_actions(service *svc, unsigned round)
{
    for (unsigned i = 0; i < svc->nactions; i++) {
        action *a = &svc->actions[i];
        int rv;

        if (a->is_ping)
            rv = zt__runner_ping(svc->runner, a->dest);
        else
            rv = zt__runner_send_user_message(svc->runner, a->dest, a->type, a->text, a->len);
        if (rv != 0)
            zt__svc_log(svc, ZT_RUNNER_LOG_WARN, "%s to=%010llx not queued: %s",
                    a->is_ping ? "ping" : "message", (unsigned long long)a->dest,
                    zt__strerror(rv));
        else
            zt__svc_log(svc, ZT_RUNNER_LOG_INFO, "%s-sent to=%010llx seq=%u",
                    a->is_ping ? "ping" : "message", (unsigned long long)a->dest, round);
    }
}

/* One step of each --ping-ip (main thread): wait for the network, ARP until answered, then
 * one echo request per interval, --count of them (0: until stopped). */
void zt__svc_run_ping_ips(service *svc, int64_t now)
{
    for (unsigned i = 0; i < svc->nping_ips; i++) {
        ping_ip *p = &svc->ping_ips[i];
        zt_runner_network net;
        uint8_t my_ip[4], frame[20 + 8 + ICMP_PAYLOAD];
        uint64_t mac = atomic_load(&p->mac);
        char ip[16];
        size_t len;

        if (now < p->next_at || (svc->count > 0 && p->round >= svc->count))
            continue;
        if (zt__runner_get_network(svc->runner, p->nwid, &net) != 0 ||
            net.status != ZT_NETWORK_OK || !net.has_config || !first_ipv4(&net, my_ip))
            continue; /* not yet: look again at the next tick */
        fmt_ip4(p->ip, ip);
        if (mac == 0) {
            len = resp_arp_request(net.mac, my_ip, p->ip, frame);
            zt__svc_log(svc, ZT_RUNNER_LOG_INFO, "arp-request-sent who-has=%s", ip);
            send_frame(svc, p->nwid, BROADCAST_MAC, RESP_ETHERTYPE_ARP, frame, len);
        } else {
            len = resp_icmp_echo_request(my_ip, p->ip, svc->icmp_id, (uint16_t)p->round,
                                         ICMP_PAYLOAD, frame, sizeof(frame));
            zt__svc_log(svc, ZT_RUNNER_LOG_INFO, "icmp-sent to=%s seq=%u", ip, p->round);
            send_frame(svc, p->nwid, mac, RESP_ETHERTYPE_IPV4, frame, len);
            p->round++;
        }
        p->next_at = now + svc->interval_ms;
    }
}

