/*
 * replica: offerd's requests to the scheduler core (ipc/offers.proto).
 * offerd places tasks and hears Mesos; here each request becomes a
 * decision of the next round, so a placement and the status updates of
 * the same moment go to the log together, and offerd launches or
 * acknowledges only once its request is in the log.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/proto_copy.h"
#include "ipc/offers.pb-c.h"
#include "ipc/storage.pb-c.h"
#include "replica/replica.h"
#include "replica/replica_offers.h"
#include "replica/replica_log.h"
#include "replica/replica_store.h"
#include "replica/sched.h"
#include "replica/sched_state.h"
#include "replica/task_state.h"

static struct {
	uint64_t	assigned, assign_lost, updates, update_kills;
} stats;

/* One request from offerd, alive until it is answered. */
struct offer_req {
	struct ipc_request	*req;
	ProtobufCMessage	*msg;		/* the request's body */
	AssignedTask		**assigned;	/* assign: what to launch */
	size_t			 nassigned;
	char			**kill;		/* status: what to kill */
	size_t			 nkill;
	int			 oom;
};

static void
offer_req_free(struct offer_req *o)
{
	for (size_t i = 0; i < o->nassigned; i++)
		assigned_task__free_unpacked(o->assigned[i], NULL);
	free(o->assigned);
	for (size_t i = 0; i < o->nkill; i++)
		free(o->kill[i]);
	free(o->kill);
	if (o->msg != NULL)
		protobuf_c_message_free_unpacked(o->msg, NULL);
	free(o);
}

static StoreSubmitResponse__Outcome
outcome_of(enum sched_outcome o)
{
	switch (o) {
	case SCHED_COMMITTED:
	case SCHED_UNCHANGED:
		return STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED;
	case SCHED_REFUSED:
		return STORE_SUBMIT_RESPONSE__OUTCOME__REFUSED;
	case SCHED_NOT_READY:
		return STORE_SUBMIT_RESPONSE__OUTCOME__NOT_READY;
	case SCHED_NOT_LEADING:
		return STORE_SUBMIT_RESPONSE__OUTCOME__NOT_LEADING;
	default:
		return STORE_SUBMIT_RESPONSE__OUTCOME__UNKNOWN;
	}
}

/* Decodes the request's body, or answers MALFORMED and returns NULL. */
static struct offer_req *
offer_req_new(struct ipc_request *req, const ProtobufCMessageDescriptor *d)
{
	struct offer_req *o;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		ipc_reply_error(req, IPC_ERROR_CODE__INTERNAL, "out of memory");
		return NULL;
	}
	o->req = req;
	if ((o->msg = ipc_body_decode(ipc_request_envelope(req), d)) == NULL) {
		ipc_reply_error(req, IPC_ERROR_CODE__MALFORMED,
		    "malformed request body");
		free(o);
		return NULL;
	}
	return o;
}

/* Placement. */

/* The request's ports as AssignedTask's map; -1 on ENOMEM. */
static int
assign_one(struct sched_tx *tx, const TaskAssignment *a, int *done,
    char *err, size_t errlen)
{
	AssignedTask__AssignedPortsEntry *ents = NULL, **ptrs = NULL;
	int rc;

	if (a->n_ports > 0 && ((ents = calloc(a->n_ports,
	    sizeof(*ents))) == NULL || (ptrs = calloc(a->n_ports,
	    sizeof(*ptrs))) == NULL)) {
		free(ents);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < a->n_ports; i++) {
		assigned_task__assigned_ports_entry__init(&ents[i]);
		ents[i].key = a->ports[i]->key;
		ents[i].has_value = 1;
		ents[i].value = a->ports[i]->value;
		ptrs[i] = &ents[i];
	}
	rc = sched_assign_task(tx, a->task_id, a->agent_id, a->agent_host,
	    ptrs, a->n_ports, done, err, errlen);
	free(ptrs);
	free(ents);
	return rc;
}

static int
decide_assign(struct sched_tx *tx, void *arg)
{
	struct offer_req *o = arg;
	const TaskAssignRequest *in = (const TaskAssignRequest *)o->msg;
	const ScheduledTask *t;
	AssignedTask *copy;
	char err[512];
	int assigned, failed = 0;

	if ((o->assigned = calloc(in->n_assignments ? in->n_assignments : 1,
	    sizeof(*o->assigned))) == NULL)
		return -1;
	for (size_t i = 0; i < in->n_assignments; i++) {
		const TaskAssignment *a = in->assignments[i];

		if (assign_one(tx, a, &assigned, err, sizeof(err)) == -1) {
			log_warnx("cannot assign %s: %s", a->task_id, err);
			return -1;
		}
		if (!assigned) {
			stats.assign_lost++;
			continue;
		}
		t = (const ScheduledTask *)sched_tx_get(tx, STORE_TASKS,
		    a->task_id, &failed);
		if (t == NULL || t->assignedtask == NULL ||
		    (copy = (AssignedTask *)proto_copy(
		    &t->assignedtask->base)) == NULL)
			return -1;
		o->assigned[o->nassigned++] = copy;
	}
	return 0;
}

static void
assigned(void *arg, enum sched_outcome so, const char *why)
{
	struct offer_req *o = arg;
	TaskAssignResponse r = TASK_ASSIGN_RESPONSE__INIT;

	r.outcome = outcome_of(so);
	if (r.outcome == STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED) {
		r.n_assigned = o->nassigned;
		r.assigned = o->assigned;
		stats.assigned += o->nassigned;
	}
	r.message = (char *)(uintptr_t)why;
	ipc_reply(o->req, MSG_TYPE__TASK_ASSIGN_RESPONSE, &r.base);
	offer_req_free(o);
}

void
replica_offers_assign(struct ipc_request *req)
{
	struct offer_req *o;

	if ((o = offer_req_new(req, &task_assign_request__descriptor)) != NULL)
		sched_submit(decide_assign, assigned, o);
}

/* Status updates. */

static int
decide_status(struct sched_tx *tx, void *arg)
{
	struct offer_req *o = arg;
	const TaskStatusRequest *in = (const TaskStatusRequest *)o->msg;
	const char *const *kills;
	size_t before, after;
	enum task_result r;
	char err[512];

	(void)sched_tx_kills(tx, &before);
	for (size_t i = 0; i < in->n_changes; i++) {
		const TaskStatusChange *c = in->changes[i];

		if (task_status_name(c->status) == NULL)
			continue;	/* checked by offerd: not ours to guess */
		if (sched_change_state(tx, c->task_id, -1, c->status,
		    c->message, &r, err, sizeof(err)) == -1) {
			log_warnx("status of %s: %s", c->task_id, err);
			return -1;
		}
		stats.updates++;
	}
	kills = sched_tx_kills(tx, &after);
	if (after > before) {
		if ((o->kill = calloc(after - before, sizeof(*o->kill))) ==
		    NULL)
			return -1;
		for (size_t i = before; i < after; i++)
			if ((o->kill[o->nkill++] = strdup(kills[i])) == NULL)
				return -1;
	}
	return 0;
}

static void
statused(void *arg, enum sched_outcome so, const char *why)
{
	struct offer_req *o = arg;
	TaskStatusResponse r = TASK_STATUS_RESPONSE__INIT;

	r.outcome = outcome_of(so);
	if (r.outcome == STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED) {
		r.n_kill = o->nkill;
		r.kill = o->kill;
		stats.update_kills += o->nkill;
	}
	r.message = (char *)(uintptr_t)why;
	ipc_reply(o->req, MSG_TYPE__TASK_STATUS_RESPONSE, &r.base);
	offer_req_free(o);
}

void
replica_offers_status(struct ipc_request *req)
{
	struct offer_req *o;

	if ((o = offer_req_new(req, &task_status_request__descriptor)) != NULL)
		sched_submit(decide_status, statused, o);
}

/* Registration. */

static void
framework_saved(void *arg, StoreSubmitResponse__Outcome outcome,
    uint64_t pos, const char *why)
{
	struct offer_req *o = arg;
	StoreSubmitResponse r = STORE_SUBMIT_RESPONSE__INIT;

	r.outcome = outcome;
	r.has_position = pos != 0;
	r.position = pos;
	r.message = (char *)(uintptr_t)why;
	if (outcome == STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED)
		replica_lifecycle_registered();
	ipc_reply(o->req, MSG_TYPE__FRAMEWORK_REGISTERED_RESPONSE, &r.base);
	offer_req_free(o);
}

void
replica_offers_registered(struct ipc_request *req)
{
	struct offer_req *o;
	const FrameworkRegistered *in;
	Transaction tx = TRANSACTION__INIT;
	Op op = OP__INIT, *ops[1] = { &op };
	SaveFrameworkId save = SAVE_FRAMEWORK_ID__INIT;
	uint8_t *buf;
	size_t len;
	char *stored;

	if ((o = offer_req_new(req, &framework_registered__descriptor)) ==
	    NULL)
		return;
	in = (const FrameworkRegistered *)o->msg;
	stored = replica_store_handle() != NULL ?
	    store_framework_id(replica_store_handle()) : NULL;
	if (stored != NULL && strcmp(stored, in->framework_id) == 0) {
		free(stored);
		framework_saved(o, STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED, 0,
		    NULL);
		return;
	}
	free(stored);
	save.id = in->framework_id;
	op.kind_case = OP__KIND_SAVE_FRAMEWORK_ID;
	op.saveframeworkid = &save;
	tx.n_ops = 1;
	tx.ops = ops;
	len = transaction__get_packed_size(&tx);
	if ((buf = malloc(len ? len : 1)) == NULL) {
		framework_saved(o, STORE_SUBMIT_RESPONSE__OUTCOME__UNKNOWN, 0,
		    "out of memory");
		return;
	}
	transaction__pack(&tx, buf);
	log_info("saving the framework id %s", in->framework_id);
	replica_store_submit_packed(buf, len, framework_saved, o);
	free(buf);
}

void
replica_offers_vars(struct ipc_vars *v)
{
	ipc_vars_int(v, "scheduler_tasks_assigned", (int64_t)stats.assigned);
	ipc_vars_int(v, "scheduler_assignments_not_pending",
	    (int64_t)stats.assign_lost);
	ipc_vars_int(v, "scheduler_status_updates", (int64_t)stats.updates);
	ipc_vars_int(v, "scheduler_status_update_kills",
	    (int64_t)stats.update_kills);
}
