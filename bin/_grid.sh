# shellcheck shell=bash
# Shared by the bin/ scripts: source it, do not run it.
#
#   source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/_grid.sh"
#
# It defines (these names are stable; bin/grid-node, bin/demo and the client commands use them):
#   GRID_ROOT                     absolute path of the repository root
#   GRID_JAR, GRID_LIB            grid-node/target/grid-node.jar and grid-node/target/lib
#   grid_build                    builds both with `mvn -q -DskipTests package` (from GRID_ROOT)
#                                 if either is missing; concurrent first runs build once
#   grid_java MAIN ARGS...        runs java MAIN ARGS... on the grid's class path (building first)
#                                 and returns its exit code
#   grid_exec MAIN ARGS...        the same, but replaces the calling shell: use it as a script's
#                                 last command, or as `grid_exec MAIN ... &` so that $! is the
#                                 java process itself (a kill -9 $! then kills the node)
#   grid_cli SUBCOMMAND ARGS...   execs the client CLI (dev.grid.node.cli.GridCli), tuned to start
#                                 fast and log only warnings
# Environment it honours:
#   JAVA_HOME                     which java to use (else the one on PATH)
#   GRID_JAVA_OPTS                extra JVM options for grid_java, grid_exec and grid_cli
# The build is not redone when sources change: run `mvn -q -DskipTests package` after editing.

GRID_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
GRID_JAR="$GRID_ROOT/grid-node/target/grid-node.jar"
GRID_LIB="$GRID_ROOT/grid-node/target/lib"
GRID_JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Every JVM of the grid gets this: on a 2-CPU machine the common pool would otherwise have one
# thread, and Hazelcast's executor throughput falls several times over.
_GRID_JVM_FLAGS=(-Djava.util.concurrent.ForkJoinPool.common.parallelism=2)

grid_build() {
  if [[ -f "$GRID_JAR" && -d "$GRID_LIB" ]]; then
    return 0
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    echo "error: the grid is not built and mvn is not on PATH: install Maven 3.8+ and JDK 17+" >&2
    return 1
  fi
  local lock
  lock="${TMPDIR:-/tmp}/grid-build-$(printf '%s' "$GRID_ROOT" | cksum | cut -d' ' -f1).lock"
  (
    if command -v flock >/dev/null 2>&1; then
      flock 9
    fi
    if [[ -f "$GRID_JAR" && -d "$GRID_LIB" ]]; then
      exit 0 # another script built it while we waited
    fi
    echo "building the grid (first run, about a minute): mvn -q -DskipTests package" >&2
    cd "$GRID_ROOT" && mvn -q -B -DskipTests package >&2
  ) 9>"$lock" || {
    echo "error: the build failed; run 'mvn -DskipTests package' in $GRID_ROOT to see why" >&2
    return 1
  }
}

_grid_command() {
  local main="$1"
  shift
  # shellcheck disable=SC2206 # GRID_JAVA_OPTS is a list of options, split on purpose
  local extra=(${GRID_JAVA_OPTS:-})
  _GRID_CMD=("$GRID_JAVA" "${_GRID_JVM_FLAGS[@]}" ${extra[@]+"${extra[@]}"} -cp "$GRID_JAR:$GRID_LIB/*" "$main" "$@")
}

grid_java() {
  grid_build || return $?
  _grid_command "$@"
  "${_GRID_CMD[@]}"
}

grid_exec() {
  grid_build || exit $?
  _grid_command "$@"
  exec "${_GRID_CMD[@]}"
}

grid_cli() {
  # A client runs for a fraction of a second: the C1 compiler alone and the serial collector
  # start faster, and logback-cli.xml keeps stdout for results.
  _GRID_JVM_FLAGS+=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlogback.configurationFile=logback-cli.xml)
  grid_exec dev.grid.node.cli.GridCli "$@"
}
