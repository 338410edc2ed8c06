/*
 * replica: running the replicated log (see replica_log.h). Election is
 * retried -native_log_election_retries times, each bounded by
 * -native_log_election_timeout, as Aurora retries obtaining its log
 * writer; running out means something is deeply wrong (a broken disk, no
 * quorum), and the replica exits so master restarts it.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dirs.h"
#include "common/flags.h"
#include "common/log.h"
#include "replica/log_coordinator.h"
#include "replica/log_hub.h"
#include "replica/log_net_tcp.h"
#include "replica/log_paxos.h"
#include "replica/log_recover.h"
#include "replica/log_storage.h"
#include "replica/replica_log.h"
#include "replica/log_wal.h"

static struct {
	MDB_env			*env;
	struct log_storage	*storage;
	struct log_hub		*hub;		/* alone: no ZooKeeper */
	struct log_net_tcp	*tcp;		/* with the other schedulers */
	struct log_net		*net;
	struct log_recover	*recover;
	struct log_coord	*coord;
	struct event		*retry;		/* the next election attempt */
	struct event		*heartbeat;	/* the writer's last learned */
	struct log_catchup	*catchup;	/* a follower filling holes */
	struct event		*learned_ev;	/* writes waiting learned marks */
	struct event_base	*base;
	size_t			 quorum;
	enum replica_log_state	 state;
	int			 election_attempts;
	size_t			 waiting_known;	/* replicas known, short of a quorum */
	int			 leading;	/* this scheduler leads */
	int			 fenced;	/* refuses to write */
	uint64_t		 id;
	replica_log_changed_fn	 changed;
} rl;

static void	elect(void);
static void	settle(void);

static const char *const state_names[] = {
	"RECOVERING", "FOLLOWING", "ELECTING", "WRITING",
};

/*
 * A writer repeats its last learned position every second: a follower
 * that missed learned notices (it restarted, a connection dropped) then
 * sees a position past its end, and catches up the positions before it.
 */
#define HEARTBEAT_SECS	1

/*
 * Learned marks and accepts (kept in the write-ahead file meanwhile) wait
 * this long for one LMDB commit to take them all, so they cost no flush
 * of their own under load.
 */
#define LEARNED_WAIT_MS	20

static void
write_learned(evutil_socket_t fd, short what, void *arg)
{
	char err[256];

	if (log_storage_write_learned(rl.storage, err, sizeof(err)) == -1)
		log_warnx("%s (they are learned again from the other "
		    "replicas)", err);
}

static void
learned_waiting(void *arg)
{
	struct timeval tv = { 0, LEARNED_WAIT_MS * 1000 };

	if (!evtimer_pending(rl.learned_ev, NULL))
		evtimer_add(rl.learned_ev, &tv);
}

static void
heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { HEARTBEAT_SECS, 0 };
	LogAction *a = NULL;
	uint64_t next = log_coord_next_position(rl.coord);
	char err[256];

	if (rl.state != REPLICA_LOG_WRITING)
		return;
	evtimer_add(rl.heartbeat, &tv);
	if (next == 0 || log_storage_missing(rl.storage, next - 1))
		return;
	if (log_storage_read(rl.storage, next - 1, &a, err, sizeof(err)) != 1)
		return;
	log_learn(rl.net, a);
	log_action__free_unpacked(a, NULL);
}

static void
set_state(enum replica_log_state s)
{
	struct timeval tv = { HEARTBEAT_SECS, 0 };

	if (rl.state == s)
		return;
	rl.state = s;
	if (s == REPLICA_LOG_WRITING)
		evtimer_add(rl.heartbeat, &tv);
	else
		evtimer_del(rl.heartbeat);
	if (s != REPLICA_LOG_FOLLOWING && rl.catchup != NULL) {
		log_catchup_cancel(rl.catchup);
		rl.catchup = NULL;
	}
	rl.changed(s);
}

static void
caught_up(void *arg, uint64_t proposal)
{
	rl.catchup = NULL;	/* it frees itself */
}

void
replica_log_catch_up(uint64_t from, uint64_t to)
{
	struct log_intervals wanted;

	if (rl.state != REPLICA_LOG_FOLLOWING || rl.catchup != NULL ||
	    from > to)
		return;
	log_intervals_init(&wanted);
	if (log_intervals_add(&wanted, from, to) == -1)
		return;
	log_info("Catching up log positions %llu to %llu",
	    (unsigned long long)from, (unsigned long long)to);
	/* Positions already learned here are skipped by the catch-up. */
	rl.catchup = log_catchup_start(rl.base, rl.net, rl.quorum, rl.storage,
	    log_storage_promised(rl.storage), &wanted, caught_up, NULL);
	log_intervals_free(&wanted);
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
	snprintf(failed, sizeof(failed), "%s/%s", path, LOG_WAL_FILE);
	if (log_storage_attach_wal(rl.storage, failed, 0, why,
	    sizeof(why)) == -1 ||
	    log_storage_replica_id(rl.storage, &rl.id, why,
	    sizeof(why)) == -1) {
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

/*
 * The address other replicas dial: LIBPROCESS_IP (as for the Mesos log),
 * else -ip, else this host's name resolved. Before the sandbox.
 */
static int
log_ip(char *out, size_t len, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_INET,
	    .ai_socktype = SOCK_STREAM }, *res;
	const char *env = getenv("LIBPROCESS_IP");
	char host[256];
	int rc;

	if (env != NULL && env[0] != '\0') {
		snprintf(out, len, "%s", env);
		return 0;
	}
	if (flag_str(F_IP)[0] != '\0') {
		snprintf(out, len, "%s", flag_str(F_IP));
		return 0;
	}
	if (gethostname(host, sizeof(host)) == -1 ||
	    (rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot find this host's address for the "
		    "log replicas; set LIBPROCESS_IP or -ip");
		return -1;
	}
	getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t)len, NULL,
	    0, NI_NUMERICHOST);
	freeaddrinfo(res);
	return 0;
}

int
replica_log_listen(struct event_base *base, int with_peers, char *err,
    size_t errlen)
{
	const char *env = getenv("LIBPROCESS_PORT");
	char ip[256];

	rl.base = base;
	if ((rl.learned_ev = evtimer_new(base, write_learned, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	log_storage_on_deferred(rl.storage, learned_waiting, NULL);
	if (!with_peers) {
		if ((rl.hub = log_hub_new(base, 1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		log_hub_attach(rl.hub, 0, rl.storage);
		rl.net = log_hub_net(rl.hub, 0);
		return 0;
	}
	if (log_ip(ip, sizeof(ip), err, errlen) == -1 ||
	    (rl.tcp = log_net_tcp_new(base, ip, env != NULL ? atoi(env) : 0,
	    rl.storage, err, errlen)) == NULL)
		return -1;
	rl.net = log_net_tcp_net(rl.tcp);
	log_info("Log replica listening on %s", log_net_tcp_address(rl.tcp));
	return 0;
}

const char *
replica_log_address(void)
{
	return rl.tcp != NULL ? log_net_tcp_address(rl.tcp) : "";
}

uint64_t
replica_log_id(void)
{
	return rl.id;
}

void
replica_log_set_peers(const char *const *addrs, size_t n)
{
	if (rl.tcp != NULL && log_net_tcp_set_peers(rl.tcp, addrs, n) == -1)
		log_warnx("cannot set the log's peers: out of memory");
	settle();	/* a leader waiting for a quorum may go on */
}

static size_t
replicas_known(void)
{
	return rl.tcp != NULL ? log_net_tcp_size(rl.tcp) : 1;
}

static int
should_write(void)
{
	return rl.leading && !rl.fenced && rl.recover == NULL;
}

static void
retry_fired(evutil_socket_t fd, short what, void *arg)
{
	if (should_write() && rl.state == REPLICA_LOG_ELECTING)
		elect();
}

static void
elected(void *arg, int ok, uint64_t last)
{
	int retries = (int)flag_int(F_NATIVE_LOG_ELECTION_RETRIES);
	struct timeval tv;

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
	/* Jittered, so two would-be writers do not outbid each other forever. */
	tv.tv_sec = 0;
	tv.tv_usec = 100000 + (suseconds_t)(random() % 400000);
	evtimer_add(rl.retry, &tv);
}

/* Elects now, unless an election runs or too few replicas are known. */
static void
elect(void)
{
	size_t known = replicas_known();

	set_state(REPLICA_LOG_ELECTING);
	if (log_coord_state(rl.coord) != LOG_COORD_INITIAL ||
	    evtimer_pending(rl.retry, NULL))
		return;
	/* As the Mesos log, wait for a quorum of replicas to be known. */
	if (known < rl.quorum) {
		if (known != rl.waiting_known)
			log_info("Waiting for a quorum of %zu log replicas to "
			    "join (%zu known)", rl.quorum, known);
		rl.waiting_known = known;
		return;
	}
	rl.waiting_known = 0;
	if (log_coord_elect(rl.coord, flag_duration_ms(
	    F_NATIVE_LOG_ELECTION_TIMEOUT), elected, NULL) == -1)
		fatalx("cannot start an election of the log's writer");
}

/* Elects or demotes the writer as leadership, fencing and recovery say. */
static void
settle(void)
{
	if (rl.coord == NULL || rl.recover != NULL)
		return;		/* not started, or not VOTING yet */
	if (should_write()) {
		if (rl.state != REPLICA_LOG_WRITING)
			elect();
	} else if (rl.state != REPLICA_LOG_FOLLOWING) {
		log_coord_demote(rl.coord);
		evtimer_del(rl.retry);
		rl.election_attempts = 0;
		set_state(REPLICA_LOG_FOLLOWING);
	}
}

static void
recovered(void *arg)
{
	log_recover_cancel(rl.recover);
	rl.recover = NULL;
	set_state(REPLICA_LOG_FOLLOWING);
	settle();
}

void
replica_log_lead(int leading)
{
	rl.leading = leading;
	settle();
}

void
replica_log_fence(int fenced)
{
	rl.fenced = fenced;
	settle();
}

int
replica_log_start(replica_log_changed_fn changed, char *err, size_t errlen)
{
	rl.changed = changed;
	rl.state = REPLICA_LOG_RECOVERING;
	rl.quorum = (size_t)flag_int(F_NATIVE_LOG_QUORUM_SIZE);
	if ((rl.coord = log_coord_new(rl.base, rl.net, rl.quorum,
	    rl.storage)) == NULL ||
	    (rl.retry = evtimer_new(rl.base, retry_fired, NULL)) == NULL ||
	    (rl.heartbeat = evtimer_new(rl.base, heartbeat, NULL)) == NULL ||
	    (rl.recover = log_recover_start(rl.base, rl.net, rl.quorum,
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

void
replica_log_close(void)
{
	if (rl.storage != NULL)
		write_learned(-1, 0, NULL);
}

struct log_storage *
replica_log_storage(void)
{
	return rl.storage;
}

int
replica_log_append(const void *data, size_t len, log_coord_write_fn fn,
    void *arg)
{
	if (rl.state != REPLICA_LOG_WRITING)
		return -1;
	return log_coord_append(rl.coord, data, len, flag_duration_ms(
	    F_NATIVE_LOG_WRITE_TIMEOUT), fn, arg);
}

int
replica_log_truncate(uint64_t to, log_coord_write_fn fn, void *arg)
{
	if (rl.state != REPLICA_LOG_WRITING)
		return -1;
	return log_coord_truncate(rl.coord, to, flag_duration_ms(
	    F_NATIVE_LOG_WRITE_TIMEOUT), fn, arg);
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
	ipc_vars_int(v, "native_log_quorum_fenced", rl.fenced);
}
