/*
 * aurora-local-cluster: allocation that cannot fail (a local test cluster
 * out of memory has nothing sensible left to do), ids, clocks and the
 * names of task states.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/strmap.h"
#include "localcluster/localcluster.h"

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatal("malloc");
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		fatal("calloc");
	return p;
}

struct strmap *
xstrmap_new(void)
{
	struct strmap *m = strmap_new();

	if (m == NULL)
		fatal("strmap_new");
	return m;
}

void
xstrmap_put(struct strmap *m, const char *key, void *value)
{
	if (strmap_put(m, key, value) == -1)
		fatal("strmap_put");
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if ((q = reallocarray(p, n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		fatal("reallocarray");
	return q;
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		fatal("vasprintf");
	return p;
}

/* A random (version 4) UUID, the 16 bytes Mesos puts in status updates. */
void
lc_uuid(uint8_t out[LC_UUID_LEN])
{
	arc4random_buf(out, LC_UUID_LEN);
	out[6] = (out[6] & 0x0f) | 0x40;
	out[8] = (out[8] & 0x3f) | 0x80;
}

void
lc_uuid_str(char out[LC_UUID_STRLEN])
{
	uint8_t u[LC_UUID_LEN];

	lc_uuid(u);
	snprintf(out, LC_UUID_STRLEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
	    u[10], u[11], u[12], u[13], u[14], u[15]);
}

int64_t
lc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall time in seconds, as TaskStatus.timestamp carries it. */
double
lc_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *
lc_state_name(Mesos__V1__TaskState s)
{
	const ProtobufCEnumValue *v;

	v = protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__task_state__descriptor, (int)s);
	return v != NULL ? v->name : "TASK_UNKNOWN";
}

bool
lc_state_terminal(Mesos__V1__TaskState s)
{
	switch (s) {
	case MESOS__V1__TASK_STATE__TASK_FINISHED:
	case MESOS__V1__TASK_STATE__TASK_FAILED:
	case MESOS__V1__TASK_STATE__TASK_KILLED:
	case MESOS__V1__TASK_STATE__TASK_ERROR:
	case MESOS__V1__TASK_STATE__TASK_LOST:
	case MESOS__V1__TASK_STATE__TASK_DROPPED:
	case MESOS__V1__TASK_STATE__TASK_GONE:
	case MESOS__V1__TASK_STATE__TASK_GONE_BY_OPERATOR:
		return true;
	default:
		return false;
	}
}
