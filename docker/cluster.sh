#!/usr/bin/env bash
# Two Keycloak nodes with keycloak-dpop and one PostgreSQL on this machine, without Docker: the steps of
# docker/Dockerfile + docker/compose.yaml (+ compose.demo.yaml's realm import), run on the distribution Maven unpacked,
# so that ClusterIT can prove them. Same build options, same environment variables; what differs is only what one
# host needs (each node on 127.0.0.1 with its own HTTP, management and JGroups ports).
#
#   docker/cluster.sh start            PostgreSQL, kc.sh build, node a (imports the demo realm), then node b
#   docker/cluster.sh stop-node a|b    stops one node gracefully (SIGTERM, as a rolling restart would)
#   docker/cluster.sh kill-node a|b    kills one node (SIGKILL, as a crash would)
#   docker/cluster.sh start-node a|b   starts a stopped node again
#   docker/cluster.sh upgrade DIST     stops both nodes, builds DIST (another Keycloak distribution, same plugin jar)
#                                      and starts both nodes on it, on the same database: an offline upgrade
#   docker/cluster.sh stop             stops both nodes and PostgreSQL
#   docker/cluster.sh status           what runs, where, and the cluster view the nodes logged last
#
# Needs: the plugin built and the distribution unpacked (mvn -B -ntp -DskipTests install -pl core,themes,provider -am),
# PostgreSQL's server binaries from Debian (.ci/install-test-deps installs them), curl. As root, PostgreSQL runs as the
# `postgres` user (it refuses root). Logs and state: provider/target/cluster/ (CLUSTER_DIR).
#
# Settings (environment; `start` records them in $CLUSTER_DIR/cluster.env for the other subcommands):
#   KC_HOSTNAME         public URL both nodes answer for, as behind a load balancer (default http://localhost:8080).
#                       The load balancer must send X-Forwarded-Host and X-Forwarded-Proto: Keycloak rebuilds the
#                       request URL from them (KC_PROXY_HEADERS=xforwarded), and DPoP's htu is checked against it.
#   NODE_A_PORT, NODE_B_PORT                        HTTP ports (8081, 8082, as compose.yaml publishes them)
#   NODE_A_MANAGEMENT_PORT, NODE_B_MANAGEMENT_PORT  health and /metrics (9001, 9002)
#   NODE_A_JGROUPS_PORT, NODE_B_JGROUPS_PORT        cluster transport (7800, 7801; JGroups also listens on port + 50000)
#   PG_PORT             PostgreSQL on 127.0.0.1 (55432)
#   CLUSTER_NODE_HEAP   heap of each node (-Xms256m -Xmx1g)
#   CLUSTER_KC_OPTIONS  more `kc.sh start` options for both nodes, e.g. the plugin's --spi-dpop-policy--default--...
#   CLUSTER_PLUGIN      false: no plugin jar (plain Keycloak, to see which behaviour is the plugin's)
#   KEYCLOAK_DIST, PLUGIN_JAR, REALM_FILE, PG_BIN, CLUSTER_DIR  where things are (defaults under provider/target)
#   KC_BOOTSTRAP_ADMIN_USERNAME, KC_BOOTSTRAP_ADMIN_PASSWORD, POSTGRES_PASSWORD  as in compose.yaml (admin, admin, keycloak)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER_DIR=${CLUSTER_DIR:-$ROOT/provider/target/cluster}
INSTALL_HINT="run .ci/install-test-deps (as root) to install the Debian packages the tests need"

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

# Settings: those recorded by `start` win, so that stop-node/status talk to the cluster that runs.
load_settings() {
  if [[ $1 != start && -f $CLUSTER_DIR/cluster.env ]]; then
    # shellcheck source=/dev/null
    source "$CLUSTER_DIR/cluster.env"
  fi
  KEYCLOAK_DIST=${KEYCLOAK_DIST:-$(ls -d "$ROOT"/provider/target/keycloak-[0-9]* 2>/dev/null | grep -v -- '-dpop-disabled$' | head -1)}
  PLUGIN_JAR=${PLUGIN_JAR:-$(ls "$ROOT"/provider/target/keycloak-dpop-provider-*.jar 2>/dev/null | grep -v -- '-sources\|original-' | head -1)}
  REALM_FILE=${REALM_FILE:-$ROOT/realm-export/dpop-demo-realm.json}
  CLUSTER_PLUGIN=${CLUSTER_PLUGIN:-true}
  KC_HOSTNAME=${KC_HOSTNAME:-http://localhost:8080}
  NODE_A_PORT=${NODE_A_PORT:-8081}
  NODE_B_PORT=${NODE_B_PORT:-8082}
  NODE_A_MANAGEMENT_PORT=${NODE_A_MANAGEMENT_PORT:-9001}
  NODE_B_MANAGEMENT_PORT=${NODE_B_MANAGEMENT_PORT:-9002}
  NODE_A_JGROUPS_PORT=${NODE_A_JGROUPS_PORT:-7800}
  NODE_B_JGROUPS_PORT=${NODE_B_JGROUPS_PORT:-7801}
  PG_PORT=${PG_PORT:-55432}
  CLUSTER_NODE_HEAP=${CLUSTER_NODE_HEAP:--Xms256m -Xmx1g}
  CLUSTER_KC_OPTIONS=${CLUSTER_KC_OPTIONS:-}
  KC_BOOTSTRAP_ADMIN_USERNAME=${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}
  KC_BOOTSTRAP_ADMIN_PASSWORD=${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}
  POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-keycloak}
  PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
}

save_settings() {
  local name
  : >"$CLUSTER_DIR/cluster.env"
  for name in KEYCLOAK_DIST PLUGIN_JAR REALM_FILE CLUSTER_PLUGIN KC_HOSTNAME NODE_A_PORT NODE_B_PORT \
      NODE_A_MANAGEMENT_PORT NODE_B_MANAGEMENT_PORT NODE_A_JGROUPS_PORT NODE_B_JGROUPS_PORT PG_PORT CLUSTER_NODE_HEAP \
      CLUSTER_KC_OPTIONS KC_BOOTSTRAP_ADMIN_USERNAME KC_BOOTSTRAP_ADMIN_PASSWORD POSTGRES_PASSWORD PG_BIN; do
    printf '%s=%q\n' "$name" "${!name}" >>"$CLUSTER_DIR/cluster.env"
  done
}

node_port() { local v="NODE_${1^^}_PORT"; echo "${!v}"; }
node_management_port() { local v="NODE_${1^^}_MANAGEMENT_PORT"; echo "${!v}"; }
node_jgroups_port() { local v="NODE_${1^^}_JGROUPS_PORT"; echo "${!v}"; }
node_pid_file() { echo "$CLUSTER_DIR/node-$1.pid"; }

check_node_name() {
  [[ ${1:-} == a || ${1:-} == b ]] || die "name a node: a or b"
}

# --- prerequisites ------------------------------------------------------------------------------------------------

check_prerequisites() {
  [[ -n $PG_BIN && -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl && -x $PG_BIN/postgres ]] ||
    die "PostgreSQL server binaries not found (PG_BIN=${PG_BIN:-unset}; looked in /usr/lib/postgresql/*/bin): $INSTALL_HINT"
  command -v curl >/dev/null || die "curl not found: $INSTALL_HINT"
  if [[ $(id -u) == 0 ]]; then
    id postgres >/dev/null 2>&1 || die "user postgres not found (PostgreSQL refuses to run as root): $INSTALL_HINT"
    command -v runuser >/dev/null || die "runuser not found (util-linux)"
  fi
  [[ -n $KEYCLOAK_DIST && -x $KEYCLOAK_DIST/bin/kc.sh ]] ||
    die "no Keycloak distribution under provider/target: mvn -B -ntp -DskipTests install -pl core,themes,provider -am"
  [[ $CLUSTER_PLUGIN == false || (-n $PLUGIN_JAR && -f $PLUGIN_JAR) ]] ||
    die "no plugin jar under provider/target: mvn -B -ntp -DskipTests install -pl core,themes,provider -am"
  [[ -f $REALM_FILE ]] || die "no realm file $REALM_FILE"
  local port
  for port in "$PG_PORT" "$NODE_A_PORT" "$NODE_B_PORT" "$NODE_A_MANAGEMENT_PORT" "$NODE_B_MANAGEMENT_PORT" \
      "$NODE_A_JGROUPS_PORT" "$NODE_B_JGROUPS_PORT" $((NODE_A_JGROUPS_PORT + 50000)) $((NODE_B_JGROUPS_PORT + 50000)); do
    ! listening "$port" || die "port $port on 127.0.0.1 is in use (choose other ports, see the settings in $0)"
  done
}

listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# --- PostgreSQL -----------------------------------------------------------------------------------------------------

# PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user.
as_postgres() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local data=$CLUSTER_DIR/pgdata run=$CLUSTER_DIR/pgrun
  mkdir -p "$data" "$run"
  : >"$CLUSTER_DIR/postgres.log"
  chmod 700 "$data" "$run"
  if [[ $(id -u) == 0 ]]; then
    chown postgres: "$data" "$run" "$CLUSTER_DIR/postgres.log"
  fi
  as_postgres test -w "$data" || die "user postgres cannot reach $data (a directory on the way is not searchable)"
  echo "cluster.sh: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT, data in $data"
  # Local socket (in a private directory) trusted for setting up; TCP, which Keycloak uses, needs the password.
  as_postgres "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    >>"$CLUSTER_DIR/postgres.log" 2>&1 || die "initdb failed, see $CLUSTER_DIR/postgres.log"
  as_postgres "$PG_BIN/pg_ctl" -D "$data" -l "$CLUSTER_DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $run" start >/dev/null ||
    die "PostgreSQL did not start, see $CLUSTER_DIR/postgres.log"
  # What the postgres image does with POSTGRES_DB, POSTGRES_USER and POSTGRES_PASSWORD (compose.yaml).
  as_postgres "$PG_BIN/psql" -h "$run" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q -d postgres \
    -c "CREATE ROLE keycloak LOGIN PASSWORD '$POSTGRES_PASSWORD'" -c "CREATE DATABASE keycloak OWNER keycloak" \
    >>"$CLUSTER_DIR/postgres.log" 2>&1 || die "creating the keycloak database failed, see $CLUSTER_DIR/postgres.log"
}

stop_postgres() {
  if [[ -f $CLUSTER_DIR/pgdata/postmaster.pid ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/pgdata" -m fast -w stop >/dev/null || true
  fi
}

# --- Keycloak -------------------------------------------------------------------------------------------------------

# docker/Dockerfile, stages 2 and 3: the plugin in providers/, `kc.sh build` with the same options, the built
# installation copied once per node (each node has its own data/ directory, as each container has).
build_keycloak() {
  local image=$CLUSTER_DIR/keycloak
  echo "cluster.sh: kc.sh build (db=postgres, health, metrics) in $image"
  mkdir -p "$image"
  (cd "$KEYCLOAK_DIST" && tar --exclude=./data -cf - .) | (cd "$image" && tar -xf -)
  rm -f "$image"/providers/keycloak-dpop-*.jar
  if [[ $CLUSTER_PLUGIN != false ]]; then
    cp "$PLUGIN_JAR" "$image/providers/"
  fi
  KC_DB=postgres KC_HEALTH_ENABLED=true KC_METRICS_ENABLED=true "$image/bin/kc.sh" build \
    >"$CLUSTER_DIR/build.log" 2>&1 || die "kc.sh build failed, see $CLUSTER_DIR/build.log"
  local node
  for node in a b; do
    mkdir -p "$CLUSTER_DIR/node-$node"
    (cd "$image" && tar -cf - .) | (cd "$CLUSTER_DIR/node-$node" && tar -xf -)
  done
  # compose.demo.yaml: node a imports the demo realm (--import-realm reads data/import).
  mkdir -p "$CLUSTER_DIR/node-a/data/import"
  cp "$REALM_FILE" "$CLUSTER_DIR/node-a/data/import/"
}

# compose.yaml's environment for every node, plus the options one host needs (own ports on 127.0.0.1).
start_node() {
  local node=$1 extra=()
  if node_running "$node"; then
    die "node $node already runs (pid $(cat "$(node_pid_file "$node")"))"
  fi
  [[ $node == a ]] && extra+=(--import-realm)
  # shellcheck disable=SC2206 # CLUSTER_KC_OPTIONS is a list of options
  extra+=($CLUSTER_KC_OPTIONS)
  echo "cluster.sh: node $node on http://127.0.0.1:$(node_port "$node") (management $(node_management_port "$node")," \
    "JGroups $(node_jgroups_port "$node")), public URL $KC_HOSTNAME"
  (
    cd "$CLUSTER_DIR/node-$node"
    export KC_DB_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/keycloak" KC_DB_USERNAME=keycloak \
      KC_DB_PASSWORD="$POSTGRES_PASSWORD" KC_HOSTNAME KC_HTTP_ENABLED=true KC_PROXY_HEADERS=xforwarded \
      KC_BOOTSTRAP_ADMIN_USERNAME KC_BOOTSTRAP_ADMIN_PASSWORD JAVA_OPTS_KC_HEAP="$CLUSTER_NODE_HEAP"
    # Own session and process group (its id recorded from inside, whether setsid forked or not), so that stop-node
    # reaches kc.sh and its java child and nothing else.
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$(node_pid_file "$node")" bin/kc.sh start --optimized \
      --http-host=127.0.0.1 --http-port="$(node_port "$node")" \
      --http-management-port="$(node_management_port "$node")" \
      --cache-embedded-network-bind-address=127.0.0.1 \
      --cache-embedded-network-bind-port="$(node_jgroups_port "$node")" \
      "${extra[@]}" >>"$CLUSTER_DIR/node-$node.log" 2>&1 </dev/null &
  )
  local wait=0
  until [[ -s $(node_pid_file "$node") ]]; do
    ((wait++ < 50)) || die "node $node did not start"
    sleep 0.1
  done
  await_ready "$node"
}

await_ready() {
  local node=$1 deadline=$((SECONDS + 300))
  local health="http://127.0.0.1:$(node_management_port "$node")/health/ready"
  until curl -fsS -o /dev/null --max-time 5 "$health" 2>/dev/null; do
    node_running "$node" || die "node $node exited, see $CLUSTER_DIR/node-$node.log:
$(tail -n 30 "$CLUSTER_DIR/node-$node.log")"
    ((SECONDS < deadline)) || die "node $node not ready after 300 s, see $CLUSTER_DIR/node-$node.log"
    sleep 1
  done
  echo "cluster.sh: node $node ready"
}

# A node started while the other runs (start-node): it has joined once both have seen a view of two.
start_node_again() {
  local other=b
  [[ $1 == b ]] && other=a
  start_node "$1"
  if node_running "$other"; then
    await_cluster_of_two
  fi
}

# Both nodes started: wait until Infinispan on each node has seen a view with both of them.
await_cluster_of_two() {
  local deadline=$((SECONDS + 120)) node
  for node in a b; do
    until [[ $(last_view "$node") == *"(2)"* ]]; do
      ((SECONDS < deadline)) || die "node $node saw no two-node cluster view within 120 s, see $CLUSTER_DIR/node-$node.log"
      sleep 1
    done
  done
  echo "cluster.sh: cluster view $(last_view a | sed 's/.*view for channel ISPN: //')"
}

last_view() {
  grep -ho 'ISPN000094: Received new cluster view.*' "$CLUSTER_DIR/node-$1.log" 2>/dev/null | tail -1 || true
}

node_running() {
  local pid_file
  pid_file=$(node_pid_file "$1")
  [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

# SIGTERM (graceful: Keycloak leaves the cluster and hands over its cache entries) or SIGKILL (a crash).
stop_node() {
  local node=$1 signal=$2 pid deadline=$((SECONDS + 60))
  if ! node_running "$node"; then
    echo "cluster.sh: node $node is not running"
    rm -f "$(node_pid_file "$node")"
    return 0
  fi
  pid=$(cat "$(node_pid_file "$node")")
  kill "-$signal" -- "-$pid" 2>/dev/null || true
  while kill -0 -- "-$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    sleep 0.5
  done
  rm -f "$(node_pid_file "$node")"
  echo "cluster.sh: node $node stopped ($signal)"
}

# --- subcommands ----------------------------------------------------------------------------------------------------

cmd_start() {
  if node_running a || node_running b; then
    die "a cluster from $CLUSTER_DIR is running: docker/cluster.sh stop first"
  fi
  stop_postgres
  check_prerequisites
  # A fresh cluster each time: only what this script made is removed.
  rm -rf "${CLUSTER_DIR:?}"/{pgdata,pgrun,keycloak,node-a,node-b} "$CLUSTER_DIR"/*.log "$CLUSTER_DIR"/*.pid \
    "$CLUSTER_DIR/cluster.env"
  mkdir -p "$CLUSTER_DIR"
  save_settings
  start_postgres
  build_keycloak
  start_node a
  start_node b
  await_cluster_of_two
  cmd_status
}

# An offline upgrade, as an operator does it: both nodes stop, the new distribution is built with the same options and
# plugin jar, and both nodes start on the database the old ones wrote (Keycloak migrates it on the first start).
cmd_upgrade() {
  local dist=${1:-}
  [[ -d $dist/bin ]] || die "upgrade needs a Keycloak distribution directory, not '$dist'"
  [[ -f $CLUSTER_DIR/pgdata/postmaster.pid ]] || die "no cluster from $CLUSTER_DIR runs: docker/cluster.sh start first"
  stop_node a TERM
  stop_node b TERM
  KEYCLOAK_DIST=$(cd "$dist" && pwd)
  save_settings
  rm -rf "${CLUSTER_DIR:?}"/{keycloak,node-a,node-b}
  echo "cluster.sh: upgrading to $KEYCLOAK_DIST"
  build_keycloak
  start_node a
  start_node b
  await_cluster_of_two
  cmd_status
}

cmd_stop() {
  stop_node a TERM
  stop_node b TERM
  stop_postgres
}

cmd_status() {
  local node state
  for node in a b; do
    state=stopped
    node_running "$node" && state="running (pid $(cat "$(node_pid_file "$node")"))"
    echo "node $node: $state, http://127.0.0.1:$(node_port "$node"), management http://127.0.0.1:$(node_management_port "$node"), log $CLUSTER_DIR/node-$node.log"
    echo "  last cluster view: $(last_view "$node" | sed 's/.*view for channel ISPN: //')"
  done
  state=stopped
  [[ -n $PG_BIN ]] && as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/pgdata" status >/dev/null 2>&1 && state=running
  echo "postgres: $state, 127.0.0.1:$PG_PORT, log $CLUSTER_DIR/postgres.log"
  echo "public URL (KC_HOSTNAME): $KC_HOSTNAME"
}

main() {
  local command=${1:-}
  load_settings "$command"
  case $command in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    stop-node) check_node_name "${2:-}"; stop_node "$2" TERM ;;
    kill-node) check_node_name "${2:-}"; stop_node "$2" KILL ;;
    start-node) check_node_name "${2:-}"; start_node_again "$2" ;;
    upgrade) cmd_upgrade "${2:-}" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"
