/*
 * Benchmark: the Thrift codec on the largest answer Aurora's clients ask
 * for routinely: getTasksWithoutConfigs on a 4,000-instance job (each task
 * with its TaskConfig, ports and two events). Prints, per protocol, the
 * encoded size and the time to encode the Response and to read it back
 * (as the aurora client does), median of the runs.
 * Usage: bench/thrift_codec [tasks] [runs]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/monotonic.h"
#include "common/thrift_codec.h"
#include "ipc/api.pb-c.h"

static char role[] = "www-data", env[] = "prod", job[] = "hello";
static char host[] = "agent-host-0001.example.com", agent[] = "agent-1";
static char http[] = "http", exec_name[] = "AuroraExecutor";
static char exec_data[] = "{\"name\": \"hello\", \"processes\": []}";
static char cluster[] = "devcluster";

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int ntasks = argc > 1 ? atoi(argv[1]) : 4000;
	int runs = argc > 2 ? atoi(argv[2]) : 20;
	Response resp = RESPONSE__INIT;
	ServerInfo info = SERVER_INFO__INIT;
	Result result = RESULT__INIT;
	ScheduleStatusResult ssr = SCHEDULE_STATUS_RESULT__INIT;
	JobKey key = JOB_KEY__INIT;
	Identity owner = IDENTITY__INIT;
	ExecutorConfig ec = EXECUTOR_CONFIG__INIT;
	Resource cpu = RESOURCE__INIT, ram = RESOURCE__INIT, disk = RESOURCE__INIT;
	Resource *res[] = { &cpu, &ram, &disk };
	TaskConfig tc = TASK_CONFIG__INIT;
	ScheduledTask *tasks = calloc(ntasks, sizeof(*tasks));
	ScheduledTask **ptrs = calloc(ntasks, sizeof(*ptrs));
	AssignedTask *at = calloc(ntasks, sizeof(*at));
	AssignedTask__AssignedPortsEntry *ports = calloc(ntasks, sizeof(*ports));
	AssignedTask__AssignedPortsEntry **port_ptrs = calloc(ntasks,
	    sizeof(*port_ptrs));
	TaskEvent *events = calloc(2 * (size_t)ntasks, sizeof(*events));
	TaskEvent **event_ptrs = calloc(2 * (size_t)ntasks,
	    sizeof(*event_ptrs));
	char (*ids)[64] = calloc(ntasks, 64);
	const char *names[] = { "json", "binary" };
	int64_t enc[64], dec[64];
	size_t size = 0;

	if (runs > 64)
		runs = 64;
	key.role = role, key.environment = env, key.name = job;
	owner.user = role;
	ec.name = exec_name, ec.data = exec_data;
	cpu.kind_case = RESOURCE__KIND_NUM_CPUS, cpu.numcpus = 0.5;
	ram.kind_case = RESOURCE__KIND_RAM_MB, ram.rammb = 128;
	disk.kind_case = RESOURCE__KIND_DISK_MB, disk.diskmb = 256;
	tc.job = &key, tc.owner = &owner, tc.executorconfig = &ec;
	tc.has_isservice = 1, tc.isservice = 1;
	tc.resources = res, tc.n_resources = 3;
	for (int i = 0; i < ntasks; i++) {
		scheduled_task__init(&tasks[i]);
		assigned_task__init(&at[i]);
		assigned_task__assigned_ports_entry__init(&ports[i]);
		snprintf(ids[i], 64, "www-data-prod-hello-%d-6a1c2f3e", i);
		at[i].taskid = ids[i], at[i].slaveid = agent;
		at[i].slavehost = host, at[i].task = &tc;
		at[i].has_instanceid = 1, at[i].instanceid = i;
		ports[i].key = http, ports[i].has_value = 1;
		ports[i].value = 31000 + i % 1000;
		port_ptrs[i] = &ports[i];
		at[i].assignedports = &port_ptrs[i], at[i].n_assignedports = 1;
		for (int e = 0; e < 2; e++) {
			TaskEvent *ev = &events[2 * i + e];

			task_event__init(ev);
			ev->has_timestamp = 1, ev->timestamp = 1700000000000 + e;
			ev->has_status = 1;
			ev->status = e ? SCHEDULE_STATUS__RUNNING :
			    SCHEDULE_STATUS__PENDING;
			event_ptrs[2 * i + e] = ev;
		}
		tasks[i].assignedtask = &at[i];
		tasks[i].has_status = 1, tasks[i].status = SCHEDULE_STATUS__RUNNING;
		tasks[i].taskevents = &event_ptrs[2 * i];
		tasks[i].n_taskevents = 2;
		ptrs[i] = &tasks[i];
	}
	ssr.tasks = ptrs, ssr.n_tasks = ntasks;
	result.kind_case = RESULT__KIND_SCHEDULE_STATUS_RESULT;
	result.schedulestatusresult = &ssr;
	info.clustername = cluster;
	resp.has_responsecode = 1, resp.responsecode = RESPONSE_CODE__OK;
	resp.serverinfo = &info, resp.result = &result;

	printf("getTasksWithoutConfigs answer, %d tasks, median of %d runs\n",
	    ntasks, runs);
	printf("%-8s %12s %12s %12s\n", "protocol", "bytes", "encode ms",
	    "decode ms");
	for (int p = 0; p < 2; p++) {
		for (int r = 0; r < runs; r++) {
			struct bytebuf out;
			struct thrift_writer w;
			struct thrift_reader rd;
			ProtobufCMessage *back;
			int64_t t0 = monotonic_ns();
			int exc;

			bytebuf_init(&out);
			thrift_writer_init(&w, (enum thrift_protocol)p, &out);
			thrift_write_reply(&w, "getTasksWithoutConfigs", 1,
			    &resp.base);
			enc[r] = monotonic_ns() - t0;
			if (thrift_writer_finish(&w) == -1)
				return 1;
			size = out.len;
			t0 = monotonic_ns();
			if (thrift_reader_init(&rd, (enum thrift_protocol)p,
			    out.data, out.len) == -1 ||
			    (back = thrift_read_reply(&rd, &response__descriptor,
			    &exc)) == NULL) {
				fprintf(stderr, "%s\n", thrift_reader_error(&rd));
				return 1;
			}
			dec[r] = monotonic_ns() - t0;
			protobuf_c_message_free_unpacked(back, NULL);
			thrift_reader_free(&rd);
			bytebuf_free(&out);
		}
		qsort(enc, runs, sizeof(enc[0]), cmp64);
		qsort(dec, runs, sizeof(dec[0]), cmp64);
		printf("%-8s %12zu %12.2f %12.2f\n", names[p], size,
		    enc[runs / 2] / 1e6, dec[runs / 2] / 1e6);
	}
	return 0;
}
