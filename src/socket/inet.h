/*
 * inet.h: the socket layer's errno edge and its pure address helpers (api.md 5.7 "Errors",
 * 5.9).  The public halves (zts_errno, zts_hton*, zts_inet_*) are declared in
 * ZeroTierSockets.h; this header holds what the rest of src/socket and src/sdk share.
 */
#ifndef ZT_SOCKET_INET_H
#define ZT_SOCKET_INET_H

/*
 * Records the failure of a socket call: stores |e| (a ZTS_E* value; its sign is ignored, so
 * -ZTS_EAGAIN works too) into zts_errno, and the host's constant for the same condition into
 * errno (on Linux the same number).  Thread-safe (zts_errno is written atomically; its value
 * is "last writer wins" across threads, as api.md 12.1 accepts).
 */
void zt__sock_set_errno(int e);

#endif
