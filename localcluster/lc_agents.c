/*
 * aurora-local-cluster: the agents. In real mode there is one, this
 * machine, with what it has (online CPUs, memory less 1 GB for the rest of
 * the system, free disk under --work_dir); in simulation mode there are
 * --simulate_agents of them, all alike, spread over --racks racks. The
 * flags --cpus, --mem_mb, --disk_mb, --ports and --attributes override.
 */
#include "config.h"

#include <sys/statvfs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strmap.h"
#include "localcluster/localcluster.h"

#define MB		(1024.0 * 1024.0)
#define SIM_CPUS	16
#define SIM_MEM_MB	65536
#define SIM_DISK_MB	1048576

/* An --attributes value with each {i} replaced by the agent's index. */
static char *
expand(const char *v, size_t idx)
{
	const char *p;
	char *out, num[32];
	size_t n = 0, len, cap;

	snprintf(num, sizeof(num), "%zu", idx);
	cap = strlen(v) + 1;
	for (p = v; (p = strstr(p, "{i}")) != NULL; p += 3)
		cap += strlen(num);
	out = xmalloc(cap);
	for (p = v; *p != '\0';) {
		if (strncmp(p, "{i}", 3) == 0) {
			len = strlen(num);
			memcpy(out + n, num, len);
			n += len;
			p += 3;
		} else
			out[n++] = *p++;
	}
	out[n] = '\0';
	return out;
}

static void
add_attr(struct lc_agent *a, const char *name, char *value)
{
	a->attrs = xreallocarray(a->attrs, a->nattrs + 1, sizeof(*a->attrs));
	a->attrs[a->nattrs].name = xstrdup(name);
	a->attrs[a->nattrs].value = value;
	a->nattrs++;
}

static void
make_agent(struct lc_agent *a, size_t idx, const char *hostname,
    double cpus, double mem, double disk)
{
	const struct lc_config *c = &lc.conf;
	size_t i;

	a->idx = idx;
	a->id = xasprintf("%s-S%zu", lc.master_id, idx);
	a->hostname = xstrdup(hostname);
	a->total.cpus = lc_res_scalar(c->set_cpus ? c->cpus : cpus);
	a->total.mem = lc_res_scalar(c->set_mem ? c->mem_mb : mem);
	a->total.disk = lc_res_scalar(c->set_disk ? c->disk_mb : disk);
	lc_ranges_add(&a->total.ports, c->ports_begin, c->ports_end);
	if (c->set_attributes) {
		for (i = 0; i < c->nattributes; i++)
			add_attr(a, c->attributes[i].name,
			    expand(c->attributes[i].value, idx));
	} else {
		add_attr(a, "host", xstrdup(hostname));
		add_attr(a, "rack", lc.simulate ?
		    xasprintf("rack-%zu", idx % (size_t)c->racks) :
		    xstrdup("local"));
	}
	xstrmap_put(lc.agent_ids, a->id, a);
}

static void
real_agent(void)
{
	struct statvfs vfs;
	long ncpu, pages, pagesize;
	double mem, disk = 0;

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pages = sysconf(_SC_PHYS_PAGES);
	pagesize = sysconf(_SC_PAGESIZE);
	mem = pages > 0 && pagesize > 0 ?
	    (double)pages * (double)pagesize / MB - 1024 : 0;
	if (mem < 256)
		mem = 256;
	if (statvfs(lc.conf.work_dir, &vfs) == 0)
		disk = (double)vfs.f_bavail * (double)vfs.f_frsize / MB;
	else
		log_warn("statvfs %s", lc.conf.work_dir);
	lc.nagents = 1;
	lc.agents = xcalloc(1, sizeof(*lc.agents));
	/* Whole megabytes, as Mesos agents report them. */
	make_agent(&lc.agents[0], 0, lc.hostname, ncpu > 0 ? (double)ncpu : 1,
	    (double)(long long)mem, (double)(long long)disk);
}

void
lc_agents_init(void)
{
	char host[64];
	size_t i;

	lc.agent_ids = xstrmap_new();
	if (!lc.simulate) {
		real_agent();
		return;
	}
	lc.nagents = (size_t)lc.conf.simulate_agents;
	lc.agents = xcalloc(lc.nagents, sizeof(*lc.agents));
	for (i = 0; i < lc.nagents; i++) {
		snprintf(host, sizeof(host), "sim-agent-%zu", i);
		make_agent(&lc.agents[i], i, host, SIM_CPUS, SIM_MEM_MB,
		    SIM_DISK_MB);
	}
}

void
lc_agents_free(void)
{
	struct lc_agent *a;
	size_t i, j;

	for (i = 0; i < lc.nagents; i++) {
		a = &lc.agents[i];
		free(a->id);
		free(a->hostname);
		lc_res_free(&a->total);
		lc_res_free(&a->used);
		for (j = 0; j < a->nattrs; j++) {
			free(a->attrs[j].name);
			free(a->attrs[j].value);
		}
		free(a->attrs);
	}
	free(lc.agents);
	lc.agents = NULL;
	lc.nagents = 0;
	strmap_free(lc.agent_ids);
	lc.agent_ids = NULL;
}

struct lc_agent *
lc_agent_find(const char *id)
{
	return strmap_get(lc.agent_ids, id);
}

/* What the agent has that no task uses. */
void
lc_agent_free_res(const struct lc_agent *a, struct lc_res *out)
{
	lc_res_copy(out, &a->total);
	lc_res_sub(out, &a->used);
}
