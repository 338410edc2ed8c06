/*
 * Dropping root: chroot, then groups, gid and uid (checked), then
 * no_new_privs. Used by httpd after it has bound its port.
 */
#ifndef COMMON_PRIVDROP_H
#define COMMON_PRIVDROP_H

#include <sys/types.h>

/* Looks up an unprivileged user; -1 with err if unknown or root. */
int	privdrop_lookup(const char *user, uid_t *, gid_t *, char *err,
	    size_t errlen);
/* chroot(dir) (if dir is not NULL), chdir("/"), then become uid/gid. */
int	privdrop(const char *chroot_dir, uid_t, gid_t, char *err, size_t errlen);
int	privdrop_no_new_privs(void);

#endif
