#!/usr/bin/env bash
# Prints the JAVA_OPTS the Dockerfile ships, so the training run, the smoke check and the footprint benchmark
# use exactly the flags of the container (one source of truth: the Dockerfile's `ENV JAVA_OPTS="..."` line).
# With --env: the other runtime environment the JVM reads (the `ENV MALLOC_ARENA_MAX=...` line) as NAME=value,
# for `export $(jlink/java-opts.sh --env)`.
set -euo pipefail
dockerfile="$(dirname "$0")/../Dockerfile"
if [ "${1:-}" = --env ]; then
  sed -n 's/^ENV \(MALLOC_ARENA_MAX=[0-9]*\)$/\1/p' "$dockerfile"
else
  sed -n 's/^ENV JAVA_OPTS="\(.*\)"$/\1/p' "$dockerfile"
fi
