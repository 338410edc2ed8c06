/*
 * The aurora client's pure parts: job keys, instance lists, clusters.json,
 * and the translation of a JSON job config to a JobConfiguration as
 * Aurora's config/thrift.py does it (resources, constraints, defaults,
 * key matching, errors naming the file, the field and the value).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"
#include "tests/unit/check.h"

static char dir[] = "/tmp/test_client_config.XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_keys(void)
{
	struct client_jobkey k;
	char err[CLIENT_ERR_LEN], buf[256];
	int32_t *ids = NULL, inst;
	size_t n;
	bool all;

	CHECK(client_jobkey_parse("west/www-data/prod/hello", &k, err,
	    sizeof(err)) == 0);
	CHECK_STR(k.cluster, "west");
	CHECK_STR(k.role, "www-data");
	CHECK_STR(k.env, "prod");
	CHECK_STR(k.name, "hello");
	CHECK(client_jobkey_parse("west/www-data/prod", &k, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "Invalid path 'west/www-data/prod'. path should be a "
	    "string in the form CLUSTER/ROLE/ENV/NAME");
	CHECK(client_jobkey_parse("west/a/b/c/d", &k, err, sizeof(err)) == -1);
	CHECK(client_jobkey_parse("west/bad role/prod/x", &k, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "Invalid role 'bad role'");
	CHECK(client_jobkey_parse("west/r//x", &k, err, sizeof(err)) == -1);
	CHECK_STR(err, "Invalid env ''");
	/* As AuroraJobKey, the cluster is not an identifier. */
	CHECK(client_jobkey_parse("my west/r/e/n", &k, err, sizeof(err)) == 0);
	CHECK_STR(k.cluster, "my west");

	CHECK(client_jobkey_parse_partial("west/r", &k, err, sizeof(err)) == 0);
	CHECK_STR(k.env, "*");
	CHECK_STR(k.name, "*");
	CHECK(!client_jobkey_bound(&k));
	CHECK(client_jobkey_parse_partial("a/b/c/d/e", &k, err,
	    sizeof(err)) == -1);

	CHECK(client_instances_parse("0,2-4", &ids, &n, err, sizeof(err)) == 0);
	CHECK(n == 4 && ids[0] == 0 && ids[1] == 2 && ids[2] == 3 &&
	    ids[3] == 4);
	client_instances_str(ids, n, buf, sizeof(buf));
	CHECK_STR(buf, "[0, 2, 3, 4]");
	free(ids);
	CHECK(client_instances_parse("5,1,1-2", &ids, &n, err,
	    sizeof(err)) == 0);
	CHECK(n == 3 && ids[0] == 1 && ids[1] == 2 && ids[2] == 5);
	free(ids);
	CHECK(client_instances_parse("4-2", &ids, &n, err, sizeof(err)) == -1);
	CHECK_STR(err, "Invalid instance range: 4-2");
	CHECK(client_instances_parse("1,x", &ids, &n, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "'1,x'");
	CHECK(client_instances_parse("-1", &ids, &n, err, sizeof(err)) == -1);
	CHECK(client_instances_parse("0-2000000", &ids, &n, err,
	    sizeof(err)) == -1);

	CHECK(client_instance_spec_parse("c/r/e/n/1-2", &k, &ids, &n, &all, err,
	    sizeof(err)) == 0);
	CHECK(!all && n == 2 && ids[0] == 1 && ids[1] == 2);
	free(ids);
	CHECK(client_instance_spec_parse("c/r/e/n", &k, &ids, &n, &all, err,
	    sizeof(err)) == 0);
	CHECK(all && n == 0 && ids == NULL);
	CHECK(client_instance_spec_parse("c/r/e", &k, &ids, &n, &all, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "Instance specifier must be a "
	    "CLUSTER/ROLE/ENV/JOB/INSTANCES tuple");
	CHECK(client_task_instance_parse("c/r/e/n/3", &k, &inst, err,
	    sizeof(err)) == 0 && inst == 3);
	CHECK(client_task_instance_parse("c/r/e/n/x", &k, &inst, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "Instance must be an integer, but got x");
	CHECK(client_task_instance_parse("c/r/e/n", &k, &inst, err,
	    sizeof(err)) == -1);
	CHECK_CONTAINS(err, "is not in the form CLUSTER/ROLE/ENV/NAME/INSTANCE");
}

static void
test_ids(void)
{
	int32_t v[] = { 5, 1, 5, 3, 1 }, *ids = NULL;
	size_t n = 5;
	char err[CLIENT_ERR_LEN];

	client_ids_sort_unique(v, &n);
	CHECK(n == 3 && v[0] == 1 && v[1] == 3 && v[2] == 5);
	CHECK(client_ids_contains(v, n, 3));
	CHECK(!client_ids_contains(v, n, 4));
	CHECK(!client_ids_contains(v, 0, 1));
	n = 0;
	client_ids_sort_unique(v, &n);
	CHECK(n == 0);

	CHECK(client_instance_range(4, 3, &ids, err, sizeof(err)) == 0);
	CHECK(ids != NULL && ids[0] == 5 && ids[2] == 7);
	free(ids);
	/* The last id may be INT32_MAX, not one more. */
	CHECK(client_instance_range(INT32_MAX - 2, 2, NULL, err,
	    sizeof(err)) == 0);
	CHECK(client_instance_range(INT32_MAX - 2, 3, NULL, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "Cannot add 3 instances after instance 2147483645: "
	    "instance ids end at 2147483647");
	CHECK(client_instance_range(INT32_MAX, 2147483647, NULL, err,
	    sizeof(err)) == -1);
}

static void
test_wait_opts(void)
{
	struct client_opt until = { "--wait-until", NULL, true, NULL, false };
	struct client_opt secs = { "--wait-timeout", NULL, true, NULL, false };
	enum client_wait_for w;
	int t = -5;

	/* Unset: no wait, and a wait without limit, as in Aurora. */
	CHECK(client_wait_opts(&until, &secs, &w, &t) == 0);
	CHECK(w == CLIENT_WAIT_PENDING && t == 0);
	until.set = secs.set = true;
	until.value = "RUNNING";
	secs.value = "30";
	CHECK(client_wait_opts(&until, &secs, &w, &t) == 0);
	CHECK(w == CLIENT_WAIT_RUNNING && t == 30);
	secs.value = "-1";
	CHECK(client_wait_opts(&until, &secs, &w, &t) ==
	    CLIENT_EXIT_INVALID_PARAMETER);
	secs.value = "0";
	until.value = "DONE";
	CHECK(client_wait_opts(&until, &secs, &w, &t) ==
	    CLIENT_EXIT_INVALID_PARAMETER);
}

static void
test_clusters(void)
{
	struct client_clusters cs = { NULL, 0 };
	const struct client_cluster *c;
	char err[CLIENT_ERR_LEN], path[600];

	snprintf(path, sizeof(path), "%s",
	    write_file("clusters.json", "[{\"name\": \"west\", \"zk\": "
	    "\"zk1,zk2\"}, {\"name\": \"local\", \"scheduler_uri\": "
	    "\"http://127.0.0.1:8081\", \"zk_port\": 2182, "
	    "\"auth_mechanism\": \"UNAUTHENTICATED\"}, {\"comment\": 1}]"));
	CHECK(client_clusters_load_file(&cs, path, err, sizeof(err)) == 0);
	CHECK(cs.n == 2);
	CHECK((c = client_clusters_find(&cs, "west")) != NULL);
	if (c != NULL) {
		CHECK_STR(c->zk, "zk1,zk2");
		CHECK(c->zk_port == 2181);
		CHECK_STR(c->scheduler_zk_path, "/aurora/scheduler");
		CHECK_STR(c->auth_mechanism, "UNAUTHENTICATED");
		CHECK(c->scheduler_uri == NULL);
	}
	CHECK((c = client_clusters_find(&cs, "local")) != NULL);
	if (c != NULL) {
		CHECK_STR(c->scheduler_uri, "http://127.0.0.1:8081");
		CHECK(c->zk_port == 2182);
		CHECK(c->zk == NULL);
	}
	CHECK(client_clusters_find(&cs, "east") == NULL);
	/* A later file replaces a cluster of the same name. */
	snprintf(path, sizeof(path), "%s", write_file("more.json",
	    "{\"a\": {\"name\": \"west\", \"scheduler_uri\": \"http://x:1\"}}"));
	CHECK(client_clusters_load_file(&cs, path, err, sizeof(err)) == 0);
	CHECK(cs.n == 2);
	c = client_clusters_find(&cs, "west");
	CHECK(c != NULL && c->zk == NULL && c->scheduler_uri != NULL);
	client_clusters_free(&cs);
	/* Any string names a cluster, as in Aurora. */
	snprintf(path, sizeof(path), "%s", write_file("names.json",
	    "[{\"name\": \"my west\", \"zk\": \"z\"}]"));
	CHECK(client_clusters_load_file(&cs, path, err, sizeof(err)) == 0);
	CHECK(client_clusters_find(&cs, "my west") != NULL);
	client_clusters_free(&cs);
	snprintf(path, sizeof(path), "%s", write_file("names2.json",
	    "[{\"name\": 7}]"));
	CHECK(client_clusters_load_file(&cs, path, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "cluster name: expected a string, got 7");
	client_clusters_free(&cs);

	snprintf(path, sizeof(path), "%s", write_file("bad.json",
	    "[{\"name\": \"west\", \"zk_port\": \"abc\"}]"));
	CHECK(client_clusters_load_file(&cs, path, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, path);
	CHECK_CONTAINS(err, "zk_port");
	CHECK_CONTAINS(err, "\"abc\"");
	client_clusters_free(&cs);
	snprintf(path, sizeof(path), "%s", write_file("bad2.json",
	    "[{\"name\": \"west\", \"zk\": 5}]"));
	CHECK(client_clusters_load_file(&cs, path, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "zk: expected a string, got 5");
	client_clusters_free(&cs);
	snprintf(path, sizeof(path), "%s", write_file("bad3.json", "[{"));
	CHECK(client_clusters_load_file(&cs, path, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "Unable to parse");
	CHECK_CONTAINS(err, path);
	client_clusters_free(&cs);

	/* AURORA_CONFIG_ROOT names the first directory searched. */
	write_file("clusters.json", "[{\"name\": \"tmp\", \"scheduler_uri\": "
	    "\"http://127.0.0.1:1\"}]");
	setenv("AURORA_CONFIG_ROOT", dir, 1);
	setenv("HOME", dir, 1);	/* no ~/.aurora there */
	CHECK(client_clusters_load(&cs, err, sizeof(err)) == 0);
	CHECK(client_clusters_find(&cs, "tmp") != NULL);
	client_clusters_free(&cs);
}

static const char hello[] =
    "{\"name\": \"hello\", \"role\": \"www-data\", \"environment\": "
    "\"prod\", \"cluster\": \"west\", \"instances\": 3, \"service\": true, "
    "\"contact\": \"me@example.com\", "
    "\"constraints\": {\"host\": \"limit:1\", \"rack\": \"!a,b,a\", "
    "\"zone\": \"z1\"}, "
    "\"metadata\": [{\"key\": \"k\", \"value\": \"v\"}], "
    "\"update_config\": {\"batch_size\": 1}, "
    "\"task\": {\"name\": \"hello\", \"processes\": [{\"name\": \"p\", "
    "\"cmdline\": \"serve --port={{thermos.ports[http]}} "
    "--admin={{thermos.ports[admin]}} {{thermos.ports[http]}}\"}], "
    "\"resources\": {\"cpu\": 0.5, \"ram\": 134217728, "
    "\"disk\": 268435456}}}";

static const Resource *
find_res(const TaskConfig *t, int kind, const char *port)
{
	size_t i;

	for (i = 0; i < t->n_resources; i++)
		if ((int)t->resources[i]->kind_case == kind && (port == NULL ||
		    strcmp(t->resources[i]->namedport, port) == 0))
			return t->resources[i];
	return NULL;
}

static const Constraint *
find_con(const TaskConfig *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_constraints; i++)
		if (strcmp(t->constraints[i]->name, name) == 0)
			return t->constraints[i];
	return NULL;
}

static void
test_translate(void)
{
	struct client_jobkey k;
	char err[CLIENT_ERR_LEN], path[600], res[256];
	JobConfiguration *jc;
	const TaskConfig *t;
	const Constraint *c;
	const Resource *r;
	json_t *data;

	client_jobkey_parse("west/www-data/prod/hello", &k, err, sizeof(err));
	snprintf(path, sizeof(path), "%s", write_file("hello.json", hello));
	jc = client_config_load(path, &k, err, sizeof(err));
	CHECK(jc != NULL);
	if (jc == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	t = jc->taskconfig;
	CHECK_STR(jc->key->role, "www-data");
	CHECK_STR(jc->key->environment, "prod");
	CHECK_STR(jc->key->name, "hello");
	CHECK_STR(t->job->name, "hello");
	CHECK(jc->has_instancecount && jc->instancecount == 3);
	CHECK_STR(jc->owner->user, client_username());
	CHECK(t->isservice && t->has_isservice);
	CHECK(t->has_production && !t->production);
	CHECK(t->has_maxtaskfailures && t->maxtaskfailures == 1);
	CHECK(t->has_priority && t->priority == 0);
	CHECK_STR(t->contactemail, "me@example.com");
	CHECK(t->tier == NULL);
	CHECK(jc->cronschedule == NULL);
	CHECK(jc->has_croncollisionpolicy &&
	    jc->croncollisionpolicy == CRON_COLLISION_POLICY__KILL_EXISTING);
	CHECK((r = find_res(t, RESOURCE__KIND_NUM_CPUS, NULL)) != NULL &&
	    r->numcpus == 0.5);
	CHECK((r = find_res(t, RESOURCE__KIND_RAM_MB, NULL)) != NULL &&
	    r->rammb == 128);
	CHECK((r = find_res(t, RESOURCE__KIND_DISK_MB, NULL)) != NULL &&
	    r->diskmb == 256);
	CHECK(find_res(t, RESOURCE__KIND_NAMED_PORT, "http") != NULL);
	CHECK(find_res(t, RESOURCE__KIND_NAMED_PORT, "admin") != NULL);
	CHECK(t->n_resources == 5);	/* cpu, ram, disk, http, admin */
	client_resources_str(t->resources, t->n_resources, ", ", "", res,
	    sizeof(res));
	CHECK_STR(res, "CPU: 0.5 core(s), RAM: 128 MB, Disk: 256 MB, "
	    "Port: http, Port: admin");
	CHECK(t->n_constraints == 3);
	c = find_con(t, "host");
	CHECK(c != NULL && c->constraint->kind_case ==
	    TASK_CONSTRAINT__KIND_LIMIT && c->constraint->limit->limit == 1);
	c = find_con(t, "rack");
	CHECK(c != NULL && c->constraint->kind_case ==
	    TASK_CONSTRAINT__KIND_VALUE && c->constraint->value->negated &&
	    c->constraint->value->n_values == 2 &&
	    strcmp(c->constraint->value->values[0], "a") == 0 &&
	    strcmp(c->constraint->value->values[1], "b") == 0);
	c = find_con(t, "zone");
	CHECK(c != NULL && !c->constraint->value->negated &&
	    c->constraint->value->n_values == 1);
	CHECK(t->n_metadata == 1 && strcmp(t->metadata[0]->key, "k") == 0);
	CHECK(t->container != NULL &&
	    t->container->kind_case == CONTAINER__KIND_MESOS);
	CHECK_STR(t->executorconfig->name, "AuroraExecutor");
	data = json_loads(t->executorconfig->data, 0, NULL);
	CHECK(data != NULL);
	CHECK(json_object_get(data, "update_config") == NULL);
	CHECK(json_object_get(data, "instances") == NULL);
	CHECK(json_object_get(data, "task") != NULL);
	json_decref(data);
	protobuf_c_message_free_unpacked(&jc->base, NULL);
}

/* One job object with a substitution: FIELD's text replaced. */
static JobConfiguration *
variant(const char *from, const char *to, const char *keystr, char *err,
    size_t errlen)
{
	char text[4096], path[600];
	const char *p = strstr(hello, from);
	struct client_jobkey k;

	if (p == NULL) {
		fprintf(stderr, "no '%s' in the test config\n", from);
		exit(1);
	}
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - hello), hello, to,
	    p + strlen(from));
	snprintf(path, sizeof(path), "%s", write_file("v.json", text));
	client_jobkey_parse(keystr, &k, err, errlen);
	return client_config_load(path, &k, err, errlen);
}

static void
test_errors(void)
{
	const char *key = "west/www-data/prod/hello";
	char err[CLIENT_ERR_LEN], path[600];
	JobConfiguration *jc;
	struct client_jobkey k;

	/* The key on the command line must name the config's job. */
	CHECK(variant("\"prod\"", "\"prod\"", "west/www-data/devel/hello", err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "v.json: Could not find job "
	    "west/www-data/devel/hello\nCandidates are:\n"
	    "  west/www-data/prod/hello");
	CHECK(variant("\"cluster\": \"west\"", "\"cluster\": \"east\"", key,
	    err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "Could not find job west/www-data/prod/hello");
	CHECK_CONTAINS(err, "  east/www-data/prod/hello");
	CHECK(variant("\"environment\": \"prod\", ", "", key, err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "Job west/www-data/{MISSING}/hello in "
	    "configuration file doesn't specify an environment");

	/* Resources. */
	CHECK(variant("\"ram\": 134217728", "\"ram\": 0", key, err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "v.json: job.task.resources: Must specify ram and "
	    "disk resources, got ram:0 disk:268435456");
	CHECK(variant("\"ram\": 134217728", "\"ram\": 1000", key, err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "cpu/ramMb/diskMb must all be positive: cpu:0.5 "
	    "ramMb:0 diskMb:256");
	CHECK(variant("\"cpu\": 0.5", "\"cpu\": \"lots\"", key, err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "v.json: job.task.resources.cpu: expected a "
	    "number, got \"lots\"");
	CHECK(variant("\"resources\"", "\"resourcez\"", key, err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "Task must specify resources!");

	/* Constraints. */
	CHECK(variant("limit:1", "limit:x", key, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "v.json: job.constraints.host: not a valid limit "
	    "value, must be integer, got \"limit:x\"");
	CHECK(variant("\"z1\"", "3", key, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "job.constraints.zone: Both attribute name and "
	    "value in constraints must be string, got 3");

	/* Types and values of the job's own fields. */
	CHECK(variant("\"instances\": 3", "\"instances\": \"3\"", key, err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "v.json: job.instances: expected an integer, "
	    "got \"3\"");
	CHECK(variant("\"service\": true", "\"service\": \"yes\"", key, err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "job.service: expected true or false, got \"yes\"");
	CHECK(variant("\"role\": \"www-data\"", "\"role\": \"www data\"",
	    "west/www data/prod/hello", err, sizeof(err)) == NULL);
	CHECK(variant("\"processes\": [", "\"processes\": [], \"x\": [", key,
	    err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "job.task.processes: Processes required");

	/* Defaults and overrides. */
	jc = variant("\"service\": true", "\"service\": false, "
	    "\"max_task_failures\": 4, \"priority\": 7, \"production\": true, "
	    "\"tier\": \"preferred\", \"cron_schedule\": \"* * * * *\", "
	    "\"cron_collision_policy\": \"CANCEL_NEW\"", key, err,
	    sizeof(err));
	CHECK(jc != NULL);
	if (jc != NULL) {
		CHECK(!jc->taskconfig->isservice);
		CHECK(jc->taskconfig->maxtaskfailures == 4);
		CHECK(jc->taskconfig->priority == 7);
		CHECK(jc->taskconfig->production);
		CHECK_STR(jc->taskconfig->tier, "preferred");
		CHECK_STR(jc->cronschedule, "* * * * *");
		CHECK(jc->croncollisionpolicy ==
		    CRON_COLLISION_POLICY__CANCEL_NEW);
		protobuf_c_message_free_unpacked(&jc->base, NULL);
	}
	CHECK(variant("\"service\": true", "\"cron_collision_policy\": \"X\"",
	    key, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "Invalid CronCollisionPolicy type: X");

	/* A docker container. */
	jc = variant("\"service\": true", "\"container\": {\"docker\": "
	    "{\"image\": \"busybox\", \"parameters\": [{\"name\": \"env\", "
	    "\"value\": \"A=1\"}]}}", key, err, sizeof(err));
	CHECK(jc != NULL && jc->taskconfig->container->kind_case ==
	    CONTAINER__KIND_DOCKER);
	if (jc != NULL) {
		CHECK_STR(jc->taskconfig->container->docker->image, "busybox");
		CHECK(jc->taskconfig->container->docker->n_parameters == 1);
		protobuf_c_message_free_unpacked(&jc->base, NULL);
	}

	/* {"jobs": [...]}: pick by key; two of the same key are ambiguous. */
	snprintf(path, sizeof(path), "%s", write_file("two.json",
	    "{\"jobs\": [{\"name\": \"a\", \"role\": \"r\", \"environment\": "
	    "\"e\", \"cluster\": \"c\", \"task\": {\"name\": \"t\", "
	    "\"processes\": [{\"name\": \"p\", \"cmdline\": \"x\"}], "
	    "\"resources\": {\"cpu\": 1, \"ram\": 1048576, \"disk\": "
	    "1048576}}}, {\"role\": \"r\", \"environment\": \"e\", "
	    "\"cluster\": \"c\", \"task\": {\"name\": \"b\", \"processes\": "
	    "[{\"name\": \"p\", \"cmdline\": \"x\"}], \"resources\": {\"cpu\": "
	    "2, \"ram\": 2097152, \"disk\": 2097152}}}]}"));
	client_jobkey_parse("c/r/e/b", &k, err, sizeof(err));
	jc = client_config_load(path, &k, err, sizeof(err));
	CHECK(jc != NULL && strcmp(jc->key->name, "b") == 0 &&
	    find_res(jc->taskconfig, RESOURCE__KIND_RAM_MB, NULL)->rammb == 2);
	if (jc != NULL)
		protobuf_c_message_free_unpacked(&jc->base, NULL);

	/* Bad JSON: the file and the place. */
	snprintf(path, sizeof(path), "%s", write_file("broken.json",
	    "{\"name\": \"x\",\n \"role\": }"));
	CHECK(client_config_load(path, &k, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, path);
	CHECK_CONTAINS(err, ":2:");
	CHECK_CONTAINS(err, "invalid JSON");
	snprintf(path, sizeof(path), "%s/missing.json", dir);
	CHECK(client_config_load(path, &k, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "missing.json");
	snprintf(path, sizeof(path), "%s", write_file("list.json", "[1]"));
	CHECK(client_config_load(path, &k, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "list.json: (top): expected an object");
}

static void
test_tiers(void)
{
	char err[CLIENT_ERR_LEN];
	TierConfig__SettingsEntry pre_f = TIER_CONFIG__SETTINGS_ENTRY__INIT,
	    pre_t = TIER_CONFIG__SETTINGS_ENTRY__INIT,
	    rev_f = TIER_CONFIG__SETTINGS_ENTRY__INIT;
	TierConfig__SettingsEntry *s_pref[2], *s_pre[2];
	TierConfig pref = TIER_CONFIG__INIT, pre = TIER_CONFIG__INIT;
	TierConfig *tiers[2];
	GetTierConfigResult r = GET_TIER_CONFIG_RESULT__INIT;
	JobConfiguration *jc;

	pre_f.key = (char *)(uintptr_t)"preemptible";
	pre_f.value = (char *)(uintptr_t)"false";
	pre_t.key = (char *)(uintptr_t)"preemptible";
	pre_t.value = (char *)(uintptr_t)"true";
	rev_f.key = (char *)(uintptr_t)"revocable";
	rev_f.value = (char *)(uintptr_t)"false";
	s_pref[0] = &pre_f;
	s_pref[1] = &rev_f;
	s_pre[0] = &pre_t;
	s_pre[1] = &rev_f;
	pref.name = (char *)(uintptr_t)"preferred";
	pref.settings = s_pref;
	pref.n_settings = 2;
	pre.name = (char *)(uintptr_t)"preemptible";
	pre.settings = s_pre;
	pre.n_settings = 2;
	tiers[0] = &pref;
	tiers[1] = &pre;
	r.tiers = tiers;
	r.n_tiers = 2;
	r.defaulttiername = (char *)(uintptr_t)"preemptible";

	jc = variant("\"service\": true", "\"service\": true", "west/www-data/"
	    "prod/hello", err, sizeof(err));
	client_config_backfill_tier(jc, &r);
	CHECK_STR(jc->taskconfig->tier, "preemptible");
	protobuf_c_message_free_unpacked(&jc->base, NULL);
	jc = variant("\"service\": true", "\"production\": true",
	    "west/www-data/prod/hello", err, sizeof(err));
	client_config_backfill_tier(jc, &r);
	CHECK_STR(jc->taskconfig->tier, "preferred");
	protobuf_c_message_free_unpacked(&jc->base, NULL);
	jc = variant("\"service\": true", "\"tier\": \"preferred\"",
	    "west/www-data/prod/hello", err, sizeof(err));
	client_config_backfill_tier(jc, &r);
	CHECK(jc->taskconfig->production);
	protobuf_c_message_free_unpacked(&jc->base, NULL);
}

static void
test_misc(void)
{
	char buf[64], host[64], path[64];
	int port;

	client_fmt_double(buf, sizeof(buf), 1);
	CHECK_STR(buf, "1.0");
	client_fmt_double(buf, sizeof(buf), 0.1);
	CHECK_STR(buf, "0.1");
	client_fmt_double(buf, sizeof(buf), 2.25);
	CHECK_STR(buf, "2.25");
	CHECK(client_url_parse("http://127.0.0.1:8081", host, sizeof(host),
	    &port, path, sizeof(path)) == 0);
	CHECK_STR(host, "127.0.0.1");
	CHECK(port == 8081);
	CHECK_STR(path, "/");
	CHECK(client_url_parse("http://sched.example.com/api", host,
	    sizeof(host), &port, path, sizeof(path)) == 0);
	CHECK(port == 80);
	CHECK_STR(path, "/api");
	CHECK(client_url_parse("https://x:1", host, sizeof(host), &port, path,
	    sizeof(path)) == -1);
	CHECK(client_url_parse("http://x:99999", host, sizeof(host), &port,
	    path, sizeof(path)) == -1);
	/* Python's urljoin(uri, 'api'), which Aurora calls the scheduler at. */
	client_url_join("/", "api", path, sizeof(path));
	CHECK_STR(path, "/api");
	client_url_join("", "api", path, sizeof(path));
	CHECK_STR(path, "/api");
	client_url_join("/aurora/", "api", path, sizeof(path));
	CHECK_STR(path, "/aurora/api");
	client_url_join("/aurora", "api", path, sizeof(path));
	CHECK_STR(path, "/api");
	client_url_join("/a/b/?x=/y", "scheduler", path, sizeof(path));
	CHECK_STR(path, "/a/b/scheduler");
	CHECK(client_status_parse("failed") ==
	    SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED);
	CHECK_STR(client_status_name(SCHEDULE_STATUS__KILLED), "KILLED");
	CHECK(client_status_active(SCHEDULE_STATUS__PENDING));
	CHECK(!client_status_active(SCHEDULE_STATUS__FINISHED));
	CHECK(client_status_terminal(SCHEDULE_STATUS__LOST));
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_keys();
	test_ids();
	test_wait_opts();
	test_clusters();
	test_translate();
	test_errors();
	test_tiers();
	test_misc();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_done("test_client_config");
}
