/*
 * replica: Aurora's quota arithmetic (see api_quota.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "replica/api_quota.h"
#include "replica/sched_config.h"
#include "replica/sched_state.h"
#include "replica/task_state.h"

struct resource_bag
quota_task_bag(const TaskConfig *t)
{
	struct resource_bag b = { 0, 0, 0 };

	for (size_t i = 0; t != NULL && i < t->n_resources; i++)
		switch (t->resources[i]->kind_case) {
		case RESOURCE__KIND_NUM_CPUS:
			b.cpus += t->resources[i]->numcpus;
			break;
		case RESOURCE__KIND_RAM_MB:
			b.ram_mb += (double)t->resources[i]->rammb;
			break;
		case RESOURCE__KIND_DISK_MB:
			b.disk_mb += (double)t->resources[i]->diskmb;
			break;
		default:
			break;
		}
	return b;
}

struct resource_bag
quota_aggregate_bag(const ResourceAggregate *a)
{
	struct resource_bag b = { 0, 0, 0 };

	for (size_t i = 0; a != NULL && i < a->n_resources; i++)
		switch (a->resources[i]->kind_case) {
		case RESOURCE__KIND_NUM_CPUS:
			b.cpus += a->resources[i]->numcpus;
			break;
		case RESOURCE__KIND_RAM_MB:
			b.ram_mb += (double)a->resources[i]->rammb;
			break;
		case RESOURCE__KIND_DISK_MB:
			b.disk_mb += (double)a->resources[i]->diskmb;
			break;
		default:
			break;
		}
	return b;
}

enum quota_category
quota_category_of(const TaskConfig *t)
{
	int dedicated = sched_task_dedicated(t);

	if (t->production)
		return dedicated ? QUOTA_PROD_DEDICATED : QUOTA_PROD_SHARED;
	return dedicated ? QUOTA_NON_PROD_DEDICATED : QUOTA_NON_PROD_SHARED;
}

static void
add(struct resource_bag *a, struct resource_bag b, double times)
{
	a->cpus += b.cpus * times;
	a->ram_mb += b.ram_mb * times;
	a->disk_mb += b.disk_mb * times;
}

static struct resource_bag
bag_max(struct resource_bag a, struct resource_bag b)
{
	a.cpus = a.cpus > b.cpus ? a.cpus : b.cpus;
	a.ram_mb = a.ram_mb > b.ram_mb ? a.ram_mb : b.ram_mb;
	a.disk_mb = a.disk_mb > b.disk_mb ? a.disk_mb : b.disk_mb;
	return a;
}

static const JobKey *
job_of(const ScheduledTask *t)
{
	return t->assignedtask != NULL && t->assignedtask->task != NULL ?
	    t->assignedtask->task->job : NULL;
}

void
quota_cron_add(const JobConfiguration *cron, const ScheduledTask *const *tasks,
    size_t n, struct resource_bag out[QUOTA_CATEGORIES])
{
	const TaskConfig *c = cron->taskconfig;
	struct resource_bag template = { 0, 0, 0 }, running = { 0, 0, 0 };
	enum quota_category cat;

	if (c == NULL)
		return;
	cat = quota_category_of(c);
	add(&template, quota_task_bag(c), cron->instancecount);
	for (size_t i = 0; i < n; i++)
		if (task_status_active(tasks[i]->status) &&
		    sched_same_job(cron->key, job_of(tasks[i])) &&
		    quota_category_of(tasks[i]->assignedtask->task) == cat)
			add(&running,
			    quota_task_bag(tasks[i]->assignedtask->task), 1);
	add(&out[cat], bag_max(template, running), 1);
}

void
quota_tasks_add(const ScheduledTask *const *tasks, size_t n,
    const JobKey *const *crons, size_t ncrons,
    struct resource_bag out[QUOTA_CATEGORIES])
{
	for (size_t i = 0; i < n; i++) {
		const TaskConfig *c = tasks[i]->assignedtask->task;
		int cron = 0;

		if (!task_status_active(tasks[i]->status))
			continue;
		for (size_t j = 0; j < ncrons && !cron; j++)
			cron = sched_same_job(crons[j], job_of(tasks[i]));
		if (!cron)
			add(&out[quota_category_of(c)], quota_task_bag(c), 1);
	}
}

void
quota_consumption(const ScheduledTask *const *tasks, size_t n,
    const JobConfiguration *const *crons, size_t ncrons,
    struct resource_bag out[QUOTA_CATEGORIES])
{
	const JobKey *keys[64];
	size_t nkeys = 0, j;

	memset(out, 0, QUOTA_CATEGORIES * sizeof(*out));
	for (j = 0; j < ncrons; j++) {
		quota_cron_add(crons[j], tasks, n, out);
		if (nkeys < sizeof(keys) / sizeof(keys[0]))
			keys[nkeys++] = crons[j]->key;
	}
	quota_tasks_add(tasks, n, keys, nkeys, out);
}

int
quota_check(struct resource_bag quota, struct resource_bag wanted,
    char *details, size_t len)
{
	static const char *const names[] = { "CPU", "RAM", "disk" };
	static const char *const units[] = { "core(s)", "MB", "MB" };
	double diff[3] = { quota.cpus - wanted.cpus,
	    quota.ram_mb - wanted.ram_mb, quota.disk_mb - wanted.disk_mb };
	size_t off = 0;

	details[0] = '\0';
	for (int i = 0; i < 3; i++) {
		if (diff[i] >= 0)
			continue;
		off += (size_t)snprintf(details + off, off < len ? len - off : 0,
		    "%s%s quota exceeded by %.2f %s", off > 0 ? "; " : "",
		    names[i], -diff[i], units[i]);
		if (off >= len)
			off = len - 1;
	}
	return details[0] == '\0' ? 0 : -1;
}

void
quota_bag_string(struct resource_bag b, char *out, size_t len)
{
	snprintf(out, len, "ResourceBag{resourceVectors={CPUS=%.1f, "
	    "RAM_MB=%.1f, DISK_MB=%.1f}}", b.cpus, b.ram_mb, b.disk_mb);
}

void
quota_aggregate_string(const ResourceAggregate *a, char *out, size_t len)
{
	size_t off, i;

	off = (size_t)snprintf(out, len, "IResourceAggregate{resources=[");
	for (i = 0; a != NULL && i < a->n_resources && off < len; i++) {
		const Resource *r = a->resources[i];
		const char *sep = i > 0 ? ", " : "";

		switch (r->kind_case) {
		case RESOURCE__KIND_NUM_CPUS:
			off += (size_t)snprintf(out + off, len - off,
			    "%sIResource{setField=NUM_CPUS, value=%.1f}", sep,
			    r->numcpus);
			break;
		case RESOURCE__KIND_RAM_MB:
			off += (size_t)snprintf(out + off, len - off,
			    "%sIResource{setField=RAM_MB, value=%lld}", sep,
			    (long long)r->rammb);
			break;
		case RESOURCE__KIND_DISK_MB:
			off += (size_t)snprintf(out + off, len - off,
			    "%sIResource{setField=DISK_MB, value=%lld}", sep,
			    (long long)r->diskmb);
			break;
		default:
			off += (size_t)snprintf(out + off, len - off,
			    "%sIResource{setField=%d}", sep, r->kind_case);
			break;
		}
	}
	if (off < len)
		snprintf(out + off, len - off, "]}");
}
