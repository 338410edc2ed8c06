/*
 * The log's write-ahead file, alone (records back in order, a torn record
 * or an older generation ends the replay, a file that is not one is
 * refused) and under the log's storage: an accept survives a crash
 * before any checkpoint, a learned value is not replaced by an older
 * accept from the file, a checkpoint empties the file, and a read-only
 * look (aurora-log beside a running replica) sees the accepts and leaves
 * them there.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "replica/log_storage.h"
#include "replica/log_wal.h"
#include "tests/unit/check.h"

static char dir[] = "/tmp/test_log_wal.XXXXXX";

struct seen {
	int		n;
	uint64_t	pos[8];
	char		text[8][32];
};

static int
collect(void *arg, uint64_t pos, const unsigned char *rec, size_t len)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->pos[s->n] = pos;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%.*s", (int)len,
		    (const char *)rec);
	}
	s->n++;
	return 0;
}

static struct seen
replay(const char *path)
{
	struct seen s = { 0 };
	char err[256];
	struct log_wal *w = log_wal_open(path, 1, err, sizeof(err));

	CHECK(w != NULL);
	if (w != NULL)
		CHECK(log_wal_replay(w, collect, &s, err, sizeof(err)) == 0);
	log_wal_close(w);
	return s;
}

static void
append(struct log_wal *w, uint64_t pos, const char *text)
{
	char err[256];

	CHECK(log_wal_append(w, pos, (const unsigned char *)text,
	    strlen(text), err, sizeof(err)) == 0);
}

static void
test_file(void)
{
	char path[300], err[256];
	struct log_wal *w;
	struct seen s;
	int fd;

	snprintf(path, sizeof(path), "%s/alone", dir);
	s = replay(path);	/* a missing file reads as empty */
	CHECK(s.n == 0);
	if ((w = log_wal_open(path, 0, err, sizeof(err))) == NULL) {
		CHECK(!"cannot create the file");
		return;
	}
	append(w, 7, "seven");
	append(w, 8, "eight");
	append(w, 9, "nine");
	s = replay(path);
	CHECK(s.n == 3 && s.pos[0] == 7 && s.pos[2] == 9 &&
	    strcmp(s.text[1], "eight") == 0);
	/* A torn record (a crash while writing it) ends the replay there. */
	fd = open(path, O_WRONLY);
	CHECK(pwrite(fd, "X", 1, 4096 + 2 * (24 + 5) + 24 + 1) == 1);
	close(fd);
	s = replay(path);
	CHECK(s.n == 2);
	/* A new generation: the older records are not replayed. */
	CHECK(log_wal_reset(w, err, sizeof(err)) == 0);
	CHECK(log_wal_used(w) == 0);
	s = replay(path);
	CHECK(s.n == 0);
	append(w, 10, "ten");
	s = replay(path);
	CHECK(s.n == 1 && s.pos[0] == 10);
	log_wal_close(w);
	/* Reopened, appends go after the last record. */
	w = log_wal_open(path, 0, err, sizeof(err));
	CHECK(w != NULL);
	if (w != NULL) {
		s.n = 0;
		CHECK(log_wal_replay(w, collect, &s, err, sizeof(err)) == 0);
		append(w, 11, "eleven");
		log_wal_close(w);
	}
	s = replay(path);
	CHECK(s.n == 2 && s.pos[1] == 11);

	/* Not a write-ahead file: refused, naming it. */
	snprintf(path, sizeof(path), "%s/other", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CHECK(write(fd, "hello", 5) == 5);
	close(fd);
	CHECK(log_wal_open(path, 0, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "is not a log write-ahead file") != NULL);
	CHECK(strstr(err, path) != NULL);
	CHECK(log_wal_crc32c(0, "123456789", 9) == 0xe3069283);
	CHECK(log_wal_crc32c_table(0, "123456789", 9) == 0xe3069283);
	/* Both ways agree on lengths that are not a multiple of 8. */
	for (size_t n = 0; n < sizeof(path); n++)
		path[n] = (char)(n * 31);
	CHECK(log_wal_crc32c(0, path, 299) ==
	    log_wal_crc32c_table(0, path, 299));
	CHECK(log_wal_crc32c(log_wal_crc32c(0, path, 13), path + 13, 286) ==
	    log_wal_crc32c(0, path, 299));
}

/* Storage with a write-ahead file. */

static MDB_env *
env_at(const char *name, int readonly)
{
	char path[300], err[256];
	MDB_env *env;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((env = log_env_open(path, 64 << 20, readonly, err,
	    sizeof(err))) == NULL)
		fprintf(stderr, "%s\n", err);
	return env;
}

static struct log_storage *
storage_at(MDB_env *env, const char *name, int readonly)
{
	char path[300], err[256];
	struct log_storage *s;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, name, LOG_WAL_FILE);
	if (env == NULL || (s = log_storage_open(env, err,
	    sizeof(err))) == NULL)
		return NULL;
	if (log_storage_attach_wal(s, path, readonly, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		log_storage_close(s);
		return NULL;
	}
	return s;
}

static int
persist_append(struct log_storage *s, uint64_t pos, uint64_t proposal,
    const char *text, int learned)
{
	LogAction a = LOG_ACTION__INIT;
	LogAction__Append app = LOG_ACTION__APPEND__INIT;
	char err[256];

	a.position = pos;
	a.promised = proposal;
	a.has_performed = a.has_type = 1;
	a.performed = proposal;
	a.has_learned = learned;
	a.learned = learned;
	a.type = LOG_ACTION__TYPE__APPEND;
	app.bytes.data = (uint8_t *)(uintptr_t)text;
	app.bytes.len = strlen(text);
	a.append = &app;
	return log_storage_persist(s, &a, err, sizeof(err));
}

/* The text stored at pos ("" if none), and whether it is learned. */
static void
stored(struct log_storage *s, uint64_t pos, char *text, size_t len,
    int *learned)
{
	LogAction *a = NULL;
	char err[256];

	text[0] = '\0';
	*learned = 0;
	if (log_storage_read(s, pos, &a, err, sizeof(err)) == 1 &&
	    a->append != NULL) {
		snprintf(text, len, "%.*s", (int)a->append->bytes.len,
		    (const char *)a->append->bytes.data);
		*learned = a->has_learned && a->learned;
	}
	if (a != NULL)
		log_action__free_unpacked(a, NULL);
}

/* In a child that then dies without closing anything: a crash. */
static void
crash_after(void (*fn)(struct log_storage *), const char *name)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		MDB_env *env = env_at(name, 0);
		struct log_storage *s = storage_at(env, name, 0);
		char err[256];

		if (s == NULL || log_storage_set_status(s,
		    LOG_METADATA__STATUS__VOTING, err, sizeof(err)) == -1)
			_exit(1);
		fn(s);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
accept_two(struct log_storage *s)
{
	if (persist_append(s, 1, 1, "one", 0) == -1 ||
	    persist_append(s, 2, 1, "two", 0) == -1 ||
	    log_storage_waiting(s) != 2)
		_exit(1);
}

static void
accept_then_learn_other(struct log_storage *s)
{
	/* Accepted "old" at proposal 1; "new" was chosen (proposal 2). */
	if (persist_append(s, 1, 1, "old", 0) == -1 ||
	    persist_append(s, 1, 2, "new", 1) == -1 ||
	    persist_append(s, 2, 2, "later", 0) == -1)
		_exit(1);
}

static void
test_storage(void)
{
	char text[32];
	MDB_env *env, *ro;
	struct log_storage *s, *look;
	int learned;

	crash_after(accept_two, "crashed");
	/* aurora-log's look: sees the accepts, leaves them in the file. */
	ro = env_at("crashed", 1);
	look = storage_at(ro, "crashed", 1);
	CHECK(look != NULL);
	if (look != NULL) {
		stored(look, 2, text, sizeof(text), &learned);
		CHECK(strcmp(text, "two") == 0 && !learned);
		CHECK(log_storage_end(look) == 2);
		CHECK(log_storage_waiting(look) == 2);
		log_storage_close(look);
	}
	mdb_env_close(ro);
	/* The replica's restart takes them back and checkpoints them. */
	env = env_at("crashed", 0);
	s = storage_at(env, "crashed", 0);
	CHECK(s != NULL);
	if (s != NULL) {
		stored(s, 1, text, sizeof(text), &learned);
		CHECK(strcmp(text, "one") == 0 && !learned);
		CHECK(log_storage_end(s) == 2);
		CHECK(log_storage_missing(s, 1) && log_storage_missing(s, 2));
		CHECK(log_storage_waiting(s) == 0);
		log_storage_close(s);
	}
	/* Checkpointed: LMDB alone has them now. */
	s = log_storage_open(env, text, sizeof(text));
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK(log_storage_end(s) == 2);
		log_storage_close(s);
	}
	mdb_env_close(env);

	crash_after(accept_then_learn_other, "learned");
	env = env_at("learned", 0);
	s = storage_at(env, "learned", 0);
	CHECK(s != NULL);
	if (s != NULL) {
		stored(s, 1, text, sizeof(text), &learned);
		CHECK(strcmp(text, "new") == 0 && learned);
		stored(s, 2, text, sizeof(text), &learned);
		CHECK(strcmp(text, "later") == 0 && !learned);
		/* Enough accepts to force a checkpoint without a timer. */
		int failed = 0;

		for (uint64_t p = 3; p < 3 + 1100; p++)
			failed += persist_append(s, p, 2, "many", 0) == -1;
		CHECK(failed == 0);
		CHECK(log_storage_waiting(s) < 1100);
		log_storage_close(s);
	}
	mdb_env_close(env);
}

int
main(void)
{
	char cmd[300];

	log_init("test");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_file();
	test_storage();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done("test_log_wal");
}
