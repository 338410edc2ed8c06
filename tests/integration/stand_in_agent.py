#!/usr/bin/env python3
"""Stands in for Mesos agents and executors in client tests, through the
scheduler's own API: every task of ROLE that the scheduler has PENDING is
moved ASSIGNED -> STARTING -> RUNNING, and every task it is KILLING or
RESTARTING is reported KILLED, with forceTaskState (TJSON over POST /api).

usage: stand_in_agent.py PORT ROLE SECONDS
Stops after SECONDS, so a test that forgets it cannot hang.
"""
import json
import sys
import time
import urllib.request

PENDING, ASSIGNED, STARTING, RUNNING, KILLED, KILLING, RESTARTING = \
    0, 9, 1, 2, 5, 6, 12


def call(port, body):
    req = urllib.request.Request(
        "http://127.0.0.1:%d/api" % port, data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def scheduled_tasks(node, found):
    """(taskId, status) of every ScheduledTask in a TJSON answer."""
    if isinstance(node, dict):
        at = node.get("1", {}).get("rec")
        st = node.get("2", {}).get("i32") if isinstance(node.get("2"), dict) else None
        if isinstance(at, dict) and "str" in at.get("1", {}) and st is not None:
            found.append((at["1"]["str"], st))
            return
        for v in node.values():
            scheduled_tasks(v, found)
    elif isinstance(node, list):
        for v in node:
            scheduled_tasks(v, found)


def force(port, task_id, status):
    call(port, [1, "forceTaskState", 1, 0,
                {"1": {"str": task_id}, "2": {"i32": status}}])


def main():
    port, role, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    end = time.time() + seconds
    query = [1, "getTasksWithoutConfigs", 1, 0,
             {"1": {"rec": {"14": {"str": role}}}}]
    while time.time() < end:
        try:
            tasks = []
            scheduled_tasks(call(port, query), tasks)
            for task_id, status in tasks:
                if status == PENDING:
                    for s in (ASSIGNED, STARTING, RUNNING):
                        force(port, task_id, s)
                elif status in (KILLING, RESTARTING):
                    force(port, task_id, KILLED)
        except OSError:
            pass  # the scheduler restarting, or not up yet
        time.sleep(0.2)


if __name__ == "__main__":
    main()
