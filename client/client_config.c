/*
 * client: job configurations, in the JSON shape Aurora's `--read-json`
 * takes ({"jobs": [Job, ...]} or one Job), translated to a
 * JobConfiguration as Aurora's config/thrift.py does it: resources in
 * bytes become MB, "limit:N" a LimitConstraint, "!a,b" a negated
 * ValueConstraint, and the job itself is the AuroraExecutor's data.
 *
 * Everything the translation allocates is malloc'ed, so that the result
 * is freed by protobuf_c_message_free_unpacked. Every error names the
 * file, the field (as a path: jobs[0].task.resources.cpu) and the value.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

#define MB		(1024LL * 1024LL)
#define EXECUTOR_NAME	"AuroraExecutor"

struct cctx {
	const char	*file;
	char		*err;
	size_t		 errlen;
};

static int
bad(struct cctx *c, const char *path, json_t *v, const char *what)
{
	return client_fail_got(c->err, c->errlen, v, "%s: %s: %s", c->file,
	    path, what);
}

static void
sub(char *out, size_t len, const char *path, const char *field)
{
	int n = snprintf(out, len, "%s.%s", path, field);

	if (n < 0 || (size_t)n >= len)
		out[len - 1] = '\0';	/* a truncated path still helps */
}

/* A string field: *out NULL when absent (required: an error). */
static int
get_str(struct cctx *c, json_t *o, const char *path, const char *field,
    bool required, const char **out)
{
	json_t *v = json_object_get(o, field);
	char p[512];

	*out = NULL;
	sub(p, sizeof(p), path, field);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return client_fail(c->err, c->errlen, "%s: %s: "
			    "required, got nothing", c->file, p);
		return 0;
	}
	if (!json_is_string(v))
		return bad(c, p, v, "expected a string");
	*out = json_string_value(v);
	return 0;
}

static int
get_int(struct cctx *c, json_t *o, const char *path, const char *field,
    long long def, long long min, long long max, long long *out)
{
	json_t *v = json_object_get(o, field);
	char p[512];

	*out = def;
	if (v == NULL || json_is_null(v))
		return 0;
	sub(p, sizeof(p), path, field);
	if (!json_is_integer(v))
		return bad(c, p, v, "expected an integer");
	*out = json_integer_value(v);
	if (*out < min || *out > max) {
		char what[96];

		snprintf(what, sizeof(what), "expected an integer from %lld "
		    "to %lld", min, max);
		return bad(c, p, v, what);
	}
	return 0;
}

static int
get_bool(struct cctx *c, json_t *o, const char *path, const char *field,
    bool def, bool *out)
{
	json_t *v = json_object_get(o, field);
	char p[512];

	*out = def;
	if (v == NULL || json_is_null(v))
		return 0;
	sub(p, sizeof(p), path, field);
	/* Pystachio's Boolean also takes 0 and 1. */
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (json_is_integer(v) && (json_integer_value(v) == 0 ||
	    json_integer_value(v) == 1))
		*out = json_integer_value(v) == 1;
	else
		return bad(c, p, v, "expected true or false");
	return 0;
}

static int
get_obj(struct cctx *c, json_t *o, const char *path, const char *field,
    json_t **out)
{
	json_t *v = json_object_get(o, field);
	char p[512];

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	sub(p, sizeof(p), path, field);
	if (!json_is_object(v))
		return bad(c, p, v, "expected an object");
	*out = v;
	return 0;
}

static JobKey *
new_key(const char *role, const char *env, const char *name)
{
	JobKey *k = client_xcalloc(1, sizeof(*k));

	job_key__init(k);
	k->role = client_xstrdup(role);
	k->environment = client_xstrdup(env);
	k->name = client_xstrdup(name);
	return k;
}

static Identity *
new_owner(void)
{
	Identity *id = client_xcalloc(1, sizeof(*id));

	identity__init(id);
	id->user = client_xstrdup(client_username());
	return id;
}

static void
add_resource(TaskConfig *t, Resource *r)
{
	Resource **nv = client_xcalloc(t->n_resources + 1, sizeof(*nv));

	if (t->n_resources > 0)
		memcpy(nv, t->resources, t->n_resources * sizeof(*nv));
	free(t->resources);
	t->resources = nv;
	t->resources[t->n_resources++] = r;
}

static Resource *
new_resource(Resource__KindCase kind)
{
	Resource *r = client_xcalloc(1, sizeof(*r));

	resource__init(r);
	r->kind_case = kind;
	return r;
}

/* Named ports: {{thermos.ports[NAME]}} in the processes' command lines. */
static void
add_port(TaskConfig *t, const char *name, size_t len)
{
	Resource *r;
	size_t i;

	for (i = 0; i < t->n_resources; i++)
		if (t->resources[i]->kind_case == RESOURCE__KIND_NAMED_PORT &&
		    strlen(t->resources[i]->namedport) == len &&
		    strncmp(t->resources[i]->namedport, name, len) == 0)
			return;
	r = new_resource(RESOURCE__KIND_NAMED_PORT);
	r->namedport = client_xcalloc(1, len + 1);
	memcpy(r->namedport, name, len);
	add_resource(t, r);
}

static void
scan_ports(TaskConfig *t, const char *s)
{
	static const char ref[] = "thermos.ports[";
	const char *p, *end;

	for (p = s; (p = strstr(p, ref)) != NULL; p = end) {
		p += sizeof(ref) - 1;
		if ((end = strchr(p, ']')) == NULL)
			return;
		if (end > p)
			add_port(t, p, (size_t)(end - p));
	}
}

static int
resources(struct cctx *c, json_t *task, const char *path, TaskConfig *t)
{
	json_t *res, *cpu, *procs, *proc;
	long long ram, disk, gpu;
	const char *cmd;
	char p[512], cpus[64];
	Resource *r;
	double ncpu;
	size_t i;

	snprintf(p, sizeof(p), "%s.resources", path);
	if (get_obj(c, task, path, "resources", &res) == -1)
		return -1;
	if (res == NULL)
		return client_fail(c->err, c->errlen, "%s: %s: Task must "
		    "specify resources!", c->file, p);
	cpu = json_object_get(res, "cpu");
	if (cpu != NULL && !json_is_number(cpu)) {
		char q[512];

		sub(q, sizeof(q), p, "cpu");
		return bad(c, q, cpu, "expected a number");
	}
	ncpu = cpu != NULL ? json_number_value(cpu) : 0;
	if (get_int(c, res, p, "ram", 0, 0, INT64_MAX, &ram) == -1 ||
	    get_int(c, res, p, "disk", 0, 0, INT64_MAX, &disk) == -1 ||
	    get_int(c, res, p, "gpu", 0, 0, INT32_MAX, &gpu) == -1)
		return -1;
	if (ram == 0 || disk == 0)
		return client_fail(c->err, c->errlen, "%s: %s: Must specify "
		    "ram and disk resources, got ram:%lld disk:%lld", c->file,
		    p, ram, disk);
	client_fmt_double(cpus, sizeof(cpus), ncpu);
	if (!(ncpu > 0) || !isfinite(ncpu) || ram / MB <= 0 || disk / MB <= 0)
		return client_fail(c->err, c->errlen, "%s: %s: Task has "
		    "invalid resources.  cpu/ramMb/diskMb must all be positive: "
		    "cpu:%s ramMb:%lld diskMb:%lld", c->file, p, cpus,
		    ram / MB, disk / MB);
	r = new_resource(RESOURCE__KIND_NUM_CPUS);
	r->numcpus = ncpu;
	add_resource(t, r);
	r = new_resource(RESOURCE__KIND_RAM_MB);
	r->rammb = ram / MB;
	add_resource(t, r);
	r = new_resource(RESOURCE__KIND_DISK_MB);
	r->diskmb = disk / MB;
	add_resource(t, r);
	/* Ports named in the command lines (the announcer's: convert()). */
	procs = json_object_get(task, "processes");
	json_array_foreach(procs, i, proc) {
		if (get_str(c, proc, "process", "cmdline", false, &cmd) == 0 &&
		    cmd != NULL)
			scan_ports(t, cmd);
	}
	if (gpu > 0) {
		r = new_resource(RESOURCE__KIND_NUM_GPUS);
		r->numgpus = gpu;
		add_resource(t, r);
	}
	return 0;
}

static int
constraints(struct cctx *c, json_t *cons, const char *path, TaskConfig *t)
{
	const char *name, *val, *s, *comma;
	char p[512];
	json_t *v;
	size_t n = 0;

	if (cons == NULL)
		return 0;
	t->constraints = client_xcalloc(json_object_size(cons),
	    sizeof(*t->constraints));
	json_object_foreach(cons, name, v) {
		Constraint *con;
		TaskConstraint *tc;

		sub(p, sizeof(p), path, name);
		if (!json_is_string(v))
			return bad(c, p, v, "Both attribute name and value in "
			    "constraints must be string");
		val = json_string_value(v);
		con = client_xcalloc(1, sizeof(*con));
		constraint__init(con);
		con->name = client_xstrdup(name);
		t->constraints[n] = con;
		t->n_constraints = ++n;
		tc = client_xcalloc(1, sizeof(*tc));
		task_constraint__init(tc);
		con->constraint = tc;
		if (strncmp(val, "limit:", 6) == 0) {
			char *end;
			long l;

			errno = 0;
			l = strtol(val + 6, &end, 10);
			if (val[6] == '\0' || *end != '\0' || errno != 0 ||
			    l < INT32_MIN || l > INT32_MAX)
				return bad(c, p, v, "not a valid limit value, "
				    "must be integer");
			tc->kind_case = TASK_CONSTRAINT__KIND_LIMIT;
			tc->limit = client_xcalloc(1, sizeof(*tc->limit));
			limit_constraint__init(tc->limit);
			tc->limit->has_limit = 1;
			tc->limit->limit = (int32_t)l;
			continue;
		}
		tc->kind_case = TASK_CONSTRAINT__KIND_VALUE;
		tc->value = client_xcalloc(1, sizeof(*tc->value));
		value_constraint__init(tc->value);
		tc->value->has_negated = 1;
		if ((tc->value->negated = val[0] == '!'))
			val++;
		/* Values as a set: "a,b,a" is {a, b}. */
		tc->value->values = client_xcalloc(strlen(val) + 1,
		    sizeof(char *));
		for (s = val;; s = comma + 1) {
			size_t len, i;
			bool dup = false;

			comma = strchr(s, ',');
			len = comma != NULL ? (size_t)(comma - s) : strlen(s);
			for (i = 0; i < tc->value->n_values; i++)
				if (strlen(tc->value->values[i]) == len &&
				    strncmp(tc->value->values[i], s, len) == 0)
					dup = true;
			if (!dup) {
				char *one = client_xcalloc(1, len + 1);

				memcpy(one, s, len);
				tc->value->values[tc->value->n_values++] = one;
			}
			if (comma == NULL)
				break;
		}
	}
	return 0;
}

static int
metadata(struct cctx *c, json_t *job, TaskConfig *t)
{
	json_t *md = json_object_get(job, "metadata"), *m;
	const char *k, *v;
	char p[64];
	size_t i;

	if (md == NULL || json_is_null(md))
		return 0;
	if (!json_is_array(md))
		return bad(c, "job.metadata", md, "expected a list");
	t->metadata = client_xcalloc(json_array_size(md), sizeof(Metadata *));
	json_array_foreach(md, i, m) {
		Metadata *one;

		snprintf(p, sizeof(p), "job.metadata[%zu]", i);
		if (!json_is_object(m))
			return bad(c, p, m, "expected an object");
		if (get_str(c, m, p, "key", true, &k) == -1 ||
		    get_str(c, m, p, "value", true, &v) == -1)
			return -1;
		one = client_xcalloc(1, sizeof(*one));
		metadata__init(one);
		one->key = client_xstrdup(k);
		one->value = client_xstrdup(v);
		t->metadata[t->n_metadata++] = one;
	}
	return 0;
}

static int
container(struct cctx *c, json_t *job, TaskConfig *t)
{
	json_t *co, *d, *params, *pm;
	const char *image, *k, *v;
	char p[96];
	size_t i;

	t->container = client_xcalloc(1, sizeof(*t->container));
	container__init(t->container);
	if (get_obj(c, job, "job", "container", &co) == -1)
		return -1;
	d = co != NULL ? json_object_get(co, "docker") : NULL;
	if (d == NULL && co != NULL && json_is_string(json_object_get(co,
	    "image")))
		d = co;		/* a Docker object straight away */
	if (d == NULL) {
		if (co != NULL && (json_object_get(co, "image") != NULL ||
		    json_object_get(json_object_get(co, "mesos"), "image") !=
		    NULL))
			return bad(c, "job.container", json_object_get(co,
			    "image") != NULL ? json_object_get(co, "image") :
			    json_object_get(json_object_get(co, "mesos"),
			    "image"), "images of the Mesos containerizer are "
			    "not supported by this client yet");
		t->container->kind_case = CONTAINER__KIND_MESOS;
		t->container->mesos = client_xcalloc(1,
		    sizeof(*t->container->mesos));
		mesos_container__init(t->container->mesos);
		return 0;
	}
	if (!json_is_object(d))
		return bad(c, "job.container.docker", d, "expected an object");
	if (get_str(c, d, "job.container.docker", "image", true, &image) == -1)
		return -1;
	t->container->kind_case = CONTAINER__KIND_DOCKER;
	t->container->docker = client_xcalloc(1, sizeof(*t->container->docker));
	docker_container__init(t->container->docker);
	t->container->docker->image = client_xstrdup(image);
	params = json_object_get(d, "parameters");
	if (params == NULL || json_is_null(params))
		return 0;
	if (!json_is_array(params))
		return bad(c, "job.container.docker.parameters", params,
		    "expected a list");
	t->container->docker->parameters = client_xcalloc(
	    json_array_size(params), sizeof(DockerParameter *));
	json_array_foreach(params, i, pm) {
		DockerParameter *one;

		snprintf(p, sizeof(p), "job.container.docker.parameters[%zu]",
		    i);
		if (get_str(c, pm, p, "name", true, &k) == -1 ||
		    get_str(c, pm, p, "value", true, &v) == -1)
			return -1;
		one = client_xcalloc(1, sizeof(*one));
		docker_parameter__init(one);
		one->name = client_xstrdup(k);
		one->value = client_xstrdup(v);
		t->container->docker->parameters[
		    t->container->docker->n_parameters++] = one;
	}
	return 0;
}

static int
executor(struct cctx *c, json_t *job, TaskConfig *t)
{
	json_t *ex, *copy;
	const char *name = NULL, *data = NULL;
	char *text;

	if (get_obj(c, job, "job", "executor_config", &ex) == -1)
		return -1;
	if (ex != NULL && (get_str(c, ex, "job.executor_config", "name", false,
	    &name) == -1 || get_str(c, ex, "job.executor_config", "data",
	    false, &data) == -1))
		return -1;
	t->executorconfig = client_xcalloc(1, sizeof(*t->executorconfig));
	executor_config__init(t->executorconfig);
	if (name != NULL && strcmp(name, EXECUTOR_NAME) != 0) {
		t->executorconfig->name = client_xstrdup(name);
		t->executorconfig->data = client_xstrdup(data != NULL ? data :
		    "");
		return 0;
	}
	/* Thermos reads the job itself, less what only the client uses. */
	copy = json_deep_copy(job);
	json_object_del(copy, "update_config");
	json_object_del(copy, "instances");
	text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	if (text == NULL) {
		fprintf(stderr, "aurora: out of memory\n");
		exit(CLIENT_EXIT_UNKNOWN_ERROR);
	}
	t->executorconfig->name = client_xstrdup(EXECUTOR_NAME);
	t->executorconfig->data = text;
	return 0;
}

static int
check_id(struct cctx *c, const char *field, const char *v)
{
	if (!client_identifier_ok(v))
		return client_fail(c->err, c->errlen, "%s: job.%s: Invalid %s "
		    "'%s'", c->file, field, field, v);
	return 0;
}

static int
cron_policy(struct cctx *c, json_t *job, JobConfiguration *jc)
{
	const char *p;

	if (get_str(c, job, "job", "cron_collision_policy", false, &p) == -1)
		return -1;
	jc->has_croncollisionpolicy = 1;
	if (p == NULL || strcasecmp(p, "KILL_EXISTING") == 0)
		jc->croncollisionpolicy = CRON_COLLISION_POLICY__KILL_EXISTING;
	else if (strcasecmp(p, "CANCEL_NEW") == 0)
		jc->croncollisionpolicy = CRON_COLLISION_POLICY__CANCEL_NEW;
	else if (strcasecmp(p, "RUN_OVERLAP") == 0)
		jc->croncollisionpolicy = CRON_COLLISION_POLICY__RUN_OVERLAP;
	else
		return client_fail(c->err, c->errlen, "%s: "
		    "job.cron_collision_policy: Invalid CronCollisionPolicy "
		    "type: %s", c->file, p);
	return 0;
}

/* The job's name: "name", else the task's name (the schema's default). */
static const char *
job_name(json_t *job)
{
	const char *n = json_string_value(json_object_get(job, "name"));

	if (n == NULL)
		n = json_string_value(json_object_get(json_object_get(job,
		    "task"), "name"));
	return n;
}

static JobConfiguration *
convert(struct cctx *c, json_t *job)
{
	const char *role, *env, *name, *contact, *tier, *cron, *cluster;
	json_t *task, *cons, *pp;
	long long instances, mtf, prio, delay;
	bool prod, service, resched;
	JobConfiguration *jc;
	TaskConfig *t;

	jc = client_xcalloc(1, sizeof(*jc));
	job_configuration__init(jc);
	t = client_xcalloc(1, sizeof(*t));
	task_config__init(t);
	jc->taskconfig = t;

	name = job_name(job);
	if (get_str(c, job, "job", "cluster", false, &cluster) == -1 ||
	    get_str(c, job, "job", "role", false, &role) == -1 ||
	    get_str(c, job, "job", "environment", false, &env) == -1 ||
	    get_obj(c, job, "job", "task", &task) == -1)
		goto fail;
	/* Aurora's first pass: what must be there. */
	if (cluster == NULL || role == NULL || task == NULL) {
		client_fail(c->err, c->errlen, "%s: job.%s: %s required for "
		    "job \"%s\"", c->file, cluster == NULL ? "cluster" :
		    role == NULL ? "role" : "task", cluster == NULL ? "Cluster" :
		    role == NULL ? "Role" : "Task", name ? name : "{MISSING}");
		goto fail;
	}
	if (!json_is_array(json_object_get(task, "processes")) ||
	    json_array_size(json_object_get(task, "processes")) == 0) {
		bad(c, "job.task.processes", json_object_get(task, "processes"),
		    "Processes required for task on job");
		goto fail;
	}
	if (env == NULL) {
		client_fail(c->err, c->errlen, "%s: job.environment: "
		    "Environment required for job \"%s\"", c->file,
		    name ? name : "{MISSING}");
		goto fail;
	}
	if (name == NULL) {
		client_fail(c->err, c->errlen, "%s: job.name: required (or "
		    "task.name), got nothing", c->file);
		goto fail;
	}
	if (check_id(c, "role", role) == -1 ||
	    check_id(c, "environment", env) == -1 ||
	    check_id(c, "name", name) == -1)
		goto fail;
	jc->key = new_key(role, env, name);
	jc->owner = new_owner();
	t->job = new_key(role, env, name);
	t->owner = new_owner();

	if (get_bool(c, job, "job", "production", false, &prod) == -1 ||
	    get_bool(c, job, "job", "service", false, &service) == -1 ||
	    get_int(c, job, "job", "max_task_failures", 1, -1, INT32_MAX,
	    &mtf) == -1 ||
	    get_int(c, job, "job", "priority", 0, INT32_MIN, INT32_MAX,
	    &prio) == -1 ||
	    get_int(c, job, "job", "instances", 1, 1, INT32_MAX,
	    &instances) == -1 ||
	    get_str(c, job, "job", "contact", false, &contact) == -1 ||
	    get_str(c, job, "job", "tier", false, &tier) == -1 ||
	    get_str(c, job, "job", "cron_schedule", false, &cron) == -1 ||
	    cron_policy(c, job, jc) == -1)
		goto fail;
	t->has_production = 1;
	t->production = prod;
	t->has_isservice = 1;
	t->isservice = service;
	t->has_maxtaskfailures = 1;
	t->maxtaskfailures = (int32_t)mtf;
	t->has_priority = 1;
	t->priority = (int32_t)prio;
	if (contact != NULL)
		t->contactemail = client_xstrdup(contact);
	if (tier != NULL)
		t->tier = client_xstrdup(tier);
	if (cron != NULL)
		jc->cronschedule = client_xstrdup(cron);
	jc->has_instancecount = 1;
	jc->instancecount = (int32_t)instances;

	if (get_obj(c, job, "job", "partition_policy", &pp) == -1)
		goto fail;
	if (pp != NULL) {
		if (get_bool(c, pp, "job.partition_policy", "reschedule", true,
		    &resched) == -1 || get_int(c, pp, "job.partition_policy",
		    "delay_secs", 0, 0, INT64_MAX, &delay) == -1)
			goto fail;
		t->partitionpolicy = client_xcalloc(1,
		    sizeof(*t->partitionpolicy));
		partition_policy__init(t->partitionpolicy);
		t->partitionpolicy->has_reschedule = 1;
		t->partitionpolicy->reschedule = resched;
		t->partitionpolicy->has_delaysecs = 1;
		t->partitionpolicy->delaysecs = delay;
	}
	if (json_object_get(job, "sla_policy") != NULL &&
	    !json_is_null(json_object_get(job, "sla_policy"))) {
		bad(c, "job.sla_policy", json_object_get(job, "sla_policy"),
		    "SLA policies are not supported by this client yet");
		goto fail;
	}
	if (metadata(c, job, t) == -1 ||
	    resources(c, task, "job.task", t) == -1 ||
	    get_obj(c, job, "job", "constraints", &cons) == -1 ||
	    constraints(c, cons, "job.constraints", t) == -1 ||
	    container(c, job, t) == -1 ||
	    executor(c, job, t) == -1)
		goto fail;
	/* The announcer's primary port is a named port too. */
	if (json_is_object(json_object_get(job, "announce"))) {
		const char *primary = json_string_value(json_object_get(
		    json_object_get(job, "announce"), "primary_port"));

		if (primary == NULL)
			primary = "http";
		add_port(t, primary, strlen(primary));
	}
	return jc;
fail:
	protobuf_c_message_free_unpacked(&jc->base, NULL);
	return NULL;
}

static void
candidates(json_t *jobs, char *buf, size_t len)
{
	size_t i, off;
	json_t *j;

	off = (size_t)snprintf(buf, len, "Candidates are:");
	json_array_foreach(jobs, i, j) {
		const char *env = json_string_value(json_object_get(j,
		    "environment"));
		const char *n = job_name(j);

		if (off >= len)
			break;
		off += (size_t)snprintf(buf + off, len - off,
		    "\n  %s/%s/%s/%s", json_string_value(json_object_get(j,
		    "cluster")) ?: "None", json_string_value(json_object_get(j,
		    "role")) ?: "None", env ? env : "{MISSING}", n ? n : "None");
	}
}

static bool
field_is(json_t *job, const char *field, const char *want)
{
	const char *v = json_string_value(json_object_get(job, field));

	return v != NULL && strcmp(v, want) == 0;
}

JobConfiguration *
client_config_from_json(json_t *doc, const char *file,
    const struct client_jobkey *key, char *err, size_t errlen)
{
	struct cctx c = { file, err, errlen };
	json_t *jobs, *j, *match = NULL;
	char cand[512];
	size_t i, nmatch = 0;

	if (!json_is_object(doc)) {
		bad(&c, "(top)", doc, "expected an object: a job or "
		    "{\"jobs\": [...]}");
		return NULL;
	}
	if ((jobs = json_object_get(doc, "jobs")) != NULL) {
		if (!json_is_array(jobs)) {
			bad(&c, "jobs", jobs, "expected a list");
			return NULL;
		}
		json_array_foreach(jobs, i, j)
			if (!json_is_object(j)) {
				char p[32];

				snprintf(p, sizeof(p), "jobs[%zu]", i);
				bad(&c, p, j, "expected an object");
				return NULL;
			}
		json_incref(jobs);
	} else {
		jobs = json_array();
		json_array_append(jobs, doc);
	}
	if (json_array_size(jobs) == 0) {
		client_fail(err, errlen, "%s: jobs: No job defined in this "
		    "config!", file);
		goto out;
	}
	if (key == NULL) {
		if (json_array_size(jobs) > 1) {
			client_fail(err, errlen, "%s: Configuration has "
			    "multiple jobs but no job name specified!", file);
			goto out;
		}
		match = json_array_get(jobs, 0);
		nmatch = 1;
	} else {
		json_array_foreach(jobs, i, j) {
			const char *n = job_name(j);

			if (n != NULL && strcmp(n, key->name) == 0 &&
			    field_is(j, "cluster", key->cluster) &&
			    field_is(j, "role", key->role) &&
			    field_is(j, "environment", key->env)) {
				match = j;
				nmatch++;
			}
		}
	}
	candidates(jobs, cand, sizeof(cand));
	if (nmatch == 0) {
		char missing[512] = "";

		json_array_foreach(jobs, i, j)
			if (json_object_get(j, "environment") == NULL) {
				size_t off = strlen(missing);

				snprintf(missing + off, sizeof(missing) - off,
				    "Job %s/%s/{MISSING}/%s in configuration "
				    "file doesn't specify an environment\n",
				    json_string_value(json_object_get(j,
				    "cluster")) ?: "None",
				    json_string_value(json_object_get(j,
				    "role")) ?: "None", job_name(j) ?: "None");
			}
		client_fail(err, errlen, "%s: Could not find job %s/%s/%s/%s\n"
		    "%s%s", file, key->cluster, key->role, key->env, key->name,
		    missing, cand);
		match = NULL;
	} else if (nmatch > 1) {
		client_fail(err, errlen, "%s: Multiple jobs match, please "
		    "disambiguate by specifying a job key.\n%s", file, cand);
		match = NULL;
	}
out:;
	JobConfiguration *jc = match != NULL ? convert(&c, match) : NULL;

	json_decref(jobs);
	return jc;
}

JobConfiguration *
client_config_load(const char *path, const struct client_jobkey *key,
    char *err, size_t errlen)
{
	JobConfiguration *jc;
	json_error_t jerr;
	json_t *doc;

	if ((doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		if (jerr.line <= 0)
			client_fail(err, errlen, "%s: %s", path, jerr.text);
		else
			client_fail(err, errlen, "%s:%d:%d: invalid JSON: %s",
			    path, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	jc = client_config_from_json(doc, path, key, err, errlen);
	json_decref(doc);
	return jc;
}

static bool
setting_true(const TierConfig *tc, const char *name)
{
	size_t i;

	for (i = 0; i < tc->n_settings; i++)
		if (strcmp(tc->settings[i]->key, name) == 0)
			return strcasecmp(tc->settings[i]->value, "true") == 0;
	return false;
}

void
client_config_backfill_tier(JobConfiguration *jc,
    const GetTierConfigResult *tiers)
{
	TaskConfig *t = jc->taskconfig;
	const char *pick = NULL;
	size_t i;

	if (t == NULL || tiers == NULL)
		return;
	if (t->tier == NULL) {
		/* The first non-revocable tier whose preemption fits. */
		for (i = 0; i < tiers->n_tiers && pick == NULL; i++)
			if (!setting_true(tiers->tiers[i], "preemptible") ==
			    (bool)t->production &&
			    !setting_true(tiers->tiers[i], "revocable"))
				pick = tiers->tiers[i]->name;
		if (pick == NULL)
			pick = tiers->defaulttiername;
		if (pick != NULL)
			t->tier = client_xstrdup(pick);
		return;
	}
	for (i = 0; i < tiers->n_tiers; i++)
		if (tiers->tiers[i]->name != NULL &&
		    strcmp(tiers->tiers[i]->name, t->tier) == 0) {
			t->has_production = 1;
			t->production = !setting_true(tiers->tiers[i],
			    "preemptible");
			return;
		}
}
