/*
 * -global_container_mounts parsing: good lists and each bad entry named.
 */
#include "config.h"

#include "common/mounts.h"
#include "tests/unit/check.h"

int
main(void)
{
	struct mount_list *ml;
	char err[256];

	ml = mounts_parse("", err, sizeof(err));
	CHECK(ml != NULL && ml->count == 0);
	mounts_free(ml);

	ml = mounts_parse("/etc/ssl:/etc/ssl:ro,/data:/mnt/data,/x:/y:rw",
	    err, sizeof(err));
	CHECK(ml != NULL && ml->count == 3);
	if (ml != NULL && ml->count == 3) {
		CHECK_STR(ml->mounts[0].host_path, "/etc/ssl");
		CHECK(ml->mounts[0].mode == MOUNT_RO);
		CHECK_STR(ml->mounts[1].container_path, "/mnt/data");
		CHECK(ml->mounts[1].mode == MOUNT_RW);
		CHECK(ml->mounts[2].mode == MOUNT_RW);
	}
	mounts_free(ml);

	CHECK(mounts_parse("/a:/b:rx", err, sizeof(err)) == NULL);
	CHECK_STR(err, "entry '/a:/b:rx': mode 'rx' must be ro or rw");
	CHECK(mounts_parse("/ok:/ok,/a:/b:RO", err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "entry '/a:/b:RO'");
	CHECK(mounts_parse("/a", err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "'host:container[:mode]'");
	CHECK(mounts_parse("/a:/b:ro:x", err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "'/a:/b:ro:x'");
	CHECK(mounts_parse("a:/b", err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "must be absolute");
	CHECK(mounts_parse("/a:b", err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "must be absolute");
	CHECK(mounts_parse("/a:/b,", err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "empty entry");
	CHECK(mounts_parse(":/b", err, sizeof(err)) == NULL);
	return check_done("test_mounts");
}
