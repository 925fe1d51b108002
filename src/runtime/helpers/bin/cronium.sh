{ __cronium_opts=$-; set +xv; } 2>/dev/null  # quiet under `bash -x`/`-v`; restored at the end
# Cronium runtime helpers for bash (SDK v2.0.0).
#
# Sourced through BASH_ENV by every non-interactive bash of a run (and may be sourced again by
# hand), so sourcing must stay cheap and silent: no subprocess, no output, never `exit`, nothing
# that fails under `set -eu`. Every function runs cronium-rt (next to this file), which talks to
# the runtime API; see `cronium-rt --help`.
#
#   input=$(cronium_input)                    cronium_output "$result"
#   v=$(cronium_get_variable key)             cronium_set_variable key "$value"
#   cronium_set_condition true                cronium_event_field eventName
#
# Names: the SDK v2 ones (cronium_get_variable ...), the documented camelCase ones
# (cronium_getVariable ...) and the SSH runner's (cronium.getVariable ...). The functions (but
# the dotted ones) and __CRONIUM_RT are exported, so child bash processes without BASH_ENV have
# them too.

if [[ -z "${__CRONIUM_SH_LOADED-}" ]]; then
  __CRONIUM_SH_LOADED=1

  # Locate cronium-rt by absolute path (no subprocess: parameter expansion and one stat).
  __cronium_dir=${BASH_SOURCE[0]-}
  if [[ "$__cronium_dir" == */* ]]; then
    __cronium_dir=${__cronium_dir%/*}
  else
    __cronium_dir=.
  fi
  [[ "$__cronium_dir" == /* ]] || __cronium_dir="$PWD/$__cronium_dir"
  if [[ -x "$__cronium_dir/cronium-rt" ]]; then
    __CRONIUM_RT="$__cronium_dir/cronium-rt"
  elif [[ -n "${CRONIUM_HELPERS_DIR-}" ]]; then
    __CRONIUM_RT="$CRONIUM_HELPERS_DIR/bin/cronium-rt"
  elif [[ -z "${__CRONIUM_RT-}" ]]; then
    __CRONIUM_RT=cronium-rt
  fi
  export __CRONIUM_RT
  unset __cronium_dir

  # Runs cronium-rt with the arguments, the last one being a value. A big value (the kernel takes
  # at most 128 KiB per argument) or a literal "-" (which cronium-rt reads as "stdin") goes
  # through a pipe as "-" instead; cronium-rt drops the newline printf adds.
  __cronium_rt_value() {
    local value=${!#}
    if ((${#value} > 16384)) || [[ "$value" == - ]]; then
      printf '%s\n' "$value" | "${__CRONIUM_RT:-cronium-rt}" "${@:1:$#-1}" -
    else
      "${__CRONIUM_RT:-cronium-rt}" "$@"
    fi
  }

  # --- SDK v2 -------------------------------------------------------------------------------

  # Prints the input: strings raw, objects and arrays as indented JSON, nothing if none.
  cronium_input() { "${__CRONIUM_RT:-cronium-rt}" input "$@"; }

  # Sets the output: JSON if the argument parses as JSON, else a string; no argument: stdin.
  cronium_output() {
    if (($# == 0)); then
      "${__CRONIUM_RT:-cronium-rt}" output -- -
    else
      __cronium_rt_value output -- "$@"
    fi
  }

  # Prints a variable (strings raw, JSON otherwise, nothing if it is not set).
  cronium_get_variable() { "${__CRONIUM_RT:-cronium-rt}" get -- "$@"; }

  # Sets a variable: JSON if the value parses as JSON (so "5" is the number 5), else a string;
  # without a value, standard input.
  cronium_set_variable() {
    if (($# == 1)); then
      "${__CRONIUM_RT:-cronium-rt}" set -- "$1" -
    elif (($# == 2)); then
      __cronium_rt_value set -- "$1" "$2"
    else
      "${__CRONIUM_RT:-cronium-rt}" set -- "$@"
    fi
  }

  # true|1|yes|on or false|0|no|off.
  cronium_set_condition() { "${__CRONIUM_RT:-cronium-rt}" condition -- "$@"; }

  # Prints true or false.
  cronium_get_condition() { "${__CRONIUM_RT:-cronium-rt}" get-condition "$@"; }

  # Prints the event context as indented JSON.
  cronium_event() { "${__CRONIUM_RT:-cronium-rt}" context "$@"; }

  # Prints one field of the event context raw (a.b for nested fields).
  cronium_event_field() { "${__CRONIUM_RT:-cronium-rt}" context -- "$@"; }

  # Returns 0 if the variable is set (not null), 1 if not.
  cronium_variable_exists() { "${__CRONIUM_RT:-cronium-rt}" exists -- "$@"; }

  cronium_delete_variable() { "${__CRONIUM_RT:-cronium-rt}" delete -- "$@"; }

  # cronium_increment_variable key [by=1]: prints the new value.
  cronium_increment_variable() { "${__CRONIUM_RT:-cronium-rt}" increment -- "$@"; }

  # cronium_append_variable key text [separator]: the separator only goes between non-empty parts.
  cronium_append_variable() { "${__CRONIUM_RT:-cronium-rt}" append -- "$@"; }

  cronium_info() {
    local token=${CRONIUM_EXECUTION_TOKEN:-${CRONIUM_API_TOKEN-}}
    printf '%s\n' "Cronium Bash SDK v2.0.0" \
      "API URL: ${CRONIUM_RUNTIME_API:-${CRONIUM_API_ENDPOINT:-http://127.0.0.1:8081}}" \
      "Execution ID: ${CRONIUM_EXECUTION_ID-}" "Token: ${token:0:10}..."
  }

  # --- documented camelCase names -----------------------------------------------------------

  cronium_getVariable() { cronium_get_variable "$@"; }
  cronium_setVariable() { cronium_set_variable "$@"; }
  cronium_setCondition() { cronium_set_condition "$@"; }
  cronium_getCondition() { cronium_get_condition "$@"; }

  export -f __cronium_rt_value cronium_input cronium_output cronium_get_variable \
    cronium_set_variable cronium_set_condition cronium_get_condition cronium_event \
    cronium_event_field cronium_variable_exists cronium_delete_variable \
    cronium_increment_variable cronium_append_variable cronium_info cronium_getVariable \
    cronium_setVariable cronium_setCondition cronium_getCondition

  # --- the SSH runner's names ----------------------------------------------------------------
  # Not exported: a bash in POSIX mode (e.g. `sh` where sh is bash) prints an error for every
  # imported function whose name is not a valid identifier. Child bash processes still get them
  # through BASH_ENV.
  if [[ ! -o posix ]]; then
    # Prints the input as compact JSON (null if none).
    cronium.input() { "${__CRONIUM_RT:-cronium-rt}" --json input "$@"; }
    # Sets the output from the argument or, without one, from stdin (JSON, else a string).
    cronium.output() {
      if (($# == 0)); then
        "${__CRONIUM_RT:-cronium-rt}" output -- -
      else
        __cronium_rt_value output -- "$@"
      fi
    }
    # Prints a variable as compact JSON (null if it is not set).
    cronium.getVariable() { "${__CRONIUM_RT:-cronium-rt}" --json get -- "$@"; }
    # cronium.setVariable key value: the value as a string; without it, stdin (JSON, else string).
    cronium.setVariable() {
      if (($# == 2)); then
        __cronium_rt_value --string set -- "$1" "$2"
      elif (($# == 1)); then
        "${__CRONIUM_RT:-cronium-rt}" set -- "$1" -
      else
        "${__CRONIUM_RT:-cronium-rt}" --string set -- "$@"
      fi
    }
    # Prints the event context as indented JSON.
    cronium.event() { "${__CRONIUM_RT:-cronium-rt}" context "$@"; }
  fi
fi
{ [[ "$__cronium_opts" == *v* ]] && set -v; [[ "$__cronium_opts" == *x* ]] && set -x; unset __cronium_opts; } 2>/dev/null
