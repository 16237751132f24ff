# Sourced by ./palisade and ./run-tests: finds a JDK 21 or newer and exports JAVA_HOME and PALISADE_JAVA.
# Order: $JAVA_HOME if it is 21+, else the newest JDK 21+ under /usr/lib/jvm, else a one-line error.

palisade_java_major() {
    # Prints the feature version of the JDK at $1 (e.g. 25), from its 'release' file or, failing that, 'java -version'.
    local home=$1 version=
    if [ -f "$home/release" ]; then
        version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release" | head -n 1)
    fi
    if [ -z "$version" ] && [ -x "$home/bin/java" ]; then
        version=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    fi
    version=${version#1.}
    echo "${version%%[.+-]*}"
}

palisade_find_java() {
    local candidate major best= best_major=0
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        major=$(palisade_java_major "$JAVA_HOME")
        if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
            best=$JAVA_HOME best_major=$major
        fi
    fi
    if [ -z "$best" ]; then
        for candidate in /usr/lib/jvm/*; do
            [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
            major=$(palisade_java_major "$candidate")
            [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null || continue
            if [ "$major" -gt "$best_major" ]; then
                best=$candidate best_major=$major
            fi
        done
    fi
    if [ -z "$best" ]; then
        echo "palisade: needs a JDK 21 or newer, found none (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm has: $(ls /usr/lib/jvm 2>/dev/null | tr '\n' ' ')); install one (e.g. apt-get install openjdk-21-jdk-headless) or set JAVA_HOME" >&2
        return 1
    fi
    export JAVA_HOME=$best
    export PALISADE_JAVA=$best/bin/java
    export PALISADE_JAVA_MAJOR=$best_major
}
