#!/usr/bin/env bash
# Prints the JAVA_OPTS the Dockerfile ships, so the training run, the smoke check and the footprint benchmark
# use exactly the flags of the container (one source of truth: the Dockerfile's `ENV JAVA_OPTS="..."` line).
set -euo pipefail
sed -n 's/^ENV JAVA_OPTS="\(.*\)"$/\1/p' "$(dirname "$0")/../Dockerfile"
