# Sourced by ./ferry: runs a jar with Class Data Sharing (AppCDS). The JVM then maps the classes a
# command loaded in an earlier run from an archive instead of reading, parsing and verifying them
# again from the jars: a second `ferry generate` of the small preset spends about 0.7 s less CPU.
#
# One archive per command name, JVM options, Java installation and build, under
# $FERRY_HOME/cache/cds (FERRY_HOME defaults to ~/.ferry). The build is keyed by each jar's path,
# size and modification time, which is what the JVM itself checks before it maps an archive: a
# rebuilt jar gets an archive of its own and never a stale one. The first run of each writes the
# archive as it exits, under a temporary name renamed once the run has succeeded, so that a run
# beside it never maps half an archive. FERRY_CDS=off runs without it.

# run_with_cds NAME JAR [JVM_OPTION ...] -- [ARG ...]: replaces the shell (or, for the run that writes
# the archive, exits with the JVM's status).
run_with_cds() {
  local name="$1" jar="$2"
  shift 2
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  [ $# -gt 0 ] && shift # the --
  local dir="${FERRY_HOME:-$HOME/.ferry}/cache/cds"
  if [ "${FERRY_CDS:-on}" = off ] || ! mkdir -p "$dir" 2>/dev/null; then
    exec java "${opts[@]}" -jar "$jar" "$@"
  fi
  local java_bin key
  java_bin="$(readlink -f "$(command -v java)")"
  key="$( { stat -c '%n %s %Y' "$java_bin" "$jar" "$(dirname "$jar")"/lib/*.jar 2>/dev/null
            printf '%s\n' "${opts[@]}"; } | sha256sum | cut -c1-16)"
  local archive="$dir/$name-$key.jsa"
  # The JVM's warnings go to stderr (stdout carries generated text and JSON), without CDS's notes on
  # the classes it cannot archive (picocli's, compiled for Java 5).
  local logs=(-Xlog:disable '-Xlog:all=warning,cds*=off:stderr')
  if [ -f "$archive" ]; then
    exec java "${logs[@]}" -XX:SharedArchiveFile="$archive" "${opts[@]}" -jar "$jar" "$@"
  fi
  local tmp="$archive.$$.tmp" pid status=0
  # Not exec'd, so that the archive can be renamed after the JVM exits. A background job's stdin
  # would be /dev/null and its SIGINT ignored: stdin is passed on and signals are forwarded.
  java "${logs[@]}" -XX:ArchiveClassesAtExit="$tmp" "${opts[@]}" -jar "$jar" "$@" <&0 &
  pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null' TERM INT HUP
  wait "$pid" || status=$?
  while [ "$status" -gt 128 ] && kill -0 "$pid" 2>/dev/null; do # a forwarded signal interrupted the wait
    status=0
    wait "$pid" || status=$?
  done
  if [ "$status" -eq 0 ] && [ -s "$tmp" ]; then
    # older builds' archives of this command go once they are a week old
    find "$dir" -maxdepth 1 -name "$name-*.jsa" -mtime +7 -delete 2>/dev/null || true
    mv -f "$tmp" "$archive"
  else
    rm -f "$tmp"
  fi
  exit "$status"
}
