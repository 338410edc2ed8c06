#!/bin/bash
#
# Starts aurora-scheduler with this host's flags. Edit the flags below, then
# start this script from monit or systemd (see contrib/monit and
# contrib/systemd). It must run as root: the scheduler drops privileges
# itself. `aurora-scheduler -help` and doc/flags.md describe every flag.
#
# The flags stay on the command line, so they can be read with ps and on the
# /vars page (command_line and one flag_<name> line per flag).

# Installation prefix (configure --prefix); may be set in the environment.
AURORA_HOME=${AURORA_HOME:-/usr/local}
# The binary; may be set in the environment.
AURORA_SCHEDULER=${AURORA_SCHEDULER:-$AURORA_HOME/bin/aurora-scheduler}

AURORA_FLAGS=(
  # Name of the cluster this scheduler serves.
  -cluster_name=devcluster

  # HTTP server: /health, /vars, /vars.json, /leaderhealth.
  -http_port=8081
  # Listen on one address only (default: all interfaces).
  # -ip=192.168.33.7
  # Hostname to advertise instead of the locally resolved one.
  # -hostname=aurora1.example.org

  # One log file per process: master.log, replica.log, offerd.log, httpd.log.
  -log_dir=/var/log/aurora-scheduler
  # IPC sockets and httpd's chroot. Keep it short: socket paths are limited.
  -run_dir=/run/aurora-scheduler
  # Unprivileged user the HTTP server runs as.
  -user=nobody

  # Storage. Initialize it once before the first start:
  #   aurora-log initialize --path=/var/lib/aurora/scheduler/db
  -native_log_file_path=/var/lib/aurora/scheduler/db
  # One scheduler: 1. With N schedulers (needs -zk_endpoints): floor(N/2)+1.
  -native_log_quorum_size=1
  -backup_dir=/var/lib/aurora/scheduler/backups

  # ZooKeeper. Without it one scheduler runs alone.
  # -zk_endpoints=zk1.example.org:2181,zk2.example.org:2181,zk3.example.org:2181
  # -serverset_path=/aurora/scheduler
  # -native_log_zk_group_path=/aurora/replicated-log

  # Mesos master (host:port or zk://host:2181/mesos). Without it the
  # embedded local cluster is used.
  # -mesos_master_address=zk://zk1.example.org:2181/mesos

  # Executor.
  # -thermos_executor_path=/usr/share/aurora/bin/thermos_executor.pex
)

# The address and port other Mesos masters and schedulers reach this one on,
# read as Aurora reads them; checked at start and shown on /vars.
# export LIBPROCESS_PORT=8083
# export LIBPROCESS_IP=192.168.33.7

exec "${AURORA_SCHEDULER:-/usr/local/bin/aurora-scheduler}" "${AURORA_FLAGS[@]}"
