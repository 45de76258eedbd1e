#!/usr/bin/env bash
# Builds the plugin, starts Keycloak 26.7.3 (official distribution from Maven Central) on http://localhost:8080
# with the plugin and the demo realm (admin console: admin/admin), then runs the scripted DPoP client.
# Keycloak keeps running until you press Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
version=26.7.3
home=$root/provider/target/keycloak-$version

mvn -B -ntp -q install -DskipTests -DskipITs
mvn -B -ntp -q -pl provider dependency:unpack \
  -Dartifact=org.keycloak:keycloak-quarkus-dist:$version:zip -DoutputDirectory="$root/provider/target"
rm -f "$home"/providers/keycloak-dpop*.jar
cp provider/target/keycloak-dpop-provider-*.jar "$home/providers/"
mkdir -p "$home/data/import"
cp realm-export/dpop-demo-realm.json "$home/data/import/"

KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin \
  "$home/bin/kc.sh" start-dev --http-port=8080 --import-realm > "$root/provider/target/demo-keycloak.log" 2>&1 &
kc=$!
trap 'kill $kc 2>/dev/null; wait $kc 2>/dev/null' EXIT
echo "Starting Keycloak (log: provider/target/demo-keycloak.log) ..."
for _ in $(seq 1 180); do
  curl -fs -o /dev/null http://localhost:8080/realms/dpop-demo/.well-known/openid-configuration && break
  kill -0 $kc 2>/dev/null || { echo "Keycloak exited; see the log"; exit 1; }
  sleep 1
done
echo "Keycloak is up: http://localhost:8080 (admin console: admin/admin, realm dpop-demo)"
echo
node demo/client.mjs
echo
echo "Keycloak keeps running; press Ctrl+C to stop it."
wait $kc
