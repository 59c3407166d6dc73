# shellcheck shell=bash
# Sourced by the benches that compute a ratio or a best-of from parsed fields.

# number NAME VALUE: exit 1 with one line unless VALUE is a finite decimal number. Without it
# "None", "nan", "inf" or "" from a log or JSON field reach bc, printf or [ ] and turn into 0,
# an error that exits 0, or a silently dropped round. Call it outside $(...): exit must end the
# script, not a subshell.
number() {
  [[ $2 =~ ^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]] && return
  local me=${0##*/}
  echo "${me%.sh}: $1 is not a finite number: '$2'" >&2
  exit 1
}
