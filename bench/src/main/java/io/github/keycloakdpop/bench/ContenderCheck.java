package io.github.keycloakdpop.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.keycloakdpop.bench.Contenders.Contender;
import io.github.keycloakdpop.bench.Contenders.MemoryReplayStore;
import io.github.keycloakdpop.bench.ProofPool.ClientKey;
import io.github.keycloakdpop.core.AccessTokenHash;

/**
 * Before anything is timed: every contender, for every algorithm it supports, accepts a good proof and refuses the
 * same proof sent again and a proof whose signature was tampered with; at the resource, each also refuses a proof
 * of another key than the token's. A contender that skipped a check would look fast for the wrong reason.
 * Exits with status 1 if any expectation fails. Usage: ContenderCheck
 */
public final class ContenderCheck {

    private static final List<String> VERIFIERS = List.of("oursFastKeySeenBefore", "oursJose4jReference", "jose4jJwtConsumer",
            "nimbusDPoPVerifier", "springDPoPDecoder", "keycloakBcJca");

    public static void main(String[] args) throws Exception {
        List<String> failures = new ArrayList<>();
        for (String alg : ProofPool.ALGORITHMS) {
            List<String> proofs = ProofPool.proofs(alg, 2, 1);
            List<String> checked = new ArrayList<>();
            for (String name : VERIFIERS) {
                if (Contenders.supports(name, alg)) {
                    Contender contender = Contenders.named(name, new MemoryReplayStore());
                    expect(failures, alg + " " + name + " accepts a good proof", true, () -> contender.verify(proofs.get(0)));
                    expect(failures, alg + " " + name + " refuses it again", false, () -> contender.verify(proofs.get(0)));
                    expect(failures, alg + " " + name + " refuses a tampered signature", false, () -> contender.verify(tampered(proofs.get(1))));
                    checked.add(name);
                }
            }
            System.out.println(alg + ": checked " + String.join(", ", checked));
        }
        resource(failures);
        if (!failures.isEmpty()) {
            failures.forEach(failure -> System.out.println("FAILED: " + failure));
            System.exit(1);
        }
        System.out.println("every contender accepts good proofs and refuses replays, tampered signatures and (resource) other keys");
    }

    private static void resource(List<String> failures) throws Exception {
        List<ClientKey> keys = ProofPool.keys("ES256", 2);
        String token = ResourceBench.accessToken();
        Map<String, String> jkts = new HashMap<>();
        jkts.put(token, com.nimbusds.jose.jwk.JWK.parse(keys.get(0).jwk).computeThumbprint().toString());
        long iat = Instant.now().getEpochSecond();
        SettableClock clock = new SettableClock();
        clock.set(Instant.ofEpochSecond(iat));
        String ath = AccessTokenHash.ath(token);
        for (String name : List.of("oursResourceCheck", "nimbusResourceVerifier", "springDPoPAuthenticationProvider")) {
            ResourceBench.Check check = switch (name) {
                case "oursResourceCheck" -> ResourceBench.ours(new MemoryReplayStore(), clock, jkts);
                case "nimbusResourceVerifier" -> ResourceBench.nimbus(new MemoryReplayStore(), jkts);
                default -> ResourceBench.spring(jkts);
            };
            ResourceBench.Request good = request(token, keys.get(0), iat, ath);
            expect(failures, "resource " + name + " accepts a good request", true, () -> check.check(good));
            expect(failures, "resource " + name + " refuses it again", false, () -> check.check(good));
            expect(failures, "resource " + name + " refuses a tampered signature", false,
                    () -> check.check(new ResourceBench.Request(good.authorization(), tampered(request(token, keys.get(0), iat, ath).proof()))));
            expect(failures, "resource " + name + " refuses another key than the token's", false, () -> check.check(request(token, keys.get(1), iat, ath)));
            expect(failures, "resource " + name + " refuses another token's ath", false,
                    () -> check.check(request(token, keys.get(0), iat, AccessTokenHash.ath(token + "x"))));
        }
        System.out.println("resource (ES256): checked ours, Nimbus, Spring");
    }

    private static ResourceBench.Request request(String token, ClientKey key, long iat, String ath) {
        return new ResourceBench.Request("DPoP " + token, key.proof(ProofPool.randomJti(), ResourceBench.HTM, ResourceBench.RESOURCE, iat, ath));
    }

    /** The proof with one bit of its signature flipped. */
    private static String tampered(String proof) {
        int dot = proof.lastIndexOf('.');
        byte[] signature = Base64.getUrlDecoder().decode(proof.substring(dot + 1));
        signature[signature.length / 3] ^= 0x01;
        return proof.substring(0, dot + 1) + ProofPool.base64url(signature);
    }

    private interface Attempt {
        Object run() throws Exception;
    }

    private static void expect(List<String> failures, String what, boolean accepted, Attempt attempt) {
        boolean wasAccepted;
        try {
            wasAccepted = attempt.run() != null;
        } catch (Exception e) {
            wasAccepted = false;
        }
        if (wasAccepted != accepted) {
            failures.add(what);
        }
    }
}
