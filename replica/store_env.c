/* replica: the store's unsynced LMDB environment (see store_env.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <lmdb.h>

#include "replica/lmdb_util.h"
#include "replica/store_env.h"

struct store_env {
	MDB_env		*env;
	int		 dirfd;
	int		 marked;	/* the marker file is on disk */
};

int
store_env_boot_id(char *buf, size_t len)
{
	FILE *f;
	size_t n;

	if ((f = fopen(STORE_ENV_BOOT_ID_PATH, "r")) == NULL)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* The boot id in the marker into buf: 1, 0 when there is none, -1. */
static int
read_marker(int dirfd, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = openat(dirfd, STORE_ENV_MARKER, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 1;
}

/* Durably, before the first unsynced write: a torn marker is no marker. */
static int
write_marker(int dirfd, const char *boot_id)
{
	const char *tmp = STORE_ENV_MARKER ".new";
	size_t len = strlen(boot_id);
	int fd, ok;

	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	ok = write(fd, boot_id, len) == (ssize_t)len &&
	    write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	close(fd);
	if (!ok || renameat(dirfd, tmp, dirfd, STORE_ENV_MARKER) == -1)
		return -1;
	return fsync(dirfd);
}

/* The machine went down under unsynced pages: start over from the log. */
static int
discard(int dirfd)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (unlinkat(dirfd, files[i], 0) == -1 && errno != ENOENT)
			return -1;
	if (unlinkat(dirfd, STORE_ENV_MARKER, 0) == -1 && errno != ENOENT)
		return -1;
	return fsync(dirfd);
}

static int
open_dir(const char *log_dir, char *path, size_t pathlen, char *err,
    size_t errlen)
{
	int fd;

	if ((size_t)snprintf(path, pathlen, "%s/%s", log_dir,
	    STORE_ENV_DIR) >= pathlen) {
		snprintf(err, errlen, "%s/%s: path too long", log_dir,
		    STORE_ENV_DIR);
		return -1;
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
	return fd;
}

struct store_env *
store_env_open(const char *log_dir, size_t map_size, const char *boot_id,
    int *discarded, char *err, size_t errlen)
{
	struct store_env *se;
	char path[4096], marker[128];
	int rc, found;

	*discarded = 0;
	if ((se = calloc(1, sizeof(*se))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((se->dirfd = open_dir(log_dir, path, sizeof(path), err,
	    errlen)) == -1) {
		free(se);
		return NULL;
	}
	if ((found = read_marker(se->dirfd, marker, sizeof(marker))) == -1) {
		snprintf(err, errlen, "cannot read %s/%s: %s", path,
		    STORE_ENV_MARKER, strerror(errno));
		goto fail;
	}
	if (found && (boot_id == NULL || strcmp(marker, boot_id) != 0)) {
		if (discard(se->dirfd) == -1) {
			snprintf(err, errlen, "cannot remove the store in %s "
			    "after an unclean restart: %s", path,
			    strerror(errno));
			goto fail;
		}
		*discarded = 1;
	}
	if (boot_id != NULL && (!found || *discarded) &&
	    write_marker(se->dirfd, boot_id) == -1) {
		snprintf(err, errlen, "cannot write %s/%s: %s", path,
		    STORE_ENV_MARKER, strerror(errno));
		goto fail;
	}
	se->marked = boot_id != NULL;
	if ((rc = mdb_env_create(&se->env)) != 0) {
		lmdb_error(err, errlen, "cannot create the store's LMDB "
		    "environment", rc);
		goto fail;
	}
	mdb_env_set_maxdbs(se->env, 16);
	if ((rc = mdb_env_set_mapsize(se->env, map_size)) != 0 ||
	    (rc = mdb_env_open(se->env, path, MDB_NOTLS |
	    (boot_id != NULL ? MDB_NOSYNC : 0), 0600)) != 0) {
		lmdb_error(err, errlen, path, rc);
		mdb_env_close(se->env);
		goto fail;
	}
	return se;
fail:
	close(se->dirfd);
	free(se);
	return NULL;
}

MDB_env *
store_env_lmdb(const struct store_env *se)
{
	return se->env;
}

int
store_env_close(struct store_env *se, char *err, size_t errlen)
{
	int rc, ret = 0;

	if ((rc = mdb_env_sync(se->env, 1)) != 0) {
		lmdb_error(err, errlen, "cannot sync the store", rc);
		ret = -1;
	} else if (se->marked && (unlinkat(se->dirfd, STORE_ENV_MARKER,
	    0) == -1 || fsync(se->dirfd) == -1)) {
		snprintf(err, errlen, "cannot mark the store clean: %s",
		    strerror(errno));
		ret = -1;
	}
	mdb_env_close(se->env);
	close(se->dirfd);
	free(se);
	return ret;
}
