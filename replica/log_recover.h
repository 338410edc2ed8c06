/*
 * replica: bringing a replica that is not VOTING into the Paxos group (the
 * Mesos log's recover protocol, without auto-initialisation: a new log is
 * initialised by `aurora-log initialize`). It broadcasts recover requests
 * until a quorum of VOTING replicas answers, marks the local replica
 * RECOVERING (persisted, so a crash mid-way resumes), fills every position
 * between the lowest beginning and the highest end they reported, and
 * only then marks it VOTING. Until then it answers promises and writes
 * with IGNORED, so it never votes with a log it does not have.
 */
#ifndef REPLICA_LOG_RECOVER_H
#define REPLICA_LOG_RECOVER_H

#include <event2/event.h>

#include "replica/log_net.h"
#include "replica/log_storage.h"

struct log_recover;

typedef void (*log_recover_fn)(void *arg);

/* fn runs once the local replica is VOTING (at once if it already is). */
struct log_recover *log_recover_start(struct event_base *, struct log_net *,
	    size_t quorum, struct log_storage *local, log_recover_fn,
	    void *arg);
void	log_recover_cancel(struct log_recover *);

#endif
