/*
 * client: clusters.json, as Aurora's client reads it: a JSON list (or map)
 * of objects; one without "name" is ignored. Files are read from
 * $AURORA_CONFIG_ROOT (else /etc/aurora) and then ~/.aurora; a cluster
 * defined in both comes from the later file.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"

static void
cluster_free(struct client_cluster *c)
{
	free(c->name);
	free(c->zk);
	free(c->scheduler_zk_path);
	free(c->scheduler_uri);
	free(c->auth_mechanism);
	memset(c, 0, sizeof(*c));
}

void
client_clusters_free(struct client_clusters *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		cluster_free(&cs->v[i]);
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

const struct client_cluster *
client_clusters_find(const struct client_clusters *cs, const char *name)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->v[i].name, name) == 0)
			return &cs->v[i];
	return NULL;
}

static int
get_string(json_t *o, const char *path, const char *cname,
    const char *field, const char *def, char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, field);

	if (v == NULL || json_is_null(v)) {
		*out = def != NULL ? client_xstrdup(def) : NULL;
		return 0;
	}
	if (!json_is_string(v))
		return client_fail_got(err, errlen, v, "%s: cluster '%s': %s: "
		    "expected a string", path, cname, field);
	*out = client_xstrdup(json_string_value(v));
	return 0;
}

static int
one(json_t *o, const char *path, struct client_cluster *c, char *err,
    size_t errlen)
{
	json_t *v;
	const char *name = json_string_value(json_object_get(o, "name"));

	memset(c, 0, sizeof(*c));
	/* Any string, as in Aurora: only job keys' role/env/name are checked. */
	if (name == NULL)
		return client_fail_got(err, errlen, json_object_get(o, "name"),
		    "%s: cluster name: expected a string", path);
	c->name = client_xstrdup(name);
	c->zk_port = 2181;
	if ((v = json_object_get(o, "zk_port")) != NULL && !json_is_null(v)) {
		/* Pystachio coerces "2181" too. */
		long long p = -1;
		char *end;

		if (json_is_integer(v))
			p = json_integer_value(v);
		else if (json_is_string(v)) {
			p = strtoll(json_string_value(v), &end, 10);
			if (*json_string_value(v) == '\0' || *end != '\0')
				p = -1;
		}
		if (p <= 0 || p > 65535) {
			client_fail_got(err, errlen, v, "%s: cluster '%s': "
			    "zk_port: expected a port number", path, name);
			goto fail;
		}
		c->zk_port = (int)p;
	}
	if (get_string(o, path, name, "zk", NULL, &c->zk, err, errlen) == -1 ||
	    get_string(o, path, name, "scheduler_zk_path", "/aurora/scheduler",
	    &c->scheduler_zk_path, err, errlen) == -1 ||
	    get_string(o, path, name, "scheduler_uri", NULL, &c->scheduler_uri,
	    err, errlen) == -1 ||
	    get_string(o, path, name, "auth_mechanism", "UNAUTHENTICATED",
	    &c->auth_mechanism, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	cluster_free(c);
	return -1;
}

static int
add(struct client_clusters *cs, json_t *o, const char *path, char *err,
    size_t errlen)
{
	struct client_cluster c, *nv;
	size_t i;

	if (!json_is_object(o))
		return client_fail(err, errlen, "%s: clusters must be maps of "
		    "key/value pairs, got %s", path, json_is_array(o) ? "list" :
		    json_is_string(o) ? "string" : "a value");
	if (json_object_get(o, "name") == NULL)
		return 0;	/* Aurora ignores these */
	if (one(o, path, &c, err, errlen) == -1)
		return -1;
	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->v[i].name, c.name) == 0) {
			cluster_free(&cs->v[i]);
			cs->v[i] = c;
			return 0;
		}
	nv = client_xcalloc(cs->n + 1, sizeof(*nv));
	if (cs->n > 0)
		memcpy(nv, cs->v, cs->n * sizeof(*nv));
	free(cs->v);
	cs->v = nv;
	cs->v[cs->n++] = c;
	return 0;
}

int
client_clusters_load_file(struct client_clusters *cs, const char *path,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc, *v;
	const char *k;
	size_t i;
	int r = 0;

	if ((doc = json_load_file(path, 0, &jerr)) == NULL) {
		if (jerr.line <= 0)
			return client_fail(err, errlen, "Unable to read %s: "
			    "%s", path, jerr.text);
		return client_fail(err, errlen, "Unable to parse %s: %s "
		    "(line %d, column %d)", path, jerr.text, jerr.line,
		    jerr.column);
	}
	if (json_is_array(doc)) {
		json_array_foreach(doc, i, v)
			if ((r = add(cs, v, path, err, errlen)) == -1)
				break;
	} else if (json_is_object(doc)) {
		json_object_foreach(doc, k, v)
			if ((r = add(cs, v, path, err, errlen)) == -1)
				break;
	} else
		r = client_fail(err, errlen, "Unknown layout in %s", path);
	json_decref(doc);
	return r;
}

int
client_clusters_load(struct client_clusters *cs, char *err, size_t errlen)
{
	const char *root = getenv("AURORA_CONFIG_ROOT"), *home;
	char path[4096];

	if (root == NULL || *root == '\0')
		root = "/etc/aurora";
	snprintf(path, sizeof(path), "%s/clusters.json", root);
	if (access(path, F_OK) == 0 &&
	    client_clusters_load_file(cs, path, err, errlen) == -1)
		return -1;
	if ((home = getenv("HOME")) != NULL && *home != '\0') {
		snprintf(path, sizeof(path), "%s/.aurora/clusters.json", home);
		if (access(path, F_OK) == 0 &&
		    client_clusters_load_file(cs, path, err, errlen) == -1)
			return -1;
	}
	return 0;
}
