/*
 * offerd: the leading Mesos master, found through ZooKeeper when
 * -mesos_master_address is zk://servers/path. The masters' group is the
 * children of path named json.info_<sequence>; the lowest sequence leads,
 * and its data is the master's MasterInfo in JSON.
 */
#ifndef OFFERD_OFFERD_DETECT_H
#define OFFERD_OFFERD_DETECT_H

#include <stddef.h>

#include <event2/event.h>

/* Addresses are numeric: offerd never resolves a host name. */
#define DETECT_ADDR_MAX	64

/*
 * Another master leads: ip (numeric) and port, or ip NULL when none does.
 * Called on the loop thread, once per change of the leading node.
 */
typedef void (*offerd_detect_fn)(const char *ip, int port, void *arg);

/*
 * Splits "zk://host:port,.../path" into its servers and its path (trailing
 * slashes dropped; "/" when there is none). Credentials (user:pass@) are
 * refused. -1 with err.
 */
int	offerd_detect_parse(const char *url, char *servers, size_t serverslen,
	    char *path, size_t pathlen, char *err, size_t errlen);

/*
 * Reads a MasterInfo in JSON: address.ip and address.port; without an
 * address.ip, a hostname that is a numeric address, else the legacy ip
 * (IPv4, network byte order) with port. -1 with err when it names no
 * numeric address and port.
 */
int	offerd_detect_master_info(const char *json, size_t len, char *ip,
	    size_t iplen, int *port, char *err, size_t errlen);

/*
 * Opens a ZooKeeper session with url's servers and follows the leading
 * master. Starts the client's threads and resolves the servers' names:
 * call before the sandbox. -1 with err.
 */
int	offerd_detect_start(struct event_base *, const char *url,
	    offerd_detect_fn, void *arg, char *err, size_t errlen);
/* The leading master now: 0 with ip and port, -1 when none is known. */
int	offerd_detect_leader(char *ip, size_t iplen, int *port);

#endif
