/*
 * aurora-log: the operator's tool for a replica's log, as mesos-log is for
 * the Mesos replicated log. `initialize` marks a new replica VOTING (every
 * scheduler's replica needs it once, before its first start); the other
 * commands only read, and may run while the scheduler runs (LMDB readers
 * never block its writer).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/flags.h"
#include "common/log.h"
#include "replica/log_storage.h"
#include "replica/log_wal.h"
#include "replica/store_snapshot.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: aurora-log initialize --path=DIR\n"
	    "       aurora-log status --path=DIR\n"
	    "       aurora-log read --path=DIR [--from=POSITION] "
	    "[--to=POSITION]\n"
	    "       aurora-log dump --path=DIR --position=POSITION\n"
	    "\n"
	    "DIR is the scheduler's -native_log_file_path.\n"
	    "  initialize  mark a new, empty replica VOTING (once per "
	    "scheduler, before\n"
	    "              its first start); refuses a replica that holds "
	    "anything\n"
	    "  status      the replica's status, promise and positions\n"
	    "  read        one line per position: type, learned, proposals, "
	    "size\n"
	    "  dump        every field of one position, its bytes in hex\n");
}

struct args {
	const char	*cmd, *path;
	int		 has_from, has_to, has_position;
	uint64_t	 from, to, position;
};

static int
parse_u64(const char *name, const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (*s == '\0' || *s == '-' ||
	    (*out = strtoull(s, &end, 10), errno != 0) || *end != '\0') {
		fprintf(stderr, "aurora-log: --%s: invalid position '%s': "
		    "must be a number from 0 to %" PRIu64 "\n", name, s,
		    UINT64_MAX);
		return -1;
	}
	return 0;
}

static int
parse(int argc, char *argv[], struct args *a)
{
	memset(a, 0, sizeof(*a));
	if (argc < 2) {
		usage(stderr);
		return -1;
	}
	a->cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *v;

		while (*arg == '-')
			arg++;
		if ((v = strchr(arg, '=')) == NULL) {
			fprintf(stderr, "aurora-log: %s: expected "
			    "--name=value\n", argv[i]);
			return -1;
		}
		v++;
		if (strncmp(arg, "path=", 5) == 0)
			a->path = v;
		else if (strncmp(arg, "from=", 5) == 0) {
			if (parse_u64("from", v, &a->from) == -1)
				return -1;
			a->has_from = 1;
		} else if (strncmp(arg, "to=", 3) == 0) {
			if (parse_u64("to", v, &a->to) == -1)
				return -1;
			a->has_to = 1;
		} else if (strncmp(arg, "position=", 9) == 0) {
			if (parse_u64("position", v, &a->position) == -1)
				return -1;
			a->has_position = 1;
		} else {
			fprintf(stderr, "aurora-log: %s: unknown option\n",
			    argv[i]);
			return -1;
		}
	}
	if (a->path == NULL || a->path[0] != '/') {
		fprintf(stderr, "aurora-log: %s needs --path=DIR, an absolute "
		    "path (the scheduler's -native_log_file_path)\n", a->cmd);
		return -1;
	}
	return 0;
}

/* Opens the replica at path; read-only unless initialising. */
static struct log_storage *
open_log(const char *path, int readonly, MDB_env **env)
{
	char err[512], wal[600];
	struct log_storage *s;
	struct stat st;

	if (readonly && stat(path, &st) == -1) {
		fprintf(stderr, "aurora-log: %s: no replicated log here (%s)\n",
		    path, strerror(errno));
		return NULL;
	}
	if ((*env = log_env_open(path, (size_t)flag_bytes(
	    F_NATIVE_LOG_MAP_SIZE), readonly, err, sizeof(err))) == NULL) {
		fprintf(stderr, "aurora-log: %s\n", err);
		return NULL;
	}
	snprintf(wal, sizeof(wal), "%s/%s", path, LOG_WAL_FILE);
	/* A running replica owns the write-ahead file: only read it. */
	if ((s = log_storage_open(*env, err, sizeof(err))) == NULL ||
	    log_storage_attach_wal(s, wal, 1, err, sizeof(err)) == -1) {
		fprintf(stderr, "aurora-log: %s: %s\n", path, err);
		log_storage_close(s);
		mdb_env_close(*env);
		return NULL;
	}
	return s;
}

static int
cmd_initialize(const struct args *a)
{
	char err[512];
	MDB_env *env;
	struct log_storage *s;
	LogAction *act;
	int rc;

	if ((s = open_log(a->path, 0, &env)) == NULL)
		return 1;
	rc = log_storage_read(s, log_storage_begin(s), &act, err, sizeof(err));
	if (act != NULL)
		log_action__free_unpacked(act, NULL);
	if (log_storage_status(s) != LOG_METADATA__STATUS__EMPTY || rc != 0 ||
	    log_storage_promised(s) != 0) {
		fprintf(stderr, "aurora-log: %s: refusing to initialize a "
		    "replica that is not empty (status %s, positions %" PRIu64
		    " to %" PRIu64 ")\n", a->path,
		    log_status_name(log_storage_status(s)),
		    log_storage_begin(s), log_storage_end(s));
		log_storage_close(s);
		mdb_env_close(env);
		return 1;
	}
	if (log_storage_set_status(s, LOG_METADATA__STATUS__VOTING, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "aurora-log: %s: %s\n", a->path, err);
		rc = 1;
	} else {
		printf("Initialized the replicated log at %s (status VOTING)\n",
		    a->path);
		rc = 0;
	}
	log_storage_close(s);
	mdb_env_close(env);
	return rc;
}

static int
cmd_status(const struct args *a)
{
	MDB_env *env;
	struct log_storage *s;

	if ((s = open_log(a->path, 1, &env)) == NULL)
		return 1;
	printf("status: %s\n", log_status_name(log_storage_status(s)));
	printf("promised: %" PRIu64 "\n", log_storage_promised(s));
	printf("begin: %" PRIu64 "\n", log_storage_begin(s));
	printf("end: %" PRIu64 "\n", log_storage_end(s));
	printf("unlearned: %" PRIu64 "\n",
	    log_intervals_count(log_storage_unlearned(s)));
	log_storage_close(s);
	mdb_env_close(env);
	return 0;
}

static const char *
type_name(const LogAction *act)
{
	if (!act->has_type)
		return "promised";
	switch (act->type) {
	case LOG_ACTION__TYPE__NOP:
		return act->nop != NULL && act->nop->has_tombstone &&
		    act->nop->tombstone ? "tombstone" : "nop";
	case LOG_ACTION__TYPE__APPEND:
		return "append";
	case LOG_ACTION__TYPE__TRUNCATE:
		return "truncate";
	default:
		return "unknown";
	}
}

/* What the store makes of an appended entry. */
static void
print_entry_kind(const uint8_t *data, size_t len)
{
	LogEntry *e = log_entry__unpack(NULL, len, data);

	if (e == NULL) {
		printf("\tunreadable");
		return;
	}
	switch (e->kind_case) {
	case LOG_ENTRY__KIND_SNAPSHOT:
		printf("\tsnapshot position=%" PRIu64 " part=%u%s",
		    e->snapshot->position, e->snapshot->part,
		    e->snapshot->last ? " last" : "");
		break;
	case LOG_ENTRY__KIND_TRANSACTION:
		printf("\ttransactions=1");
		break;
	case LOG_ENTRY__KIND_BATCH:
		printf("\ttransactions=%zu", e->batch->n_transactions);
		break;
	default:
		printf("\tnoop");
		break;
	}
	log_entry__free_unpacked(e, NULL);
}

static void
print_line(const LogAction *act)
{
	printf("%" PRIu64 "\t%s\t%s\tpromised=%" PRIu64, act->position,
	    type_name(act), act->has_learned && act->learned ? "learned" :
	    "unlearned", act->promised);
	if (act->has_performed)
		printf("\tperformed=%" PRIu64, act->performed);
	if (act->append != NULL) {
		printf("\tbytes=%zu", act->append->bytes.len);
		print_entry_kind(act->append->bytes.data, act->append->bytes.len);
	}
	if (act->truncate != NULL)
		printf("\tto=%" PRIu64, act->truncate->to);
	printf("\n");
}

static int
cmd_read(const struct args *a)
{
	char err[512];
	MDB_env *env;
	struct log_storage *s;
	uint64_t from, to, pos;
	LogAction *act;
	int rc = 0;

	if ((s = open_log(a->path, 1, &env)) == NULL)
		return 1;
	from = a->has_from ? a->from : log_storage_begin(s);
	to = a->has_to ? a->to : log_storage_end(s);
	if (from < log_storage_begin(s)) {
		fprintf(stderr, "aurora-log: positions before %" PRIu64
		    " were truncated\n", log_storage_begin(s));
		from = log_storage_begin(s);
	}
	for (pos = from; pos <= to && pos <= log_storage_end(s); pos++) {
		switch (log_storage_read(s, pos, &act, err, sizeof(err))) {
		case -1:
			fprintf(stderr, "aurora-log: %s\n", err);
			rc = 1;
			break;
		case 0:
			printf("%" PRIu64 "\thole\n", pos);
			break;
		default:
			print_line(act);
			log_action__free_unpacked(act, NULL);
			break;
		}
		if (pos == UINT64_MAX)
			break;
	}
	log_storage_close(s);
	mdb_env_close(env);
	return rc;
}

static int
cmd_dump(const struct args *a)
{
	char err[512];
	MDB_env *env;
	struct log_storage *s;
	LogAction *act;
	int rc;

	if (!a->has_position) {
		fprintf(stderr, "aurora-log: dump needs --position=N\n");
		return 2;
	}
	if ((s = open_log(a->path, 1, &env)) == NULL)
		return 1;
	rc = log_storage_read(s, a->position, &act, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "aurora-log: %s\n", err);
	else if (rc == 0)
		fprintf(stderr, "aurora-log: nothing at position %" PRIu64
		    "%s\n", a->position, a->position < log_storage_begin(s) ?
		    " (truncated)" : "");
	else {
		print_line(act);
		if (act->append != NULL) {
			const uint8_t *b = act->append->bytes.data;
			size_t n = act->append->bytes.len;

			for (size_t off = 0; off < n; off += 16) {
				printf("%08zx ", off);
				for (size_t i = off; i < off + 16; i++)
					printf(i < n ? " %02x" : "   ", b[i < n ? i : 0]);
				printf("  |");
				for (size_t i = off; i < off + 16 && i < n; i++)
					putchar(b[i] >= 32 && b[i] < 127 ?
					    b[i] : '.');
				printf("|\n");
			}
		}
		log_action__free_unpacked(act, NULL);
	}
	log_storage_close(s);
	mdb_env_close(env);
	return rc == 1 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct args a;

	log_init("aurora-log");
	flags_reset();
	if (argc >= 2 && (strcmp(argv[1], "help") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (parse(argc, argv, &a) == -1)
		return 2;
	if (strcmp(a.cmd, "initialize") == 0)
		return cmd_initialize(&a);
	if (strcmp(a.cmd, "status") == 0)
		return cmd_status(&a);
	if (strcmp(a.cmd, "read") == 0)
		return cmd_read(&a);
	if (strcmp(a.cmd, "dump") == 0)
		return cmd_dump(&a);
	fprintf(stderr, "aurora-log: unknown command '%s'\n", a.cmd);
	usage(stderr);
	return 2;
}
