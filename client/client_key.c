/*
 * client: job keys (CLUSTER/ROLE/ENV/NAME), instance lists ("0,2-4") and
 * task instances (KEY/INSTANCE), with Aurora's checks and wording.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

#define MAX_INSTANCES	100000

bool
client_identifier_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return false;
	return true;
}

/* Splits s at '/' into at most max parts; the count, or -1 if more. */
static int
split(const char *s, char parts[][CLIENT_ID_LEN], int max, char *err,
    size_t errlen)
{
	const char *p = s, *slash;
	int n = 0;
	size_t len;

	for (;;) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == max)
			return -1;
		if (len >= CLIENT_ID_LEN) {
			client_fail(err, errlen, "'%.40s...' is too long", p);
			return -2;
		}
		memcpy(parts[n], p, len);
		parts[n][len] = '\0';
		n++;
		if (slash == NULL)
			return n;
		p = slash + 1;
	}
}

/* As AuroraJobKey: the cluster is any name clusters.json may hold. */
static int
check_ids(const struct client_jobkey *k, char *err, size_t errlen)
{
	static const char *const names[] = { "role", "env", "name" };
	const char *v[] = { k->role, k->env, k->name };
	int i;

	for (i = 0; i < 3; i++)
		if (!client_identifier_ok(v[i]))
			return client_fail(err, errlen, "Invalid %s '%s'",
			    names[i], v[i]);
	return 0;
}

static void
set_key(struct client_jobkey *k, char parts[][CLIENT_ID_LEN])
{
	memcpy(k->cluster, parts[0], CLIENT_ID_LEN);
	memcpy(k->role, parts[1], CLIENT_ID_LEN);
	memcpy(k->env, parts[2], CLIENT_ID_LEN);
	memcpy(k->name, parts[3], CLIENT_ID_LEN);
}

int
client_jobkey_parse(const char *s, struct client_jobkey *k, char *err,
    size_t errlen)
{
	char parts[4][CLIENT_ID_LEN];
	int n;

	if ((n = split(s, parts, 4, err, errlen)) == -2)
		return -1;
	if (n != 4)
		return client_fail(err, errlen, "Invalid path '%s'. path "
		    "should be a string in the form CLUSTER/ROLE/ENV/NAME", s);
	set_key(k, parts);
	return check_ids(k, err, errlen);
}

int
client_jobkey_parse_partial(const char *s, struct client_jobkey *k,
    char *err, size_t errlen)
{
	char parts[4][CLIENT_ID_LEN];
	int n;

	if ((n = split(s, parts, 4, err, errlen)) == -2)
		return -1;
	if (n == -1)
		return client_fail(err, errlen,
		    "Job key must have no more than 4 segments");
	for (; n < 4; n++)
		strcpy(parts[n], "*");
	set_key(k, parts);
	return 0;
}

void
client_jobkey_str(const struct client_jobkey *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s/%s", k->cluster, k->role, k->env,
	    k->name);
}

bool
client_jobkey_bound(const struct client_jobkey *k)
{
	return strchr(k->cluster, '*') == NULL &&
	    strchr(k->role, '*') == NULL && strchr(k->env, '*') == NULL &&
	    strchr(k->name, '*') == NULL;
}

static int
cmp_int32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return x < y ? -1 : x > y;
}

void
client_ids_sort_unique(int32_t *ids, size_t *n)
{
	size_t i, j;

	if (*n == 0)
		return;
	qsort(ids, *n, sizeof(*ids), cmp_int32);
	for (i = j = 1; i < *n; i++)
		if (ids[j - 1] != ids[i])
			ids[j++] = ids[i];
	*n = j;
}

bool
client_ids_contains(const int32_t *ids, size_t n, int32_t id)
{
	return n > 0 && bsearch(&id, ids, n, sizeof(*ids), cmp_int32) != NULL;
}

int
client_instance_range(int32_t last, int count, int32_t **ids, char *err,
    size_t errlen)
{
	int64_t first = (int64_t)last + 1;
	int i;

	if (count < 0 || first + count - 1 > INT32_MAX)
		return client_fail(err, errlen, "Cannot add %d instances after "
		    "instance %d: instance ids end at %d", count, last,
		    INT32_MAX);
	if (ids != NULL) {
		*ids = client_xcalloc((size_t)count, sizeof(**ids));
		for (i = 0; i < count; i++)
			(*ids)[i] = (int32_t)(first + i);
	}
	return 0;
}

static int
parse_int(const char *s, size_t len, long *out)
{
	char buf[32], *end;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtol(buf, &end, 10);
	if (*end != '\0' || errno != 0 || *out < 0 || *out > INT32_MAX)
		return -1;
	return 0;
}

int
client_instances_parse(const char *s, int32_t **ids, size_t *n, char *err,
    size_t errlen)
{
	const char *p = s, *comma, *dash;
	int32_t *v = NULL;
	size_t cnt = 0, cap = 0, len;
	long first, last;

	*ids = NULL;
	*n = 0;
	if (*s == '\0')
		return client_fail(err, errlen,
		    "Instance specifier must be non-empty");
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		dash = memchr(p, '-', len);
		if (dash == NULL) {
			if (parse_int(p, len, &first) == -1)
				goto bad;
			last = first;
		} else if (parse_int(p, (size_t)(dash - p), &first) == -1 ||
		    parse_int(dash + 1, len - (size_t)(dash - p) - 1,
		    &last) == -1) {
			goto bad;
		}
		if (first > last) {
			free(v);
			return client_fail(err, errlen,
			    "Invalid instance range: %.*s", (int)len, p);
		}
		if (cnt + (size_t)(last - first) + 1 > MAX_INSTANCES) {
			free(v);
			return client_fail(err, errlen, "Too many instances "
			    "in '%s' (at most %d)", s, MAX_INSTANCES);
		}
		for (; first <= last; first++) {
			if (cnt == cap) {
				int32_t *nv;

				cap = cap == 0 ? 16 : cap * 2;
				nv = client_xcalloc(cap, sizeof(*nv));
				if (cnt > 0)
					memcpy(nv, v, cnt * sizeof(*nv));
				free(v);
				v = nv;
			}
			v[cnt++] = (int32_t)first;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	client_ids_sort_unique(v, &cnt);
	*ids = v;
	*n = cnt;
	return 0;
bad:
	free(v);
	return client_fail(err, errlen, "Invalid instance list '%s': "
	    "expected instances or ranges like 0,2-4", s);
}

int
client_instance_spec_parse(const char *s, struct client_jobkey *k,
    int32_t **ids, size_t *n, bool *all, char *err, size_t errlen)
{
	char parts[5][CLIENT_ID_LEN];
	int cnt;

	*ids = NULL;
	*n = 0;
	*all = false;
	if (*s == '\0')
		return client_fail(err, errlen,
		    "Instance specifier must be non-empty");
	if ((cnt = split(s, parts, 5, err, errlen)) == -2)
		return -1;
	if (cnt != 4 && cnt != 5)
		return client_fail(err, errlen, "Instance specifier must be a "
		    "CLUSTER/ROLE/ENV/JOB/INSTANCES tuple");
	set_key(k, parts);
	if (check_ids(k, err, errlen) == -1)
		return -1;
	if (cnt == 4 || parts[4][0] == '\0') {
		*all = true;
		return 0;
	}
	return client_instances_parse(parts[4], ids, n, err, errlen);
}

int
client_task_instance_parse(const char *s, struct client_jobkey *k,
    int32_t *instance, char *err, size_t errlen)
{
	char parts[5][CLIENT_ID_LEN];
	long v;
	int cnt;

	if ((cnt = split(s, parts, 5, err, errlen)) == -2)
		return -1;
	if (cnt != 5)
		return client_fail(err, errlen, "Task instance specifier %s "
		    "is not in the form CLUSTER/ROLE/ENV/NAME/INSTANCE", s);
	set_key(k, parts);
	if (parse_int(parts[4], strlen(parts[4]), &v) == -1)
		return client_fail(err, errlen, "Instance must be an integer, "
		    "but got %s", parts[4]);
	*instance = (int32_t)v;
	return check_ids(k, err, errlen);
}

void
client_instances_str(const int32_t *ids, size_t n, char *buf, size_t len)
{
	size_t i, off;

	off = (size_t)snprintf(buf, len, "[");
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%d",
		    i > 0 ? ", " : "", ids[i]);
	if (off < len)
		snprintf(buf + off, len - off, "]");
}

void
client_jobkey_thrift(const struct client_jobkey *k, JobKey *jk)
{
	job_key__init(jk);
	jk->role = (char *)(uintptr_t)k->role;
	jk->environment = (char *)(uintptr_t)k->env;
	jk->name = (char *)(uintptr_t)k->name;
}
