/*
 * replica: a ZooKeeper session for the event loop, over libzookeeper-mt.
 * The library runs its own I/O and completion threads; every callback
 * here runs on the loop thread instead (handed over through ipc_loop.h),
 * with results copied. After zk_close() no callback runs.
 *
 * rc values are ZooKeeper's (ZOK, ZNONODE, ZNODEEXISTS, ...; zerror()).
 */
#ifndef REPLICA_ZK_CLIENT_H
#define REPLICA_ZK_CLIENT_H

#include <stddef.h>

#include <zookeeper/zookeeper.h>

struct zk;

enum zk_session {
	ZK_SESSION_CONNECTING,	/* not connected; the session may live on */
	ZK_SESSION_CONNECTED,
	ZK_SESSION_EXPIRED,	/* gone with its ephemeral nodes; final */
};

typedef void (*zk_session_fn)(enum zk_session, void *arg);
typedef void (*zk_done_fn)(int rc, void *arg);
/* path: the created node's name (with its sequence number), or NULL. */
typedef void (*zk_created_fn)(int rc, const char *path, void *arg);
typedef void (*zk_children_fn)(int rc, char *const *names, size_t n,
	    void *arg);
typedef void (*zk_data_fn)(int rc, const char *data, size_t len, void *arg);
/* A one-shot watch fired: the node or its children changed. */
typedef void (*zk_watch_fn)(void *arg);

/*
 * Starts a session with the servers in hosts ("host:port,...", optionally
 * followed by a chroot path). Resolves host names now: call before the
 * sandbox. NULL with err.
 */
struct zk *zk_open(const char *hosts, int session_timeout_ms,
	    zk_session_fn, void *arg, char *err, size_t errlen);
void	zk_close(struct zk *);
/* The session timeout the servers granted (or asked for, until then). */
int	zk_session_timeout_ms(const struct zk *);

/*
 * Asynchronous operations; each returns 0 and calls back once, or -1 when
 * it could not be sent (then it never calls back).
 */
int	zk_create(struct zk *, const char *path, const void *data, size_t len,
	    int flags, zk_created_fn, void *arg);
/* Creates path and its missing parents as persistent empty nodes. */
int	zk_create_path(struct zk *, const char *path, zk_done_fn, void *arg);
int	zk_delete(struct zk *, const char *path, zk_done_fn, void *arg);
int	zk_get(struct zk *, const char *path, zk_data_fn, void *arg);
/* Lists children and leaves a watch on them (when watch is not NULL). */
int	zk_children(struct zk *, const char *path, zk_watch_fn watch,
	    void *watch_arg, zk_children_fn, void *arg);

#endif
