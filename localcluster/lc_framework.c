/*
 * aurora-local-cluster: frameworks, as a master knows them. A framework
 * outlives its connection: its tasks keep running while it is away, and a
 * SUBSCRIBE naming its id takes it over again (failover). TEARDOWN is the
 * only way one goes, and its tasks with it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "localcluster/localcluster.h"

#define CAP(c)	MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__##c

struct lc_framework *
lc_framework_find(const char *id)
{
	struct lc_framework *fw;

	TAILQ_FOREACH(fw, &lc.frameworks, entry)
		if (strcmp(fw->id, id) == 0)
			return fw;
	return NULL;
}

static void
set_str(char **p, const char *v)
{
	free(*p);
	*p = xstrdup(v != NULL ? v : "");
}

/* The framework a SUBSCRIBE names, or a new one; takes its FrameworkInfo. */
struct lc_framework *
lc_framework_get(const Mesos__V1__FrameworkInfo *fi)
{
	struct lc_framework *fw = NULL;
	size_t i;

	if (fi->id != NULL)
		fw = lc_framework_find(fi->id->value);
	if (fw == NULL) {
		fw = xcalloc(1, sizeof(*fw));
		TAILQ_INIT(&fw->offers);
		if (fi->id != NULL)
			fw->id = xstrdup(fi->id->value);
		else
			fw->id = xasprintf("%s-%04u", lc.master_id,
			    lc.next_framework++);
		TAILQ_INSERT_TAIL(&lc.frameworks, fw, entry);
	}
	set_str(&fw->name, fi->name);
	set_str(&fw->user, fi->user);
	set_str(&fw->role, fi->role != NULL ? fi->role : "*");
	fw->partition_aware = fw->killing_state = false;
	for (i = 0; i < fi->n_capabilities; i++) {
		if (fi->capabilities[i]->type == CAP(PARTITION_AWARE))
			fw->partition_aware = true;
		if (fi->capabilities[i]->type == CAP(TASK_KILLING_STATE))
			fw->killing_state = true;
	}
	return fw;
}

static void
framework_free(struct lc_framework *fw)
{
	size_t i;

	if (fw->filters != NULL)
		for (i = 0; i < lc.nagents; i++)
			lc_res_free(&fw->filters[i].refused);
	free(fw->filters);
	free(fw->id);
	free(fw->name);
	free(fw->user);
	free(fw->role);
	free(fw);
}

void
lc_framework_teardown(struct lc_framework *fw)
{
	log_info("framework %s (%s): TEARDOWN: killing its tasks", fw->id,
	    fw->name);
	lc_offers_rescind(fw);
	lc_tasks_orphan(fw);
	if (fw->stream != NULL)
		lc_stream_close(fw->stream);
	TAILQ_REMOVE(&lc.frameworks, fw, entry);
	framework_free(fw);
}

void
lc_frameworks_free(void)
{
	struct lc_framework *fw;

	while ((fw = TAILQ_FIRST(&lc.frameworks)) != NULL) {
		lc_offers_rescind(fw);
		if (fw->stream != NULL)
			lc_stream_close(fw->stream);
		TAILQ_REMOVE(&lc.frameworks, fw, entry);
		framework_free(fw);
	}
}
