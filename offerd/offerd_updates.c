/*
 * offerd: status updates from Mesos to replica, and kills to Mesos.
 * Updates are mapped to Aurora's states with Aurora's table and sent to
 * replica in batches; each is acknowledged to Mesos only once replica has
 * it in the log (else Mesos sends it again). A task replica asks to kill
 * (its state says so: KILLING, RESTARTING, DRAINING, PREEMPTING; or an
 * update for a task that ended or is unknown) gets a KILL, repeated with
 * backoff from -initial_task_kill_retry_interval up to
 * -transient_task_state_timeout while it has not ended.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flags.h"
#include "common/log.h"
#include "ipc/offers.pb-c.h"
#include "offerd/offerd.h"

#define STATUS_TIMEOUT_MS	30000
#define STATUS_BATCH_MAX	1000
/*
 * One batch at a time: replica serves requests concurrently, so two
 * batches in flight may be decided out of order (a task's FINISHED before
 * its RUNNING, which then no longer applies).
 */
#define STATUS_BATCHES_INFLIGHT	1

/* Aurora's memory and disk limit explanations (TaskStatusHandlerImpl). */
#define MEMORY_LIMIT_DISPLAY	"Task used more memory than requested."
#define DISK_LIMIT_DISPLAY	"Task used more disk than requested."
#define REASON_CONTAINER_LIMITATION_MEMORY	8
#define REASON_CONTAINER_LIMITATION_DISK	20
#define REASON_EXECUTOR_UNREGISTERED		2

struct update {
	char		*task_id;
	char		*agent_id;
	int		 status;	/* ScheduleStatus */
	char		*message;
	uint8_t		*uuid;
	size_t		 uuid_len;
};

struct update_list {
	struct update	*v;
	size_t		 n, cap;
};

struct killing {
	char		*task_id;
	char		*agent_id;
};

/* Updates at replica, acknowledged once it has stored them. */
struct batch {
	struct update_list sent;
	struct batch	*next;
};

static struct {
	struct update_list queued;
	struct batch	*sent;		/* in flight */
	int		 inflight;
	struct event	*flush_ev, *tick;
	struct killing	*kills;
	size_t		 nkills, capkills;
	uint64_t	 received, acked, kill_calls, kill_retries;
	uint64_t	 batches, failed_batches;
} up;

/* Conversions.STATE_TRANSLATION. */
static int
aurora_status(Mesos__V1__TaskState s)
{
	switch (s) {
	case MESOS__V1__TASK_STATE__TASK_STARTING:
	case MESOS__V1__TASK_STATE__TASK_STAGING:
		return SCHEDULE_STATUS__STARTING;
	case MESOS__V1__TASK_STATE__TASK_RUNNING:
		return SCHEDULE_STATUS__RUNNING;
	case MESOS__V1__TASK_STATE__TASK_FINISHED:
		return SCHEDULE_STATUS__FINISHED;
	case MESOS__V1__TASK_STATE__TASK_FAILED:
		return SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED;
	case MESOS__V1__TASK_STATE__TASK_KILLING:
	case MESOS__V1__TASK_STATE__TASK_KILLED:
		return SCHEDULE_STATUS__KILLED;
	case MESOS__V1__TASK_STATE__TASK_LOST:
	case MESOS__V1__TASK_STATE__TASK_ERROR:
	case MESOS__V1__TASK_STATE__TASK_DROPPED:
	case MESOS__V1__TASK_STATE__TASK_GONE:
	case MESOS__V1__TASK_STATE__TASK_GONE_BY_OPERATOR:
		return SCHEDULE_STATUS__LOST;
	case MESOS__V1__TASK_STATE__TASK_UNREACHABLE:
	case MESOS__V1__TASK_STATE__TASK_UNKNOWN:
		return SCHEDULE_STATUS__PARTITIONED;
	default:
		return -1;
	}
}

static const char *
enum_name(const ProtobufCEnumDescriptor *d, int v)
{
	const ProtobufCEnumValue *e = protobuf_c_enum_descriptor_get_value(d,
	    v);

	return e != NULL ? e->name : "UNKNOWN";
}

static void
update_free(struct update *u)
{
	free(u->task_id);
	free(u->agent_id);
	free(u->message);
	free(u->uuid);
}

static void
list_clear(struct update_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		update_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* TaskStatusHandlerImpl.formatMessage. */
static char *
message_of(const Mesos__V1__TaskStatus *s)
{
	const char *m = s->message;

	if (s->has_reason) {
		if ((int)s->reason == REASON_CONTAINER_LIMITATION_MEMORY &&
		    m == NULL)
			m = MEMORY_LIMIT_DISPLAY;
		else if ((int)s->reason == REASON_CONTAINER_LIMITATION_DISK &&
		    m == NULL)
			m = DISK_LIMIT_DISPLAY;
		else if ((int)s->reason == REASON_EXECUTOR_UNREGISTERED)
			m = NULL;
	}
	return m != NULL ? strdup(m) : NULL;
}

static void
flush_soon(void)
{
	struct timeval now = { 0, 0 };

	if (up.flush_ev != NULL && !event_pending(up.flush_ev, EV_TIMEOUT,
	    NULL))
		event_add(up.flush_ev, &now);
}

/* Queues a change for replica; message is taken (malloc'd or NULL). */
static void
enqueue(const char *task_id, const char *agent_id, int status, char *message,
    const uint8_t *uuid, size_t uuid_len)
{
	struct update *u;

	if (up.queued.n == up.queued.cap) {
		size_t cap = up.queued.cap ? up.queued.cap * 2 : 64;
		struct update *v = realloc(up.queued.v, cap * sizeof(*v));

		if (v == NULL) {
			free(message);
			return;	/* not acknowledged: Mesos sends it again */
		}
		up.queued.v = v;
		up.queued.cap = cap;
	}
	u = &up.queued.v[up.queued.n];
	memset(u, 0, sizeof(*u));
	u->task_id = strdup(task_id);
	u->agent_id = agent_id != NULL ? strdup(agent_id) : NULL;
	u->status = status;
	u->message = message;
	if (uuid != NULL && uuid_len > 0 &&
	    (u->uuid = malloc(uuid_len)) != NULL) {
		memcpy(u->uuid, uuid, uuid_len);
		u->uuid_len = uuid_len;
	}
	if (u->task_id == NULL) {
		update_free(u);
		return;
	}
	up.queued.n++;
	flush_soon();
}

void
offerd_updates_lost(const char *task_id, const char *message)
{
	char *m = strdup(message);

	if (m != NULL)
		enqueue(task_id, NULL, SCHEDULE_STATUS__LOST, m, NULL, 0);
}

void
offerd_updates_status(const Mesos__V1__TaskStatus *s)
{
	int status = aurora_status(s->state);

	up.received++;
	log_info("Received status update for task %s in state %s%s%s%s%s%s%s",
	    s->task_id->value,
	    enum_name(&mesos__v1__task_state__descriptor, (int)s->state),
	    s->has_source ? " from " : "", s->has_source ?
	    enum_name(&mesos__v1__task_status__source__descriptor,
	    (int)s->source) : "",
	    s->has_reason ? " with " : "", s->has_reason ?
	    enum_name(&mesos__v1__task_status__reason__descriptor,
	    (int)s->reason) : "",
	    s->message != NULL ? ": " : "", s->message != NULL ?
	    s->message : "");
	if (status == -1) {
		log_warnx("Unrecognized task state %d for task %s",
		    (int)s->state, s->task_id->value);
		return;
	}
	enqueue(s->task_id->value, s->agent_id != NULL ? s->agent_id->value :
	    NULL, status, message_of(s), s->has_uuid ? s->uuid.data : NULL,
	    s->has_uuid ? s->uuid.len : 0);
}

static void
acknowledge(const struct update *u)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Acknowledge ack = MESOS__V1__CALL__ACKNOWLEDGE__INIT;
	Mesos__V1__AgentID agent = MESOS__V1__AGENT_ID__INIT;
	Mesos__V1__TaskID task = MESOS__V1__TASK_ID__INIT;

	if (u->uuid == NULL || u->agent_id == NULL)
		return;		/* reconciliation answers carry none */
	agent.value = u->agent_id;
	task.value = u->task_id;
	ack.agent_id = &agent;
	ack.task_id = &task;
	ack.uuid.data = u->uuid;
	ack.uuid.len = u->uuid_len;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__ACKNOWLEDGE;
	c.acknowledge = &ack;
	if (mesos_call(&c) == 0)
		up.acked++;
}

static void
send_kill(const char *task_id, const char *agent_id)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Kill k = MESOS__V1__CALL__KILL__INIT;
	Mesos__V1__AgentID agent = MESOS__V1__AGENT_ID__INIT;
	Mesos__V1__TaskID task = MESOS__V1__TASK_ID__INIT;

	task.value = (char *)(uintptr_t)task_id;
	k.task_id = &task;
	if (agent_id != NULL) {
		agent.value = (char *)(uintptr_t)agent_id;
		k.agent_id = &agent;
	}
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__KILL;
	c.kill = &k;
	if (mesos_call(&c) == 0) {
		up.kill_calls++;
		log_info("Killing task %s", task_id);
	}
}

static const char *
agent_of(const char *task_id)
{
	const struct otask *t = offerd_task(task_id);

	if (t != NULL && t->agent_id != NULL)
		return t->agent_id;
	for (const struct batch *b = up.sent; b != NULL; b = b->next)
		for (size_t i = 0; i < b->sent.n; i++)
			if (strcmp(b->sent.v[i].task_id, task_id) == 0)
				return b->sent.v[i].agent_id;
	return NULL;
}

static void
status_done(const Envelope *reply, const char *error, void *arg)
{
	struct batch *b = arg, **p;
	TaskStatusResponse *r = NULL;

	if (reply != NULL && reply->type == MSG_TYPE__TASK_STATUS_RESPONSE)
		r = (TaskStatusResponse *)ipc_body_decode(reply,
		    &task_status_response__descriptor);
	if (r == NULL || r->outcome != STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED) {
		up.failed_batches++;
		log_warnx("%zu status updates were not stored: %s; Mesos "
		    "will send them again", b->sent.n, r != NULL &&
		    r->message != NULL ? r->message : error != NULL ? error :
		    "not applied");
	} else {
		for (size_t i = 0; i < b->sent.n; i++)
			acknowledge(&b->sent.v[i]);
		for (size_t i = 0; i < r->n_kill; i++)
			offerd_updates_kill(r->kill[i], agent_of(r->kill[i]));
	}
	if (r != NULL)
		task_status_response__free_unpacked(r, NULL);
	for (p = &up.sent; *p != NULL && *p != b; p = &(*p)->next)
		;
	if (*p != NULL)
		*p = b->next;
	list_clear(&b->sent);
	free(b);
	up.inflight--;
	if (up.queued.n > 0)
		flush_soon();
}

/* Sends the first queued updates, at most a batch; -1 if none went. */
static int
send_batch(void)
{
	TaskStatusRequest req = TASK_STATUS_REQUEST__INIT;
	TaskStatusChange *changes, **ptrs;
	struct batch *b;
	size_t n = up.queued.n < STATUS_BATCH_MAX ? up.queued.n :
	    STATUS_BATCH_MAX;

	changes = calloc(n, sizeof(*changes));
	ptrs = calloc(n, sizeof(*ptrs));
	b = calloc(1, sizeof(*b));
	if (changes == NULL || ptrs == NULL || b == NULL ||
	    (b->sent.v = malloc(n * sizeof(*b->sent.v))) == NULL) {
		free(changes);
		free(ptrs);
		free(b);
		return -1;
	}
	memcpy(b->sent.v, up.queued.v, n * sizeof(*b->sent.v));
	b->sent.n = b->sent.cap = n;
	memmove(up.queued.v, up.queued.v + n,
	    (up.queued.n - n) * sizeof(*up.queued.v));
	up.queued.n -= n;
	for (size_t i = 0; i < n; i++) {
		task_status_change__init(&changes[i]);
		changes[i].task_id = b->sent.v[i].task_id;
		changes[i].status = (ScheduleStatus)b->sent.v[i].status;
		changes[i].message = b->sent.v[i].message;
		ptrs[i] = &changes[i];
	}
	req.n_changes = n;
	req.changes = ptrs;
	up.batches++;
	b->next = up.sent;
	up.sent = b;
	up.inflight++;
	if (ipc_call(offerd_replica(), MSG_TYPE__TASK_STATUS_REQUEST,
	    &req.base, STATUS_TIMEOUT_MS, status_done, b) == -1)
		status_done(NULL, "cannot reach replica", b);
	free(ptrs);
	free(changes);
	return 0;
}

/* The next batch, when none is in flight (STATUS_BATCHES_INFLIGHT). */
static void
flush(evutil_socket_t fd, short what, void *arg)
{
	while (up.inflight < STATUS_BATCHES_INFLIGHT && up.queued.n > 0 &&
	    send_batch() == 0)
		;
}

/* Kills. */

static int
kill_state(int status)
{
	return status == SCHEDULE_STATUS__KILLING ||
	    status == SCHEDULE_STATUS__RESTARTING ||
	    status == SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING ||
	    status == SCHEDULE_STATUS__PREEMPTING;
}

void
offerd_updates_kill(const char *task_id, const char *agent_id)
{
	struct otask *t = offerd_task(task_id);
	int64_t now = ipc_now_ms();

	send_kill(task_id, agent_id);
	/* Retried only while the store says the task should die. */
	if (t == NULL || !kill_state(t->status) || t->kill_next_ms != 0)
		return;
	t->kill_backoff_ms = flag_duration_ms(F_INITIAL_TASK_KILL_RETRY_INTERVAL);
	t->kill_next_ms = now + t->kill_backoff_ms;
	if (up.nkills == up.capkills) {
		size_t cap = up.capkills ? up.capkills * 2 : 64;
		struct killing *k = realloc(up.kills, cap * sizeof(*k));

		if (k == NULL)
			return;
		up.kills = k;
		up.capkills = cap;
	}
	up.kills[up.nkills].task_id = strdup(task_id);
	up.kills[up.nkills].agent_id = agent_id != NULL ? strdup(agent_id) :
	    NULL;
	if (up.kills[up.nkills].task_id != NULL)
		up.nkills++;
}

void
offerd_updates_task_changed(struct otask *t)
{
	if (kill_state(t->status) && t->kill_next_ms == 0)
		offerd_updates_kill(t->id, t->agent_id);
}

/* Kills not yet answered by the task's end are sent again. */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
	int64_t now = ipc_now_ms();
	int64_t cap = flag_duration_ms(F_TRANSIENT_TASK_STATE_TIMEOUT);
	size_t i = 0;

	while (i < up.nkills) {
		struct killing *k = &up.kills[i];
		struct otask *t = offerd_task(k->task_id);

		if (t == NULL || !kill_state(t->status)) {
			free(k->task_id);
			free(k->agent_id);
			up.kills[i] = up.kills[--up.nkills];
			continue;
		}
		if (now >= t->kill_next_ms && mesos_registered()) {
			up.kill_retries++;
			send_kill(t->id, t->agent_id != NULL ? t->agent_id :
			    k->agent_id);
			t->kill_backoff_ms = t->kill_backoff_ms * 2 > cap ?
			    cap : t->kill_backoff_ms * 2;
			t->kill_next_ms = now + t->kill_backoff_ms;
		}
		i++;
	}
}

int
offerd_updates_init(void)
{
	struct timeval second = { 1, 0 };

	if ((up.flush_ev = event_new(offerd_base(), -1, 0, flush, NULL)) ==
	    NULL || (up.tick = event_new(offerd_base(), -1, EV_PERSIST, tick,
	    NULL)) == NULL)
		return -1;
	return evtimer_add(up.tick, &second);
}

void
offerd_updates_clear(void)
{
	list_clear(&up.queued);
	for (size_t i = 0; i < up.nkills; i++) {
		free(up.kills[i].task_id);
		free(up.kills[i].agent_id);
	}
	up.nkills = 0;
}

void
offerd_updates_vars(struct ipc_vars *v)
{
	ipc_vars_int(v, "scheduler_status_updates_received",
	    (int64_t)up.received);
	ipc_vars_int(v, "scheduler_status_updates_acknowledged",
	    (int64_t)up.acked);
	ipc_vars_int(v, "scheduler_status_update_batches",
	    (int64_t)up.batches);
	ipc_vars_int(v, "scheduler_status_update_batches_failed",
	    (int64_t)up.failed_batches);
	ipc_vars_int(v, "scheduler_task_kills_sent", (int64_t)up.kill_calls);
	ipc_vars_int(v, "task_kill_retries", (int64_t)up.kill_retries);
	ipc_vars_int(v, "tasks_being_killed", (int64_t)up.nkills);
}
