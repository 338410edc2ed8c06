#!/usr/bin/env python3
"""mesos_bench.py: the client side of bench/run-mesos-bench.sh.

Drives one scheduler over Aurora's Thrift JSON API (POST /api) and its
/vars, and reads /proc for the CPU time and memory of its process tree and
of the local cluster. Standard library only. Two modes:

  load PORT JOBS INSTANCES: createJob JOBS jobs of INSTANCES instances from
      BENCH_PARALLEL (6) threads at once, each with its own keep-alive
      connection, while /vars is polled every BENCH_POLL_MS (100) ms; prints
      the time until every job was created, every task launched
      (scheduler_tasks_launched) and every task RUNNING (task_store_RUNNING),
      tasks/s, and the CPU seconds and RSS of the scheduler tree
      (BENCH_MASTER_PID and its descendants) and of the local cluster
      (BENCH_CLUSTER_PID) over the run.
  latency PORT SAMPLES: SAMPLES one-instance jobs, one after the other:
      createJob, then getTasksWithoutConfigs of that job every
      BENCH_LATENCY_POLL_MS (5) ms until its task is RUNNING; prints p50,
      p99 and the maximum of createJob-to-RUNNING, and of createJob's
      answer alone.

Both give up after BENCH_TIMEOUT (600) seconds and print how far they got.
The exit status is 0 whatever the figures; 1 only if the API refused a
createJob or the scheduler could not be reached.
"""
import http.client
import json
import os
import queue
import sys
import threading
import time

ROLE = "www-data"
ENV = "prod"
RUNNING = 2  # ScheduleStatus.RUNNING
STATUS = {0: "PENDING", 1: "STARTING", 2: "RUNNING", 3: "FINISHED",
          4: "FAILED", 5: "KILLED", 6: "KILLING", 7: "LOST", 9: "ASSIGNED",
          11: "INIT", 12: "RESTARTING", 13: "PREEMPTING", 16: "THROTTLED",
          17: "DRAINING", 18: "PARTITIONED"}
TJSON = "application/vnd.apache.thrift.json"


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def job_key(name):
    return {"1": {"str": ROLE}, "2": {"str": ENV}, "3": {"str": name}}


def create_body(name, instances):
    """createJob of a service: 0.1 CPU, 16 MB RAM, 16 MB disk, no port."""
    key = job_key(name)
    executor = json.dumps({"name": name, "task": {"processes": [
        {"name": "main", "cmdline": "sleep 1000000"}]}})
    task = {
        "28": {"rec": key},
        "17": {"rec": {"2": {"str": ROLE}}},
        "7": {"tf": 1},
        "13": {"i32": 1},
        "32": {"set": ["rec", 3, {"1": {"dbl": 0.1}}, {"2": {"i64": 16}},
                       {"3": {"i64": 16}}]},
        "25": {"rec": {"1": {"str": "AuroraExecutor"},
                       "2": {"str": executor}}},
    }
    job = {"9": {"rec": key}, "7": {"rec": {"2": {"str": ROLE}}},
           "6": {"rec": task}, "8": {"i32": instances}}
    return json.dumps([1, "createJob", 1, 0, {"1": {"rec": job}}]).encode()


def query_body(name):
    q = {"11": {"set": ["rec", 1, job_key(name)]}}
    return json.dumps([1, "getTasksWithoutConfigs", 1, 0,
                       {"1": {"rec": q}}]).encode()


class Conn:
    """One keep-alive HTTP connection to the scheduler, reopened on error."""

    def __init__(self, port, timeout=120):
        self.port = port
        self.timeout = timeout
        self.c = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r.status, data
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt:
                    raise
        raise OSError("unreachable")

    def api(self, body):
        status, data = self.request("POST", "/api", body,
                                    {"Content-Type": TJSON, "Accept": TJSON})
        if status != 200:
            raise OSError("HTTP %d: %s" % (status, data[:200]))
        return json.loads(data)

    def vars(self):
        status, data = self.request("GET", "/vars")
        out = {}
        for line in data.decode(errors="replace").splitlines():
            k, _, v = line.partition(" ")
            out[k] = v
        return out

    def close(self):
        if self.c is not None:
            self.c.close()
        self.c = None


def response_code(msg):
    """The Response's responseCode (1 is OK) and its first message."""
    resp = msg[4]["0"]["rec"]
    code = resp["1"]["i32"]
    text = ""
    details = resp.get("6", {}).get("lst")
    if details and len(details) > 2:
        text = details[2].get("1", {}).get("str", "")
    return code, text


def task_statuses(msg):
    """Statuses of the tasks in a getTasksWithoutConfigs answer."""
    resp = msg[4]["0"]["rec"]
    result = resp.get("3", {}).get("rec", {})
    tasks = result.get("3", {}).get("rec", {}).get("1", {}).get("lst", [])
    return [t["2"]["i32"] for t in tasks[2:]]


def num(v, key):
    try:
        return int(v.get(key, "0"))
    except ValueError:
        return 0


# /proc: CPU seconds and memory of a process tree.

TICK = os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """(ppid, utime+stime seconds) of pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK


def proc_name(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return "?"
    # The master is started by path; its workers name themselves.
    return os.path.basename(argv0) if argv0.startswith("/") else argv0


def proc_mem(pid):
    """(VmHWM, VmRSS) in kB."""
    hwm = rss = 0
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return hwm, rss


def tree(root):
    """root and all its descendants."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st is not None:
                children.setdefault(st[0], []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return sorted(out)


def cpu_snapshot(pids):
    snap = {}
    for p in pids:
        st = proc_stat(p)
        if st is not None:
            snap[p] = (proc_name(p), st[1])
    return snap


def print_cpu_mem(label, before, after, wall):
    total = 0.0
    for p in sorted(after):
        name, cpu = after[p]
        used = cpu - (before[p][1] if p in before else 0.0)
        total += used
        hwm, rss = proc_mem(p)
        print("  %-28s pid %-7d cpu %7.2f s (%5.1f%% of one core)  "
              "peak RSS %7.1f MB  final RSS %7.1f MB"
              % (name, p, used, 100.0 * used / wall if wall > 0 else 0,
                 hwm / 1024.0, rss / 1024.0))
    if len(after) > 1:
        hwm = sum(proc_mem(p)[0] for p in after)
        rss = sum(proc_mem(p)[1] for p in after)
        print("  %-28s             cpu %7.2f s (%5.1f%% of one core)  "
              "peak RSS %7.1f MB  final RSS %7.1f MB  (sum over processes)"
              % (label + " total", total,
                 100.0 * total / wall if wall > 0 else 0,
                 hwm / 1024.0, rss / 1024.0))


def load(port, jobs, instances, master, cluster):
    parallel = max(1, env_int("BENCH_PARALLEL", 6))
    poll = env_int("BENCH_POLL_MS", 100) / 1000.0
    # Every /vars makes replica unpack every task in the store to count
    # task_store_*: the pause after a poll is BENCH_POLL_SPACING (3) times
    # as long as the poll took (so that watching costs replica at most a
    # quarter of a core), at least BENCH_POLL_MS and at most
    # BENCH_POLL_MAX_MS (1000): a /vars that waited for a busy offerd
    # takes a second, and must not make the next one come late.
    spacing = max(0, env_int("BENCH_POLL_SPACING", 3))
    poll_max_pause = env_int("BENCH_POLL_MAX_MS", 1000) / 1000.0
    npolls, poll_secs, poll_max = 0, 0.0, 0.0
    limit = env_int("BENCH_TIMEOUT", 600)
    verbose = env_int("BENCH_VERBOSE", 0)
    total = jobs * instances
    bodies = queue.Queue()
    for j in range(jobs):
        bodies.put("bench-%04d" % j)
    errors = []
    created = [0]
    lock = threading.Lock()
    done_at = [None]
    ack_ms = []

    watcher = Conn(port, timeout=30)
    v0 = watcher.vars()
    run0 = num(v0, "task_store_RUNNING")
    launched0 = num(v0, "scheduler_tasks_launched")
    assigned0 = num(v0, "scheduler_tasks_assigned")
    pids = tree(master)
    cpu0 = cpu_snapshot(pids)
    lc0 = cpu_snapshot([cluster]) if cluster else {}
    self0 = os.times()

    def worker():
        c = Conn(port, timeout=limit)
        while True:
            try:
                name = bodies.get_nowait()
            except queue.Empty:
                break
            body = create_body(name, instances)
            t = time.monotonic()
            try:
                code, text = response_code(c.api(body))
            except (OSError, ValueError, KeyError, IndexError) as e:
                code, text = -1, str(e)
            dt = time.monotonic() - t
            with lock:
                if code != 1:
                    errors.append("%s: code %d %s" % (name, code, text))
                else:
                    created[0] += 1
                    ack_ms.append(dt * 1000)
                    if created[0] == jobs:
                        done_at[0] = time.monotonic()
        c.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(min(parallel, jobs))]
    for t in threads:
        t.start()
    t_assigned = t_launched = t_running = None
    prev_poll = t0
    # A worker that does not answer in time is left out of /vars: its
    # counters keep their last value.
    last = dict(v0)
    next_progress = t0 + 10
    while True:
        now = time.monotonic()
        if now - t0 > limit:
            break
        try:
            last.update(watcher.vars())
        except (OSError, http.client.HTTPException):
            pass
        v = last
        tnow = time.monotonic()
        took = tnow - now
        npolls += 1
        poll_secs += took
        poll_max = max(poll_max, took)
        assigned = num(v, "scheduler_tasks_assigned") - assigned0
        launched = num(v, "scheduler_tasks_launched") - launched0
        running = num(v, "task_store_RUNNING") - run0
        if t_assigned is None and assigned >= total:
            t_assigned = tnow
        if t_launched is None and launched >= total:
            t_launched = tnow
        # A refused createJob: wait for the tasks of the others only.
        if errors and all(not t.is_alive() for t in threads):
            total = created[0] * instances
            if total == 0:
                break
        if t_running is None and running >= total:
            t_running = tnow
            break
        prev_poll = tnow
        if verbose and tnow >= next_progress:
            next_progress += 10
            print("  [%5.0f s] created %d/%d jobs, assigned %d, launched %d, "
                  "RUNNING %d" % (tnow - t0, created[0], jobs, assigned,
                                  launched, running),
                  file=sys.stderr, flush=True)
        pause = min(poll_max_pause, max(poll, spacing * took))
        time.sleep(max(0.0, min(pause, t0 + limit - time.monotonic())))
    t_end = time.monotonic()
    wall = t_end - t0
    cpu1 = cpu_snapshot(tree(master))
    lc1 = cpu_snapshot([cluster]) if cluster else {}
    self1 = os.times()

    print("throughput: %d jobs x %d instances = %d tasks, %d createJob "
          "calls in parallel" % (jobs, instances, jobs * instances,
                                 min(parallel, jobs)))
    if errors:
        print("  createJob refused %d time(s); first: %s"
              % (len(errors), errors[0]))
    if done_at[0] is not None:
        ack_ms.sort()
        print("  all created (every createJob answered): %8.2f s   "
              "(createJob answer p50 %.0f ms, max %.0f ms)"
              % (done_at[0] - t0, ack_ms[len(ack_ms) // 2], ack_ms[-1]))
    else:
        print("  all created: not reached (%d of %d jobs)"
              % (created[0], jobs))
    if t_assigned is not None:
        print("  all assigned (scheduler_tasks_assigned):  %8.2f s"
              % (t_assigned - t0))
    else:
        print("  all assigned: not reached")
    if t_launched is not None:
        print("  all launched (scheduler_tasks_launched):  %8.2f s"
              % (t_launched - t0))
    else:
        print("  all launched: not reached")
    if t_running is not None:
        secs = t_running - t0
        rate = total / secs if secs > 0 else 0
        print("  all RUNNING (task_store_RUNNING):         %8.2f s   (seen by "
              "the first /vars after it; the one before was %.2f s earlier)"
              % (secs, t_running - prev_poll))
        print("  tasks/s until all RUNNING: %.0f   goal >= 10,000 tasks/s: %s"
              % (rate, "met" if rate >= 10000 else "below"))
    else:
        counts = ", ".join("%s %d" % (s, num(last, "task_store_" + s))
                           for s in ("PENDING", "ASSIGNED", "STARTING",
                                     "RUNNING", "LOST", "FAILED"))
        print("  all RUNNING: not reached after %.0f s: created %d/%d jobs, "
              "assigned %d, launched %d, store: %s"
              % (wall, created[0], jobs,
                 num(last, "scheduler_tasks_assigned") - assigned0,
                 num(last, "scheduler_tasks_launched") - launched0, counts))
        print("  tasks/s until all RUNNING: n/a   goal >= 10,000 tasks/s: "
              "below")
    print("  placement rounds %s, offers received %s, declined %s, "
          "rescinded %s, placements not assigned %s, mesos call errors %s"
          % tuple(last.get(k, "?") for k in (
              "scheduler_placement_rounds", "scheduler_resource_offers",
              "offers_declined", "offers_rescinded",
              "scheduler_placements_not_assigned", "mesos_call_errors")))
    print("  status updates received %s, acknowledged %s, applied %s in %s "
          "batches (%s failed)"
          % tuple(last.get(k, "?") for k in (
              "scheduler_status_updates_received",
              "scheduler_status_updates_acknowledged",
              "scheduler_status_updates", "scheduler_status_update_batches",
              "scheduler_status_update_batches_failed")))
    t = time.monotonic()
    try:
        watcher.vars()
        after = "%.0f ms" % (1000 * (time.monotonic() - t))
    except (OSError, http.client.HTTPException) as e:
        after = "failed (%s)" % e
    print("  /vars polled %d times, %.0f ms on average, at most %.0f ms; "
          "once more at the end: %s"
          % (npolls, 1000 * poll_secs / max(1, npolls), 1000 * poll_max,
             after))
    print("CPU and memory over the %.1f s of the run:" % wall)
    print_cpu_mem("scheduler", cpu0, cpu1, wall)
    if cluster:
        print_cpu_mem("local cluster", lc0, lc1, wall)
    me = (self1.user + self1.system) - (self0.user + self0.system)
    print("  %-28s             cpu %7.2f s" % ("this client (python)", me))
    return 0 if not errors else 1


def percentile(xs, p):
    """Nearest rank."""
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def latency(port, samples):
    poll = env_int("BENCH_LATENCY_POLL_MS", 5) / 1000.0
    limit = env_int("BENCH_TIMEOUT", 600)
    c = Conn(port, timeout=30)
    lat, ack, polls = [], [], []
    stuck = None
    t_start = time.monotonic()
    for i in range(samples):
        name = "lat-%04d" % i
        body = create_body(name, 1)
        query = query_body(name)
        t0 = time.monotonic()
        try:
            code, text = response_code(c.api(body))
        except (OSError, ValueError, KeyError, IndexError) as e:
            code, text = -1, str(e)
        t1 = time.monotonic()
        if code != 1:
            print("latency: createJob %s refused: code %d %s"
                  % (name, code, text))
            return 1
        n = 0
        seen = []
        while True:
            n += 1
            st = task_statuses(c.api(query))
            if st and st[0] == RUNNING:
                break
            if not seen or seen[-1] != st:
                seen.append(st)
            now = time.monotonic()
            if now - t0 > 30 or now - t_start > limit:
                stuck = "%s: not RUNNING after %.1f s (seen %s)" % (
                    name, now - t0,
                    " -> ".join(",".join(STATUS.get(s, str(s)) for s in x)
                                or "no task" for x in seen))
                break
            time.sleep(poll)
        if stuck:
            break
        t2 = time.monotonic()
        lat.append((t2 - t0) * 1000)
        ack.append((t1 - t0) * 1000)
        polls.append(n)
    c.close()
    print("latency: createJob of one instance to RUNNING on an idle cluster, "
          "%d of %d jobs one after another (getTasksWithoutConfigs every "
          "%.0f ms)" % (len(lat), samples, poll * 1000))
    if lat:
        print("  createJob to RUNNING:  p50 %7.1f ms  p99 %7.1f ms  "
              "max %7.1f ms" % (percentile(lat, 50), percentile(lat, 99),
                                max(lat)))
        print("  createJob answered:    p50 %7.1f ms  p99 %7.1f ms  "
              "max %7.1f ms" % (percentile(ack, 50), percentile(ack, 99),
                                max(ack)))
        print("  polls per job: p50 %d" % percentile(polls, 50))
    if stuck:
        print("  stopped: " + stuck)
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    mode, port = argv[1], int(argv[2])
    try:
        if mode == "load":
            master = int(os.environ.get("BENCH_MASTER_PID", "0"))
            cluster = int(os.environ.get("BENCH_CLUSTER_PID", "0"))
            return load(port, int(argv[3]), int(argv[4]), master, cluster)
        if mode == "latency":
            return latency(port, int(argv[3]))
    except (OSError, http.client.HTTPException) as e:
        print("%s: the scheduler: %s" % (mode, e))
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
