/*
 * common: Aurora's task tiers (see tiers.h), parsed with jansson.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/tiers.h"

/* Aurora's bundled tiers.json. */
static const char default_tiers[] =
    "{\"default\": \"preemptible\", \"tiers\": {"
    "\"preferred\": {\"preemptible\": false, \"revocable\": false},"
    "\"preemptible\": {\"preemptible\": true, \"revocable\": false},"
    "\"revocable\": {\"preemptible\": true, \"revocable\": true}}}";

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct tier *)a)->name,
	    ((const struct tier *)b)->name);
}

static int
trait(json_t *info, const char *name, int *out, const char *tier,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(info, name);

	if (v == NULL) {
		*out = 0;	/* Jackson leaves a missing boolean false */
		return 0;
	}
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "tier '%.64s': \"%s\" must be true or "
		    "false", tier, name);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

static int
parse(json_t *root, struct tiers *t, char *err, size_t errlen)
{
	json_t *def, *tiers, *info;
	const char *name;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	def = json_object_get(root, "default");
	if (def == NULL || !json_is_string(def) || json_string_value(def)[0] ==
	    '\0') {
		snprintf(err, errlen, "Default tier name cannot be empty.");
		return -1;
	}
	tiers = json_object_get(root, "tiers");
	if (tiers == NULL || !json_is_object(tiers) || json_object_size(tiers) ==
	    0) {
		snprintf(err, errlen, "Tiers cannot be empty.");
		return -1;
	}
	json_object_foreach(tiers, name, info) {
		struct tier *tr = &t->tier[t->n];

		if (t->n == TIERS_MAX) {
			snprintf(err, errlen, "more than %d tiers", TIERS_MAX);
			return -1;
		}
		if (strlen(name) >= TIER_NAME_MAX || name[0] == '\0') {
			snprintf(err, errlen, "a tier name is empty or longer "
			    "than %d characters", TIER_NAME_MAX - 1);
			return -1;
		}
		if (!json_is_object(info)) {
			snprintf(err, errlen, "tier '%.64s' must be an object",
			    name);
			return -1;
		}
		snprintf(tr->name, sizeof(tr->name), "%s", name);
		if (trait(info, "preemptible", &tr->preemptible, name, err,
		    errlen) == -1 || trait(info, "revocable", &tr->revocable,
		    name, err, errlen) == -1)
			return -1;
		t->n++;
	}
	qsort(t->tier, t->n, sizeof(t->tier[0]), by_name);
	if (strlen(json_string_value(def)) >= TIER_NAME_MAX ||
	    tiers_find(t, json_string_value(def)) == NULL) {
		snprintf(err, errlen,
		    "Default tier name should match supplied tiers.");
		return -1;
	}
	snprintf(t->default_name, sizeof(t->default_name), "%s",
	    json_string_value(def));
	return 0;
}

int
tiers_load(const char *path, struct tiers *t, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	char why[256];
	int rc;

	if (path == NULL || path[0] == '\0')
		root = json_loads(default_tiers, 0, &jerr);
	else
		root = json_load_file(path, 0, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "%s: line %d: %s", path, jerr.line,
		    jerr.text);
		return -1;
	}
	rc = parse(root, t, why, sizeof(why));
	json_decref(root);
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path != NULL && path[0] !=
		    '\0' ? path : "default tiers", why);
	return rc;
}

const struct tier *
tiers_find(const struct tiers *t, const char *name)
{
	struct tier key;

	if (strlen(name) >= sizeof(key.name))
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, t->tier, t->n, sizeof(t->tier[0]), by_name);
}

int
tier_production(const struct tier *t)
{
	return !(t->preemptible || t->revocable);
}
