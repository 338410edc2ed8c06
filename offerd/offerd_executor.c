/*
 * offerd: Aurora's Thermos executor. With -thermos_executor_path, a task
 * with an executor config (always AuroraExecutor: replica refuses other
 * names) runs under the executor instead of the Mesos command executor,
 * with the ExecutorInfo Aurora's ExecutorModule and MesosTaskFactory
 * build:
 *
 *   executor_id	"thermos-" and the task id
 *   name		AuroraExecutor
 *   source, labels	"role.env.name.instance" (the label's key: source)
 *   command		${MESOS_SANDBOX=.}/<basename of the path> <flags>,
 *			with the path and then each of
 *			-thermos_executor_resources as fetcher URIs
 *			(executable), then the task's own fetcher URIs
 *   resources		the executor's overhead: cpus 0.25, mem 128 MB
 *
 * and the TaskInfo's data is the AssignedTask in Thrift's binary protocol,
 * which the executor reads back. Only memory work here: no privilege, no
 * system call beyond what malloc needs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"
#include "common/flags.h"
#include "common/thrift_codec.h"
#include "common/thrift_protocol.h"
#include "offerd/offerd.h"

/* api.thrift's AURORA_EXECUTOR_NAME, the only executor configured. */
#define EXECUTOR_NAME		"AuroraExecutor"
/* ExecutorModule's task prefix for the Thermos executor's ids. */
#define EXECUTOR_ID_PREFIX	"thermos-"
/* Unprefixed: Mesos's developers asked for this name when they removed
 * ExecutorInfo.source (MesosTaskFactory). */
#define SOURCE_LABEL		"source"
/*
 * The executor's overhead: Aurora's defaults of -thermos_executor_cpu and
 * -thermos_executor_ram, which we do not have as flags yet. Aurora gives
 * the executor no disk.
 */
#define EXECUTOR_CPUS		0.25
#define EXECUTOR_RAM_MB		128.0
/* -thermos_home_in_sandbox, not a flag here yet: Aurora's default. */
#define HOME_IN_SANDBOX		0

int
offerd_executor_enabled(void)
{
	return flag_str(F_THERMOS_EXECUTOR_PATH)[0] != '\0';
}

int
offerd_executor_runs(const TaskConfig *c)
{
	/*
	 * Aurora: a task with an executor config runs under that executor;
	 * only a Docker task may have none, and runs its image's entrypoint.
	 */
	return offerd_executor_enabled() && c != NULL &&
	    c->executorconfig != NULL;
}

void
offerd_executor_overhead(double *cpus, double *mem_mb, double *disk_mb)
{
	int on = offerd_executor_enabled();

	*cpus = on ? EXECUTOR_CPUS : 0;
	*mem_mb = on ? EXECUTOR_RAM_MB : 0;
	*disk_mb = 0;
}

void
offerd_executor_task_overhead(const TaskConfig *c, double *cpus,
    double *mem_mb, double *disk_mb)
{
	/* Aurora's ExecutorSettings.getExecutorOverhead: none without one. */
	if (offerd_executor_runs(c)) {
		offerd_executor_overhead(cpus, mem_mb, disk_mb);
		return;
	}
	*cpus = *mem_mb = *disk_mb = 0;
}

/* Java's String.trim(): every character up to ' ' goes at both ends. */
static void
trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (unsigned char)s[n - 1] <= ' ')
		n--;
	while (i < n && (unsigned char)s[i] <= ' ')
		i++;
	memmove(s, s + i, n - i);
	s[n - i] = '\0';
}

char *
offerd_executor_command_value(const char *path, const char *flags,
    int home_in_sandbox)
{
	const char *base = strrchr(path, '/');
	char *s;

	/* ExecutorModule.uriBasename; flags.c refuses a path ending in '/'. */
	base = base != NULL ? base + 1 : path;
	if (asprintf(&s, "%s${MESOS_SANDBOX=.}/%s %s",
	    home_in_sandbox ? "HOME=${MESOS_SANDBOX=.} " : "", base,
	    flags != NULL ? flags : "") == -1)
		return NULL;
	trim(s);
	return s;
}

static Mesos__V1__CommandInfo__URI *
uri(const char *value, size_t len)
{
	Mesos__V1__CommandInfo__URI *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return NULL;
	mesos__v1__command_info__uri__init(u);
	if ((u->value = strndup(value, len)) == NULL) {
		free(u);
		return NULL;
	}
	return u;
}

/*
 * The executor and -thermos_executor_resources, split as Aurora's
 * CommaSplitter does ("" is no entry; String.split drops empty entries at
 * the end), each executable (and, by Mesos's default, extracted if it is
 * an archive).
 */
static int
add_executor_uris(Mesos__V1__CommandInfo *cmd, const char *path,
    const char *resources)
{
	const char *p, *comma;
	size_t end;

	if ((cmd->uris[cmd->n_uris] = uri(path, strlen(path))) == NULL)
		return -1;
	cmd->uris[cmd->n_uris]->has_executable = 1;
	cmd->uris[cmd->n_uris++]->executable = 1;
	if (strcmp(resources, "") == 0 || strcmp(resources, "''") == 0)
		return 0;
	end = strlen(resources);
	while (end > 0 && resources[end - 1] == ',')
		end--;
	for (p = resources; p < resources + end; p = comma + 1) {
		if ((comma = memchr(p, ',', (size_t)(resources + end - p))) ==
		    NULL)
			comma = resources + end;
		if ((cmd->uris[cmd->n_uris] = uri(p, (size_t)(comma - p))) ==
		    NULL)
			return -1;
		cmd->uris[cmd->n_uris]->has_executable = 1;
		cmd->uris[cmd->n_uris++]->executable = 1;
	}
	return 0;
}

/* The task's own MesosFetcherURIs, as MesosTaskFactory.toProtoURI. */
static int
add_task_uris(Mesos__V1__CommandInfo *cmd, const TaskConfig *c)
{
	for (size_t i = 0; i < c->n_mesosfetcheruris; i++) {
		const MesosFetcherURI *m = c->mesosfetcheruris[i];
		Mesos__V1__CommandInfo__URI *u;

		if (m->value == NULL)
			continue;
		if ((u = uri(m->value, strlen(m->value))) == NULL)
			return -1;
		cmd->uris[cmd->n_uris++] = u;
		/* Java's getters: false for an unset optional bool. */
		u->has_executable = u->has_extract = u->has_cache = 1;
		u->executable = 0;
		u->extract = m->has_extract && m->extract;
		u->cache = m->has_cache && m->cache;
		if (m->outputfile != NULL &&
		    (u->output_file = strdup(m->outputfile)) == NULL)
			return -1;
	}
	return 0;
}

static size_t
commas(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == ',';
	return n;
}

Mesos__V1__ExecutorInfo *
offerd_executor_info(const AssignedTask *a)
{
	const TaskConfig *c = a->task;
	const JobKey *k = c != NULL ? c->job : NULL;
	const char *path = flag_str(F_THERMOS_EXECUTOR_PATH);
	const char *resources = flag_str(F_THERMOS_EXECUTOR_RESOURCES);
	Mesos__V1__ExecutorInfo *x;
	Mesos__V1__CommandInfo *cmd;
	Mesos__V1__Labels *ls;
	Mesos__V1__Label *l;
	double cpus, mem, disk;
	size_t nuris;

	if (k == NULL || a->taskid == NULL || (x = calloc(1, sizeof(*x))) ==
	    NULL)
		return NULL;
	/*
	 * Each part is initialized as soon as it is attached: freeing the
	 * whole on failure walks only initialized messages.
	 */
	mesos__v1__executor_info__init(x);
	if ((x->executor_id = calloc(1, sizeof(*x->executor_id))) == NULL)
		goto fail;
	mesos__v1__executor_id__init(x->executor_id);
	if ((x->command = cmd = calloc(1, sizeof(*cmd))) == NULL)
		goto fail;
	mesos__v1__command_info__init(cmd);
	if ((x->labels = ls = calloc(1, sizeof(*ls))) == NULL)
		goto fail;
	mesos__v1__labels__init(ls);
	if ((ls->labels = calloc(1, sizeof(*ls->labels))) == NULL ||
	    (l = calloc(1, sizeof(*l))) == NULL)
		goto fail;
	mesos__v1__label__init(l);
	ls->labels[ls->n_labels++] = l;
	if ((x->resources = calloc(2, sizeof(*x->resources))) == NULL)
		goto fail;
	if (asprintf(&x->executor_id->value, "%s%s", EXECUTOR_ID_PREFIX,
	    a->taskid) == -1) {
		x->executor_id->value = NULL;
		goto fail;
	}
	if (asprintf(&x->source, "%s.%s.%s.%d", k->role, k->environment,
	    k->name, a->instanceid) == -1) {
		x->source = NULL;
		goto fail;
	}
	if ((x->name = strdup(EXECUTOR_NAME)) == NULL ||
	    (l->key = strdup(SOURCE_LABEL)) == NULL ||
	    (l->value = strdup(x->source)) == NULL)
		goto fail;

	/* Aurora leaves shell unset: Mesos's default, a shell command. */
	if ((cmd->value = offerd_executor_command_value(path,
	    flag_str(F_THERMOS_EXECUTOR_FLAGS), HOME_IN_SANDBOX)) == NULL)
		goto fail;
	/* The path, at most one more resource than commas, the task's. */
	nuris = 1 + commas(resources) + 1 + c->n_mesosfetcheruris;
	if ((cmd->uris = calloc(nuris, sizeof(*cmd->uris))) == NULL ||
	    add_executor_uris(cmd, path, resources) == -1 ||
	    add_task_uris(cmd, c) == -1)
		goto fail;

	/* AcceptedOffer: the overhead of each resource type the task has. */
	offerd_executor_overhead(&cpus, &mem, &disk);
	if ((x->resources[x->n_resources] =
	    offerd_scalar_resource("cpus", cpus)) == NULL)
		goto fail;
	x->n_resources++;
	if ((x->resources[x->n_resources] =
	    offerd_scalar_resource("mem", mem)) == NULL)
		goto fail;
	x->n_resources++;
	return x;
fail:
	mesos__v1__executor_info__free_unpacked(x, NULL);
	return NULL;
}

int
offerd_executor_data(const AssignedTask *a, ProtobufCBinaryData *out)
{
	struct thrift_writer w;
	struct bytebuf b;

	bytebuf_init(&b);
	thrift_binary_writer_init(&w, &b);
	thrift_write_struct(&w, &a->base);
	if (thrift_writer_finish(&w) == -1 || b.failed) {
		bytebuf_free(&b);
		return -1;
	}
	out->data = bytebuf_take(&b, &out->len);
	return out->data != NULL ? 0 : -1;
}
