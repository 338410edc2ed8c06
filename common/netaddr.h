/*
 * host:port addresses as written in flags (-zk_endpoints,
 * -mesos_master_address) and in LIBPROCESS_IP / LIBPROCESS_PORT.
 */
#ifndef COMMON_NETADDR_H
#define COMMON_NETADDR_H

#include <stddef.h>

/* Checks one "host:port" (IPv6 hosts in brackets); err says why not. */
int	netaddr_check(const char *hostport, char *err, size_t errlen);
/* Checks a comma-separated list of host:port. */
int	netaddr_check_list(const char *list, char *err, size_t errlen);
/* Checks a port number written in decimal, 1..65535 (0 if allow_zero). */
int	netaddr_parse_port(const char *s, int allow_zero, int *port);

#endif
