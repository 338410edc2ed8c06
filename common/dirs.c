/*
 * Creating parent directories (see dirs.h); used by master for its run
 * and log directories and by replica for the log's directory.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/dirs.h"

int
dirs_make_parents(const char *path, char *failed, size_t failedlen)
{
	char tmp[PATH_MAX];

	if (strlen(path) >= sizeof(tmp)) {
		snprintf(failed, failedlen, "%s", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(tmp, path);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) == -1 && errno != EEXIST) {
			snprintf(failed, failedlen, "%s", tmp);
			return -1;
		}
		*p = '/';
	}
	return 0;
}
