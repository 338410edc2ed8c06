/*
 * replica: Aurora's job configuration rules (see sched_config.h), in
 * Aurora's order, each with its message. Container types other than
 * Mesos, Docker parameters, the Mesos fetcher, container volumes and GPUs
 * are refused as Aurora refuses them with its default flags.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flags.h"
#include "common/java_regex.h"
#include "common/proto_copy.h"
#include "replica/sched_config.h"

#define MAX_IDENTIFIER_LENGTH	255
#define MIN_INSTANCES_FOR_SLA	20	/* -min_required_instances_for_sla_check */
#define MAX_SLA_DURATION_SECS	7200	/* -max_sla_duration_secs */

static struct sched_config_settings settings;

int
sched_config_init(char *err, size_t errlen)
{
	char why[256];

	memset(&settings, 0, sizeof(settings));
	if (tiers_load(flag_str(F_TIER_CONFIG), &settings.tiers, err,
	    errlen) == -1)
		return -1;
	snprintf(settings.environments_src, sizeof(settings.environments_src),
	    "%s", flag_str(F_ALLOWED_JOB_ENVIRONMENTS));
	if (java_regex_compile(&settings.environments,
	    settings.environments_src, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "-allowed_job_environments: %s", why);
		return -1;
	}
	settings.max_tasks_per_job = (int)flag_int(F_MAX_TASKS_PER_JOB);
	return 0;
}

void
sched_config_set(const struct sched_config_settings *s)
{
	settings = *s;
}

const struct sched_config_settings *
sched_config(void)
{
	return &settings;
}

int
sched_good_identifier(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-' || s[i] == '.'))
			return 0;
	return i <= MAX_IDENTIFIER_LENGTH;
}

int
sched_job_key_valid(const JobKey *k)
{
	return k != NULL && sched_good_identifier(k->role) &&
	    sched_good_identifier(k->environment) &&
	    sched_good_identifier(k->name);
}

static const char *
or_null(const char *s)
{
	return s != NULL ? s : "null";
}

void
sched_job_key_string(const JobKey *k, char *out, size_t len)
{
	if (k == NULL)
		snprintf(out, len, "null");
	else
		snprintf(out, len, "IJobKey{role=%.255s, environment=%.255s, "
		    "name=%.255s}", or_null(k->role), or_null(k->environment),
		    or_null(k->name));
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
sched_task_dedicated(const TaskConfig *t)
{
	for (size_t i = 0; i < t->n_constraints; i++)
		if (t->constraints[i]->name != NULL &&
		    strcmp(t->constraints[i]->name, "dedicated") == 0)
			return 1;
	return 0;
}

/* The first "dedicated" constraint: one value, the job's role or "*". */
static int
check_dedicated(const TaskConfig *t, char *err, size_t errlen)
{
	const TaskConstraint *tc = NULL;
	char role[MAX_IDENTIFIER_LENGTH + 2];

	for (size_t i = 0; i < t->n_constraints; i++)
		if (t->constraints[i]->name != NULL &&
		    strcmp(t->constraints[i]->name, "dedicated") == 0) {
			tc = t->constraints[i]->constraint;
			if (tc == NULL || tc->kind_case !=
			    TASK_CONSTRAINT__KIND_VALUE)
				return fail(err, errlen, "A dedicated "
				    "constraint must be of value type.");
			break;
		}
	if (tc == NULL)
		return 0;
	if (tc->value->n_values != 1)
		return fail(err, errlen,
		    "A dedicated constraint must have exactly one value");
	snprintf(role, sizeof(role), "%.*s",
	    (int)strcspn(tc->value->values[0], "/"), tc->value->values[0]);
	if (strcmp(role, "*") != 0 && (t->job->role == NULL ||
	    strcmp(role, t->job->role) != 0))
		return fail(err, errlen,
		    "Only %s may use hosts dedicated for that role.", role);
	return 0;
}

static int
check_container(const TaskConfig *t, char *err, size_t errlen)
{
	const Container *c = t->container;

	if (c != NULL && c->kind_case == CONTAINER__KIND_DOCKER) {
		if (c->docker->image == NULL)
			return fail(err, errlen,
			    "A container must specify an image.");
		if (c->docker->n_parameters > 0)
			return fail(err, errlen, "This scheduler is "
			    "configured to disallow Docker parameters.");
		if (t->executorconfig == NULL)
			return fail(err, errlen, "This scheduler is "
			    "configured to require an executor for "
			    "Docker-based tasks.");
		/* -allowed_container_types is Aurora's default, MESOS. */
		return fail(err, errlen, "This scheduler is not configured "
		    "to allow the container type DOCKER");
	}
	return 0;
}

/* Aurora's resource names, in its sorted order for the message. */
static int
check_resources(const TaskConfig *t, char *err, size_t errlen)
{
	size_t cpus = 0, ram = 0, disk = 0, gpus = 0, i;
	double cpu_sum = 0;
	long long ram_sum = 0, disk_sum = 0;
	char multiple[64] = "";

	for (i = 0; i < t->n_resources; i++) {
		const Resource *r = t->resources[i];

		switch (r->kind_case) {
		case RESOURCE__KIND_NUM_CPUS:
			cpus++;
			cpu_sum += r->numcpus;
			break;
		case RESOURCE__KIND_RAM_MB:
			ram++;
			ram_sum += r->rammb;
			break;
		case RESOURCE__KIND_DISK_MB:
			disk++;
			disk_sum += r->diskmb;
			break;
		case RESOURCE__KIND_NUM_GPUS:
			gpus++;
			break;
		default:
			break;
		}
	}
	/* String order of the names: CPU, GPU, RAM, disk. */
	if (cpus > 1)
		strcat(multiple, ", CPU");
	if (gpus > 1)
		strcat(multiple, ", GPU");
	if (ram > 1)
		strcat(multiple, ", RAM");
	if (disk > 1)
		strcat(multiple, ", disk");
	if (multiple[0] != '\0')
		return fail(err, errlen, "Multiple resource values are not "
		    "supported for %s", multiple + 2);
	if (!(cpu_sum > 0.0))
		return fail(err, errlen, "num_cpus must be greater than 0.0");
	if (ram_sum <= 0)
		return fail(err, errlen, "ram_mb must be greater than 0.0");
	if (disk_sum <= 0)
		return fail(err, errlen, "disk_mb must be greater than 0.0");
	if (gpus > 0)
		return fail(err, errlen,
		    "GPU resource support is disabled in this cluster.");
	return 0;
}

static int
check_sla(const TaskConfig *t, const struct tier *tier, int instances,
    char *err, size_t errlen)
{
	const SlaPolicy *p = t->slapolicy;

	if (p == NULL)
		return 0;
	if (!tier_production(tier))
		return fail(err, errlen, "Tier '%s' does not support "
		    "SlaPolicy.", tier->name);
	if (p->kind_case == SLA_POLICY__KIND_COORDINATOR_SLA_POLICY)
		return 0;
	if (instances < MIN_INSTANCES_FOR_SLA)
		return fail(err, errlen, "Job with fewer than %d instances "
		    "cannot have Percentage/Count SlaPolicy.",
		    MIN_INSTANCES_FOR_SLA);
	if (p->kind_case == SLA_POLICY__KIND_COUNT_SLA_POLICY) {
		const CountSlaPolicy *c = p->countslapolicy;

		if (c->has_count && instances - c->count < 1)
			return fail(err, errlen, "Current CountSlaPolicy: "
			    "count=%lld will not allow any instances to be "
			    "killed. Must be less than instanceCount=%d.",
			    (long long)c->count, instances);
		if (c->durationsecs > MAX_SLA_DURATION_SECS)
			return fail(err, errlen, "CountSlaPolicy: "
			    "durationSecs=%lld must be less than cluster-wide "
			    "maximum of %d secs.", (long long)c->durationsecs,
			    MAX_SLA_DURATION_SECS);
	} else if (p->kind_case == SLA_POLICY__KIND_PERCENTAGE_SLA_POLICY) {
		const PercentageSlaPolicy *c = p->percentageslapolicy;

		if (c->has_percentage && instances -
		    instances * (c->percentage / 100.0) < 1)
			return fail(err, errlen, "Current PercentageSlaPolicy: "
			    "percentage=%f will not allow any instances to be "
			    "killed. Must be less than %f.", c->percentage,
			    (double)(instances - 1) / instances * 100.0);
		if (c->durationsecs > MAX_SLA_DURATION_SECS)
			return fail(err, errlen, "PercentageSlaPolicy: "
			    "durationSecs=%lld must be less than cluster-wide "
			    "maximum of %d secs.", (long long)c->durationsecs,
			    MAX_SLA_DURATION_SECS);
	}
	return 0;
}

/* Links to a task's "health" and "http" ports, when it has none. */
static int
fill_links(TaskConfig *t)
{
	static const char *const ports[] = { "health", "http" };
	size_t i, j;

	if (t->n_tasklinks > 0)
		return 0;
	for (i = 0; i < t->n_resources; i++) {
		const Resource *r = t->resources[i];
		TaskConfig__TaskLinksEntry *e, **links;

		if (r->kind_case != RESOURCE__KIND_NAMED_PORT)
			continue;
		for (j = 0; j < 2; j++) {
			char link[64];

			if (strcmp(r->namedport, ports[j]) != 0)
				continue;
			snprintf(link, sizeof(link), "http://%%host%%:%%port:%s%%",
			    ports[j]);
			if ((links = realloc(t->tasklinks, (t->n_tasklinks +
			    1) * sizeof(*links))) == NULL)
				return -1;
			t->tasklinks = links;
			if ((e = malloc(sizeof(*e))) == NULL)
				return -1;
			task_config__task_links_entry__init(e);
			e->key = strdup(ports[j]);
			e->value = strdup(link);
			t->tasklinks[t->n_tasklinks++] = e;
			if (e->key == NULL || e->value == NULL)
				return -1;
		}
	}
	return 0;
}

/* What Aurora fills in; the tier is known to exist. */
static int
populate(TaskConfig *t, const struct tier *tier)
{
	if (t->tier == NULL && (t->tier = strdup(tier->name)) == NULL)
		return -1;
	t->has_production = 1;
	t->production = tier_production(tier);
	/* Not optional in the IDL: every Java TaskConfig has them. */
	t->has_isservice = t->has_priority = t->has_maxtaskfailures = 1;
	/* The IDL's default: every Java TaskConfig has a container. */
	if (t->container == NULL) {
		Container *c = malloc(sizeof(*c));
		MesosContainer *m = malloc(sizeof(*m));

		if (c == NULL || m == NULL) {
			free(c);
			free(m);
			return -1;
		}
		container__init(c);
		mesos_container__init(m);
		c->kind_case = CONTAINER__KIND_MESOS;
		c->mesos = m;
		t->container = c;
	}
	return fill_links(t);
}

static int
check_task(const TaskConfig *t, int instances, const struct tier **tier,
    char *err, size_t errlen)
{
	char key[1024];

	if (t->tier != NULL && !sched_good_identifier(t->tier))
		return fail(err, errlen, "Tier contains illegal characters: %s",
		    t->tier);
	*tier = tiers_find(&settings.tiers, t->tier != NULL ? t->tier :
	    settings.tiers.default_name);
	if (*tier == NULL)
		return fail(err, errlen, "Invalid tier '%s' in TaskConfig.",
		    t->tier);
	if (!sched_job_key_valid(t->job)) {
		sched_job_key_string(t->job, key, sizeof(key));
		return fail(err, errlen, "Job key %s is invalid.", key);
	}
	if (t->executorconfig == NULL && !(t->container != NULL &&
	    t->container->kind_case == CONTAINER__KIND_DOCKER))
		return fail(err, errlen, "Configuration may not be null.");
	if (t->executorconfig != NULL) {
		if (t->executorconfig->name == NULL)
			return fail(err, errlen,
			    "Executor name may not be left unset.");
		if (strcmp(t->executorconfig->name, AURORA_EXECUTOR_NAME) != 0)
			return fail(err, errlen, "Configuration for executor "
			    "'%s' doesn't exist.", t->executorconfig->name);
	}
	if (check_dedicated(t, err, errlen) == -1 ||
	    check_container(t, err, errlen) == -1 ||
	    check_resources(t, err, errlen) == -1)
		return -1;
	if (t->n_mesosfetcheruris > 0)
		return fail(err, errlen, "Mesos Fetcher for individual jobs is "
		    "disabled in this cluster.");
	if (t->container != NULL &&
	    t->container->kind_case == CONTAINER__KIND_MESOS &&
	    t->container->mesos->n_volumes > 0)
		return fail(err, errlen, "This scheduler is configured to "
		    "disallow container volumes.");
	return check_sla(t, *tier, instances, err, errlen);
}

TaskConfig *
sched_config_validate_task(const TaskConfig *in, int instances, char *err,
    size_t errlen)
{
	const struct tier *tier;
	TaskConfig *t;

	if (check_task(in, instances, &tier, err, errlen) == -1)
		return NULL;
	if ((t = (TaskConfig *)proto_copy(&in->base)) == NULL)
		goto nomem;
	if (populate(t, tier) == -1) {
		task_config__free_unpacked(t, NULL);
		goto nomem;
	}
	return t;
nomem:
	fail(err, errlen, "out of memory");
	return NULL;
}

JobConfiguration *
sched_config_validate_job(const JobConfiguration *in, char *err,
    size_t errlen)
{
	JobConfiguration *job;
	TaskConfig *task;
	char key[1024];

	if (in->taskconfig == NULL) {
		fail(err, errlen, "Job configuration must have taskConfig set.");
		return NULL;
	}
	if (in->instancecount <= 0) {
		fail(err, errlen, "Instance count must be positive.");
		return NULL;
	}
	if (!sched_job_key_valid(in->key)) {
		sched_job_key_string(in->key, key, sizeof(key));
		fail(err, errlen, "Job key %s is invalid.", key);
		return NULL;
	}
	if (!java_regex_matches(&settings.environments, in->key->environment)) {
		fail(err, errlen, "Job environment %s doesn't match: %s",
		    in->key->environment, settings.environments_src);
		return NULL;
	}
	if (in->owner != NULL && !sched_good_identifier(in->owner->user)) {
		fail(err, errlen, "Job user contains illegal characters: %s",
		    or_null(in->owner->user));
		return NULL;
	}
	if ((task = sched_config_validate_task(in->taskconfig,
	    in->instancecount, err, errlen)) == NULL)
		return NULL;
	if (in->cronschedule != NULL && in->cronschedule[0] != '\0' &&
	    task->isservice) {
		task_config__free_unpacked(task, NULL);
		sched_job_key_string(in->key, key, sizeof(key));
		fail(err, errlen, "A service task may not be run on a cron "
		    "schedule: %s", key);
		return NULL;
	}
	if ((job = (JobConfiguration *)proto_copy(&in->base)) == NULL)
		goto nomem;
	task_config__free_unpacked(job->taskconfig, NULL);
	job->taskconfig = task;
	return job;
nomem:
	task_config__free_unpacked(task, NULL);
	fail(err, errlen, "out of memory");
	return NULL;
}
