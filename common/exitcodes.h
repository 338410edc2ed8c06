/*
 * Exit codes shared by master and its workers. master does not respawn a
 * worker that exits with EXIT_CONFIG: its configuration cannot work, and
 * restarting it would only repeat the failure.
 */
#ifndef COMMON_EXITCODES_H
#define COMMON_EXITCODES_H

#define EXIT_CONFIG	2	/* bad flag, bad configuration: do not respawn */
#define EXIT_MASTER_GONE 3	/* a worker whose master died */
/* A worker met what makes Aurora exit (e.g. no Mesos registration in
 * time): master stops the whole scheduler, so monit restarts it. */
#define EXIT_ABORT	4

#endif
