/*
 * replica: the replicated log's acceptor (see log_replica.h). The rules are
 * the Mesos replica's:
 *   - not VOTING: answer IGNORED, so the proposer retries elsewhere at once;
 *   - an implicit promise is made once per proposal number, higher only;
 *   - an explicit promise covers one position, again only upwards, and an
 *     empty position still checks the implicit promise (else two
 *     proposers could both believe they won it);
 *   - a write needs a proposal not below the position's promise, and never
 *     replaces a learned value;
 *   - positions below the beginning (truncated) are learned no-ops.
 */
#include "config.h"

#include <string.h>

#include "common/log.h"
#include "replica/log_replica.h"

static void
reply_init(struct log_reply *r, LogFrame__Kind kind, uint64_t id)
{
	memset(r, 0, sizeof(*r));
	log_frame__init(&r->frame);
	r->frame.kind = kind;
	r->frame.id = id;
}

void
log_reply_clear(struct log_reply *r)
{
	if (r->stored != NULL)
		log_action__free_unpacked(r->stored, NULL);
	r->stored = NULL;
}

static void
promise_answer(struct log_reply *r, LogReplyType type, uint64_t proposal)
{
	promise_response__init(&r->promise);
	r->promise.okay = type == LOG_REPLY_TYPE__ACCEPT;
	r->promise.has_type = 1;
	r->promise.type = type;
	r->promise.proposal = proposal;
	r->frame.promise_response = &r->promise;
}

static int
promise(struct log_storage *s, const PromiseRequest *req, struct log_reply *r)
{
	char err[256];
	LogAction *a, fresh;
	uint64_t promised = log_storage_promised(s);

	if (log_storage_status(s) != LOG_METADATA__STATUS__VOTING) {
		log_info("Replica ignoring promise request as it is in %s "
		    "status", log_status_name(log_storage_status(s)));
		promise_answer(r, LOG_REPLY_TYPE__IGNORED, req->proposal);
		return 1;
	}
	if (!req->has_position) {
		/* Implicit: every position not promised explicitly. */
		if (req->proposal <= promised) {
			log_info("Replica denying promise request with "
			    "proposal %llu", (unsigned long long)req->proposal);
			promise_answer(r, LOG_REPLY_TYPE__REJECT, promised);
			return 1;
		}
		if (log_storage_set_promised(s, req->proposal, err,
		    sizeof(err)) == -1) {
			log_error("%s", err);
			return 0;
		}
		promise_answer(r, LOG_REPLY_TYPE__ACCEPT, req->proposal);
		r->promise.has_position = 1;
		r->promise.position = log_storage_end(s);
		return 1;
	}

	if (req->position < log_storage_begin(s)) {
		/*
		 * Truncated: a learned no-op, so the proposer does not run a
		 * full round that no replica would let it write.
		 */
		log_action__init(&r->action);
		log_action__nop__init(&r->nop);
		r->nop.has_tombstone = 1;
		r->nop.tombstone = 1;
		r->action.position = req->position;
		r->action.promised = promised;
		r->action.has_performed = 1;
		r->action.performed = promised;
		r->action.has_learned = 1;
		r->action.learned = 1;
		r->action.has_type = 1;
		r->action.type = LOG_ACTION__TYPE__NOP;
		r->action.nop = &r->nop;
		promise_answer(r, LOG_REPLY_TYPE__ACCEPT, req->proposal);
		r->promise.action = &r->action;
		return 1;
	}
	switch (log_storage_read(s, req->position, &a, err, sizeof(err))) {
	case -1:
		log_error("%s", err);
		return 0;
	case 0:
		if (req->proposal <= promised) {
			promise_answer(r, LOG_REPLY_TYPE__REJECT, promised);
			return 1;
		}
		log_action__init(&fresh);
		fresh.position = req->position;
		fresh.promised = req->proposal;
		if (log_storage_persist(s, &fresh, err, sizeof(err)) == -1) {
			log_error("%s", err);
			return 0;
		}
		promise_answer(r, LOG_REPLY_TYPE__ACCEPT, req->proposal);
		r->promise.has_position = 1;
		r->promise.position = req->position;
		return 1;
	default:
		break;
	}
	if (req->proposal <= a->promised) {
		promise_answer(r, LOG_REPLY_TYPE__REJECT, a->promised);
		log_action__free_unpacked(a, NULL);
		return 1;
	}
	/* Answer with what was there, and remember the new promise. */
	r->stored = a;
	{
		uint64_t was = a->promised;

		a->promised = req->proposal;
		if (log_storage_persist(s, a, err, sizeof(err)) == -1) {
			log_error("%s", err);
			return 0;
		}
		a->promised = was;
	}
	promise_answer(r, LOG_REPLY_TYPE__ACCEPT, req->proposal);
	r->promise.action = a;
	return 1;
}

static void
write_answer(struct log_reply *r, LogReplyType type, uint64_t proposal,
    uint64_t position)
{
	write_response__init(&r->write);
	r->write.okay = type == LOG_REPLY_TYPE__ACCEPT;
	r->write.has_type = 1;
	r->write.type = type;
	r->write.proposal = proposal;
	r->write.position = position;
	r->frame.write_response = &r->write;
}

/* Whether a write request carries the body its type needs. */
static int
write_well_formed(const WriteRequest *req)
{
	switch (req->type) {
	case LOG_ACTION__TYPE__NOP:
		return req->nop != NULL;
	case LOG_ACTION__TYPE__APPEND:
		return req->append != NULL;
	case LOG_ACTION__TYPE__TRUNCATE:
		return req->truncate != NULL;
	default:
		return 0;
	}
}

static int
write(struct log_storage *s, const WriteRequest *req, struct log_reply *r)
{
	char err[256];
	LogAction *a = NULL, next;
	LogAction__Nop nop = LOG_ACTION__NOP__INIT;
	uint64_t promised;
	int rc;

	if (log_storage_status(s) != LOG_METADATA__STATUS__VOTING) {
		log_info("Replica ignoring write request as it is in %s "
		    "status", log_status_name(log_storage_status(s)));
		write_answer(r, LOG_REPLY_TYPE__IGNORED, req->proposal,
		    req->position);
		return 1;
	}
	if (!write_well_formed(req)) {
		log_warnx("dropping a write request for position %llu "
		    "without the body of its type",
		    (unsigned long long)req->position);
		return 0;
	}
	if (req->position < log_storage_begin(s)) {
		/* Truncated here already: the value no longer matters. */
		write_answer(r, LOG_REPLY_TYPE__ACCEPT, req->proposal,
		    req->position);
		return 1;
	}
	if ((rc = log_storage_read(s, req->position, &a, err,
	    sizeof(err))) == -1) {
		log_error("%s", err);
		return 0;
	}
	promised = rc == 0 ? log_storage_promised(s) : a->promised;
	if (rc == 1 && a->has_learned && a->learned &&
	    req->proposal >= promised) {
		/*
		 * A learned notice can overtake its write (MESOS-1271); a
		 * learned value is never replaced, and no answer is sent.
		 */
		log_action__free_unpacked(a, NULL);
		return 0;
	}
	if (a != NULL)
		log_action__free_unpacked(a, NULL);
	if (req->proposal < promised) {
		write_answer(r, LOG_REPLY_TYPE__REJECT, promised,
		    req->position);
		return 1;
	}

	log_action__init(&next);
	next.position = req->position;
	next.promised = promised;
	next.has_performed = 1;
	next.performed = req->proposal;
	next.has_learned = req->has_learned;
	next.learned = req->has_learned && req->learned;
	next.has_type = 1;
	next.type = req->type;
	if (req->type == LOG_ACTION__TYPE__NOP)
		next.nop = &nop;
	else if (req->type == LOG_ACTION__TYPE__APPEND)
		next.append = req->append;
	else
		next.truncate = req->truncate;
	if (log_storage_persist(s, &next, err, sizeof(err)) == -1) {
		log_error("%s", err);
		return 0;
	}
	write_answer(r, LOG_REPLY_TYPE__ACCEPT, req->proposal, req->position);
	return 1;
}

static void
recover(struct log_storage *s, struct log_reply *r)
{
	LogMetadata__Status st = log_storage_status(s);

	if (st != LOG_METADATA__STATUS__VOTING)
		log_info(LOG_RECOVER_IN_STATUS, log_status_name(st));
	recover_response__init(&r->recover);
	r->recover.status = st;
	if (st == LOG_METADATA__STATUS__VOTING) {
		r->recover.has_begin = r->recover.has_end = 1;
		r->recover.begin = log_storage_begin(s);
		r->recover.end = log_storage_end(s);
	}
	r->frame.recover_response = &r->recover;
}

static void
learned(struct log_storage *s, const LearnedMessage *m)
{
	char err[256];

	if (m->action == NULL || !m->action->has_learned ||
	    !m->action->learned || !m->action->has_type) {
		log_warnx("dropping a learned notice that is not learned");
		return;
	}
	/*
	 * Truncated, or learned here already (the storage knows which
	 * positions are not): learned values never change.
	 */
	if (!log_storage_missing(s, m->action->position))
		return;
	if (log_storage_persist(s, m->action, err, sizeof(err)) == -1)
		log_error("%s", err);
}

int
log_replica_handle(struct log_storage *s, const LogFrame *req,
    struct log_reply *r)
{
	switch (req->kind) {
	case LOG_FRAME__KIND__PROMISE_REQUEST:
		if (req->promise_request == NULL)
			break;
		reply_init(r, LOG_FRAME__KIND__PROMISE_RESPONSE, req->id);
		return promise(s, req->promise_request, r);
	case LOG_FRAME__KIND__WRITE_REQUEST:
		if (req->write_request == NULL)
			break;
		reply_init(r, LOG_FRAME__KIND__WRITE_RESPONSE, req->id);
		return write(s, req->write_request, r);
	case LOG_FRAME__KIND__RECOVER_REQUEST:
		reply_init(r, LOG_FRAME__KIND__RECOVER_RESPONSE, req->id);
		recover(s, r);
		return 1;
	case LOG_FRAME__KIND__LEARNED:
		if (req->learned == NULL)
			break;
		memset(r, 0, sizeof(*r));
		learned(s, req->learned);
		return 0;
	default:
		break;
	}
	memset(r, 0, sizeof(*r));
	log_warnx("dropping a log request of kind %d without its body",
	    (int)req->kind);
	return 0;
}
