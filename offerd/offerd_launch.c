/*
 * offerd: the Mesos TaskInfo for an assigned task, as Aurora builds it:
 * named "role/env/name", the task's resources with its assigned ports,
 * the tier and metadata as labels. With -thermos_executor_path the task
 * runs under Aurora's executor (offerd_executor.c builds its ExecutorInfo
 * and the task's data; a Docker container goes on the executor). Without
 * it the task runs under the Mesos command executor: the processes of the
 * executor config the client sent (Thermos's task JSON) become one shell
 * command that runs them in their declared order, each after the previous
 * one succeeded, with Thermos's {{thermos.ports[name]}}, {{mesos.instance}},
 * {{mesos.hostname}} and {{thermos.task_id}} filled in. A Docker container
 * gets every -global_container_mounts entry as a volume.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/bytebuf.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/mounts.h"
#include "offerd/offerd.h"

#define TIER_LABEL		"org.apache.aurora.tier"
#define METADATA_LABEL_PREFIX	"org.apache.aurora.metadata."

/* Appends cmdline with the templates a task knows replaced. */
static void
expand(struct bytebuf *b, const char *cmd, const AssignedTask *a)
{
	const char *p = cmd, *open, *close;
	char name[256], num[32];

	while ((open = strstr(p, "{{")) != NULL &&
	    (close = strstr(open, "}}")) != NULL) {
		size_t n = (size_t)(close - open - 2);
		const char *value = NULL;

		bytebuf_put(b, p, (size_t)(open - p));
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, open + 2, n);
		name[n] = '\0';
		if (strncmp(name, "thermos.ports[", 14) == 0 &&
		    name[n - 1] == ']') {
			name[n - 1] = '\0';
			for (size_t i = 0; i < a->n_assignedports; i++)
				if (strcmp(a->assignedports[i]->key,
				    name + 14) == 0) {
					snprintf(num, sizeof(num), "%d",
					    a->assignedports[i]->value);
					value = num;
				}
		} else if (strcmp(name, "mesos.instance") == 0) {
			snprintf(num, sizeof(num), "%d", a->instanceid);
			value = num;
		} else if (strcmp(name, "mesos.hostname") == 0) {
			value = a->slavehost;
		} else if (strcmp(name, "thermos.task_id") == 0) {
			value = a->taskid;
		}
		if (value != NULL)
			bytebuf_puts(b, value);
		else
			bytebuf_put(b, open, (size_t)(close + 2 - open));
		p = close + 2;
	}
	bytebuf_puts(b, p);
}

/* The processes' command lines as one shell command; NULL with err. */
static char *
assigned_command(const AssignedTask *a, char *err, size_t errlen)
{
	const ExecutorConfig *x = a->task->executorconfig;
	json_t *root, *procs, *p;
	json_error_t jerr;
	struct bytebuf b;
	size_t i, n = 0;
	unsigned char *out;

	if (x == NULL || x->data == NULL) {
		snprintf(err, errlen, "the task has no executor config");
		return NULL;
	}
	if ((root = json_loads(x->data, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "the executor config is not JSON: %s",
		    jerr.text);
		return NULL;
	}
	procs = json_object_get(json_object_get(root, "task"), "processes");
	bytebuf_init(&b);
	json_array_foreach(procs, i, p) {
		const char *cmd = json_string_value(json_object_get(p,
		    "cmdline"));

		if (cmd == NULL)
			continue;
		bytebuf_puts(&b, n++ == 0 ? "(" : " && (");
		expand(&b, cmd, a);
		bytebuf_puts(&b, "\n)");
	}
	json_decref(root);
	if (n == 0) {
		bytebuf_free(&b);
		snprintf(err, errlen, "the executor config has no processes "
		    "with a cmdline");
		return NULL;
	}
	bytebuf_putc(&b, '\0');
	if (b.failed) {
		bytebuf_free(&b);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	out = bytebuf_take(&b, &n);
	return (char *)out;
}

Mesos__V1__Resource *
offerd_scalar_resource(const char *name, double v)
{
	Mesos__V1__Resource *r = calloc(1, sizeof(*r));
	Mesos__V1__Value__Scalar *s = calloc(1, sizeof(*s));

	if (r == NULL || s == NULL) {
		free(r);
		free(s);
		return NULL;
	}
	/* protobuf-c's init clears every field: before filling any. */
	mesos__v1__resource__init(r);
	mesos__v1__value__scalar__init(s);
	r->scalar = s;
	if ((r->name = strdup(name)) == NULL) {
		mesos__v1__resource__free_unpacked(r, NULL);
		return NULL;
	}
	r->type = MESOS__V1__VALUE__TYPE__SCALAR;
	s->value = v;
	return r;
}

static Mesos__V1__Resource *
ports_resource(const AssignedTask *a)
{
	Mesos__V1__Resource *r = calloc(1, sizeof(*r));
	Mesos__V1__Value__Ranges *rs = calloc(1, sizeof(*rs));

	if (r == NULL || rs == NULL) {
		free(r);
		free(rs);
		return NULL;
	}
	/* protobuf-c's init clears every field: before filling any. */
	mesos__v1__resource__init(r);
	mesos__v1__value__ranges__init(rs);
	if ((rs->range = calloc(a->n_assignedports, sizeof(*rs->range))) ==
	    NULL) {
		free(r);
		free(rs);
		return NULL;
	}
	r->name = strdup("ports");
	r->type = MESOS__V1__VALUE__TYPE__RANGES;
	r->ranges = rs;
	for (size_t i = 0; i < a->n_assignedports; i++) {
		Mesos__V1__Value__Range *g = calloc(1, sizeof(*g));

		if (g == NULL)
			break;
		mesos__v1__value__range__init(g);
		g->begin = g->end = (uint64_t)a->assignedports[i]->value;
		rs->range[rs->n_range++] = g;
	}
	return r;
}

static int
add_resource(Mesos__V1__TaskInfo *t, Mesos__V1__Resource *r)
{
	if (r == NULL)
		return -1;
	t->resources[t->n_resources++] = r;
	return 0;
}

static Mesos__V1__Label *
label(const char *key, const char *value)
{
	Mesos__V1__Label *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	mesos__v1__label__init(l);
	l->key = strdup(key);
	l->value = value != NULL ? strdup(value) : NULL;
	return l;
}

static int
add_labels(Mesos__V1__TaskInfo *t, const TaskConfig *c)
{
	Mesos__V1__Labels *ls = calloc(1, sizeof(*ls));
	char key[512];

	if (ls == NULL)
		return -1;
	mesos__v1__labels__init(ls);
	if ((ls->labels = calloc(c->n_metadata + 1, sizeof(*ls->labels))) ==
	    NULL) {
		free(ls);
		return -1;
	}
	t->labels = ls;
	if (c->tier != NULL)
		ls->labels[ls->n_labels++] = label(TIER_LABEL, c->tier);
	for (size_t i = 0; i < c->n_metadata; i++) {
		snprintf(key, sizeof(key), METADATA_LABEL_PREFIX "%s",
		    c->metadata[i]->key ? c->metadata[i]->key : "");
		ls->labels[ls->n_labels++] = label(key, c->metadata[i]->value);
	}
	return 0;
}

/* ContainerInfo DOCKER with the image and -global_container_mounts. */
static Mesos__V1__ContainerInfo *
docker_container(const DockerContainer *d)
{
	Mesos__V1__ContainerInfo *ci = calloc(1, sizeof(*ci));
	Mesos__V1__ContainerInfo__DockerInfo *di = calloc(1, sizeof(*di));
	struct mount_list *ml;
	char err[256];

	if (ci == NULL || di == NULL) {
		free(ci);
		free(di);
		return NULL;
	}
	mesos__v1__container_info__init(ci);
	mesos__v1__container_info__docker_info__init(di);
	ci->type = MESOS__V1__CONTAINER_INFO__TYPE__DOCKER;
	di->image = strdup(d->image != NULL ? d->image : "");
	ci->docker = di;
	ml = mounts_parse(flag_str(F_GLOBAL_CONTAINER_MOUNTS), err, sizeof(err));
	if (ml == NULL || ml->count == 0) {
		mounts_free(ml);
		return ci;
	}
	if ((ci->volumes = calloc(ml->count, sizeof(*ci->volumes))) == NULL) {
		mounts_free(ml);
		return ci;
	}
	for (size_t i = 0; i < ml->count; i++) {
		Mesos__V1__Volume *v = calloc(1, sizeof(*v));

		if (v == NULL)
			break;
		mesos__v1__volume__init(v);
		v->host_path = strdup(ml->mounts[i].host_path);
		v->container_path = strdup(ml->mounts[i].container_path);
		v->mode = ml->mounts[i].mode == MOUNT_RO ?
		    MESOS__V1__VOLUME__MODE__RO : MESOS__V1__VOLUME__MODE__RW;
		ci->volumes[ci->n_volumes++] = v;
	}
	mounts_free(ml);
	return ci;
}

static int
is_docker(const TaskConfig *c)
{
	return c->container != NULL &&
	    c->container->kind_case == CONTAINER__KIND_DOCKER &&
	    c->container->docker != NULL;
}

/*
 * The rest of an executor's TaskInfo, as MesosTaskFactory: the
 * ExecutorInfo (carrying the Docker container, if any) and the
 * AssignedTask as data; no command. Frees t on failure.
 */
static Mesos__V1__TaskInfo *
with_executor(Mesos__V1__TaskInfo *t, const AssignedTask *a)
{
	if ((t->executor = offerd_executor_info(a)) == NULL ||
	    offerd_executor_data(a, &t->data) == -1) {
		log_warnx("task %s: out of memory building its ExecutorInfo",
		    a->taskid);
		offerd_task_info_free(t);
		return NULL;
	}
	t->has_data = 1;
	if (is_docker(a->task))
		t->executor->container =
		    docker_container(a->task->container->docker);
	return t;
}

Mesos__V1__TaskInfo *
offerd_task_info(const AssignedTask *a, const char *agent_id)
{
	const TaskConfig *c = a->task;
	const JobKey *k;
	Mesos__V1__TaskInfo *t;
	Mesos__V1__CommandInfo *cmd = NULL;
	char err[256], *line = NULL;
	double cpus = 0, mem = 0, disk = 0;
	int executor;

	if (c == NULL || (k = c->job) == NULL || a->taskid == NULL)
		return NULL;
	executor = offerd_executor_runs(c);
	if (!executor &&
	    (line = assigned_command(a, err, sizeof(err))) == NULL) {
		log_warnx("task %s: %s; it runs `false`", a->taskid, err);
		if ((line = strdup("false")) == NULL)
			return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		free(line);
		return NULL;
	}
	mesos__v1__task_info__init(t);
	if (asprintf(&t->name, "%s/%s/%s", k->role, k->environment,
	    k->name) == -1)
		t->name = NULL;
	t->task_id = calloc(1, sizeof(*t->task_id));
	t->agent_id = calloc(1, sizeof(*t->agent_id));
	t->resources = calloc(4, sizeof(*t->resources));
	if (!executor)
		cmd = calloc(1, sizeof(*cmd));
	if (t->name == NULL || t->task_id == NULL || t->agent_id == NULL ||
	    t->resources == NULL || (!executor && cmd == NULL)) {
		free(cmd);
		free(line);
		offerd_task_info_free(t);
		return NULL;
	}
	mesos__v1__task_id__init(t->task_id);
	mesos__v1__agent_id__init(t->agent_id);
	t->task_id->value = strdup(a->taskid);
	t->agent_id->value = strdup(agent_id);
	for (size_t i = 0; i < c->n_resources; i++) {
		const Resource *r = c->resources[i];

		if (r->kind_case == RESOURCE__KIND_NUM_CPUS)
			cpus += r->numcpus;
		else if (r->kind_case == RESOURCE__KIND_RAM_MB)
			mem += (double)r->rammb;
		else if (r->kind_case == RESOURCE__KIND_DISK_MB)
			disk += (double)r->diskmb;
	}
	if (add_resource(t, offerd_scalar_resource("cpus", cpus)) == -1 ||
	    add_resource(t, offerd_scalar_resource("mem", mem)) == -1 ||
	    add_resource(t, offerd_scalar_resource("disk", disk)) == -1 ||
	    (a->n_assignedports > 0 &&
	    add_resource(t, ports_resource(a)) == -1) ||
	    add_labels(t, c) == -1) {
		free(cmd);
		free(line);
		offerd_task_info_free(t);
		return NULL;
	}
	if (executor)
		return with_executor(t, a);
	mesos__v1__command_info__init(cmd);
	cmd->value = line;
	cmd->has_shell = 1;
	cmd->shell = 1;
	t->command = cmd;
	if (is_docker(c))
		t->container = docker_container(c->container->docker);
	return t;
}

void
offerd_task_info_free(Mesos__V1__TaskInfo *t)
{
	/* Built with malloc throughout, as unpack builds: free it so. */
	if (t != NULL)
		mesos__v1__task_info__free_unpacked(t, NULL);
}
