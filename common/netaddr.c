/*
 * Syntax checks for host:port addresses given on the command line.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/netaddr.h"

int
netaddr_parse_port(const char *s, int allow_zero, int *port)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v > 65535 || (v == 0 && !allow_zero))
		return -1;
	*port = (int)v;
	return 0;
}

int
netaddr_check(const char *hp, char *err, size_t errlen)
{
	const char *colon;
	int port;

	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');

		if (close == NULL || close == hp + 1 || close[1] != ':') {
			snprintf(err, errlen, "'%s' must be host:port", hp);
			return -1;
		}
		colon = close + 1;
	} else {
		colon = strrchr(hp, ':');
		if (colon == NULL || colon == hp ||
		    memchr(hp, ':', (size_t)(colon - hp)) != NULL) {
			snprintf(err, errlen, "'%s' must be host:port", hp);
			return -1;
		}
		for (const char *p = hp; p < colon; p++) {
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_') {
				snprintf(err, errlen, "'%s': bad character in "
				    "host name", hp);
				return -1;
			}
		}
	}
	if (netaddr_parse_port(colon + 1, 0, &port) == -1) {
		snprintf(err, errlen, "'%s': port must be a number from 1 to "
		    "65535", hp);
		return -1;
	}
	return 0;
}

int
netaddr_check_list(const char *list, char *err, size_t errlen)
{
	char *copy, *p, *tok;
	int rc = 0;

	if (list[0] == '\0')
		return 0;
	if ((copy = strdup(list)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (p = copy; rc == 0 && (tok = strsep(&p, ",")) != NULL;) {
		if (*tok == '\0') {
			snprintf(err, errlen, "empty entry in list");
			rc = -1;
		} else
			rc = netaddr_check(tok, err, errlen);
	}
	free(copy);
	return rc;
}
