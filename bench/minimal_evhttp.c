/*
 * minimal_evhttp: the baseline for bench/run-http-bench.sh. A single
 * threaded libevent evhttp server with nothing else in it: no IPC, no
 * sandbox, no stats. It listens on 127.0.0.1:<port> and answers
 *
 *	GET /health  200 text/plain "OK\n"
 *	GET /vars    200 text/plain <fixed body>
 *
 * The /vars body is either the contents of a file (-b file, e.g. a copy
 * of the scheduler's real /vars) or <bytes> filler bytes in "name value"
 * lines (-s bytes), so both servers send the same number of bytes.
 *
 * Build: cc -O2 -o minimal_evhttp minimal_evhttp.c -levent
 * Usage: minimal_evhttp [-b body_file | -s bytes] port
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

static char *vars_body;
static size_t vars_len;

static void
usage(void)
{
	fprintf(stderr, "usage: minimal_evhttp [-b body_file | -s bytes] "
	    "port\n");
	exit(2);
}

static int
load_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n;

	if (f == NULL)
		return -1;
	if ((vars_body = malloc(cap)) == NULL) {
		fclose(f);
		return -1;
	}
	vars_len = 0;
	while ((n = fread(vars_body + vars_len, 1, cap - vars_len, f)) > 0) {
		vars_len += n;
		if (vars_len == cap) {
			char *p = realloc(vars_body, cap * 2);

			if (p == NULL) {
				fclose(f);
				return -1;
			}
			vars_body = p;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* <bytes> bytes of "bench_var_N 12345\n" lines, padded to the exact size. */
static int
make_filler(size_t bytes)
{
	size_t i = 0;
	int n = 0;

	if ((vars_body = malloc(bytes + 1)) == NULL)
		return -1;
	while (i < bytes) {
		char line[64];
		int len = snprintf(line, sizeof(line), "bench_var_%d %d\n", n,
		    n * 7919 % 100000);
		size_t take = (size_t)len;

		if (take > bytes - i)
			take = bytes - i;
		memcpy(vars_body + i, line, take);
		i += take;
		n++;
	}
	if (bytes > 0)
		vars_body[bytes - 1] = '\n';
	vars_len = bytes;
	return 0;
}

static void
reply(struct evhttp_request *req, const char *body, size_t len)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain");
	evbuffer_add(out, body, len);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(
	    req));

	(void)arg;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET || path == NULL)
		evhttp_send_error(req, 405, NULL);
	else if (strcmp(path, "/health") == 0)
		reply(req, "OK\n", 3);
	else if (strcmp(path, "/vars") == 0)
		reply(req, vars_body, vars_len);
	else
		evhttp_send_error(req, 404, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int
main(int argc, char *argv[])
{
	struct event_base *base;
	struct evhttp *http;
	struct event *ev_term, *ev_int;
	const char *body_file = NULL;
	long size = -1, port;
	char *end;
	int ch;

	while ((ch = getopt(argc, argv, "b:s:")) != -1) {
		switch (ch) {
		case 'b':
			body_file = optarg;
			break;
		case 's':
			errno = 0;
			size = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || size < 0 ||
			    size > 64L * 1024 * 1024)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || (body_file != NULL && size != -1))
		usage();
	errno = 0;
	port = strtol(argv[0], &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		usage();

	if (body_file != NULL) {
		if (load_file(body_file) == -1) {
			fprintf(stderr, "minimal_evhttp: cannot read %s: %s\n",
			    body_file, strerror(errno));
			return 1;
		}
	} else if (make_filler(size == -1 ? 4096 : (size_t)size) == -1) {
		fprintf(stderr, "minimal_evhttp: out of memory\n");
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL ||
	    (http = evhttp_new(base)) == NULL) {
		fprintf(stderr, "minimal_evhttp: cannot set up libevent\n");
		return 1;
	}
	evhttp_set_gencb(http, on_request, NULL);
	if (evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    (ev_uint16_t)port) == NULL) {
		fprintf(stderr, "minimal_evhttp: cannot listen on "
		    "127.0.0.1:%ld: %s\n", port, strerror(errno));
		return 1;
	}
	ev_term = evsignal_new(base, SIGTERM, on_signal, base);
	ev_int = evsignal_new(base, SIGINT, on_signal, base);
	if (ev_term == NULL || ev_int == NULL ||
	    evsignal_add(ev_term, NULL) == -1 ||
	    evsignal_add(ev_int, NULL) == -1) {
		fprintf(stderr, "minimal_evhttp: cannot watch signals\n");
		return 1;
	}
	fprintf(stderr, "minimal_evhttp: listening on 127.0.0.1:%ld, /vars "
	    "is %zu bytes\n", port, vars_len);

	event_base_dispatch(base);

	event_free(ev_term);
	event_free(ev_int);
	evhttp_free(http);
	event_base_free(base);
	free(vars_body);
	return 0;
}
