/*
 * master's checks and preparations before any worker starts: the flags
 * that only make sense together, the environment Aurora reads
 * (LIBPROCESS_PORT, LIBPROCESS_IP), -run_dir with httpd's chroot and the
 * IPC socket directory, and the per-worker log files in -log_dir.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/dirs.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/privdrop.h"
#include "ipc/ipc.h"
#include "master/master.h"

static uid_t httpd_uid;
static gid_t httpd_gid;

int
master_check_config(char *err, size_t errlen)
{
	const char *env;
	struct in_addr in;
	char url[256], root[512];
	int port;

	if (geteuid() != 0) {
		snprintf(err, errlen, "aurora-scheduler must be started as "
		    "root: httpd binds its port, then drops to -user=%s",
		    flag_str(F_USER));
		return -1;
	}
	if (privdrop_lookup(flag_str(F_USER), &httpd_uid, &httpd_gid, err,
	    errlen) == -1)
		return -1;
	if (flag_str(F_ZK_ENDPOINTS)[0] == '\0' &&
	    flag_int(F_NATIVE_LOG_QUORUM_SIZE) != 1) {
		snprintf(err, errlen, "-native_log_quorum_size=%lld needs "
		    "-zk_endpoints: without ZooKeeper one scheduler runs alone "
		    "and the quorum must be 1",
		    flag_int(F_NATIVE_LOG_QUORUM_SIZE));
		return -1;
	}
	if (flag_str(F_ZK_ENDPOINTS)[0] != '\0' &&
	    flag_str(F_NATIVE_LOG_ZK_GROUP_PATH)[0] == '\0') {
		snprintf(err, errlen, "-zk_endpoints needs "
		    "-native_log_zk_group_path: the log replicas find each "
		    "other there");
		return -1;
	}
	if (flag_str(F_ZK_ENDPOINTS)[0] != '\0' &&
	    flag_int(F_HTTP_PORT) == 0) {
		snprintf(err, errlen, "-http_port=0 cannot be used with "
		    "-zk_endpoints: the leader announces its HTTP port in "
		    "ZooKeeper; choose a port");
		return -1;
	}
	if ((env = getenv("LIBPROCESS_PORT")) != NULL &&
	    netaddr_parse_port(env, 1, &port) == -1) {
		snprintf(err, errlen, "LIBPROCESS_PORT='%s' is not a port "
		    "number (0 to 65535)", env);
		return -1;
	}
	if ((env = getenv("LIBPROCESS_IP")) != NULL &&
	    inet_pton(AF_INET, env, &in) != 1) {
		snprintf(err, errlen, "LIBPROCESS_IP='%s' is not an IPv4 "
		    "address", env);
		return -1;
	}
	snprintf(root, sizeof(root), "%s/httpd", flag_str(F_RUN_DIR));
	if (ipc_url(url, sizeof(url), root, "replica") == -1) {
		snprintf(err, errlen, "-run_dir=%s is too long for the IPC "
		    "socket paths below it; choose a shorter one",
		    flag_str(F_RUN_DIR));
		return -1;
	}
	return 0;
}

/* mkdir -p with the last component's owner and mode set as asked. */
static int
make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	char failed[512];

	snprintf(failed, sizeof(failed), "%s", path);
	if (dirs_make_parents(path, failed, sizeof(failed)) == -1 ||
	    (mkdir(path, mode) == -1 && errno != EEXIST) ||
	    chown(path, uid, gid) == -1 || chmod(path, mode) == -1) {
		snprintf(err, errlen, "cannot prepare directory %s: %s",
		    failed, strerror(errno));
		return -1;
	}
	return 0;
}

int
master_prepare_dirs(char *err, size_t errlen)
{
	char path[512];

	/*
	 * run_dir and httpd's chroot: root's, reachable by httpd's group.
	 * The socket directory inside is the only thing httpd can see.
	 */
	if (make_dir(flag_str(F_RUN_DIR), 0750, 0, httpd_gid, err,
	    errlen) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/httpd", flag_str(F_RUN_DIR));
	if (make_dir(path, 0750, 0, httpd_gid, err, errlen) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/httpd/ipc", flag_str(F_RUN_DIR));
	if (make_dir(path, 0750, 0, httpd_gid, err, errlen) == -1)
		return -1;
	if (flag_str(F_LOG_DIR)[0] != '\0' &&
	    make_dir(flag_str(F_LOG_DIR), 0750, 0, 0, err, errlen) == -1)
		return -1;
	/* The embedded local cluster's sandboxes, when it runs. */
	if (flag_str(F_MESOS_MASTER_ADDRESS)[0] == '\0' &&
	    make_dir(flag_str(F_LOCAL_CLUSTER_WORK_DIR), 0755, 0, 0, err,
	    errlen) == -1)
		return -1;
	return 0;
}

static int
open_log(const char *name, char *err, size_t errlen)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.log", flag_str(F_LOG_DIR), name);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
	return fd;
}

/*
 * master's own lines go to standard error, which becomes master.log; each
 * worker's lines go to its log_fd. Without -log_dir everything stays on
 * master's standard error.
 */
int
master_open_logs(struct proc_entry *procs, int nprocs, char *err,
    size_t errlen)
{
	int fd;

	for (int i = 0; i < nprocs; i++)
		procs[i].log_fd = STDERR_FILENO;
	if (flag_str(F_LOG_DIR)[0] == '\0')
		return 0;
	if ((fd = open_log("master", err, errlen)) == -1)
		return -1;
	if (dup2(fd, STDERR_FILENO) == -1) {
		snprintf(err, errlen, "dup2: %s", strerror(errno));
		return -1;
	}
	close(fd);
	for (int i = 0; i < nprocs; i++) {
		if ((procs[i].log_fd = open_log(procs[i].name, err,
		    errlen)) == -1)
			return -1;
	}
	return 0;
}

int
master_reopen_logs(struct proc_entry *procs, int nprocs)
{
	char err[256];
	int fd;

	if (flag_str(F_LOG_DIR)[0] == '\0')
		return 0;
	if ((fd = open_log("master", err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	dup2(fd, STDERR_FILENO);
	close(fd);
	for (int i = 0; i < nprocs; i++) {
		if ((fd = open_log(procs[i].name, err, sizeof(err))) == -1) {
			log_warnx("%s", err);
			continue;
		}
		/* Keep the number: the log pipe's reader writes to it. */
		dup3(fd, procs[i].log_fd, O_CLOEXEC);
		close(fd);
	}
	log_info("log files reopened");
	return 0;
}
