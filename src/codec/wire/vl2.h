/*
 * wire/vl2.h: VL2 wire layouts and constants (vl2.md §1-§4, §8).  No logic.
 */
#ifndef ZT_CORE_WIRE_VL2_H
#define ZT_CORE_WIRE_VL2_H

#include "codec/wire/vl1.h" /* verbs and ERROR codes */

/* Network IDs (§1.1, §1.2). */
#define ZT_NWID_CONTROLLER_SHIFT 24        /* controller address = nwid >> 24 */
#define ZT_NWID_ADHOC_TOP_BYTE 0xff

/* Network type, config key `t` (§1.3). */
#define ZT_NETWORK_TYPE_PRIVATE 0
#define ZT_NETWORK_TYPE_PUBLIC 1

/* Network status (§1.3). */
enum {
    ZT_NETWORK_STATUS_REQUESTING_CONFIGURATION = 0,
    ZT_NETWORK_STATUS_OK = 1,
    ZT_NETWORK_STATUS_ACCESS_DENIED = 2,
    ZT_NETWORK_STATUS_NOT_FOUND = 3,
    ZT_NETWORK_STATUS_PORT_ERROR = 4,
    ZT_NETWORK_STATUS_CLIENT_TOO_OLD = 5,
    ZT_NETWORK_STATUS_AUTHENTICATION_REQUIRED = 6,
};

/* Ethernet (§2). */
#define ZT_MAC_LEN 6
#define ZT_MAC_BROADCAST 0xffffffffffffULL
#define ZT_MAC_MULTICAST_BIT 0x01          /* of the first octet */
#define ZT_MAC_LOCAL_BIT 0x02
#define ZT_MAC_AVOID_FIRST_OCTET 0x52      /* KVM/libvirt; replaced by ... */
#define ZT_MAC_AVOID_REPLACEMENT 0x32
#define ZT_ETHERTYPE_IPV4 0x0800
#define ZT_ETHERTYPE_ARP 0x0806
#define ZT_ETHERTYPE_IPV6 0x86dd
#define ZT_ETH_HEADER_LEN 14

/* IPv6 derived addresses (§2.3, §2.4). */
#define ZT_RFC4193_PREFIX 0xfd
#define ZT_RFC4193_MARK0 0x99
#define ZT_RFC4193_MARK1 0x93
#define ZT_RFC4193_NETMASK_BITS 88
#define ZT_6PLANE_PREFIX 0xfc
#define ZT_6PLANE_NETMASK_BITS 40

/* NDP emulation (§2.5): offsets into the IPv6 packet (the Ethernet payload). */
#define ZT_NDP_NS_MIN_LEN 64
#define ZT_NDP_IDX_NEXT_HEADER 6
#define ZT_NDP_IDX_ICMP_TYPE 40
#define ZT_NDP_IDX_TARGET 48
#define ZT_NDP_NA_LEN 72                   /* IPv6 header 40 + ICMPv6 NA with TLLA option 32 */
#define ZT_IPPROTO_ICMPV6 58
#define ZT_ICMPV6_NEIGHBOR_SOLICITATION 135
#define ZT_ICMPV6_NEIGHBOR_ADVERTISEMENT 136

/* ARP request detection (§2.2): offsets into the ARP packet (the Ethernet payload). */
#define ZT_ARP_MIN_LEN 28
#define ZT_ARP_IDX_TARGET_IP 24

/* MULTICAST_LIKE record (§3.3): nwid, MAC, ADI. */
#define ZT_MLIKE_RECORD_LEN 18

/* NETWORK_CONFIG_REQUEST (§3.8). */
#define ZT_CONFIG_REQUEST_IDX_NWID 0
#define ZT_CONFIG_REQUEST_IDX_MDLEN 8
#define ZT_CONFIG_REQUEST_IDX_MD 10
#define ZT_CONFIG_REQUEST_TRAILER_LEN 16   /* u64 revision, u64 timestamp after metadata */

/* Request metadata keys and the values 1.14.1 sends (§3.8). */
#define ZT_CONFIG_META_VERSION 7           /* `v`: must be >= 6 */
#define ZT_CONFIG_META_VERSION_MIN 6
#define ZT_CONFIG_META_VENDOR_ZEROTIER 1
#define ZT_CONFIG_META_PROTO_VERSION 12
#define ZT_CONFIG_META_MAX_RULES 1024
#define ZT_CONFIG_META_MAX_CAPS 128
#define ZT_CONFIG_META_MAX_CAP_RULES 64
#define ZT_CONFIG_META_MAX_TAGS 128
#define ZT_CONFIG_META_RULES_ENGINE_REV 1  /* `revr` */

/* Config chunk (§3.9), offsets relative to the chunk start; n = chunk length. */
#define ZT_CHUNK_IDX_NWID 0
#define ZT_CHUNK_IDX_LEN 8
#define ZT_CHUNK_IDX_DATA 10
#define ZT_CHUNK_SIGNED_TRAILER_LEN 17     /* flags 1, update ID 8, total 4, index 4 */
#define ZT_CHUNK_SIG_HEADER_LEN 3          /* signature type 1, signature length 2 */
#define ZT_CHUNK_OVERHEAD (10 + 17 + 3 + 96) /* everything but the n data bytes */
#define ZT_CHUNK_FLAG_FAST_PROPAGATE 0x01
#define ZT_CHUNK_SIG_TYPE_ED25519 1
#define ZT_CHUNK_MAX_DATA 9740             /* = 10024 - 28 - 256 */
#define ZT_CHUNK_MAX_PER_CONFIG 474        /* ZT_NETWORK_MAX_UPDATE_CHUNKS */
#define ZT_CHUNK_SLOTS 3                   /* reassembly slots per network */

/* OK / ERROR payload headers (§0, §3.10). */
#define ZT_OK_HEADER_LEN 9                 /* in-re verb, in-re packet ID */
#define ZT_ERROR_HEADER_LEN 10             /* + error code */

/* ERROR codes (ZT_ERROR_OBJ_NOT_FOUND ... ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED, §3.10) are
 * defined with the VL1 verbs in wire/vl1.h. */

/* Dictionary capacities (§4.1): bytes of dictionary text, without a terminating NUL. */
#define ZT_DICT_CONFIG_MAX 484519          /* ZT_NETWORKCONFIG_DICT_CAPACITY - 1 (x86-64) */
#define ZT_DICT_METADATA_MAX 1023
#define ZT_DICT_INT_MAX_CHARS 127          /* integer values are read from at most this */

/* Config keys (§4.3), in the order 1.14.1 writes them. */
#define ZT_NETCONF_VERSION 7               /* ZT_NETWORKCONFIG_VERSION */
#define ZT_NETCONF_VERSION_MIN 6

/* Config flags, key `f` (§4.3). */
#define ZT_NETCONF_FLAG_ENABLE_BROADCAST 0x02
#define ZT_NETCONF_FLAG_ENABLE_NDP_EMULATION 0x04
#define ZT_NETCONF_FLAG_RULES_RESULT_OF_UNSUPPORTED_MATCH 0x08
#define ZT_NETCONF_FLAG_DISABLE_COMPRESSION 0x10

/* Specialist entries, key `S` (§4.2): low 40 bits = address, plus role bits. */
#define ZT_SPECIALIST_ADDRESS_MASK 0xffffffffffULL
#define ZT_SPECIALIST_ROLE_ACTIVE_BRIDGE 0x020000000000ULL
#define ZT_SPECIALIST_ROLE_ANCHOR 0x040000000000ULL
#define ZT_SPECIALIST_ROLE_MULTICAST_REPLICATOR 0x080000000000ULL

/* Limits (§8, include/ZeroTierOne.h of 1.14.1). */
#define ZT_NETCONF_MAX_STATIC_IPS 32
#define ZT_NETCONF_MAX_ROUTES 128
#define ZT_NETCONF_MAX_SPECIALISTS 256
#define ZT_NETCONF_MAX_DNS_SERVERS 4
#define ZT_NETCONF_DNS_DOMAIN_LEN 128
#define ZT_NETCONF_NAME_MAX 127
#define ZT_NETCONF_MAX_RULES 1024
#define ZT_NETCONF_MAX_CAPABILITIES 128
#define ZT_NETCONF_MAX_TAGS 128
#define ZT_NETCONF_MAX_COOS 4

/* MTU and credential time window (§4.3, §8). */
#define ZT_DEFAULT_MTU 2800
#define ZT_MIN_MTU 1280
#define ZT_MAX_MTU 10000
#define ZT_CTMD_DEFAULT 1800000
#define ZT_CTMD_MIN 300000
#define ZT_CTMD_MAX 7200000
#define ZT_MULTICAST_LIMIT_DEFAULT 32      /* controller default */

/* Timers (§1.4, §8). */
#define ZT_NETWORK_AUTOCONF_DELAY 60000
#define ZT_NETWORK_CONFIG_CHECK_INTERVAL 5000

#endif
