/*
 * -global_container_mounts: "hostpath:containerpath[:mode]" entries,
 * comma-separated; mode is ro or rw (rw if omitted); both paths absolute.
 */
#ifndef COMMON_MOUNTS_H
#define COMMON_MOUNTS_H

#include <stddef.h>

enum mount_mode { MOUNT_RW, MOUNT_RO };

struct mount {
	char		*host_path;
	char		*container_path;
	enum mount_mode	 mode;
};

struct mount_list {
	size_t		 count;
	struct mount	*mounts;
};

/* Returns NULL with err naming the bad entry and why. "" gives no mounts. */
struct mount_list *mounts_parse(const char *raw, char *err, size_t errlen);
void	mounts_free(struct mount_list *);

#endif
