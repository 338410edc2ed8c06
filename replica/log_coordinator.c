/*
 * replica: the log's coordinator (see log_coordinator.h). Every callback
 * to the owner is the last thing a handler does, so the owner may demote,
 * write again or free the coordinator from inside it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "replica/log_coordinator.h"
#include "replica/log_paxos.h"

struct log_coord {
	struct event_base	*base;
	struct log_net		*net;
	size_t			 quorum;
	struct log_storage	*local;
	enum log_coord_state	 state;
	uint64_t		 proposal;
	uint64_t		 index;		/* next position to write */
	struct log_round	*round;
	struct log_catchup	*catchup;
	struct event		*timer;
	LogAction		 action;	/* being written */
	LogAction__Append	 append;
	LogAction__Truncate	 truncate;
	log_coord_elect_fn	 elect_fn;
	log_coord_write_fn	 write_fn;
	void			*arg;
};

struct log_coord *
log_coord_new(struct event_base *base, struct log_net *net, size_t quorum,
    struct log_storage *local)
{
	struct log_coord *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base = base;
	c->net = net;
	c->quorum = quorum;
	c->local = local;
	c->state = LOG_COORD_INITIAL;
	if ((c->timer = evtimer_new(base, NULL, NULL)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

/* Drops whatever is in flight; no callback follows. */
static void
stop(struct log_coord *c)
{
	log_round_cancel(c->round);
	c->round = NULL;
	log_catchup_cancel(c->catchup);
	c->catchup = NULL;
	evtimer_del(c->timer);
}

void
log_coord_free(struct log_coord *c)
{
	if (c == NULL)
		return;
	stop(c);
	event_free(c->timer);
	free(c);
}

enum log_coord_state
log_coord_state(const struct log_coord *c)
{
	return c->state;
}

uint64_t
log_coord_proposal(const struct log_coord *c)
{
	return c->proposal;
}

uint64_t
log_coord_next_position(const struct log_coord *c)
{
	return c->index;
}

void
log_coord_demote(struct log_coord *c)
{
	stop(c);
	c->state = LOG_COORD_INITIAL;
}

static void
arm(struct log_coord *c, int64_t timeout_ms, event_callback_fn fn)
{
	struct timeval tv;

	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_del(c->timer);
	evtimer_assign(c->timer, c->base, fn, c);
	evtimer_add(c->timer, &tv);
}

static void
elect_finish(struct log_coord *c, int elected, uint64_t last)
{
	stop(c);
	c->state = elected ? LOG_COORD_ELECTED : LOG_COORD_INITIAL;
	c->elect_fn(c->arg, elected, last);
}

static void
elect_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct log_coord *c = arg;

	log_warnx("Coordinator failed to get elected: no quorum of %zu "
	    "answered in time", c->quorum);
	elect_finish(c, 0, 0);
}

static void
caught_up(void *arg, uint64_t proposal)
{
	struct log_coord *c = arg;
	uint64_t last = c->index;

	c->catchup = NULL;
	/* Position index is learned everywhere it matters: write past it. */
	c->index++;
	log_info("Coordinator elected with proposal %llu; last position %llu",
	    (unsigned long long)c->proposal, (unsigned long long)last);
	elect_finish(c, 1, last);
}

static void
promised(void *arg, const struct log_round_result *res)
{
	struct log_coord *c = arg;
	struct log_intervals missing;
	uint64_t end = log_storage_end(c->local);

	c->round = NULL;
	if (res->type == LOG_REPLY_TYPE__REJECT) {
		if (res->proposal > c->proposal)
			c->proposal = res->proposal;
		log_info("Coordinator outbid during election (promise to "
		    "%llu)", (unsigned long long)res->proposal);
		elect_finish(c, 0, 0);
		return;
	}
	if (res->type != LOG_REPLY_TYPE__ACCEPT) {
		log_info("Coordinator election ignored by a quorum of "
		    "replicas not VOTING");
		elect_finish(c, 0, 0);
		return;
	}
	c->index = res->position;

	/* Positions up to index that the local replica has not learned. */
	log_intervals_init(&missing);
	if (log_intervals_copy(&missing, log_storage_unlearned(c->local)) == -1)
		goto oom;
	if (c->index > end && log_intervals_add(&missing, end + 1,
	    c->index) == -1)
		goto oom;
	if (c->index < UINT64_MAX && log_intervals_remove(&missing,
	    c->index + 1, UINT64_MAX) == -1)
		goto oom;
	if (missing.n > 0)
		log_info("Coordinator filling %llu missing positions up to "
		    "%llu", (unsigned long long)log_intervals_count(&missing),
		    (unsigned long long)c->index);
	c->catchup = log_catchup_start(c->base, c->net, c->quorum, c->local,
	    c->proposal + 1, &missing, caught_up, c);
	log_intervals_free(&missing);
	if (c->catchup == NULL)
		elect_finish(c, 0, 0);
	return;
oom:
	log_intervals_free(&missing);
	elect_finish(c, 0, 0);
}

int
log_coord_elect(struct log_coord *c, int64_t timeout_ms,
    log_coord_elect_fn fn, void *arg)
{
	if (c->state != LOG_COORD_INITIAL)
		return -1;
	if (log_storage_promised(c->local) > c->proposal)
		c->proposal = log_storage_promised(c->local);
	c->proposal++;
	c->elect_fn = fn;
	c->arg = arg;
	c->state = LOG_COORD_ELECTING;
	arm(c, timeout_ms, elect_timeout);
	if ((c->round = log_round_promise(c->net, c->quorum, c->proposal,
	    NULL, promised, c)) == NULL) {
		stop(c);
		c->state = LOG_COORD_INITIAL;
		return -1;
	}
	return 0;
}

static void
write_finish(struct log_coord *c, int ok, const char *why)
{
	uint64_t pos = c->action.position;

	stop(c);
	if (ok) {
		c->index++;
		c->state = LOG_COORD_ELECTED;
	} else {
		c->state = LOG_COORD_INITIAL;
		log_warnx("Coordinator demoted writing position %llu: %s",
		    (unsigned long long)pos, why);
	}
	c->write_fn(c->arg, ok, pos, why);
}

static void
write_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct log_coord *c = arg;
	const char *local = log_storage_last_error(c->local);
	char why[320];

	/* A local disk that cannot be written is the likely reason: say so. */
	snprintf(why, sizeof(why), "no quorum accepted the write in time%s%.250s",
	    *local != '\0' ? "; this replica: " : "", local);
	write_finish(c, 0, why);
}

static void
written(void *arg, const struct log_round_result *res)
{
	struct log_coord *c = arg;
	char why[128];

	c->round = NULL;
	if (res->type == LOG_REPLY_TYPE__REJECT) {
		if (res->proposal > c->proposal)
			c->proposal = res->proposal;
		snprintf(why, sizeof(why), "another coordinator holds "
		    "proposal %llu", (unsigned long long)res->proposal);
		write_finish(c, 0, why);
		return;
	}
	if (res->type != LOG_REPLY_TYPE__ACCEPT) {
		write_finish(c, 0, "a quorum of replicas is not VOTING");
		return;
	}
	c->action.has_learned = 1;
	c->action.learned = 1;
	log_learn(c->net, &c->action);
	if (log_storage_missing(c->local, c->action.position)) {
		write_finish(c, 0, "the local replica could not store the "
		    "learned entry");
		return;
	}
	write_finish(c, 1, NULL);
}

static int
write_start(struct log_coord *c, int64_t timeout_ms, log_coord_write_fn fn,
    void *arg)
{
	c->action.position = c->index;
	c->action.promised = c->proposal;
	c->action.has_performed = 1;
	c->action.performed = c->proposal;
	c->action.has_type = 1;
	c->write_fn = fn;
	c->arg = arg;
	c->state = LOG_COORD_WRITING;
	arm(c, timeout_ms, write_timeout);
	if ((c->round = log_round_write(c->net, c->quorum, c->proposal,
	    &c->action, written, c)) == NULL) {
		stop(c);
		c->state = LOG_COORD_ELECTED;
		return -1;
	}
	return 0;
}

int
log_coord_append(struct log_coord *c, const void *data, size_t len,
    int64_t timeout_ms, log_coord_write_fn fn, void *arg)
{
	if (c->state != LOG_COORD_ELECTED || c->index == UINT64_MAX)
		return -1;
	log_action__init(&c->action);
	log_action__append__init(&c->append);
	c->append.bytes.data = (uint8_t *)(uintptr_t)data;
	c->append.bytes.len = len;
	c->action.type = LOG_ACTION__TYPE__APPEND;
	c->action.append = &c->append;
	return write_start(c, timeout_ms, fn, arg);
}

int
log_coord_truncate(struct log_coord *c, uint64_t to, int64_t timeout_ms,
    log_coord_write_fn fn, void *arg)
{
	if (c->state != LOG_COORD_ELECTED || c->index == UINT64_MAX)
		return -1;
	log_action__init(&c->action);
	log_action__truncate__init(&c->truncate);
	c->truncate.to = to;
	c->action.type = LOG_ACTION__TYPE__TRUNCATE;
	c->action.truncate = &c->truncate;
	return write_start(c, timeout_ms, fn, arg);
}
