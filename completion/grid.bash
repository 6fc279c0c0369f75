# shellcheck shell=bash
# Bash completion for the grid's client commands: bin/submit, bin/jobs, bin/status, ...
#   source /opt/grid/completion/grid.bash     (in ~/.bashrc), or
#   cp /opt/grid/completion/grid.bash /etc/bash_completion.d/grid
# Made by picocli's generator from the commands' own models (dev.grid.cli.CompletionScript);
# do not edit: CompletionScriptTest fails when it falls behind the commands.

# Each command is completed as it is typed: bin/NAME, ./bin/NAME, the full path of this
# install's bin/NAME, and NAME alone (when bin/ is on the PATH), except jobs: that is bash's
# own builtin, whose completion stays as it was.
_grid_completion_bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." 2>/dev/null && pwd)/bin"
_grid_complete() {
  complete -F "$1" -o default "bin/$2" "./bin/$2" "$_grid_completion_bin/$2"
  [[ $2 == jobs ]] || complete -F "$1" -o default "$2"
}

# ---- bin/submit ----

if [ -n "$BASH_VERSION" ]; then
  # Enable programmable completion facilities when using bash (see [3])
  shopt -s progcomp
elif [ -n "$ZSH_VERSION" ]; then
  # Make alias a distinct command for completion purposes when using zsh (see [4])
  setopt COMPLETE_ALIASES
  alias compopt=complete

  # Enable bash completion in zsh (see [7])
  # Only initialize completions module once to avoid unregistering existing completions.
  if ! type compdef > /dev/null; then
    autoload -U +X compinit && compinit
  fi
  autoload -U +X bashcompinit && bashcompinit
fi

# CompWordsContainsArray takes an array and then checks
# if all elements of this array are in the global COMP_WORDS array.
#
# Returns zero (no error) if all elements of the array are in the COMP_WORDS array,
# otherwise returns 1 (error).
function CompWordsContainsArray() {
  declare -a localArray
  localArray=("$@")
  local findme
  for findme in "${localArray[@]}"; do
    if ElementNotInCompWords "$findme"; then return 1; fi
  done
  return 0
}
function ElementNotInCompWords() {
  local findme="$1"
  local element
  for element in "${COMP_WORDS[@]}"; do
    if [[ "$findme" = "$element" ]]; then return 1; fi
  done
  return 0
}

# The `currentPositionalIndex` function calculates the index of the current positional parameter.
#
# currentPositionalIndex takes three parameters:
# the command name,
# a space-separated string with the names of options that take a parameter, and
# a space-separated string with the names of boolean options (that don't take any params).
# When done, this function echos the current positional index to std_out.
#
# Example usage:
# local currIndex=$(currentPositionalIndex "mysubcommand" "$ARG_OPTS" "$FLAG_OPTS")
function currentPositionalIndex() {
  local commandName="$1"
  local optionsWithArgs="$2"
  local booleanOptions="$3"
  local previousWord
  local result=0

  for i in $(seq $((COMP_CWORD - 1)) -1 0); do
    previousWord=${COMP_WORDS[i]}
    if [ "${previousWord}" = "$commandName" ]; then
      break
    fi
    if [[ "${optionsWithArgs}" =~ ${previousWord} ]]; then
      ((result-=2)) # Arg option and its value not counted as positional param
    elif [[ "${booleanOptions}" =~ ${previousWord} ]]; then
      ((result-=1)) # Flag option itself not counted as positional param
    fi
    ((result++))
  done
  echo "$result"
}

# compReplyArray generates a list of completion suggestions based on an array, ensuring all values are properly escaped.
#
# compReplyArray takes a single parameter: the array of options to be displayed
#
# The output is echoed to std_out, one option per line.
#
# Example usage:
# local options=("foo", "bar", "baz")
# local IFS=$'\n'
# COMPREPLY=($(compReplyArray "${options[@]}"))
function compReplyArray() {
  declare -a options
  options=("$@")
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local i
  local quoted
  local optionList=()

  for (( i=0; i<${#options[@]}; i++ )); do
    # Double escape, since we want escaped values, but compgen -W expands the argument
    printf -v quoted %q "${options[i]}"
    quoted=\'${quoted//\'/\'\\\'\'}\'

    optionList[i]=$quoted
  done

  # We also have to add another round of escaping to $curr_word.
  curr_word=${curr_word//\\/\\\\}
  curr_word=${curr_word//\'/\\\'}

  # Actually generate completions.
  local IFS=$'\n'
  echo -e "$(compgen -W "${optionList[*]}" -- "$curr_word")"
}

# Bash completion entry point function.
# _complete_submit finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_submit() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_submit; return $?;
}

# Generates completions for the options and subcommands of the `submit` command.
function _picocli_submit() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--wait' '--json' '--isolated' '--hold' '--wait-for-label'"
  local arg_opts="'--array' '--after' '--after-any' '--timeout' '--retries' '--priority' '--queue' '--constraint' '--cpus' '--mem' '--env' '--workdir' '--shell' '--jar' '--class' '--name' '--retry-on' '--backoff' '--backoff-max' '--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--array')
      return
      ;;
    '--after')
      return
      ;;
    '--after-any')
      return
      ;;
    '--timeout')
      return
      ;;
    '--retries')
      return
      ;;
    '--priority')
      return
      ;;
    '--queue')
      return
      ;;
    '--constraint')
      return
      ;;
    '--cpus')
      return
      ;;
    '--mem')
      return
      ;;
    '--env')
      return
      ;;
    '--workdir')
      return
      ;;
    '--shell')
      return
      ;;
    '--jar')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--class')
      return
      ;;
    '--name')
      return
      ;;
    '--retry-on')
      return
      ;;
    '--backoff')
      return
      ;;
    '--backoff-max')
      return
      ;;
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `submit`, `submit.sh`, and `submit.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_submit` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_submit submit

# ---- bin/status ----

# _complete_status finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_status() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_status; return $?;
}

# Generates completions for the options and subcommands of the `status` command.
function _picocli_status() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json' '--watch'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `status`, `status.sh`, and `status.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_status` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_status status

# ---- bin/result ----

# _complete_result finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_result() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_result; return $?;
}

# Generates completions for the options and subcommands of the `result` command.
function _picocli_result() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `result`, `result.sh`, and `result.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_result` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_result result

# ---- bin/jobs ----

# _complete_jobs finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_jobs() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_jobs; return $?;
}

# Generates completions for the options and subcommands of the `jobs` command.
function _picocli_jobs() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json' '--tasks' '--all'"
  local arg_opts="'--state' '--name' '--format' '-o' '--limit' '--after' '--url' '--token-file' '--ca-file'"
  local STATE_option_args=("WAITING" "QUEUED" "DISPATCHED" "RUNNING" "SUCCEEDED" "FAILED" "TIMED_OUT" "CANCELLED" "LOST" "HELD") # --state values

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--state')
      local IFS=$'\n'
      COMPREPLY=( $( compReplyArray "${STATE_option_args[@]}" ) )
      return $?
      ;;
    '--name')
      return
      ;;
    '--format'|'-o')
      return
      ;;
    '--limit')
      return
      ;;
    '--after')
      return
      ;;
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `jobs`, `jobs.sh`, and `jobs.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_jobs` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_jobs jobs

# ---- bin/logs ----

# _complete_logs finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_logs() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_logs; return $?;
}

# Generates completions for the options and subcommands of the `logs` command.
function _picocli_logs() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--stderr' '--follow'"
  local arg_opts="'--attempt' '--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--attempt')
      return
      ;;
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `logs`, `logs.sh`, and `logs.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_logs` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_logs logs

# ---- bin/cancel ----

# _complete_cancel finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_cancel() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_cancel; return $?;
}

# Generates completions for the options and subcommands of the `cancel` command.
function _picocli_cancel() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `cancel`, `cancel.sh`, and `cancel.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_cancel` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_cancel cancel

# ---- bin/hold ----

# _complete_hold finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_hold() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_hold; return $?;
}

# Generates completions for the options and subcommands of the `hold` command.
function _picocli_hold() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `hold`, `hold.sh`, and `hold.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_hold` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_hold hold

# ---- bin/release ----

# _complete_release finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_release() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_release; return $?;
}

# Generates completions for the options and subcommands of the `release` command.
function _picocli_release() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `release`, `release.sh`, and `release.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_release` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_release release

# ---- bin/requeue ----

# _complete_requeue finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_requeue() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_requeue; return $?;
}

# Generates completions for the options and subcommands of the `requeue` command.
function _picocli_requeue() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `requeue`, `requeue.sh`, and `requeue.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_requeue` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_requeue requeue

# ---- bin/queue ----

# _complete_queue finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_queue() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} list" ];    then _picocli_queue; return $?; fi
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} set" ];    then _picocli_queue; return $?; fi
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} delete" ];    then _picocli_queue; return $?; fi

  # Find the longest sequence of subcommands and call the bash function for that subcommand.
  local cmds0=(list)
  local cmds1=(set)
  local cmds2=(delete)

  if CompWordsContainsArray "${cmds2[@]}"; then _picocli_queue_delete; return $?; fi
  if CompWordsContainsArray "${cmds1[@]}"; then _picocli_queue_set; return $?; fi
  if CompWordsContainsArray "${cmds0[@]}"; then _picocli_queue_list; return $?; fi

  # No subcommands were specified; generate completions for the top-level command.
  _picocli_queue; return $?;
}

# Generates completions for the options and subcommands of the `queue` command.
function _picocli_queue() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands="list set delete"
  local flag_opts="'-h' '--help' '-V' '--version'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `list` subcommand.
function _picocli_queue_list() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `set` subcommand.
function _picocli_queue_set() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version'"
  local arg_opts="'--max-slots' '--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--max-slots')
      return
      ;;
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `delete` subcommand.
function _picocli_queue_delete() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `queue`, `queue.sh`, and `queue.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_queue` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_queue queue

# ---- bin/nodes ----

# _complete_nodes finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_nodes() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_nodes; return $?;
}

# Generates completions for the options and subcommands of the `nodes` command.
function _picocli_nodes() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `nodes`, `nodes.sh`, and `nodes.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_nodes` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_nodes nodes

# ---- bin/drain ----

# _complete_drain finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_drain() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_drain; return $?;
}

# Generates completions for the options and subcommands of the `drain` command.
function _picocli_drain() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `drain`, `drain.sh`, and `drain.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_drain` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_drain drain

# ---- bin/undrain ----

# _complete_undrain finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_undrain() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_undrain; return $?;
}

# Generates completions for the options and subcommands of the `undrain` command.
function _picocli_undrain() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `undrain`, `undrain.sh`, and `undrain.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_undrain` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_undrain undrain

# ---- bin/report ----

# _complete_report finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_report() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).

  # Find the longest sequence of subcommands and call the bash function for that subcommand.


  # No subcommands were specified; generate completions for the top-level command.
  _picocli_report; return $?;
}

# Generates completions for the options and subcommands of the `report` command.
function _picocli_report() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--since' '--by' '--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--since')
      return
      ;;
    '--by')
      return
      ;;
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `report`, `report.sh`, and `report.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_report` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_report report

# ---- bin/schedule ----

# _complete_schedule finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_schedule() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} add" ];    then _picocli_schedule; return $?; fi
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} list" ];    then _picocli_schedule; return $?; fi
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} runs" ];    then _picocli_schedule; return $?; fi
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} delete" ];    then _picocli_schedule; return $?; fi
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} pause" ];    then _picocli_schedule; return $?; fi
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} resume" ];    then _picocli_schedule; return $?; fi

  # Find the longest sequence of subcommands and call the bash function for that subcommand.
  local cmds0=(add)
  local cmds1=(list)
  local cmds2=(runs)
  local cmds3=(delete)
  local cmds4=(pause)
  local cmds5=(resume)

  if CompWordsContainsArray "${cmds5[@]}"; then _picocli_schedule_resume; return $?; fi
  if CompWordsContainsArray "${cmds4[@]}"; then _picocli_schedule_pause; return $?; fi
  if CompWordsContainsArray "${cmds3[@]}"; then _picocli_schedule_delete; return $?; fi
  if CompWordsContainsArray "${cmds2[@]}"; then _picocli_schedule_runs; return $?; fi
  if CompWordsContainsArray "${cmds1[@]}"; then _picocli_schedule_list; return $?; fi
  if CompWordsContainsArray "${cmds0[@]}"; then _picocli_schedule_add; return $?; fi

  # No subcommands were specified; generate completions for the top-level command.
  _picocli_schedule; return $?;
}

# Generates completions for the options and subcommands of the `schedule` command.
function _picocli_schedule() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands="add list runs delete pause resume"
  local flag_opts="'-h' '--help' '-V' '--version'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `add` subcommand.
function _picocli_schedule_add() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json' '--isolated'"
  local arg_opts="'--name' '--cron' '--tz' '--misfire' '--max-catch-up' '--overlap' '--keep-runs' '--timeout' '--retries' '--priority' '--queue' '--constraint' '--cpus' '--mem' '--env' '--workdir' '--shell' '--jar' '--class' '--url' '--token-file' '--ca-file'"
  local POLICY_option_args=("SKIP" "ONCE" "ALL") # --misfire values
  local POLICY_option_args=("ALLOW" "FORBID" "REPLACE") # --overlap values

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--name')
      return
      ;;
    '--cron')
      return
      ;;
    '--tz')
      return
      ;;
    '--misfire')
      local IFS=$'\n'
      COMPREPLY=( $( compReplyArray "${POLICY_option_args[@]}" ) )
      return $?
      ;;
    '--max-catch-up')
      return
      ;;
    '--overlap')
      local IFS=$'\n'
      COMPREPLY=( $( compReplyArray "${POLICY_option_args[@]}" ) )
      return $?
      ;;
    '--keep-runs')
      return
      ;;
    '--timeout')
      return
      ;;
    '--retries')
      return
      ;;
    '--priority')
      return
      ;;
    '--queue')
      return
      ;;
    '--constraint')
      return
      ;;
    '--cpus')
      return
      ;;
    '--mem')
      return
      ;;
    '--env')
      return
      ;;
    '--workdir')
      return
      ;;
    '--shell')
      return
      ;;
    '--jar')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--class')
      return
      ;;
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `list` subcommand.
function _picocli_schedule_list() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `runs` subcommand.
function _picocli_schedule_runs() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `delete` subcommand.
function _picocli_schedule_delete() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `pause` subcommand.
function _picocli_schedule_pause() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `resume` subcommand.
function _picocli_schedule_resume() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `schedule`, `schedule.sh`, and `schedule.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_schedule` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_schedule schedule

# ---- bin/storage ----

# _complete_storage finds which commands and subcommands have been specified
# on the command line and delegates to the appropriate function
# to generate possible options and subcommands for the last specified subcommand.
function _complete_storage() {
  # Edge case: if command line has no space after subcommand, then don't assume this subcommand is selected (remkop/picocli#1468).
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} ls" ];    then _picocli_storage; return $?; fi
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} check" ];    then _picocli_storage; return $?; fi
  if [ "${COMP_LINE}" = "${COMP_WORDS[0]} repair" ];    then _picocli_storage; return $?; fi

  # Find the longest sequence of subcommands and call the bash function for that subcommand.
  local cmds0=(ls)
  local cmds1=(check)
  local cmds2=(repair)

  if CompWordsContainsArray "${cmds2[@]}"; then _picocli_storage_repair; return $?; fi
  if CompWordsContainsArray "${cmds1[@]}"; then _picocli_storage_check; return $?; fi
  if CompWordsContainsArray "${cmds0[@]}"; then _picocli_storage_ls; return $?; fi

  # No subcommands were specified; generate completions for the top-level command.
  _picocli_storage; return $?;
}

# Generates completions for the options and subcommands of the `storage` command.
function _picocli_storage() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands="ls check repair"
  local flag_opts="'-h' '--help' '-V' '--version'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `ls` subcommand.
function _picocli_storage_ls() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--limit' '--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--limit')
      return
      ;;
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `check` subcommand.
function _picocli_storage_check() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--verify' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Generates completions for the options and subcommands of the `repair` subcommand.
function _picocli_storage_repair() {
  # Get completion data
  local curr_word=${COMP_WORDS[COMP_CWORD]}
  local prev_word=${COMP_WORDS[COMP_CWORD-1]}

  local commands=""
  local flag_opts="'-h' '--help' '-V' '--version' '--json'"
  local arg_opts="'--url' '--token-file' '--ca-file'"

  type compopt &>/dev/null && compopt +o default

  case ${prev_word} in
    '--url')
      return
      ;;
    '--token-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
    '--ca-file')
      local IFS=$'\n'
      type compopt &>/dev/null && compopt -o filenames
      COMPREPLY=( $( compgen -f -- "${curr_word}" ) ) # files
      return $?
      ;;
  esac

  if [[ "${curr_word}" == -* ]]; then
    COMPREPLY=( $(compgen -W "${flag_opts} ${arg_opts}" -- "${curr_word}") )
  else
    local positionals=""
    local IFS=$'\n'
    COMPREPLY=( $(compgen -W "${commands// /$'\n'}${IFS}${positionals}" -- "${curr_word}") )
  fi
}

# Define a completion specification (a compspec) for the
# `storage`, `storage.sh`, and `storage.bash` commands.
# Uses the bash `complete` builtin (see [6]) to specify that shell function
# `_complete_storage` is responsible for generating possible completions for the
# current word on the command line.
# The `-o default` option means that if the function generated no matches, the
# default Bash completions and the Readline default filename completions are performed.
_grid_complete _complete_storage storage
