/*
 * aurora-local-cluster: tasks and their status updates. A task's updates
 * carry a uuid and wait for the framework's ACKNOWLEDGE; the latest
 * unacknowledged one is sent again after each SUBSCRIBE and every 10 s, as
 * a Mesos agent retries, and one produced while the framework is away
 * waits for it. Updates the master makes itself (TASK_ERROR for a bad
 * launch, reconciliation answers) carry none and are sent once. A task is
 * forgotten (moved to the completed list, kept only for /state.json) once
 * its terminal update is acknowledged.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/strmap.h"
#include "localcluster/localcluster.h"

static struct event *resend_timer;

static char *
task_key(const char *fw_id, const char *task_id)
{
	return xasprintf("%s\n%s", fw_id, task_id);
}

struct lc_task *
lc_task_find(const struct lc_framework *fw, const char *id)
{
	struct lc_task *t;
	char *k = task_key(fw->id, id);

	t = strmap_get(lc.tasks, k);
	free(k);
	return t != NULL && t->fw == fw ? t : NULL;
}

static void
task_free(struct lc_task *t)
{
	size_t i;

	if (t->timer != NULL)
		event_free(t->timer);
	free(t->key);
	free(t->id);
	free(t->name);
	free(t->fw_id);
	free(t->executor_id);
	lc_state_launch_free(t->launch);
	free(t->message);
	free(t->update.message);
	free(t->command);
	free(t->sandbox);
	free(t->image);
	for (i = 0; i < t->nvolumes; i++) {
		free(t->volumes[i].container_path);
		free(t->volumes[i].host_path);
	}
	free(t->volumes);
	lc_res_free(&t->res);
	free(t);
}

/* Terminal and acknowledged (or nobody to acknowledge it): forgotten. */
static void
complete(struct lc_task *t)
{
	struct lc_task *old;

	if (t->update.pending) {
		TAILQ_REMOVE(&lc.unacked, t, unacked);
		t->update.pending = false;
	}
	/* An orphan's key may name a newer task of a framework by that id. */
	if (strmap_get(lc.tasks, t->key) == t)
		strmap_del(lc.tasks, t->key);
	TAILQ_REMOVE(&lc.active, t, entry);
	TAILQ_INSERT_TAIL(&lc.completed, t, entry);
	t->completed = true;
	if (++lc.ncompleted > LC_COMPLETED_MAX) {
		old = TAILQ_FIRST(&lc.completed);
		TAILQ_REMOVE(&lc.completed, old, entry);
		task_free(old);
		lc.ncompleted--;
	}
}

static void
send_status(struct lc_framework *fw, const char *task_id, const char *agent_id,
    const char *executor_id, Mesos__V1__TaskState state,
    Mesos__V1__TaskStatus__Source source, int reason, const char *message,
    double timestamp, const uint8_t *uuid)
{
	Mesos__V1__Event ev = MESOS__V1__EVENT__INIT;
	Mesos__V1__Event__Update up = MESOS__V1__EVENT__UPDATE__INIT;
	Mesos__V1__TaskStatus st = MESOS__V1__TASK_STATUS__INIT;
	Mesos__V1__TaskID tid = MESOS__V1__TASK_ID__INIT;
	Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
	Mesos__V1__ExecutorID eid = MESOS__V1__EXECUTOR_ID__INIT;

	tid.value = LC_UNCONST(task_id);
	st.task_id = &tid;
	st.state = state;
	st.message = LC_UNCONST(message);
	st.has_source = 1;
	st.source = source;
	if (reason >= 0) {
		st.has_reason = 1;
		st.reason = (Mesos__V1__TaskStatus__Reason)reason;
	}
	if (agent_id != NULL) {
		aid.value = LC_UNCONST(agent_id);
		st.agent_id = &aid;
	}
	if (executor_id != NULL) {
		eid.value = LC_UNCONST(executor_id);
		st.executor_id = &eid;
	}
	st.has_timestamp = 1;
	st.timestamp = timestamp;
	if (uuid != NULL) {
		st.has_uuid = 1;
		st.uuid.data = (uint8_t *)(uintptr_t)uuid;
		st.uuid.len = LC_UUID_LEN;
	}
	up.status = &st;
	ev.has_type = 1;
	ev.type = MESOS__V1__EVENT__TYPE__UPDATE;
	ev.update = &up;
	if (lc_stream_send(fw, &ev) == 0)
		lc_debug("framework %s: task %s %s%s", fw->id, task_id,
		    lc_state_name(state), uuid != NULL ? "" : " (no uuid)");
}

/* A master's own update: no uuid, nothing to acknowledge. */
void
lc_task_status(struct lc_framework *fw, const char *task_id,
    const char *agent_id, Mesos__V1__TaskState state,
    Mesos__V1__TaskStatus__Source source, int reason, const char *message)
{
	send_status(fw, task_id, agent_id, NULL, state, source, reason, message,
	    lc_wall(), NULL);
}

static void
send_update(struct lc_task *t)
{
	struct lc_update *u = &t->update;

	if (t->fw == NULL || t->fw->stream == NULL)
		return;
	send_status(t->fw, t->id, t->agent->id, t->executor_id, u->state,
	    u->source, u->reason, u->message, u->timestamp, u->uuid);
	u->sent_ms = lc_now_ms();
}

static void
count(Mesos__V1__TaskState s)
{
	switch (s) {
	case MESOS__V1__TASK_STATE__TASK_FINISHED:
		lc.counters.finished++;
		break;
	case MESOS__V1__TASK_STATE__TASK_FAILED:
		lc.counters.failed++;
		break;
	case MESOS__V1__TASK_STATE__TASK_KILLED:
		lc.counters.killed++;
		break;
	case MESOS__V1__TASK_STATE__TASK_ERROR:
		lc.counters.errors++;
		break;
	default:
		lc.counters.lost++;
		break;
	}
}

/* A new state from the task's executor or agent. */
void
lc_task_update(struct lc_task *t, Mesos__V1__TaskState state,
    Mesos__V1__TaskStatus__Source source, int reason, const char *message)
{
	struct lc_update *u = &t->update;

	if (t->terminal)
		return;
	t->state = state;
	free(t->message);
	t->message = message != NULL ? xstrdup(message) : NULL;
	if (lc_state_terminal(state)) {
		t->terminal = true;
		lc_res_sub(&t->agent->used, &t->res);
		t->agent->ntasks--;
		count(state);
		if (t->timer != NULL) {
			event_free(t->timer);
			t->timer = NULL;
		}
		lc_task_log("task %s: %s%s%s", t->id, lc_state_name(state),
		    message != NULL ? ": " : "",
		    message != NULL ? message : "");
	} else
		lc_debug("task %s: %s", t->id, lc_state_name(state));
	if (t->fw == NULL) {
		if (t->terminal)
			complete(t);
		return;
	}
	if (!u->pending)
		TAILQ_INSERT_TAIL(&lc.unacked, t, unacked);
	u->pending = true;
	lc_uuid(u->uuid);
	u->state = state;
	u->source = source;
	u->reason = reason;
	free(u->message);
	u->message = message != NULL ? xstrdup(message) : NULL;
	u->timestamp = lc_wall();
	u->sent_ms = 0;
	send_update(t);
}

/* Mesos's ID rules (common/validation.cpp); NULL if the id is good. */
static const char *
bad_id(const char *id)
{
	const char *p;

	if (*id == '\0')
		return "ID must not be empty";
	if (strlen(id) > 255)
		return "ID must not be greater than 255 characters";
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return "'.' and '..' are disallowed";
	for (p = id; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/' ||
		    *p == '\\')
			return "ID contains invalid characters";
	return NULL;
}

static bool
is_docker(const Mesos__V1__TaskInfo *ti)
{
	const Mesos__V1__ContainerInfo *c = ti->container;

	if (c == NULL && ti->executor != NULL)
		c = ti->executor->container;
	return c != NULL && c->type == MESOS__V1__CONTAINER_INFO__TYPE__DOCKER;
}

/* Mesos's checks of one TaskInfo; fills need with what it uses. */
int
lc_task_check(struct lc_framework *fw, struct lc_agent *agent,
    const Mesos__V1__TaskInfo *ti, struct lc_res *need, char *err,
    size_t errlen)
{
	const Mesos__V1__CommandInfo *cmd;
	const char *why;
	char sub[512];

	err[0] = '\0';
	if ((why = bad_id(ti->task_id->value)) != NULL) {
		snprintf(err, errlen, "Task ID '%s' is invalid: %s",
		    ti->task_id->value, why);
		return -1;
	}
	if (lc_task_find(fw, ti->task_id->value) != NULL) {
		snprintf(err, errlen, "Task has duplicate ID: %s",
		    ti->task_id->value);
		return -1;
	}
	if (strcmp(ti->agent_id->value, agent->id) != 0) {
		snprintf(err, errlen, "Task uses invalid agent %s while agent "
		    "%s is expected", ti->agent_id->value, agent->id);
		return -1;
	}
	if ((ti->command == NULL) == (ti->executor == NULL)) {
		snprintf(err, errlen, "Task should have at least one (but not "
		    "both) of CommandInfo or ExecutorInfo present");
		return -1;
	}
	cmd = ti->command != NULL ? ti->command : ti->executor->command;
	/* A Docker image may bring its own entrypoint; a process may not. */
	if (!is_docker(ti) && (cmd == NULL || cmd->value == NULL)) {
		snprintf(err, errlen, "%s has no command 'value' to run",
		    ti->command != NULL ? "Task" : "Executor");
		return -1;
	}
	if (ti->kill_policy != NULL && ti->kill_policy->grace_period != NULL &&
	    ti->kill_policy->grace_period->nanoseconds < 0) {
		snprintf(err, errlen, "Task's 'kill_policy.grace_period' must "
		    "be non-negative");
		return -1;
	}
	if (ti->n_resources == 0) {
		snprintf(err, errlen, "Task uses no resources");
		return -1;
	}
	if (lc_res_parse(need, ti->resources, ti->n_resources, sub,
	    sizeof(sub)) == -1) {
		snprintf(err, errlen, "Task uses invalid resources: %s", sub);
		return -1;
	}
	if (ti->executor != NULL && lc_res_parse(need, ti->executor->resources,
	    ti->executor->n_resources, sub, sizeof(sub)) == -1) {
		snprintf(err, errlen, "Executor uses invalid resources: %s",
		    sub);
		return -1;
	}
	return 0;
}

/* What runs, in one line for /state.json. */
static char *
command_line(const Mesos__V1__CommandInfo *cmd)
{
	size_t i, len = 1;
	char *s;

	if (cmd == NULL || cmd->value == NULL)
		return NULL;
	if (!cmd->has_shell || cmd->shell || cmd->n_arguments == 0)
		return xstrdup(cmd->value);
	for (i = 0; i < cmd->n_arguments; i++)
		len += strlen(cmd->arguments[i]) + 1;
	s = xcalloc(1, len);
	for (i = 0, len = 0; i < cmd->n_arguments; i++) {
		if (i > 0)
			s[len++] = ' ';
		memcpy(s + len, cmd->arguments[i], strlen(cmd->arguments[i]));
		len += strlen(cmd->arguments[i]);
	}
	return s;
}

static void
take_container(struct lc_task *t, const Mesos__V1__ContainerInfo *c)
{
	size_t i;

	if (c == NULL)
		return;
	t->container_type = (int)c->type;
	t->docker = c->type == MESOS__V1__CONTAINER_INFO__TYPE__DOCKER;
	if (c->docker != NULL)
		t->image = xstrdup(c->docker->image);
	t->volumes = xcalloc(c->n_volumes, sizeof(*t->volumes));
	for (i = 0; i < c->n_volumes; i++) {
		t->volumes[i].container_path =
		    xstrdup(c->volumes[i]->container_path);
		t->volumes[i].host_path = c->volumes[i]->host_path != NULL ?
		    xstrdup(c->volumes[i]->host_path) : NULL;
		t->volumes[i].ro =
		    c->volumes[i]->mode == MESOS__V1__VOLUME__MODE__RO;
	}
	t->nvolumes = c->n_volumes;
}

void
lc_task_launch(struct lc_framework *fw, struct lc_agent *agent,
    const Mesos__V1__TaskInfo *ti, const struct lc_res *res)
{
	const Mesos__V1__ExecutorInfo *ex = ti->executor;
	struct lc_task *t = xcalloc(1, sizeof(*t));
	char err[512];

	t->id = xstrdup(ti->task_id->value);
	t->name = xstrdup(ti->name);
	t->fw_id = xstrdup(fw->id);
	t->key = task_key(fw->id, t->id);
	t->fw = fw;
	t->agent = agent;
	if (ex != NULL)
		t->executor_id = xstrdup(ex->executor_id->value);
	t->launch = lc_state_launch(ti);
	lc_res_copy(&t->res, res);
	lc_res_add(&agent->used, res);
	agent->ntasks++;
	t->state = MESOS__V1__TASK_STATE__TASK_STAGING;
	t->update.reason = -1;
	t->grace_ms = -1;
	if (ti->kill_policy != NULL && ti->kill_policy->grace_period != NULL)
		t->grace_ms = ti->kill_policy->grace_period->nanoseconds /
		    1000000;
	t->command = command_line(ti->command != NULL ? ti->command :
	    ex->command);
	take_container(t, ti->container != NULL ? ti->container :
	    ex != NULL ? ex->container : NULL);
	xstrmap_put(lc.tasks, t->key, t);
	TAILQ_INSERT_TAIL(&lc.active, t, entry);
	lc.counters.launched++;
	lc_task_log("framework %s: task %s (%s) on %s: %s", fw->id, t->id,
	    t->name, agent->hostname, t->command != NULL ? t->command : "");

	if (lc.simulate) {
		lc_sim_start(t);
		return;
	}
	if (t->docker) {
		lc_task_update(t, MESOS__V1__TASK_STATE__TASK_FAILED,
		    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_AGENT,
		    LC_REASON_CONTAINER_LAUNCH_FAILED,
		    "Docker containers are not supported by the local cluster");
		return;
	}
	/* Not Docker, so lc_task_check saw a command to run. */
	if (lc_exec_start(t, ti, err, sizeof(err)) == -1) {
		lc_task_update(t, MESOS__V1__TASK_STATE__TASK_FAILED,
		    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_AGENT,
		    LC_REASON_CONTAINER_LAUNCH_FAILED, err);
		return;
	}
	lc_task_update(t, MESOS__V1__TASK_STATE__TASK_STARTING,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, -1, NULL);
	lc_task_update(t, MESOS__V1__TASK_STATE__TASK_RUNNING,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, -1, NULL);
}

void
lc_task_kill(struct lc_task *t, int64_t grace_ms)
{
	if (t->terminal || t->kill_asked)
		return;
	t->kill_asked = true;
	t->grace_ms = grace_ms;
	if (lc.simulate) {
		lc_sim_kill(t);
		return;
	}
	if (t->fw != NULL && t->fw->killing_state)
		lc_task_update(t, MESOS__V1__TASK_STATE__TASK_KILLING,
		    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, -1, NULL);
	lc_exec_kill(t);
}

/* Mesos answers what it does not know with its state as reconciliation. */
static void
reconcile_unknown(struct lc_framework *fw, const char *task_id,
    const Mesos__V1__AgentID *agent_id)
{
	bool agent_known = agent_id != NULL &&
	    lc_agent_find(agent_id->value) != NULL;
	Mesos__V1__TaskState s = MESOS__V1__TASK_STATE__TASK_LOST;

	if (fw->partition_aware)
		s = agent_known ? MESOS__V1__TASK_STATE__TASK_GONE :
		    MESOS__V1__TASK_STATE__TASK_UNKNOWN;
	lc_task_status(fw, task_id, agent_id != NULL ? agent_id->value : NULL,
	    s, MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER,
	    MESOS__V1__TASK_STATUS__REASON__REASON_RECONCILIATION,
	    agent_known ? "Reconciliation: Task is unknown to the agent" :
	    "Reconciliation: Task is unknown");
}

static void
reconcile_known(struct lc_framework *fw, const struct lc_task *t)
{
	send_status(fw, t->id, t->agent->id, t->executor_id, t->state,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER,
	    MESOS__V1__TASK_STATUS__REASON__REASON_RECONCILIATION,
	    "Reconciliation: Latest task state", lc_wall(), NULL);
}

void
lc_tasks_kill_call(struct lc_framework *fw, const Mesos__V1__Call__Kill *k)
{
	struct lc_task *t = lc_task_find(fw, k->task_id->value);
	int64_t grace = lc.conf.kill_grace_ms;

	if (t == NULL) {
		/* Mesos: unknown, so reconcile it (master.cpp, kill()). */
		log_info("framework %s: KILL of unknown task %s", fw->id,
		    k->task_id->value);
		reconcile_unknown(fw, k->task_id->value, k->agent_id);
		return;
	}
	if (k->agent_id != NULL && strcmp(k->agent_id->value,
	    t->agent->id) != 0) {
		log_warnx("framework %s: KILL of task %s on agent %s, but it "
		    "is on %s; ignored", fw->id, t->id, k->agent_id->value,
		    t->agent->id);
		return;
	}
	if (k->kill_policy != NULL && k->kill_policy->grace_period != NULL &&
	    k->kill_policy->grace_period->nanoseconds >= 0)
		grace = k->kill_policy->grace_period->nanoseconds / 1000000;
	else if (t->grace_ms >= 0)
		grace = t->grace_ms;
	log_info("framework %s: KILL task %s (grace %lld ms)", fw->id, t->id,
	    (long long)grace);
	lc_task_kill(t, grace);
}

void
lc_tasks_ack(struct lc_framework *fw, const Mesos__V1__Call__Acknowledge *a)
{
	struct lc_task *t = lc_task_find(fw, a->task_id->value);

	if (t == NULL) {
		lc_debug("framework %s: ACKNOWLEDGE for unknown task %s",
		    fw->id, a->task_id->value);
		return;
	}
	if (strcmp(a->agent_id->value, t->agent->id) != 0) {
		log_warnx("framework %s: ACKNOWLEDGE for task %s names agent "
		    "%s, not %s; ignored", fw->id, t->id, a->agent_id->value,
		    t->agent->id);
		return;
	}
	if (!t->update.pending ||
	    memcmp(a->uuid.data, t->update.uuid, LC_UUID_LEN) != 0) {
		lc_debug("framework %s: ACKNOWLEDGE of an older update of "
		    "task %s", fw->id, t->id);
		return;
	}
	lc_debug("framework %s: task %s %s acknowledged", fw->id, t->id,
	    lc_state_name(t->update.state));
	TAILQ_REMOVE(&lc.unacked, t, unacked);
	t->update.pending = false;
	if (t->terminal)
		complete(t);
}

void
lc_tasks_reconcile(struct lc_framework *fw,
    const Mesos__V1__Call__Reconcile *r)
{
	const Mesos__V1__Call__Reconcile__Task *rt;
	struct lc_task *t;
	size_t i, n = 0;

	if (r->n_tasks == 0) {
		/* Implicit: every task Mesos still knows, as Mesos does. */
		TAILQ_FOREACH(t, &lc.active, entry)
			if (t->fw == fw) {
				reconcile_known(fw, t);
				n++;
			}
		log_info("framework %s: implicit RECONCILE: %zu task(s)",
		    fw->id, n);
		return;
	}
	for (i = 0; i < r->n_tasks; i++) {
		rt = r->tasks[i];
		if ((t = lc_task_find(fw, rt->task_id->value)) != NULL)
			reconcile_known(fw, t);
		else
			reconcile_unknown(fw, rt->task_id->value, rt->agent_id);
	}
	log_info("framework %s: explicit RECONCILE of %zu task(s)", fw->id,
	    r->n_tasks);
}

/* After a SUBSCRIBE: what is still unacknowledged goes again. */
void
lc_tasks_resend(struct lc_framework *fw)
{
	struct lc_task *t;
	size_t n = 0;

	TAILQ_FOREACH(t, &lc.unacked, unacked)
		if (t->fw == fw) {
			send_update(t);
			n++;
		}
	if (n > 0)
		log_info("framework %s: %zu unacknowledged update(s) sent "
		    "again", fw->id, n);
}

static void
resend(evutil_socket_t fd, short what, void *arg)
{
	struct lc_task *t;
	int64_t now = lc_now_ms();

	TAILQ_FOREACH(t, &lc.unacked, unacked)
		if (t->fw != NULL && t->fw->stream != NULL &&
		    now - t->update.sent_ms >= LC_RESEND_MS)
			send_update(t);
}

/* Its framework is gone (TEARDOWN): the tasks are killed and forgotten. */
void
lc_tasks_orphan(struct lc_framework *fw)
{
	struct lc_task *t, *next;

	for (t = TAILQ_FIRST(&lc.active); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (t->fw != fw)
			continue;
		if (t->update.pending) {
			TAILQ_REMOVE(&lc.unacked, t, unacked);
			t->update.pending = false;
		}
		t->fw = NULL;
		strmap_del(lc.tasks, t->key);
		if (t->terminal)
			complete(t);
		else
			lc_task_kill(t, t->grace_ms >= 0 ? t->grace_ms :
			    lc.conf.kill_grace_ms);
	}
}

void
lc_tasks_init(void)
{
	struct timeval tv = { 1, 0 };

	lc.tasks = xstrmap_new();
	TAILQ_INIT(&lc.active);
	TAILQ_INIT(&lc.completed);
	TAILQ_INIT(&lc.unacked);
	if ((resend_timer = event_new(lc.base, -1, EV_PERSIST, resend,
	    NULL)) == NULL || evtimer_add(resend_timer, &tv) == -1)
		fatalx("resend timer");
}

void
lc_tasks_free(void)
{
	struct lc_task *t;

	if (resend_timer != NULL)
		event_free(resend_timer);
	resend_timer = NULL;
	while ((t = TAILQ_FIRST(&lc.active)) != NULL) {
		TAILQ_REMOVE(&lc.active, t, entry);
		task_free(t);
	}
	while ((t = TAILQ_FIRST(&lc.completed)) != NULL) {
		TAILQ_REMOVE(&lc.completed, t, entry);
		task_free(t);
	}
	TAILQ_INIT(&lc.unacked);
	strmap_free(lc.tasks);
	lc.tasks = NULL;
}
