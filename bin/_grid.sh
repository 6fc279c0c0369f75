# shellcheck shell=bash
# Shared by the bin/ scripts: source it, do not run it.
#
#   source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/_grid.sh"
#
# It defines (these names are stable; bin/grid-node, bin/demo and the client commands use them):
#   GRID_ROOT                     absolute path of the repository root, or of the installed grid
#   GRID_PACKAGED                 1 in an installed grid (unpacked from grid-VERSION.tar.gz, which
#                                 grid-dist makes): its jars are in GRID_ROOT/lib, lib/MODULE.jar
#                                 with its runtime libraries in lib/MODULE/, and nothing is ever
#                                 built; 0 in a source checkout
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
#   grid_cli SUBCOMMAND ARGS...   runs the client CLI (dev.grid.cli.GridCli, in grid-cli): through
#                                 the resident client when one runs (see "The resident client"
#                                 below), else in a JVM tuned to start fast (C1 only, serial GC, a
#                                 class-data archive), starting a resident client after it
#   grid_client_admin start|stop|status   bin/grid-client
# Environment it honours:
#   JAVA_HOME                     which java to use (else the one on PATH)
#   GRID_JAVA_OPTS                extra JVM options for grid_java, grid_exec and grid_cli
#   GRID_CLIENT_DAEMON, GRID_CLIENT_DIR, GRID_CLIENT_IDLE   the resident client (see below)
# The build is not redone when sources change: run `mvn -q -DskipTests package` after editing.
# An installed grid has grid-node and grid-cli only (bin/demo, bin/chaos and bin/bench run from a
# checkout), and keeps the client commands' class-data archive in the user's cache (below).

# The root, with all links resolved (the class archive names the jars by their path). A client
# command sources this file by a plain absolute path most of the time: then one subshell finds the
# root instead of readlink's and dirname's processes (about 10 ms of a client command's CPU).
_grid_self="${BASH_SOURCE[0]}"
if [[ $_grid_self == /*/bin/_grid.sh && $_grid_self != *//* && $_grid_self != */./* &&
  $_grid_self != */../* && ! -L $_grid_self && ! -L ${_grid_self%/_grid.sh} ]]; then
  GRID_ROOT="$(cd -P -- "${_grid_self%/bin/_grid.sh}" && pwd)"
else
  GRID_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
fi
GRID_MODULES=(grid-node grid-cli grid-chaos examples)
# An installed grid: lib/ beside bin/, and no pom.xml to build from.
if [[ -f $GRID_ROOT/lib/grid-node.jar && ! -f $GRID_ROOT/pom.xml ]]; then
  GRID_PACKAGED=1
else
  GRID_PACKAGED=0
fi
GRID_JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Every JVM of the grid gets this: on a 2-CPU machine the common pool would otherwise have one
# thread, and Hazelcast's executor throughput falls several times over.
_GRID_JVM_FLAGS=(-Djava.util.concurrent.ForkJoinPool.common.parallelism=2)

# Sets _GRID_JAR and _GRID_LIB to MODULE's jar and the folder of its runtime libraries.
_grid_paths() {
  if ((GRID_PACKAGED)); then
    _GRID_JAR="$GRID_ROOT/lib/$1.jar" _GRID_LIB="$GRID_ROOT/lib/$1"
  else
    _GRID_JAR="$GRID_ROOT/$1/target/$1.jar" _GRID_LIB="$GRID_ROOT/$1/target/lib"
  fi
}

_grid_built() {
  local module
  for module in "$@"; do
    _grid_paths "$module"
    [[ -f "$_GRID_JAR" && -d "$_GRID_LIB" ]] || return 1
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
  if ((GRID_PACKAGED)); then
    echo "error: the grid installed in $GRID_ROOT lacks ${modules[*]} (lib/MODULE.jar and" \
      "lib/MODULE/): unpack grid-VERSION.tar.gz again; bin/demo, bin/chaos and bin/bench run" \
      "from a source checkout only" >&2
    return 1
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
  _grid_paths "$module"
  local jar="$_GRID_JAR" lib="$_GRID_LIB"
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
  _grid_paths grid-cli
  for jar in "$_GRID_JAR" "$_GRID_LIB/"*.jar; do
    [[ "$target/grid-cli.jsa" -nt "$jar" ]] || return 1
  done
}

# Sets _GRID_ROOT_NAME to GRID_ROOT, percent-encoded as one file name; returns 1 if it is too long.
_grid_root_name() {
  local name="${GRID_ROOT//'%'/%25}"
  name="${name//'/'/%2F}"
  _GRID_ROOT_NAME="${name//' '/%20}"
  ((${#_GRID_ROOT_NAME} <= 200))
}

# Sets _GRID_CDS_DIR to the folder of the client commands' class-data archive: grid-cli/target in a
# checkout; in an installed grid, which its users may not write, a folder of the user's own in
# ${XDG_CACHE_HOME:-~/.cache}/grid/, one per install. Returns 1 if there is none to use.
_grid_cli_archive_dir() {
  if ((!GRID_PACKAGED)); then
    _GRID_CDS_DIR="$GRID_ROOT/grid-cli/target"
    return 0
  fi
  local base="${XDG_CACHE_HOME:-${HOME:-}/.cache}"
  [[ $base == /* && $base != /.cache ]] && _grid_root_name || return 1
  _GRID_CDS_DIR="$base/grid/cds-$_GRID_ROOT_NAME"
  [[ -d $_GRID_CDS_DIR ]] || mkdir -p -m 700 "$_GRID_CDS_DIR" 2>/dev/null || return 1
  [[ -O $_GRID_CDS_DIR && -w $_GRID_CDS_DIR ]]
}

# A client runs for a fraction of a second: the C1 compiler alone and the serial collector
# start faster. The resident client runs with them too: its calls are small, and C2 would spend the
# CPU that the grid's nodes on the same machine need.
_GRID_CLIENT_JVM_FLAGS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData)

grid_cli() {
  # Its class path holds job-api and picocli only, and nothing on it logs.
  _GRID_JVM_FLAGS+=("${_GRID_CLIENT_JVM_FLAGS[@]}")
  grid_build grid-cli || exit $?
  # The resident client first (see below); if it cannot take the command, a JVM of its own.
  if _grid_client_enabled; then
    if _grid_client_call "$@"; then
      exit "$_GRID_CLIENT_RC"
    fi
    if ((_GRID_CLIENT_START)); then
      _grid_client_start_after_exit
    fi
  fi
  # Which of stdin, stdout, stderr are terminals (a JVM cannot tell of stderr): on one, a wait
  # shows its progress as a line redrawn in place (GridCli reads it, as the resident client's TTY)
  local _grid_fd _grid_tty=
  for _grid_fd in 0 1 2; do
    if [[ -t $_grid_fd ]]; then _grid_tty+=1; else _grid_tty+=0; fi
  done
  _GRID_JVM_FLAGS+=(-Dgrid.terminals="$_grid_tty")
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
  if ! _grid_cli_archive_dir; then
    _grid_command grid-cli dev.grid.cli.GridCli "$@" # built just above
    exec "${_GRID_CMD[@]}"
  fi
  local target="$_GRID_CDS_DIR"
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

# --- The resident client ---------------------------------------------------------------------
# A client command starts a JVM of about 0.15-0.2 s; most of that is the JVM starting and loading
# the CLI. So the first client command starts, once it has ended, a resident client in the
# background: one JVM per user and checkout (dev.grid.cli.ResidentClient) that runs the same CLI
# code for the next commands. grid_cli connects to it over loopback with bash's /dev/tcp, sends
# the command line, the working directory and the environment the CLI reads, and relays what it
# answers: the command's stdout and stderr as frames, then its exit code (the protocol is in
# ResidentCall, CallRequest and CallOutput). Where it cannot (none runs, it declines the line, it
# is another build's), the command runs in a JVM of its own as before.
#   GRID_CLIENT_DAEMON=0   no resident client: every command a JVM of its own
#   GRID_CLIENT_DIR        its files (default ${XDG_RUNTIME_DIR:-$HOME/.cache}/grid-client, 0700)
#   GRID_CLIENT_IDLE       how long it stays without a call (default 5m)
# Its state file NAME.state (0600) holds PORT SECRET PROOF PID: the caller sends SECRET first, and
# sends its request (which holds its token) only once the other side has answered PROOF.

# What a JVM's own behaviour depends on beyond GRID_* (ResidentClient.JVM_ENV): the resident client
# declines a call whose values differ from its own, and is started with the caller's.
_GRID_CLIENT_JVM_ENV=(TZ LANG LANGUAGE LC_ALL LC_CTYPE LC_MESSAGES LC_TIME LC_NUMERIC JAVA_HOME
  JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS)

# Sets _GRID_CLIENT_DIR and _GRID_CLIENT_NAME (the checkout's path, percent-encoded: one resident
# client per checkout); returns 1 when the resident client is off or cannot be used here.
_grid_client_enabled() {
  [[ ${GRID_CLIENT_DAEMON:-1} != 0 ]] && ((BASH_VERSINFO[0] >= 5)) || return 1
  local base="${XDG_RUNTIME_DIR:-${HOME:-}/.cache}"
  [[ -n ${GRID_CLIENT_DIR:-} || $base != /.cache ]] || return 1
  _GRID_CLIENT_DIR="${GRID_CLIENT_DIR:-$base/grid-client}"
  [[ $_GRID_CLIENT_DIR == /* ]] || _GRID_CLIENT_DIR="$PWD/$_GRID_CLIENT_DIR"
  _grid_root_name || return 1
  _GRID_CLIENT_NAME="$_GRID_ROOT_NAME"
}

# The exported variables among the names given, as NAME=VALUE in _GRID_CLIENT_ENV.
_grid_client_env() {
  _GRID_CLIENT_ENV=()
  local name
  for name in "$@"; do
    if [[ -v $name && ${!name@a} == *x* ]]; then
      _GRID_CLIENT_ENV+=("$name=${!name}")
    fi
  done
}

# Opens fd 3 to the resident client and checks it is the one that wrote the state file. Returns 1
# if there is none to use; sets _GRID_CLIENT_START=1 if none runs (the state file is missing or
# stale), so that the caller starts one.
_grid_client_connect() {
  _GRID_CLIENT_START=0
  local dir="$_GRID_CLIENT_DIR" state="$_GRID_CLIENT_DIR/$_GRID_CLIENT_NAME.state"
  local port secret proof pid answer
  if [[ ! -e $state ]]; then
    _GRID_CLIENT_START=1
    return 1
  fi
  # only a file of this user's, in a folder of this user's, is trusted
  [[ -O $dir && -O $state ]] || return 1
  read -r port secret proof pid <"$state" 2>/dev/null && [[ $port =~ ^[0-9]+$ ]] || return 1
  _GRID_CLIENT_PID="$pid"
  if ! { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    # it was killed: forget it unless a new one wrote the file meanwhile
    local again=
    read -r again <"$state" 2>/dev/null || :
    [[ $again == "$port $secret $proof $pid" ]] && rm -f "$state"
    _GRID_CLIENT_START=1
    return 1
  fi
  if printf 'GRIDC1 %s\n' "$secret" >&3 2>/dev/null &&
    IFS= read -r -t 5 answer <&3 && [[ $answer == "$proof" ]]; then
    return 0
  fi
  exec 3>&- # not the resident client (the port was taken), or it hangs: run without it
  return 1
}

# Relays the frames on fd 3 (CallOutput) to stdout and stderr; sets _GRID_CLIENT_RC to the exit
# code. Returns 1, with nothing printed, if the call was declined (_GRID_CLIENT_START=1 if the
# resident client was stale).
_grid_client_relay() {
  local kind len chunk rc= first=1 out=1 err=2
  # a closed stdout or stderr: the bytes are read all the same, into /dev/null (redirections go
  # left to right: ">&2 2>/dev/null" writes to stderr and drops printf's own complaints)
  [[ -e /proc/self/fd/1 ]] || out=/dev/null
  [[ -e /proc/self/fd/2 ]] || err=/dev/null
  while IFS=' ' read -r kind len <&3; do
    case "$kind" in
      O | E)
        IFS= read -r -N "$len" chunk <&3 || break
        if [[ $kind == O ]]; then
          printf '%s' "$chunk" >&"$out" 2>/dev/null || :
        else
          printf '%s' "$chunk" >&"$err" 2>/dev/null || :
        fi
        ;;
      o | e)
        # dd reads the whole frame before it writes, so a failed write (a closed pipe) loses no
        # byte of the frames after it
        local to="$out"
        [[ $kind == e ]] && to="$err"
        if [[ $to == /dev/null ]]; then
          dd bs="$len" count=1 iflag=fullblock status=none <&3 >/dev/null 2>&1 || :
        else
          dd bs="$len" count=1 iflag=fullblock status=none <&3 >&"$to" 2>/dev/null || :
        fi
        ;;
      X)
        rc="$len"
        break
        ;;
      D)
        if ((first)); then
          [[ $len == stale ]] && _GRID_CLIENT_START=1
          exec 3>&-
          return 1
        fi
        break
        ;;
      *) break ;;
    esac
    first=0
  done
  exec 3>&-
  if [[ -z $rc ]]; then
    echo "error: the resident grid client (pid ${_GRID_CLIENT_PID:-?}) went away during the call," \
      "which may have run; GRID_CLIENT_DAEMON=0 runs each command in a JVM of its own" >&2
    rc=1
  fi
  _GRID_CLIENT_RC="$rc"
}

# Runs the command line through the resident client: returns 0 when it ran (its exit code in
# _GRID_CLIENT_RC), 1 when it must run in a JVM of its own (nothing ran).
_grid_client_call() {
  local arg size=${#PWD} tty=
  # a command line beyond what the resident client reads (CallRequest.Limits) runs on its own
  (($# <= 10000)) || return 1
  for arg in "$@"; do
    size=$((size + ${#arg} + 1))
  done
  ((size <= 200000)) || return 1
  trap '' PIPE # a write to a closed pipe or socket fails instead of killing this script
  if ! _grid_client_connect; then
    trap - PIPE
    return 1
  fi
  # Ctrl-C, a kill, a hangup: end as a JVM ends on them (exit 130, 143, 129, not killed by the
  # signal: a calling script's loop goes on as it did), closing the connection, which ends the
  # call's work in the resident client
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  _grid_client_env ${!GRID_*} "${_GRID_CLIENT_JVM_ENV[@]}"
  for arg in 0 1 2; do
    if [[ -t $arg ]]; then tty+=1; else tty+=0; fi
  done
  if printf '%s\0' run "$#" "$@" "$PWD" "${#_GRID_CLIENT_ENV[@]}" \
    ${_GRID_CLIENT_ENV[@]+"${_GRID_CLIENT_ENV[@]}"} "$tty" >&3 2>/dev/null && _grid_client_relay; then
    return 0
  fi
  exec 3>&-
  trap - PIPE INT TERM HUP # a JVM of its own runs it, as without the resident client
  return 1
}

# Starts a resident client once this process and the JVM it becomes have ended (the first command
# does not share the CPU with it): the start waits on a pipe that this process holds open. Not
# when a start was tried in the last minute and its mark NAME.started is still there (the
# resident client deletes it once it serves): one is starting, or it failed (see NAME.log).
_grid_client_start_after_exit() {
  local dir="$_GRID_CLIENT_DIR" marker="$_GRID_CLIENT_DIR/$_GRID_CLIENT_NAME.started" last=0
  [[ -d $dir ]] || mkdir -p -m 700 "$dir" 2>/dev/null || return 0
  [[ -O $dir ]] || return 0
  if [[ -f $marker ]]; then
    read -r last <"$marker" 2>/dev/null || :
  fi
  [[ $last =~ ^[0-9]+$ ]] || last=0
  ((EPOCHSECONDS - last >= 60)) || return 0
  printf '%s\n' "$EPOCHSECONDS" >"$marker" 2>/dev/null || return 0
  exec {_GRID_CLIENT_FD}> >(_grid_client_spawn)
}

# In the background: waits for end of input, then becomes the resident client, detached (its own
# session, no terminal, no file descriptor of the caller's, in /), with the caller's PATH and what
# the JVM depends on (_GRID_CLIENT_JVM_ENV, GRID_JAVA_OPTS) as its whole environment: no token.
_grid_client_spawn() {
  exec >/dev/null 2>&1
  local fd
  while read -r fd; do :; done
  cd / || return
  for fd in /proc/$BASHPID/fd/*; do
    fd="${fd##*/}"
    if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
      { exec {fd}>&-; } 2>/dev/null || : # one that closed meanwhile (the listing's own)
    fi
  done
  _grid_client_env PATH GRID_JAVA_OPTS "${_GRID_CLIENT_JVM_ENV[@]}"
  # A small heap to start with: the default (1/64 of the RAM) let it touch some 150 MB of young
  # garbage before its first collection. A percentage, not -Xms, so that a smaller -Xmx in
  # GRID_JAVA_OPTS still starts; the most it may grow to stays a JVM's own default.
  _GRID_JVM_FLAGS+=(-XX:InitialRAMPercentage=0.1)
  _grid_command grid-cli dev.grid.cli.ResidentClient --dir "$_GRID_CLIENT_DIR" \
    --name "$_GRID_CLIENT_NAME" --idle "${GRID_CLIENT_IDLE:-5m}"
  exec env -i ${_GRID_CLIENT_ENV[@]+"${_GRID_CLIENT_ENV[@]}"} setsid "${_GRID_CMD[@]}" \
    </dev/null >"$_GRID_CLIENT_DIR/$_GRID_CLIENT_NAME.log" 2>&1
}

# bin/grid-client start|stop|status: this checkout's resident client (see above).
grid_client_admin() {
  local command="${1:-status}" tries
  if ! _grid_client_enabled; then
    echo "no resident client: it is off (GRID_CLIENT_DAEMON=0, or neither XDG_RUNTIME_DIR nor HOME)"
    [[ $command == stop ]]
    return
  fi
  case "$command" in
    status)
      trap '' PIPE
      if _grid_client_connect && printf '%s\0' status >&3 2>/dev/null && _grid_client_relay; then
        return "$_GRID_CLIENT_RC"
      fi
      echo "not running (state file: $_GRID_CLIENT_DIR/$_GRID_CLIENT_NAME.state)"
      return 3
      ;;
    stop)
      trap '' PIPE
      if _grid_client_connect && printf '%s\0' stop >&3 2>/dev/null && _grid_client_relay; then
        echo "stopped (pid $_GRID_CLIENT_PID; calls still running end first)"
      else
        echo "not running"
      fi
      ;;
    start)
      grid_build grid-cli || return $?
      if _grid_client_connect; then
        exec 3>&-
        echo "running already (pid $_GRID_CLIENT_PID)"
        return 0
      fi
      _GRID_JVM_FLAGS+=("${_GRID_CLIENT_JVM_FLAGS[@]}")
      [[ -d $_GRID_CLIENT_DIR ]] || mkdir -p -m 700 "$_GRID_CLIENT_DIR" || return 1
      _grid_client_spawn </dev/null &
      for ((tries = 0; tries < 150; tries++)); do
        if _grid_client_connect; then
          exec 3>&-
          echo "started (pid $_GRID_CLIENT_PID)"
          return 0
        fi
        sleep 0.2
      done
      echo "error: the resident client did not start within 30 s:" \
        "see $_GRID_CLIENT_DIR/$_GRID_CLIENT_NAME.log" >&2
      return 1
      ;;
    *)
      echo "usage: bin/grid-client start|stop|status" >&2
      return 2
      ;;
  esac
}
