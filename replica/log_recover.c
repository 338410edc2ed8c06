/*
 * replica: the recover protocol (see log_recover.h). Each attempt waits at
 * most ATTEMPT_MS for answers, then tries again after 500-1000 ms, as the
 * Mesos log does.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "replica/log_paxos.h"
#include "replica/log_recover.h"

#define ATTEMPT_MS	2000
#define RETRY_MS	500

struct log_recover {
	struct event_base	*base;
	struct log_net		*net;
	size_t			 quorum;
	struct log_storage	*local;
	uint64_t		 handle;	/* broadcast in flight, or 0 */
	size_t			 sent, replies, voting, empty;
	uint64_t		 begin, end;
	struct log_catchup	*catchup;
	struct event		*timer;
	log_recover_fn		 fn;
	void			*arg;
};

static void	attempt(evutil_socket_t, short, void *);

static void
later(struct log_recover *r, long ms, event_callback_fn cb)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_del(r->timer);
	evtimer_assign(r->timer, r->base, cb, r);
	evtimer_add(r->timer, &tv);
}

static void
end_attempt(struct log_recover *r)
{
	if (r->handle != 0)
		r->net->ops->cancel(r->net, r->handle);
	r->handle = 0;
	evtimer_del(r->timer);
}

static void
retry(struct log_recover *r)
{
	end_attempt(r);
	later(r, RETRY_MS + random() % RETRY_MS, attempt);
}

static void
attempt_timeout(evutil_socket_t fd, short what, void *arg)
{
	retry(arg);
}

static void
finish(evutil_socket_t fd, short what, void *arg)
{
	struct log_recover *r = arg;

	r->fn(r->arg);
}

static void
caught_up(void *arg, uint64_t proposal)
{
	struct log_recover *r = arg;
	char err[256];

	r->catchup = NULL;
	if (log_storage_set_status(r->local, LOG_METADATA__STATUS__VOTING,
	    err, sizeof(err)) == -1) {
		log_error("%s", err);
		retry(r);
		return;
	}
	log_info("Successfully joined the Paxos group");
	r->fn(r->arg);
}

static void
start_catchup(struct log_recover *r)
{
	struct log_intervals wanted;
	char err[256];

	end_attempt(r);
	if (log_storage_status(r->local) != LOG_METADATA__STATUS__RECOVERING &&
	    log_storage_set_status(r->local,
	    LOG_METADATA__STATUS__RECOVERING, err, sizeof(err)) == -1) {
		log_error("%s", err);
		retry(r);
		return;
	}
	log_info("Starting catch-up from position %llu to %llu",
	    (unsigned long long)r->begin, (unsigned long long)r->end);
	log_intervals_init(&wanted);
	if (log_intervals_add(&wanted, r->begin, r->end) == -1 ||
	    (r->catchup = log_catchup_start(r->base, r->net, r->quorum,
	    r->local, 0, &wanted, caught_up, r)) == NULL)
		retry(r);
	log_intervals_free(&wanted);
}

static void
reply(void *arg, const LogFrame *f)
{
	struct log_recover *r = arg;
	const RecoverResponse *rr = f->recover_response;

	if (rr == NULL)
		return;
	r->replies++;
	if (rr->status == LOG_METADATA__STATUS__VOTING && rr->has_begin &&
	    rr->has_end && rr->begin <= rr->end) {
		if (r->voting == 0 || rr->begin < r->begin)
			r->begin = rr->begin;
		if (r->voting == 0 || rr->end > r->end)
			r->end = rr->end;
		if (++r->voting >= r->quorum) {
			start_catchup(r);
			return;
		}
	} else if (rr->status == LOG_METADATA__STATUS__EMPTY)
		r->empty++;
	if (r->replies < r->sent)
		return;
	if (r->empty >= 2 * r->quorum - 1)
		log_warnx("Replicated log has not been initialized. Did you "
		    "forget to initialize it (aurora-log initialize "
		    "--path=<-native_log_file_path>)? No replica is "
		    "initialized, and the command must run on each host.");
	retry(r);
}

static void
attempt(evutil_socket_t fd, short what, void *arg)
{
	struct log_recover *r = arg;
	RecoverRequest req = RECOVER_REQUEST__INIT;
	LogFrame f = LOG_FRAME__INIT;

	r->replies = r->voting = r->empty = 0;
	r->begin = r->end = 0;
	f.kind = LOG_FRAME__KIND__RECOVER_REQUEST;
	f.recover_request = &req;
	r->handle = r->net->ops->broadcast(r->net, &f, reply, r, &r->sent);
	if (r->handle == 0) {
		later(r, RETRY_MS, attempt);
		return;
	}
	later(r, ATTEMPT_MS, attempt_timeout);
}

struct log_recover *
log_recover_start(struct event_base *base, struct log_net *net,
    size_t quorum, struct log_storage *local, log_recover_fn fn, void *arg)
{
	struct log_recover *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->base = base;
	r->net = net;
	r->quorum = quorum;
	r->local = local;
	r->fn = fn;
	r->arg = arg;
	if ((r->timer = evtimer_new(base, NULL, NULL)) == NULL) {
		free(r);
		return NULL;
	}
	log_info("Replica is in %s status",
	    log_status_name(log_storage_status(local)));
	later(r, 0, log_storage_status(local) ==
	    LOG_METADATA__STATUS__VOTING ? finish : attempt);
	return r;
}

void
log_recover_cancel(struct log_recover *r)
{
	if (r == NULL)
		return;
	end_attempt(r);
	log_catchup_cancel(r->catchup);
	event_free(r->timer);
	free(r);
}
