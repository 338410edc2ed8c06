# The aurora client as tests run it, sourced after lib.sh: its own config
# root under $TMP (aurora ARGS), and the cluster "local" pointing at this
# test's scheduler on $PORT (clusters, after start_tree); status JOB and
# count JOB STATUS read a www-data/prod job's tasks.
AURORA=${AURORA_CLIENT:-${top_builddir:-.}/aurora}
case $AURORA in /*) ;; *) AURORA=$(pwd)/$AURORA ;; esac
CONF=$TMP/conf
mkdir -p "$CONF"
aurora() { AURORA_CONFIG_ROOT=$CONF HOME=$TMP AURORA_CLIENT_TIMEOUT=10 "$AURORA" "$@"; }
clusters() {
	printf '[{"name": "local", "scheduler_uri": "http://127.0.0.1:%s"}]\n' \
	    "$PORT" >"$CONF/clusters.json"
}
# status JOB: `aurora job status` of local/www-data/prod/JOB.
status() { aurora job status "local/www-data/prod/$1" 2>&1; }
# count JOB STATUS: how many of the job's tasks are in that state.
count() { status "$1" | grep -c "status: $2 "; }
