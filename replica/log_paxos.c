/*
 * replica: rounds, fills and catch-up of the replicated log (see
 * log_paxos.h). Counting follows the Mesos log: ignores are counted apart,
 * every other answer counts toward the quorum, and a single rejection
 * among a quorum makes the round fail with the highest promise seen so the
 * proposer can outbid it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "replica/log_paxos.h"

enum round_kind { ROUND_PROMISE, ROUND_WRITE };

struct log_round {
	struct log_net	*net;
	enum round_kind	 kind;
	size_t		 quorum, sent;
	uint64_t	 handle;
	uint64_t	 proposal;
	int		 explicit_pos;
	size_t		 answers, ignores, replies;
	int		 rejected;
	uint64_t	 highest_nack;
	int		 have_end;
	uint64_t	 highest_end;
	LogAction	*adopt;		/* explicit: learned or highest performed */
	log_round_fn	 fn;
	void		*arg;
};

LogAction *
log_action_dup(const LogAction *a)
{
	size_t len = log_action__get_packed_size(a);
	unsigned char *buf;
	LogAction *copy;

	if ((buf = malloc(len ? len : 1)) == NULL)
		return NULL;
	log_action__pack(a, buf);
	copy = log_action__unpack(NULL, len, buf);
	free(buf);
	return copy;
}

void
log_write_request_from(WriteRequest *w, uint64_t proposal, const LogAction *a)
{
	write_request__init(w);
	w->proposal = proposal;
	w->position = a->position;
	w->type = a->type;
	w->nop = a->nop;
	w->append = a->append;
	w->truncate = a->truncate;
}

static void
round_finish(struct log_round *r, LogReplyType type)
{
	struct log_round_result res;

	memset(&res, 0, sizeof(res));
	res.type = type;
	res.proposal = type == LOG_REPLY_TYPE__REJECT ? r->highest_nack :
	    r->proposal;
	res.position = r->highest_end;
	res.action = r->adopt;
	r->net->ops->cancel(r->net, r->handle);
	r->fn(r->arg, &res);
	if (r->adopt != NULL)
		log_action__free_unpacked(r->adopt, NULL);
	free(r);
}

/* Keeps the action a fill must adopt: a learned one wins at once. */
static int
consider_action(struct log_round *r, const LogAction *a)
{
	if (a->has_learned && a->learned) {
		if (r->adopt != NULL)
			log_action__free_unpacked(r->adopt, NULL);
		r->adopt = log_action_dup(a);
		return 1;
	}
	if (a->has_performed && a->has_type && (r->adopt == NULL ||
	    r->adopt->performed < a->performed)) {
		if (r->adopt != NULL)
			log_action__free_unpacked(r->adopt, NULL);
		r->adopt = log_action_dup(a);
	}
	return 0;
}

static void
round_reply(void *arg, const LogFrame *f)
{
	struct log_round *r = arg;
	LogReplyType type;
	uint64_t proposal;

	if (r->kind == ROUND_PROMISE && f->promise_response != NULL) {
		type = f->promise_response->has_type ?
		    f->promise_response->type : (f->promise_response->okay ?
		    LOG_REPLY_TYPE__ACCEPT : LOG_REPLY_TYPE__REJECT);
		proposal = f->promise_response->proposal;
	} else if (r->kind == ROUND_WRITE && f->write_response != NULL) {
		type = f->write_response->has_type ?
		    f->write_response->type : (f->write_response->okay ?
		    LOG_REPLY_TYPE__ACCEPT : LOG_REPLY_TYPE__REJECT);
		proposal = f->write_response->proposal;
	} else
		return;	/* the transport checked kinds; be safe anyway */
	r->replies++;

	if (type == LOG_REPLY_TYPE__IGNORED) {
		if (++r->ignores >= r->quorum) {
			round_finish(r, LOG_REPLY_TYPE__IGNORED);
			return;
		}
	} else {
		r->answers++;
		if (type == LOG_REPLY_TYPE__REJECT) {
			if (!r->rejected || proposal > r->highest_nack)
				r->highest_nack = proposal;
			r->rejected = 1;
		} else if (!r->rejected && r->kind == ROUND_PROMISE) {
			const PromiseResponse *p = f->promise_response;

			if (r->explicit_pos && p->action != NULL &&
			    consider_action(r, p->action)) {
				/* Some replica learned it: nothing to decide. */
				round_finish(r, LOG_REPLY_TYPE__ACCEPT);
				return;
			}
			if (!r->explicit_pos && p->has_position &&
			    (!r->have_end || p->position > r->highest_end)) {
				r->highest_end = p->position;
				r->have_end = 1;
			}
		}
		if (r->answers >= r->quorum) {
			round_finish(r, r->rejected ? LOG_REPLY_TYPE__REJECT :
			    LOG_REPLY_TYPE__ACCEPT);
			return;
		}
	}
	/* Everyone answered and no quorum either way: retry soon. */
	if (r->replies >= r->sent)
		round_finish(r, r->rejected ? LOG_REPLY_TYPE__REJECT :
		    LOG_REPLY_TYPE__IGNORED);
}

static struct log_round *
round_start(struct log_net *net, size_t quorum, enum round_kind kind,
    uint64_t proposal, LogFrame *req, log_round_fn fn, void *arg)
{
	struct log_round *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->net = net;
	r->kind = kind;
	r->quorum = quorum;
	r->proposal = proposal;
	r->fn = fn;
	r->arg = arg;
	if ((r->handle = net->ops->broadcast(net, req, round_reply, r,
	    &r->sent)) == 0) {
		free(r);
		return NULL;
	}
	return r;
}

struct log_round *
log_round_promise(struct log_net *net, size_t quorum, uint64_t proposal,
    const uint64_t *position, log_round_fn fn, void *arg)
{
	PromiseRequest p = PROMISE_REQUEST__INIT;
	LogFrame f = LOG_FRAME__INIT;
	struct log_round *r;

	p.proposal = proposal;
	if (position != NULL) {
		p.has_position = 1;
		p.position = *position;
	}
	f.kind = LOG_FRAME__KIND__PROMISE_REQUEST;
	f.promise_request = &p;
	r = round_start(net, quorum, ROUND_PROMISE, proposal, &f, fn, arg);
	if (r != NULL)
		r->explicit_pos = position != NULL;
	return r;
}

struct log_round *
log_round_write(struct log_net *net, size_t quorum, uint64_t proposal,
    const LogAction *a, log_round_fn fn, void *arg)
{
	WriteRequest w;
	LogFrame f = LOG_FRAME__INIT;

	log_write_request_from(&w, proposal, a);
	f.kind = LOG_FRAME__KIND__WRITE_REQUEST;
	f.write_request = &w;
	return round_start(net, quorum, ROUND_WRITE, proposal, &f, fn, arg);
}

void
log_round_cancel(struct log_round *r)
{
	if (r == NULL)
		return;
	r->net->ops->cancel(r->net, r->handle);
	if (r->adopt != NULL)
		log_action__free_unpacked(r->adopt, NULL);
	free(r);
}

void
log_learn(struct log_net *net, const LogAction *a)
{
	LearnedMessage m = LEARNED_MESSAGE__INIT;
	LogFrame f = LOG_FRAME__INIT;
	LogAction copy = *a;

	copy.has_learned = 1;
	copy.learned = 1;
	m.action = &copy;
	f.kind = LOG_FRAME__KIND__LEARNED;
	f.learned = &m;
	net->ops->notify(net, &f);
}

/*
 * Fill: explicit promise, then write what a quorum may have chosen (the
 * value performed with the highest proposal) or a no-op, then learn.
 * Rejections retry with a higher proposal after 100-200 ms, like Mesos,
 * so two proposers filling the same position do not duel forever.
 */
#define FILL_RETRY_MS	100

struct log_fill {
	struct event_base	*base;
	struct log_net		*net;
	size_t			 quorum;
	uint64_t		 proposal, position;
	struct log_round	*round;
	struct event		*retry;
	LogAction		*value;		/* being written */
	log_fill_fn		 fn;
	void			*arg;
};

static void	fill_promise(struct log_fill *);

static void
fill_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	fill_promise(arg);
}

static void
fill_retry(struct log_fill *fl, uint64_t nack)
{
	struct timeval tv;
	long ms = FILL_RETRY_MS + random() % FILL_RETRY_MS;

	if (nack >= fl->proposal)
		fl->proposal = nack + 1;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(fl->retry, &tv);
}

static void
fill_done(struct log_fill *fl, const LogAction *learned)
{
	LogAction copy = *learned;

	copy.has_learned = 1;
	copy.learned = 1;
	copy.promised = fl->proposal;
	log_learn(fl->net, &copy);
	fl->fn(fl->arg, &copy);
}

static void
fill_written(void *arg, const struct log_round_result *res)
{
	struct log_fill *fl = arg;

	fl->round = NULL;
	if (res->type == LOG_REPLY_TYPE__ACCEPT)
		fill_done(fl, fl->value);
	else
		fill_retry(fl, res->type == LOG_REPLY_TYPE__REJECT ?
		    res->proposal : 0);
}

static void
fill_promised(void *arg, const struct log_round_result *res)
{
	struct log_fill *fl = arg;
	LogAction nopa = LOG_ACTION__INIT;
	LogAction__Nop nop = LOG_ACTION__NOP__INIT;
	const LogAction *v;

	fl->round = NULL;
	if (res->type != LOG_REPLY_TYPE__ACCEPT) {
		fill_retry(fl, res->type == LOG_REPLY_TYPE__REJECT ?
		    res->proposal : 0);
		return;
	}
	if (res->action != NULL && res->action->has_learned &&
	    res->action->learned) {
		fill_done(fl, res->action);
		return;
	}
	if ((v = res->action) == NULL) {
		nopa.position = fl->position;
		nopa.has_type = 1;
		nopa.type = LOG_ACTION__TYPE__NOP;
		nopa.nop = &nop;
		v = &nopa;
	}
	if (fl->value != NULL)
		log_action__free_unpacked(fl->value, NULL);
	if ((fl->value = log_action_dup(v)) == NULL) {
		fill_retry(fl, 0);
		return;
	}
	fl->value->promised = fl->proposal;
	fl->value->has_performed = 1;
	fl->value->performed = fl->proposal;
	fl->value->has_learned = 0;
	fl->value->learned = 0;
	if ((fl->round = log_round_write(fl->net, fl->quorum, fl->proposal,
	    fl->value, fill_written, fl)) == NULL)
		fill_retry(fl, 0);
}

static void
fill_promise(struct log_fill *fl)
{
	if ((fl->round = log_round_promise(fl->net, fl->quorum, fl->proposal,
	    &fl->position, fill_promised, fl)) == NULL)
		fill_retry(fl, 0);
}

struct log_fill *
log_fill_start(struct event_base *base, struct log_net *net, size_t quorum,
    uint64_t proposal, uint64_t position, log_fill_fn fn, void *arg)
{
	struct log_fill *fl;

	if ((fl = calloc(1, sizeof(*fl))) == NULL)
		return NULL;
	fl->base = base;
	fl->net = net;
	fl->quorum = quorum;
	fl->proposal = proposal;
	fl->position = position;
	fl->fn = fn;
	fl->arg = arg;
	if ((fl->retry = evtimer_new(base, fill_retry_cb, fl)) == NULL) {
		free(fl);
		return NULL;
	}
	fill_promise(fl);
	return fl;
}

void
log_fill_cancel(struct log_fill *fl)
{
	if (fl == NULL)
		return;
	log_round_cancel(fl->round);
	event_free(fl->retry);
	if (fl->value != NULL)
		log_action__free_unpacked(fl->value, NULL);
	free(fl);
}

/*
 * Catch-up: one fill at a time over the positions asked for, skipping
 * those the local replica has learned meanwhile (from a leader's learned
 * notices). Each fill may raise the proposal; the next starts from there.
 */
struct log_catchup {
	struct event_base	*base;
	struct log_net		*net;
	size_t			 quorum;
	struct log_storage	*local;
	uint64_t		 proposal;
	struct log_intervals	 wanted;
	uint64_t		 next;
	struct log_fill		*fill;
	struct event		*step;
	log_catchup_fn		 fn;
	void			*arg;
};

static void	catchup_filled(void *, const LogAction *);

static void
catchup_step(evutil_socket_t fd, short what, void *arg)
{
	struct log_catchup *c = arg;
	uint64_t pos;

	while (log_intervals_next(&c->wanted, c->next, &pos) == 0) {
		c->next = pos;
		if (!log_storage_missing(c->local, pos)) {
			if (pos == UINT64_MAX)
				break;
			c->next = pos + 1;
			continue;
		}
		if ((c->fill = log_fill_start(c->base, c->net, c->quorum,
		    c->proposal, pos, catchup_filled, c)) == NULL) {
			struct timeval tv = { 0, 100000 };

			evtimer_add(c->step, &tv);	/* out of memory */
		}
		return;
	}
	/* Done: the owner forgets its handle in fn; the catch-up goes away. */
	c->fn(c->arg, c->proposal);
	log_catchup_cancel(c);
}

static void
catchup_filled(void *arg, const LogAction *learned)
{
	struct log_catchup *c = arg;

	log_fill_cancel(c->fill);
	c->fill = NULL;
	if (learned->promised > c->proposal)
		c->proposal = learned->promised;
	/* Next time round, from an empty stack. */
	event_active(c->step, 0, 0);
}

struct log_catchup *
log_catchup_start(struct event_base *base, struct log_net *net, size_t quorum,
    struct log_storage *local, uint64_t proposal,
    struct log_intervals *positions, log_catchup_fn fn, void *arg)
{
	struct log_catchup *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base = base;
	c->net = net;
	c->quorum = quorum;
	c->local = local;
	c->proposal = proposal;
	c->fn = fn;
	c->arg = arg;
	if ((c->step = evtimer_new(base, catchup_step, c)) == NULL) {
		free(c);
		return NULL;
	}
	c->wanted = *positions;
	log_intervals_init(positions);
	event_active(c->step, 0, 0);
	return c;
}

void
log_catchup_cancel(struct log_catchup *c)
{
	if (c == NULL)
		return;
	log_fill_cancel(c->fill);
	event_free(c->step);
	log_intervals_free(&c->wanted);
	free(c);
}
