#!/usr/bin/env bash
# Token-endpoint load: Keycloak (26.7.3, or KC_VERSION) plain vs with the plugin, Bearer vs DPoP (ES256, RS256), client_credentials.
# Headline: server CPU per request from /proc/<pid>/stat. Keycloak runs on JDK 17, then on JDK 25; each run starts
# two Keycloak servers (plain, plugin) from the distribution Maven unpacks, alternates the modes round by round and
# writes bench/results/<UTC date>-load/load-jdkNN.md. The plugin's server also has a twin of the demo realm that the
# plugin is off for (off-realms): built-in DPoP alone in the same JVM, the baseline of the plugin's cost.
#
#   bench/run-load.sh                       40 rounds × 500 requests per mode, concurrency 16 then 4
#   REQUESTS=500 ROUNDS=4 bench/run-load.sh    a quick look
#   RUNS=3 bench/run-load.sh                 3 fresh starts of the servers per JDK, one after the other
#
# Environment: KC_VERSION (the Keycloak release, default 26.7.3; any whose distribution Maven serves), JDK17, JDK25 (JDK homes), REQUESTS, ROUNDS, CONCURRENCY (e.g. 16,4), ALGS (e.g. ES256,RS256), WARMUP
# (requests per mode before measuring), JDKS (e.g. "17 25"), RUNS (fresh starts per JDK, default 1), MODES (a regex
# on the mode names, e.g. 'RS256'), OTHER_JAR and OTHER_LABEL (a third server with another plugin jar, e.g. an
# earlier build, default the plugin without ProofSignatures; OTHER_JAR=none for two servers). A round of REQUESTS
# must take under 20 s: its proofs are signed before it starts (the warm-up runs in rounds of REQUESTS too).
set -euo pipefail
cd "$(dirname "$0")/.."

JDK17=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
# Short rounds: the machine's drift cancels better between modes measured a second apart than four seconds apart.
# On 2026-12-05 the same number of requests gave a per-start standard error of 14 to 42 µs in rounds of 500,
# against 32 to 116 µs in 8 rounds of 3000 on 2026-12-04 (bench/README.md).
REQUESTS=${REQUESTS:-500}
ROUNDS=${ROUNDS:-40}
CONCURRENCY=${CONCURRENCY:-16,4}
ALGS=${ALGS:-ES256,RS256}
KC_VERSION=${KC_VERSION:-26.7.3}
OUT=bench/results/$(date -u +%Y-%m-%dT%H%M%SZ)-load-kc$KC_VERSION
mkdir -p "$OUT"

echo "== build (plugin jar, Keycloak distribution, bench jar)"
JAVA_HOME=$JDK17 mvn -B -ntp -q -pl provider -am verify -DskipTests -DskipOlderITs -Dkeycloak.test.newest="$KC_VERSION"
JAVA_HOME=$JDK17 mvn -B -ntp -q -Pbench -pl bench -am package -DskipTests
JAR=bench/target/benchmarks.jar
PLUGIN=$(ls provider/target/keycloak-dpop-provider-*.jar | grep -v -e sources -e original | head -1)
KC_HOME=provider/target/keycloak-$KC_VERSION
# The same plugin without ProofSignatures' registration, so that Keycloak's second signature check runs in full:
# the "before" of that optimisation, measured in the same run.
NO_REUSE=bench/target/keycloak-dpop-no-signature-reuse.jar
python3 - "$PLUGIN" "$NO_REUSE" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as dst:
    for item in src.infolist():
        if item.filename != "META-INF/services/org.keycloak.crypto.SignatureProviderFactory":
            dst.writestr(item, src.read(item.filename))
PY
OTHER_JAR=${OTHER_JAR:-$NO_REUSE}
[[ "$OTHER_JAR" == none ]] && OTHER_JAR=""
OTHER_LABEL=${OTHER_LABEL:-plugin without signature reuse}
{
  echo "keycloak: $KC_VERSION"
  echo "machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "plugin: $PLUGIN ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- core provider || echo ', uncommitted changes'))"
  echo "third server: ${OTHER_JAR:-none} (${OTHER_LABEL}); RUNS=${RUNS:-1} MODES=${MODES:-all} REQUESTS=$REQUESTS ROUNDS=$ROUNDS WARMUP=${WARMUP:-3000}"
} > "$OUT/machine.txt"

for V in ${JDKS:-17 25}; do
  HOME_VAR=JDK$V
  if [[ ! -x "${!HOME_VAR}/bin/java" ]]; then
    echo "== JDK $V not found at ${!HOME_VAR}: skipped"
    continue
  fi
  echo "== Keycloak on JDK $V"
  "$JDK17/bin/java" -cp "$JAR" io.github.keycloakdpop.bench.TokenEndpointLoad "$KC_HOME" "$PLUGIN" \
    realm-export/dpop-demo-realm.json "${!HOME_VAR}" "$OUT/load-jdk$V.md" "$REQUESTS" "$ROUNDS" "$CONCURRENCY" "$ALGS" "${WARMUP:-3000}" \
    "$OTHER_JAR" "$OTHER_LABEL" \
    | tee "$OUT/load-jdk$V.log"
done
echo "written: $OUT"
