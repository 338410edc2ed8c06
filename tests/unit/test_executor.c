/*
 * Unit test of offerd_executor.c and offerd_launch.c: the TaskInfo of an
 * assigned task without and with -thermos_executor_path, its ExecutorInfo
 * as Aurora builds it, and the task's data, the AssignedTask in Thrift's
 * binary protocol, read back field by field (ids and types by hand, from
 * api.thrift) and whole by the project's decoder.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flags.h"
#include "common/thrift_codec.h"
#include "common/thrift_protocol.h"
#include "offerd/offerd.h"
#include "tests/unit/check.h"

static JobKey key = JOB_KEY__INIT;
static ExecutorConfig xconf = EXECUTOR_CONFIG__INIT;
static Resource cpu = RESOURCE__INIT, ram = RESOURCE__INIT,
    disk = RESOURCE__INIT;
static Resource *resources[] = { &cpu, &ram, &disk };
static TaskConfig config = TASK_CONFIG__INIT;
static AssignedTask__AssignedPortsEntry http =
    ASSIGNED_TASK__ASSIGNED_PORTS_ENTRY__INIT;
static AssignedTask__AssignedPortsEntry *ports[] = { &http };
static AssignedTask task = ASSIGNED_TASK__INIT;
static char role[] = "www-data", env[] = "prod", jobname[] = "hello";
static char xname[] = "AuroraExecutor";
static char xdata[] = "{\"task\": {\"processes\": [{\"name\": \"main\", "
    "\"cmdline\": \"echo hi\"}]}}";
static char taskid[] = "www-data-prod-hello-3-abc", agent[] = "agent-1",
    host[] = "host-1", port_name[] = "http";

static void
setup(void)
{
	key.role = role;
	key.environment = env;
	key.name = jobname;
	xconf.name = xname;
	xconf.data = xdata;
	cpu.kind_case = RESOURCE__KIND_NUM_CPUS;
	cpu.numcpus = 0.5;
	ram.kind_case = RESOURCE__KIND_RAM_MB;
	ram.rammb = 64;
	disk.kind_case = RESOURCE__KIND_DISK_MB;
	disk.diskmb = 32;
	config.job = &key;
	config.executorconfig = &xconf;
	config.resources = resources;
	config.n_resources = 3;
	http.key = port_name;
	http.has_value = 1;
	http.value = 31005;
	task.taskid = taskid;
	task.slaveid = agent;
	task.slavehost = host;
	task.task = &config;
	task.assignedports = ports;
	task.n_assignedports = 1;
	task.has_instanceid = 1;
	task.instanceid = 3;
}

static void
set(enum flag_id id, const char *v)
{
	char err[256];

	if (flag_set(id, v, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		CHECK(0);
	}
}

static double
scalar(const Mesos__V1__Resource *const *rs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rs[i]->name, name) == 0 && rs[i]->scalar != NULL)
			return rs[i]->scalar->value;
	return -1;
}

static void
test_command_executor(void)
{
	Mesos__V1__TaskInfo *t;
	double c, m, d;

	flags_reset();
	CHECK(!offerd_executor_enabled());
	offerd_executor_overhead(&c, &m, &d);
	CHECK(c == 0 && m == 0 && d == 0);
	offerd_executor_task_overhead(&config, &c, &m, &d);
	CHECK(c == 0 && m == 0 && d == 0);
	t = offerd_task_info(&task, agent);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK(t->executor == NULL && !t->has_data);
	CHECK(t->command != NULL);
	if (t->command != NULL)
		CHECK_STR(t->command->value, "(echo hi\n)");
	offerd_task_info_free(t);
}

static void
test_command_value(void)
{
	char *s;

	s = offerd_executor_command_value("/usr/bin/thermos_executor",
	    "--announcer-ensemble localhost:2181", 0);
	CHECK_STR(s, "${MESOS_SANDBOX=.}/thermos_executor "
	    "--announcer-ensemble localhost:2181");
	free(s);
	/* No flags: Java's trim() takes the space away. */
	s = offerd_executor_command_value("thermos.pex", "", 0);
	CHECK_STR(s, "${MESOS_SANDBOX=.}/thermos.pex");
	free(s);
	s = offerd_executor_command_value("/x/wrapper.sh", "  -v  ", 1);
	CHECK_STR(s, "HOME=${MESOS_SANDBOX=.} ${MESOS_SANDBOX=.}/wrapper.sh"
	    "   -v");
	free(s);
}

/* Thrift binary, by hand: the AssignedTask's top-level fields in order. */
static void
check_wire(const ProtobufCBinaryData *d)
{
	static const struct {
		enum thrift_type type;
		int16_t id;
	} want[] = {
		{ THRIFT_STRING, 1 },	/* taskId */
		{ THRIFT_STRING, 2 },	/* slaveId */
		{ THRIFT_STRING, 3 },	/* slaveHost */
		{ THRIFT_STRUCT, 4 },	/* task */
		{ THRIFT_MAP, 5 },	/* assignedPorts */
		{ THRIFT_I32, 6 },	/* instanceId */
	};
	const unsigned char *p = d->data;
	size_t i = 0, n;

	/* TBinaryProtocol: a field is type (1 byte), id (2, big endian). */
	CHECK(d->len > 3 && p[0] == THRIFT_STRING && p[1] == 0 && p[2] == 1);
	CHECK(d->len > 7);
	if (d->len <= 7)
		return;
	n = (size_t)p[3] << 24 | (size_t)p[4] << 16 | (size_t)p[5] << 8 | p[6];
	CHECK(n == strlen(taskid) && 7 + n <= d->len &&
	    memcmp(p + 7, taskid, n) == 0);
	/* The last field: instanceId as i32 3, then STOP. */
	CHECK(d->len >= 8 && memcmp(d->data + d->len - 8,
	    "\x08\x00\x06\x00\x00\x00\x03\x00", 8) == 0);

	{
		struct thrift_reader r;
		enum thrift_type type;
		int16_t id;

		if (thrift_binary_reader_init(&r, d->data, d->len) == -1) {
			CHECK(0);
			return;
		}
		CHECK(r.ops->struct_begin(&r) == 0);
		for (;;) {
			if (r.ops->field_begin(&r, &type, &id) == -1) {
				CHECK(0);
				break;
			}
			if (type == THRIFT_STOP)
				break;
			CHECK(i < sizeof(want) / sizeof(want[0]) &&
			    want[i].type == type && want[i].id == id);
			i++;
			CHECK(thrift_skip(&r, type) == 0);
			r.ops->field_end(&r);
		}
		CHECK(i == sizeof(want) / sizeof(want[0]));
		thrift_reader_free(&r);
	}
}

static void
check_decodes(const ProtobufCBinaryData *d)
{
	struct thrift_reader r;
	AssignedTask *a;

	CHECK(thrift_binary_reader_init(&r, d->data, d->len) == 0);
	a = (AssignedTask *)thrift_read_struct(&r, &assigned_task__descriptor);
	CHECK(a != NULL);
	if (a == NULL) {
		fprintf(stderr, "%s\n", thrift_reader_error(&r));
		thrift_reader_free(&r);
		return;
	}
	CHECK(thrift_reader_at_end(&r));
	CHECK_STR(a->taskid, taskid);
	CHECK_STR(a->slaveid, agent);
	CHECK_STR(a->slavehost, host);
	CHECK(a->has_instanceid && a->instanceid == 3);
	CHECK(a->n_assignedports == 1 &&
	    strcmp(a->assignedports[0]->key, "http") == 0 &&
	    a->assignedports[0]->value == 31005);
	CHECK(a->task != NULL && a->task->job != NULL &&
	    strcmp(a->task->job->name, "hello") == 0);
	CHECK(a->task != NULL && a->task->executorconfig != NULL &&
	    strcmp(a->task->executorconfig->data, xdata) == 0);
	protobuf_c_message_free_unpacked(&a->base, NULL);
	thrift_reader_free(&r);
}

static void
test_thermos(void)
{
	Mesos__V1__TaskInfo *t, *u;
	const Mesos__V1__ExecutorInfo *x;
	const Mesos__V1__CommandInfo *cmd;
	double c, m, d;
	uint8_t *buf;
	size_t len;

	flags_reset();
	set(F_THERMOS_EXECUTOR_PATH, "/usr/bin/thermos_executor");
	set(F_THERMOS_EXECUTOR_RESOURCES, "/a/b.pex,/c/d.tgz");
	set(F_THERMOS_EXECUTOR_FLAGS, "--announcer-ensemble localhost:2181");
	CHECK(offerd_executor_enabled());
	offerd_executor_overhead(&c, &m, &d);
	CHECK(c == 0.25 && m == 128 && d == 0);
	offerd_executor_task_overhead(&config, &c, &m, &d);
	CHECK(c == 0.25 && m == 128 && d == 0);

	t = offerd_task_info(&task, agent);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK(t->command == NULL && t->container == NULL);
	/* The task's own resources; the overhead is the executor's. */
	CHECK(scalar((const Mesos__V1__Resource *const *)t->resources,
	    t->n_resources, "cpus") == 0.5);
	CHECK(scalar((const Mesos__V1__Resource *const *)t->resources,
	    t->n_resources, "mem") == 64);
	x = t->executor;
	CHECK(x != NULL);
	if (x == NULL)
		goto out;
	CHECK_STR(x->executor_id->value, "thermos-www-data-prod-hello-3-abc");
	CHECK_STR(x->name, "AuroraExecutor");
	CHECK_STR(x->source, "www-data.prod.hello.3");
	CHECK(x->labels != NULL && x->labels->n_labels == 1 &&
	    strcmp(x->labels->labels[0]->key, "source") == 0 &&
	    strcmp(x->labels->labels[0]->value, "www-data.prod.hello.3") == 0);
	CHECK(x->n_resources == 2);
	CHECK(scalar((const Mesos__V1__Resource *const *)x->resources,
	    x->n_resources, "cpus") == 0.25);
	CHECK(scalar((const Mesos__V1__Resource *const *)x->resources,
	    x->n_resources, "mem") == 128);
	cmd = x->command;
	CHECK(cmd != NULL);
	if (cmd != NULL) {
		CHECK_STR(cmd->value, "${MESOS_SANDBOX=.}/thermos_executor "
		    "--announcer-ensemble localhost:2181");
		CHECK(!cmd->has_shell);
		CHECK(cmd->n_uris == 3);
		for (size_t i = 0; i < cmd->n_uris && i < 3; i++) {
			static const char *const v[] = {
			    "/usr/bin/thermos_executor", "/a/b.pex",
			    "/c/d.tgz" };

			CHECK_STR(cmd->uris[i]->value, v[i]);
			CHECK(cmd->uris[i]->has_executable &&
			    cmd->uris[i]->executable);
			CHECK(!cmd->uris[i]->has_extract);
		}
	}
	CHECK(t->has_data);
	check_wire(&t->data);
	check_decodes(&t->data);

	/* It packs as Mesos reads it, source (field 10) included. */
	len = mesos__v1__task_info__get_packed_size(t);
	buf = malloc(len);
	CHECK(buf != NULL);
	if (buf != NULL) {
		mesos__v1__task_info__pack(t, buf);
		u = mesos__v1__task_info__unpack(NULL, len, buf);
		CHECK(u != NULL && u->executor != NULL &&
		    strcmp(u->executor->source, "www-data.prod.hello.3") == 0);
		if (u != NULL)
			mesos__v1__task_info__free_unpacked(u, NULL);
		free(buf);
	}
out:
	offerd_task_info_free(t);
}

static void
test_docker(void)
{
	static char image[] = "busybox";
	DockerContainer dc = DOCKER_CONTAINER__INIT;
	Container ct = CONTAINER__INIT;
	Mesos__V1__TaskInfo *t;
	double c, m, d;

	dc.image = image;
	ct.kind_case = CONTAINER__KIND_DOCKER;
	ct.docker = &dc;
	config.container = &ct;
	flags_reset();
	set(F_THERMOS_EXECUTOR_PATH, "/usr/bin/thermos_executor");
	set(F_GLOBAL_CONTAINER_MOUNTS, "/etc/x:/etc/x:ro");
	/* With an executor config: the container is the executor's. */
	t = offerd_task_info(&task, agent);
	CHECK(t != NULL && t->executor != NULL && t->container == NULL);
	if (t != NULL && t->executor != NULL) {
		CHECK(t->executor->container != NULL &&
		    t->executor->container->docker != NULL &&
		    strcmp(t->executor->container->docker->image,
		    "busybox") == 0 && t->executor->container->n_volumes == 1);
		CHECK(t->executor->command != NULL &&
		    t->executor->command->n_uris == 1);
	}
	offerd_task_info_free(t);
	/* Without one: no executor, no overhead, as Aurora. */
	config.executorconfig = NULL;
	offerd_executor_task_overhead(&config, &c, &m, &d);
	CHECK(c == 0 && m == 0 && d == 0);
	t = offerd_task_info(&task, agent);
	CHECK(t != NULL && t->executor == NULL && t->container != NULL);
	offerd_task_info_free(t);
	config.executorconfig = &xconf;
	config.container = NULL;
}

static void
test_fetcher_uris(void)
{
	static char v1[] = "http://example.com/x.tar.gz", out[] = "x.tgz";
	MesosFetcherURI u = MESOS_FETCHER_URI__INIT;
	MesosFetcherURI *us[] = { &u };
	Mesos__V1__TaskInfo *t;
	const Mesos__V1__CommandInfo__URI *g;

	u.value = v1;
	u.has_cache = 1;
	u.cache = 1;
	u.outputfile = out;
	config.mesosfetcheruris = us;
	config.n_mesosfetcheruris = 1;
	flags_reset();
	set(F_THERMOS_EXECUTOR_PATH, "thermos.pex");
	set(F_THERMOS_EXECUTOR_RESOURCES, "/a,");
	t = offerd_task_info(&task, agent);
	CHECK(t != NULL && t->executor != NULL &&
	    t->executor->command->n_uris == 3);
	if (t != NULL && t->executor != NULL &&
	    t->executor->command->n_uris == 3) {
		CHECK_STR(t->executor->command->uris[0]->value, "thermos.pex");
		CHECK_STR(t->executor->command->value,
		    "${MESOS_SANDBOX=.}/thermos.pex");
		CHECK_STR(t->executor->command->uris[1]->value, "/a");
		g = t->executor->command->uris[2];
		CHECK_STR(g->value, v1);
		CHECK(g->has_executable && !g->executable);
		CHECK(g->has_extract && !g->extract);
		CHECK(g->has_cache && g->cache);
		CHECK_STR(g->output_file, "x.tgz");
	}
	offerd_task_info_free(t);
	config.mesosfetcheruris = NULL;
	config.n_mesosfetcheruris = 0;
}

static void
test_flag_checks(void)
{
	static const struct {
		enum flag_id id;
		const char *value;
		const char *says;	/* NULL: accepted */
	} cases[] = {
		{ F_THERMOS_EXECUTOR_PATH, "/usr/bin/", "must not end with" },
		{ F_THERMOS_EXECUTOR_PATH, "relative/thermos.pex", NULL },
		{ F_THERMOS_EXECUTOR_PATH, "http://h/x/thermos.pex", NULL },
		{ F_THERMOS_EXECUTOR_PATH, "/a/it's", "illegal characters" },
		{ F_THERMOS_EXECUTOR_RESOURCES, "", NULL },
		{ F_THERMOS_EXECUTOR_RESOURCES, "/a,/b,,", NULL },
		{ F_THERMOS_EXECUTOR_RESOURCES, "/a,,/b", "entry 2 is empty" },
		{ F_THERMOS_EXECUTOR_RESOURCES, "/a,http://h",
		    "entry 2 'http://h': malformed URI" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		flags_reset();
		err[0] = '\0';
		if (cases[i].says == NULL) {
			CHECK(flag_set(cases[i].id, cases[i].value, err,
			    sizeof(err)) == 0);
		} else {
			CHECK(flag_set(cases[i].id, cases[i].value, err,
			    sizeof(err)) == -1);
			CHECK_CONTAINS(err, cases[i].says);
		}
	}
	flags_reset();
}

int
main(void)
{
	setup();
	test_command_executor();
	test_command_value();
	test_thermos();
	test_docker();
	test_fetcher_uris();
	test_flag_checks();
	return check_done("test_executor");
}
