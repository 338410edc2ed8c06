/*
 * Rendering of /vars (text: "name value" per line) and /vars.json (one
 * object), sorted by name as Aurora's are.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "httpd/httpd.h"

static int
by_name(const void *a, const void *b)
{
	const Var *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

void
httpd_vars_sort(Var **vars, size_t n)
{
	qsort(vars, n, sizeof(*vars), by_name);
}

void
httpd_vars_text(struct evbuffer *out, Var **vars, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const Var *v = vars[i];

		if (v->has_int_value)
			evbuffer_add_printf(out, "%s %" PRId64 "\n", v->name,
			    v->int_value);
		else if (v->has_double_value)
			evbuffer_add_printf(out, "%s %.17g\n", v->name,
			    v->double_value);
		else
			evbuffer_add_printf(out, "%s %s\n", v->name,
			    v->string_value != NULL ? v->string_value : "");
	}
}

int
httpd_vars_json(struct evbuffer *out, Var **vars, size_t n)
{
	json_t *obj = json_object();
	char *s;

	if (obj == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const Var *v = vars[i];
		json_t *val;

		if (v->has_int_value)
			val = json_integer(v->int_value);
		else if (v->has_double_value)
			val = json_real(v->double_value);
		else
			val = json_string(v->string_value != NULL ?
			    v->string_value : "");
		/* A string that is not UTF-8 cannot go into JSON: skip it. */
		if (val != NULL)
			json_object_set_new(obj, v->name, val);
	}
	s = json_dumps(obj, JSON_SORT_KEYS | JSON_INDENT(1));
	json_decref(obj);
	if (s == NULL)
		return -1;
	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
	free(s);
	return 0;
}
