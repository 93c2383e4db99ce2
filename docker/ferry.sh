#!/bin/sh
# The images' `ferry` command: Ferry's command line on the JVM flags of FERRY_JAVA_OPTS. exec, so
# the JVM is the container's main process and receives SIGTERM (graceful drain) itself.
# One malloc arena keeps the engine thread's tensor memory mapped between steps, and sleeping OpenMP
# workers leave a core to the second thread of the dense products (see ../ferry).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# The Vector API runs small CPU steps' attention in Java; a runtime without the module attends
# through libtorch instead of failing to start.
vector=""
if java --list-modules 2>/dev/null | grep -q '^jdk.incubator.vector'; then
  vector="--add-modules jdk.incubator.vector"
fi
# shellcheck disable=SC2086  # FERRY_JAVA_OPTS is a list of flags: split it on spaces
exec java $FERRY_JAVA_OPTS $vector -jar /opt/ferry/ferry-server.jar "$@"
