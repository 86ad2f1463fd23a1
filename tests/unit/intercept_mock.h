/*
 * intercept_mock.h: a scripted stand-in for zt-service's per-network socket, for
 * test_intercept.c.  It speaks apps/intercept/ncproto.h on a Unix socket from a thread of its
 * own, keeps its sockets in memory and reaches no network: stream sockets echo what they get,
 * datagram sockets echo each datagram with the destination as its source, and every LISTEN is
 * answered by one accepted connection from 10.9.8.7:5555 (::ffff:10.9.8.7 for IPv6) that
 * says "hi" first.  Scripted answers: port 1 refuses connections (ECONNREFUSED) and binds
 * (EADDRINUSE); option level 999 is unknown (ENOPROTOOPT); SETOPT at level 777 makes the
 * service die (it answers, then closes everything and removes its socket file).
 */
#ifndef ZT_TESTS_INTERCEPT_MOCK_H
#define ZT_TESTS_INTERCEPT_MOCK_H

typedef struct mock mock;

/* Starts a mock listening at |path| that answers HELLO with |version|; NULL on failure. */
mock *mock_start(const char *path, int version);

/* Stops it, and returns the number of malformed requests it saw (0 expected). */
int mock_stop(mock *m);

#endif
