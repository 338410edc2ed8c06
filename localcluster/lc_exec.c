/*
 * aurora-local-cluster: running a task as a local process, as Mesos's
 * command executor would: /bin/sh -c VALUE (or VALUE with its arguments
 * when shell is false) in the task's sandbox directory, stdout and stderr
 * into files there, stdin from /dev/null, in a session of its own so a
 * kill reaches everything it started. An ExecutorInfo's command runs the
 * same way, with the TaskInfo's data in the file task.data. There are no
 * containers and no resource limits: this is the machine's user running
 * a command. Processes are reaped from a SIGCHLD event.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "localcluster/localcluster.h"

#define DEFAULT_PATH	\
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extern char **environ;

static struct event *sigchld;

struct env {
	char	**v;
	size_t	  n;
};

/* NAME=value, replacing an earlier NAME. */
static void
env_set(struct env *e, const char *name, const char *value)
{
	size_t i, len = strlen(name);
	char *kv = xasprintf("%s=%s", name, value != NULL ? value : "");

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, len) == 0 && e->v[i][len] == '=') {
			free(e->v[i]);
			e->v[i] = kv;
			return;
		}
	e->v = xreallocarray(e->v, e->n + 2, sizeof(*e->v));
	e->v[e->n++] = kv;
	e->v[e->n] = NULL;
}

static void
env_free(struct env *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
}

static void
make_env(struct env *e, const struct lc_task *t,
    const Mesos__V1__CommandInfo *cmd)
{
	const char *path = getenv("PATH");
	size_t i;

	memset(e, 0, sizeof(*e));
	env_set(e, "PATH", path != NULL && *path != '\0' ? path : DEFAULT_PATH);
	env_set(e, "MESOS_SANDBOX", t->sandbox);
	env_set(e, "MESOS_TASK_ID", t->id);
	env_set(e, "MESOS_AGENT_ID", t->agent->id);
	env_set(e, "MESOS_FRAMEWORK_ID", t->fw_id);
	if (t->executor_id != NULL)
		env_set(e, "MESOS_EXECUTOR_ID", t->executor_id);
	/* The task's own variables come last and win, as in Mesos. */
	if (cmd->environment != NULL)
		for (i = 0; i < cmd->environment->n_variables; i++)
			env_set(e, cmd->environment->variables[i]->name,
			    cmd->environment->variables[i]->value);
}

static int
write_file(const char *path, const void *data, size_t len)
{
	const char *p = data;
	ssize_t w;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return -1;
	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return close(fd);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
child(const char *dir, int in, int out, int err, const char *file,
    char *const argv[], char **envp)
{
	sigset_t none;
	int sig;

	setsid();
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1)
		_exit(127);
	closefrom(3);
	/* libevent's handlers and our ignored SIGPIPE are not the task's. */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (chdir(dir) == -1) {
		dprintf(2, "Failed to chdir into %s: %s\n", dir,
		    strerror(errno));
		_exit(127);
	}
	environ = envp;
	execvp(file, argv);
	dprintf(2, "Failed to execute '%s': %s\n", file, strerror(errno));
	_exit(127);
}

int
lc_exec_start(struct lc_task *t, const Mesos__V1__TaskInfo *ti, char *err,
    size_t errlen)
{
	const Mesos__V1__CommandInfo *cmd = ti->command != NULL ? ti->command :
	    ti->executor->command;
	char *path, *sh[4], **argv, *one[2];
	int in = -1, out = -1, errfd = -1, rc = -1;
	const char *file;
	struct env env;
	pid_t pid;

	t->sandbox = xasprintf("%s/sandboxes/%s", lc.conf.work_dir, t->id);
	if (mkdir(t->sandbox, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "Failed to create sandbox %s: %s",
		    t->sandbox, strerror(errno));
		return -1;
	}
	if (ti->executor != NULL && ti->has_data) {
		path = xasprintf("%s/task.data", t->sandbox);
		if (write_file(path, ti->data.data, ti->data.len) == -1) {
			snprintf(err, errlen, "Failed to write %s: %s", path,
			    strerror(errno));
			free(path);
			return -1;
		}
		free(path);
	}
	if (!cmd->has_shell || cmd->shell) {
		sh[0] = LC_UNCONST("sh");
		sh[1] = LC_UNCONST("-c");
		sh[2] = cmd->value;
		sh[3] = NULL;
		file = "/bin/sh";
		argv = sh;
	} else if (cmd->n_arguments > 0) {
		/* arguments is the whole argv, its first the program's name */
		argv = xreallocarray(NULL, cmd->n_arguments + 1, sizeof(*argv));
		memcpy(argv, cmd->arguments, cmd->n_arguments * sizeof(*argv));
		argv[cmd->n_arguments] = NULL;
		file = cmd->value;
	} else {
		one[0] = cmd->value;
		one[1] = NULL;
		file = cmd->value;
		argv = one;
	}
	make_env(&env, t, cmd);

	path = xasprintf("%s/stdout", t->sandbox);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(path);
	path = xasprintf("%s/stderr", t->sandbox);
	errfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(path);
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out == -1 || errfd == -1 || in == -1) {
		snprintf(err, errlen, "Failed to open the sandbox's files: %s",
		    strerror(errno));
		goto done;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "Failed to fork: %s", strerror(errno));
		goto done;
	}
	if (pid == 0)
		child(t->sandbox, in, out, errfd, file, argv, env.v);
	t->pid = pid;
	log_info("task %s: pid %ld in %s", t->id, (long)pid, t->sandbox);
	rc = 0;
done:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	if (errfd != -1)
		close(errfd);
	if (argv != sh && argv != one)
		free(argv);
	env_free(&env);
	return rc;
}

/* The whole session, and the leader too in case it has not set it up. */
static void
signal_task(pid_t pid, int sig)
{
	if (kill(-pid, sig) == -1 && errno == ESRCH)
		(void)kill(pid, sig);
}

static void
escalate(evutil_socket_t fd, short what, void *arg)
{
	struct lc_task *t = arg;

	event_free(t->timer);
	t->timer = NULL;
	if (t->pid != 0) {
		log_info("task %s: still there after its grace period: SIGKILL",
		    t->id);
		signal_task(t->pid, SIGKILL);
	}
}

void
lc_exec_kill(struct lc_task *t)
{
	struct timeval tv;

	if (t->pid == 0)
		return;
	if (t->grace_ms <= 0) {
		signal_task(t->pid, SIGKILL);
		return;
	}
	signal_task(t->pid, SIGTERM);
	tv.tv_sec = t->grace_ms / 1000;
	tv.tv_usec = (t->grace_ms % 1000) * 1000;
	if (t->timer != NULL)
		event_free(t->timer);
	if ((t->timer = evtimer_new(lc.base, escalate, t)) == NULL ||
	    evtimer_add(t->timer, &tv) == -1)
		fatalx("kill timer");
}

static void
exited(struct lc_task *t, int status)
{
	Mesos__V1__TaskState s;
	pid_t pid = t->pid;
	char msg[128];

	t->pid = 0;
	/* What it left behind goes with it, as with a Mesos container. */
	(void)kill(-pid, SIGKILL);
	if (WIFEXITED(status)) {
		snprintf(msg, sizeof(msg), "Command exited with status %d",
		    WEXITSTATUS(status));
		s = WEXITSTATUS(status) == 0 ?
		    MESOS__V1__TASK_STATE__TASK_FINISHED :
		    MESOS__V1__TASK_STATE__TASK_FAILED;
	} else {
		snprintf(msg, sizeof(msg), "Command terminated with signal %s",
		    strsignal(WTERMSIG(status)));
		s = MESOS__V1__TASK_STATE__TASK_FAILED;
	}
	/* After a KILL, however it ended, it was killed (Mesos does so). */
	if (t->kill_asked)
		s = MESOS__V1__TASK_STATE__TASK_KILLED;
	lc_task_update(t, s, MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR,
	    -1, msg);
}

static void
reap(evutil_socket_t sig, short what, void *arg)
{
	struct lc_task *t;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		TAILQ_FOREACH(t, &lc.active, entry)
			if (t->pid == pid)
				break;
		if (t != NULL)
			exited(t, status);
	}
	if (lc.shutting_down)
		lc_exit_if_done();
}

size_t
lc_exec_signal_all(int sig)
{
	struct lc_task *t;
	size_t n = 0;

	/* Only for stopping: what ends now was killed, not failed. */
	TAILQ_FOREACH(t, &lc.active, entry)
		if (t->pid != 0) {
			t->kill_asked = true;
			signal_task(t->pid, sig);
			n++;
		}
	return n;
}

void
lc_exec_init(void)
{
	char *dir = xasprintf("%s/sandboxes", lc.conf.work_dir);

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", dir);
	free(dir);
	if ((sigchld = evsignal_new(lc.base, SIGCHLD, reap, NULL)) == NULL ||
	    evsignal_add(sigchld, NULL) == -1)
		fatalx("SIGCHLD event");
}

void
lc_exec_free(void)
{
	if (sigchld != NULL)
		event_free(sigchld);
	sigchld = NULL;
}
