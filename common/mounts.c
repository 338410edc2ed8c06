/*
 * Parsing of -global_container_mounts, shared by master (checked at start)
 * and offerd (turned into Docker volumes).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "common/mounts.h"

void
mounts_free(struct mount_list *ml)
{
	if (ml == NULL)
		return;
	for (size_t i = 0; i < ml->count; i++) {
		free(ml->mounts[i].host_path);
		free(ml->mounts[i].container_path);
	}
	free(ml->mounts);
	free(ml);
}

/* Parses one entry (not NUL-terminated: len bytes at s) into m. */
static int
parse_entry(const char *s, size_t len, struct mount *m, char *err,
    size_t errlen)
{
	char *entry, *parts[4];
	int n = 0;

	if ((entry = strndup(s, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (char *p = entry, *tok; n < 4 && (tok = strsep(&p, ":")) != NULL;)
		parts[n++] = tok;
	if (len == 0) {
		snprintf(err, errlen, "empty entry");
		goto fail;
	}
	if (n < 2 || n > 3) {
		snprintf(err, errlen, "entry '%.*s' must be in the format of "
		    "'host:container[:mode]'", (int)len, s);
		goto fail;
	}
	if (parts[0][0] != '/' || parts[1][0] != '/') {
		snprintf(err, errlen, "entry '%.*s': host path '%s' and "
		    "container path '%s' must be absolute", (int)len, s,
		    parts[0], parts[1]);
		goto fail;
	}
	m->mode = MOUNT_RW;
	if (n == 3) {
		if (strcmp(parts[2], "ro") == 0)
			m->mode = MOUNT_RO;
		else if (strcmp(parts[2], "rw") != 0) {
			snprintf(err, errlen, "entry '%.*s': mode '%s' must be "
			    "ro or rw", (int)len, s, parts[2]);
			goto fail;
		}
	}
	m->host_path = strdup(parts[0]);
	m->container_path = strdup(parts[1]);
	free(entry);
	if (m->host_path == NULL || m->container_path == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
fail:
	free(entry);
	return -1;
}

struct mount_list *
mounts_parse(const char *raw, char *err, size_t errlen)
{
	struct mount_list *ml;
	size_t cap = 1;

	if ((ml = calloc(1, sizeof(*ml))) == NULL)
		return NULL;
	if (raw[0] == '\0')
		return ml;
	for (const char *p = raw; *p; p++)
		cap += *p == ',';
	if ((ml->mounts = calloc(cap, sizeof(*ml->mounts))) == NULL) {
		free(ml);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (const char *p = raw;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (parse_entry(p, len, &ml->mounts[ml->count], err,
		    errlen) == -1) {
			mounts_free(ml);
			return NULL;
		}
		ml->count++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return ml;
}
