/*
 * replica: running the replicated log (see replica_log.h). Election is
 * retried -native_log_election_retries times, each bounded by
 * -native_log_election_timeout, as Aurora retries obtaining its log
 * writer; running out means something is deeply wrong (a broken disk),
 * and the replica exits so master restarts it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/dirs.h"
#include "common/flags.h"
#include "common/log.h"
#include "replica/log_coordinator.h"
#include "replica/log_hub.h"
#include "replica/log_recover.h"
#include "replica/log_storage.h"
#include "replica/replica_log.h"

static struct {
	MDB_env			*env;
	struct log_storage	*storage;
	struct log_hub		*hub;
	struct log_net		*net;
	struct log_recover	*recover;
	struct log_coord	*coord;
	struct event_base	*base;
	size_t			 quorum;
	enum replica_log_state	 state;
	int			 election_attempts;
	replica_log_changed_fn	 changed;
} rl;

static const char *const state_names[] = {
	"RECOVERING", "FOLLOWING", "ELECTING", "WRITING",
};

static void
set_state(enum replica_log_state s)
{
	if (rl.state == s)
		return;
	rl.state = s;
	rl.changed(s);
}

int
replica_log_open(char *err, size_t errlen)
{
	const char *path = flag_str(F_NATIVE_LOG_FILE_PATH);
	char why[512], failed[512];

	/* The log directory itself is LMDB's to create (log_env_open). */
	if (dirs_make_parents(path, failed, sizeof(failed)) == -1) {
		snprintf(err, errlen, "-native_log_file_path=%s: cannot create "
		    "%s: %s", path, failed, strerror(errno));
		return -1;
	}
	if ((rl.env = log_env_open(path, (size_t)flag_bytes(
	    F_NATIVE_LOG_MAP_SIZE), 0, why, sizeof(why))) == NULL ||
	    (rl.storage = log_storage_open(rl.env, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "-native_log_file_path=%s: %s", path,
		    why);
		return -1;
	}
	log_info("Replica recovered with log positions %llu -> %llu with "
	    "%llu unlearned, status %s",
	    (unsigned long long)log_storage_begin(rl.storage),
	    (unsigned long long)log_storage_end(rl.storage),
	    (unsigned long long)log_intervals_count(
	    log_storage_unlearned(rl.storage)),
	    log_status_name(log_storage_status(rl.storage)));
	return 0;
}

static void	elect(void);

static void
elected(void *arg, int ok, uint64_t last)
{
	int retries = (int)flag_int(F_NATIVE_LOG_ELECTION_RETRIES);

	if (ok) {
		rl.election_attempts = 0;
		log_info("Elected as the log's writer; last position %llu",
		    (unsigned long long)last);
		set_state(REPLICA_LOG_WRITING);
		return;
	}
	if (++rl.election_attempts >= retries)
		fatalx("Failed to obtain the log's writer after %d attempts",
		    retries);
	elect();
}

static void
elect(void)
{
	if (log_coord_elect(rl.coord, flag_duration_ms(
	    F_NATIVE_LOG_ELECTION_TIMEOUT), elected, NULL) == -1)
		fatalx("cannot start an election of the log's writer");
}

static void
recovered(void *arg)
{
	log_recover_cancel(rl.recover);
	rl.recover = NULL;
	set_state(REPLICA_LOG_FOLLOWING);
	/* Alone, this scheduler leads: no ZooKeeper to ask. */
	if (rl.quorum == 1) {
		set_state(REPLICA_LOG_ELECTING);
		elect();
	}
}

int
replica_log_start(struct event_base *base, replica_log_changed_fn changed,
    char *err, size_t errlen)
{
	rl.base = base;
	rl.changed = changed;
	rl.state = REPLICA_LOG_RECOVERING;
	rl.quorum = (size_t)flag_int(F_NATIVE_LOG_QUORUM_SIZE);
	if ((rl.hub = log_hub_new(base, 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	log_hub_attach(rl.hub, 0, rl.storage);
	rl.net = log_hub_net(rl.hub, 0);
	if ((rl.coord = log_coord_new(base, rl.net, rl.quorum,
	    rl.storage)) == NULL ||
	    (rl.recover = log_recover_start(base, rl.net, rl.quorum,
	    rl.storage, recovered, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

enum replica_log_state
replica_log_state(void)
{
	return rl.state;
}

int
replica_log_ready(void)
{
	return rl.storage != NULL &&
	    log_storage_status(rl.storage) == LOG_METADATA__STATUS__VOTING;
}

void
replica_log_vars(struct ipc_vars *v)
{
	char name[64];

	if (rl.storage == NULL)
		return;
	for (int s = LOG_METADATA__STATUS__VOTING;
	    s <= LOG_METADATA__STATUS__EMPTY; s++) {
		snprintf(name, sizeof(name), "native_log_replica_status_%s",
		    log_status_name(s));
		ipc_vars_int(v, name, log_storage_status(rl.storage) ==
		    (LogMetadata__Status)s);
	}
	ipc_vars_str(v, "native_log_state", state_names[rl.state]);
	ipc_vars_int(v, "native_log_position_begin",
	    (int64_t)log_storage_begin(rl.storage));
	ipc_vars_int(v, "native_log_position_end",
	    (int64_t)log_storage_end(rl.storage));
	ipc_vars_int(v, "native_log_unlearned_positions",
	    (int64_t)log_intervals_count(log_storage_unlearned(rl.storage)));
	ipc_vars_int(v, "native_log_promised",
	    (int64_t)log_storage_promised(rl.storage));
	if (rl.coord != NULL)
		ipc_vars_int(v, "native_log_proposal",
		    (int64_t)log_coord_proposal(rl.coord));
	ipc_vars_int(v, "native_log_storage_ready", replica_log_ready());
}
