# shellcheck shell=bash
# Shared by the bin/ scripts: source it, do not run it.
#
#   source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/_grid.sh"
#
# It defines (these names are stable; bin/grid-node, bin/demo and the client commands use them):
#   GRID_ROOT                     absolute path of the repository root
#   GRID_MODULES                  the modules whose jars the scripts run: grid-node (the node),
#                                 grid-cli (the client commands), grid-chaos (bin/chaos) and
#                                 examples (bin/demo); each is MODULE/target/MODULE.jar with its
#                                 runtime libraries in MODULE/target/lib
#   grid_build [MODULE...]        builds with `mvn -q -DskipTests package` (from GRID_ROOT) if a
#                                 module's jar is missing (default: any of them); concurrent
#                                 first runs build once
#   grid_java MODULE MAIN ARGS... runs java MAIN ARGS... on MODULE's class path (building first)
#                                 and returns its exit code
#   grid_exec MODULE MAIN ARGS... the same, but replaces the calling shell: use it as a script's
#                                 last command, or as `grid_exec ... &` so that $! is the java
#                                 process itself (a kill -9 $! then kills the node)
#   grid_cli SUBCOMMAND ARGS...   runs the client CLI (dev.grid.cli.GridCli, in grid-cli), tuned
#                                 to start fast (C1 only, serial GC, a class-data archive)
# Environment it honours:
#   JAVA_HOME                     which java to use (else the one on PATH)
#   GRID_JAVA_OPTS                extra JVM options for grid_java, grid_exec and grid_cli
# The build is not redone when sources change: run `mvn -q -DskipTests package` after editing.

GRID_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
GRID_MODULES=(grid-node grid-cli grid-chaos examples)
GRID_JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Every JVM of the grid gets this: on a 2-CPU machine the common pool would otherwise have one
# thread, and Hazelcast's executor throughput falls several times over.
_GRID_JVM_FLAGS=(-Djava.util.concurrent.ForkJoinPool.common.parallelism=2)

_grid_built() {
  local module
  for module in "$@"; do
    [[ -f "$GRID_ROOT/$module/target/$module.jar" && -d "$GRID_ROOT/$module/target/lib" ]] || return 1
  done
}

# The modules a command of MODULE needs built: the demo and the harness start node processes.
_grid_needs() {
  case "$1" in
    examples | grid-chaos) echo "$1 grid-node" ;;
    *) echo "$1" ;;
  esac
}

grid_build() {
  local modules=("$@")
  [[ ${#modules[@]} -gt 0 ]] || modules=("${GRID_MODULES[@]}")
  if _grid_built "${modules[@]}"; then
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
    if _grid_built "${modules[@]}"; then
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
  local module="$1" main="$2"
  shift 2
  local jar="$GRID_ROOT/$module/target/$module.jar" lib="$GRID_ROOT/$module/target/lib"
  # shellcheck disable=SC2206 # GRID_JAVA_OPTS is a list of options, split on purpose
  local extra=(${GRID_JAVA_OPTS:-})
  _GRID_CMD=("$GRID_JAVA" "${_GRID_JVM_FLAGS[@]}" ${extra[@]+"${extra[@]}"} -cp "$jar:$lib/*" "$main" "$@")
}

grid_java() {
  # shellcheck disable=SC2046 # one word per module
  grid_build $(_grid_needs "$1") || return $?
  _grid_command "$@"
  "${_GRID_CMD[@]}"
}

grid_exec() {
  # shellcheck disable=SC2046 # one word per module
  grid_build $(_grid_needs "$1") || exit $?
  _grid_command "$@"
  exec "${_GRID_CMD[@]}"
}

# Whether the client commands' class-data archive in TARGET (grid-cli/target) is there with its
# class list and the subcommands it covers, and newer than every jar it was made from.
_grid_cli_archive_current() {
  local target="$1" jar
  [[ -f "$target/grid-cli.jsa" && -f "$target/grid-cli.classes" && -f "$target/grid-cli.commands" ]] ||
    return 1
  for jar in "$target/grid-cli.jar" "$target/lib/"*.jar; do
    [[ "$target/grid-cli.jsa" -nt "$jar" ]] || return 1
  done
}

grid_cli() {
  # A client runs for a fraction of a second: the C1 compiler alone and the serial collector
  # start faster. Its class path holds job-api and picocli only, and nothing on it logs.
  _GRID_JVM_FLAGS+=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData)
  grid_build grid-cli || exit $?
  # Class-data sharing: a static archive, grid-cli/target/grid-cli.jsa, of the classes the
  # commands load; a command maps it instead of loading and verifying those classes again. The
  # first run of each subcommand after a build (bin/submit, bin/status, ...) also lists the classes
  # it loaded; they are added to grid-cli.classes (the classes of the subcommands run so far) and
  # the archive is dumped again from that list (about 2 s, once per subcommand; grid-cli.commands
  # says which ones it covers). An archive of only the first command's classes left a later
  # bin/status loading about 90 of its own from the jars. A subcommand given options counts apart
  # (`status -`): `status ID` runs without picocli (GridCli's QuickLine), `status ID --json`
  # needs picocli's classes and Jackson's databind. The dump writes a temporary file, so a
  # half-written archive is never used, under a lock, so two first runs do not lose each other's
  # classes. A static archive, not the dynamic one of -XX:ArchiveClassesAtExit: JDK 17 leaves
  # Java 5 class files (picocli's) out of a dynamic archive; it cost 212 ms of CPU a bin/nodes
  # against 152-165 ms. A static archive holds such a class if it was not linked while dumping,
  # and a lambda implementing one of picocli's interfaces links it ("Old class has been
  # linked"), so GridCli implements them with classes (see its note there).
  # -Xlog:cds=off: the JVM's archive warnings would otherwise go to stdout; it ignores an
  # archive that does not match its jars or itself (and then runs as without one).
  # The archive must be newer than every jar on the class path, the libraries too: a rebuilt
  # job-api alone leaves grid-cli.jar as it was, and the JVM would then refuse the archive (in
  # silence) at every run while nothing wrote a new one.
  local target="$GRID_ROOT/grid-cli/target"
  local jsa="$target/grid-cli.jsa" list="$target/grid-cli.classes" covers="$target/grid-cli.commands"
  _GRID_JVM_FLAGS+=(-Xlog:cds=off -Xlog:cds+dynamic=off)
  local flags=("${_GRID_JVM_FLAGS[@]}")
  local key="${1:-}" arg covered=0 line
  for arg in "${@:2}"; do
    [[ "$arg" == "--" ]] && break
    if [[ "$arg" == -* ]]; then
      key+=" -"
      break
    fi
  done
  if _grid_cli_archive_current "$target"; then
    _GRID_JVM_FLAGS+=(-XX:SharedArchiveFile="$jsa")
    while IFS= read -r line; do # read, not grep: a command saves a process where it can
      [[ "$line" == "$key" ]] && covered=1
    done <"$covers"
  fi
  if ((covered)); then
    _grid_command grid-cli dev.grid.cli.GridCli "$@" # built just above
    exec "${_GRID_CMD[@]}"
  fi
  local tmp="$jsa.$$" rc=0
  _GRID_JVM_FLAGS+=(-XX:DumpLoadedClassList="$tmp.classes")
  grid_java grid-cli dev.grid.cli.GridCli "$@" || rc=$?
  if [[ -s "$tmp.classes" ]]; then
    (
      if command -v flock >/dev/null 2>&1; then
        flock 9
      fi
      # the classes of the subcommands run before (another may have been added meanwhile)
      if _grid_cli_archive_current "$target"; then
        cat "$list" "$tmp.classes" | awk '!seen[$0]++' >"$tmp.list"
        { cat "$covers" && echo "$key"; } | awk '!seen[$0]++' >"$tmp.covers"
      else
        cp "$tmp.classes" "$tmp.list"
        echo "$key" >"$tmp.covers"
      fi
      # the same JVM options and class path as the commands that will map it
      _GRID_JVM_FLAGS=("${flags[@]}" -Xshare:dump -XX:SharedClassListFile="$tmp.list"
        -XX:SharedArchiveFile="$tmp")
      _grid_command grid-cli -version
      unset '_GRID_CMD[${#_GRID_CMD[@]}-1]' # no main class: a dump runs none
      # only a dump that succeeded is kept: the JVM crashes on a truncated archive
      if "${_GRID_CMD[@]}" >/dev/null 2>&1 && [[ -s "$tmp" ]]; then
        # the list of covered subcommands last: it must not name one the archive lacks
        mv -f "$tmp" "$jsa" && mv -f "$tmp.list" "$list" && mv -f "$tmp.covers" "$covers"
      fi
    ) 9>"$jsa.lock"
  fi
  rm -f "$tmp" "$tmp.classes" "$tmp.list" "$tmp.covers"
  exit "$rc"
}
