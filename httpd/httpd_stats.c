/*
 * httpd's response counters, named as Aurora's HttpStatsFilter names them:
 * http_<code>_responses_events and http_<code>_responses_nanos_total.
 */
#include "config.h"

#include <stdio.h>

#include "httpd/httpd.h"
#include "ipc/ipc_vars.h"

static struct {
	uint64_t events;
	uint64_t nanos;
} by_code[600];

void
httpd_stats_count(int code, uint64_t nanos)
{
	if (code < 100 || code >= 600)
		return;
	by_code[code].events++;
	by_code[code].nanos += nanos;
}

void
httpd_stats_vars(struct ipc_vars *v)
{
	char name[64];

	for (int code = 100; code < 600; code++) {
		if (by_code[code].events == 0)
			continue;
		snprintf(name, sizeof(name), "http_%d_responses_events", code);
		ipc_vars_int(v, name, (int64_t)by_code[code].events);
		snprintf(name, sizeof(name), "http_%d_responses_nanos_total",
		    code);
		ipc_vars_int(v, name, (int64_t)by_code[code].nanos);
	}
}
