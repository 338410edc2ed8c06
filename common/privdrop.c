/*
 * Privilege dropping, in the order every worker follows: chroot + chdir,
 * setgroups, setresgid, setresuid, then a check that root cannot be had back.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/privdrop.h"

int
privdrop_lookup(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "-user: no such user '%s'", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "-user: '%s' is root; httpd needs an "
		    "unprivileged user", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
privdrop(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (dir != NULL && (chroot(dir) == -1 || chdir("/") == -1)) {
		snprintf(err, errlen, "chroot %s: %s", dir, strerror(errno));
		return -1;
	}
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		snprintf(err, errlen, "cannot become uid %u gid %u: %s",
		    (unsigned)uid, (unsigned)gid, strerror(errno));
		return -1;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid) {
		snprintf(err, errlen, "uid/gid did not change as asked");
		return -1;
	}
	/* If root can be had back, the drop did not stick. */
	if (setuid(0) != -1) {
		snprintf(err, errlen, "could regain root after dropping it");
		return -1;
	}
	return 0;
}

int
privdrop_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}
