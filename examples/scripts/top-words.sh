#!/bin/sh
# The most frequent words of the files under a folder, as one shell pipeline: what
# dev.grid.examples.WordCount does in Java (here for ASCII letters and digits only).
# Usage: top-words.sh FOLDER [N]   (N: 10 by default)
#
# Run it on the grid every minute (a local grid's nodes share the file system):
#   bin/schedule add --name top-words --cron '@every 1m' -- "$PWD/examples/scripts/top-words.sh" "$PWD/docs" 5
set -eu
folder="${1:?usage: top-words.sh FOLDER [N]}"
n="${2:-10}"
[ -d "$folder" ] || { echo "error: no folder $folder on $(hostname)" >&2; exit 2; }

find "$folder" -type f -exec cat {} + |
  tr -cs '[:alnum:]' '\n' |
  tr '[:upper:]' '[:lower:]' |
  grep -v '^$' |
  sort | uniq -c | sort -k1,1nr -k2,2 |
  head -n "$n"
