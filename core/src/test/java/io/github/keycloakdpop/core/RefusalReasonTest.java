package io.github.keycloakdpop.core;

import static io.github.keycloakdpop.core.Proofs.CLOCK;
import static io.github.keycloakdpop.core.Proofs.NOW_S;
import static io.github.keycloakdpop.core.Proofs.claims;
import static io.github.keycloakdpop.core.Proofs.es256;
import static io.github.keycloakdpop.core.Proofs.header;
import static io.github.keycloakdpop.core.Proofs.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.keycloakdpop.core.DPoPProofException.Reason;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Each refusal names the group of checks that made it, from a fixed set (for metrics labels). */
class RefusalReasonTest {

    final Set<String> used = new HashSet<>();
    final DPoPProofVerifier verifier = new DPoPProofVerifier(ProofPolicy.defaults(), CLOCK, (key, ttl) -> used.add(key));

    Reason reason(String proof) {
        return assertThrows(DPoPProofException.class, () -> verifier.verify(request(proof))).reason();
    }

    String withClaims(Consumer<Map<String, Object>> change) {
        Map<String, Object> claims = claims();
        change.accept(claims);
        return es256(header(), claims);
    }

    @Test
    void eachGroupOfChecksIsNamed() {
        assertEquals(Reason.HEADER, reason("not-a-jws"));
        Map<String, Object> header = header();
        header.put("typ", "jwt");
        assertEquals(Reason.JOSE_HEADER, reason(es256(header, claims())));
        Map<String, Object> privateKey = header();
        ((Map<String, Object>) privateKey.get("jwk")).put("d", "AAAA");
        assertEquals(Reason.JWK, reason(es256(privateKey, claims())));
        assertEquals(Reason.CLAIMS, reason(withClaims(c -> c.remove("jti"))));
        assertEquals(Reason.HTM, reason(withClaims(c -> c.put("htm", "GET"))));
        assertEquals(Reason.HTU, reason(withClaims(c -> c.put("htu", "https://elsewhere.example/token"))));
        assertEquals(Reason.TIME, reason(withClaims(c -> c.put("iat", NOW_S - 3600))));
        String valid = withClaims(c -> { });
        String[] parts = valid.split("\\.");
        assertEquals(Reason.SIGNATURE, reason(parts[0] + "." + parts[1] + "." + withClaims(c -> { }).split("\\.")[2]));
    }

    @Test
    void replayIsNamed() throws DPoPProofException {
        String proof = withClaims(c -> { });
        verifier.verify(request(proof));

        assertEquals(Reason.REPLAY, reason(proof));
    }

    @Test
    void failingReplayStoreIsMalformed() {
        DPoPProofVerifier broken = new DPoPProofVerifier(ProofPolicy.defaults(), CLOCK, (key, ttl) -> {
            throw new IllegalStateException("store down");
        });

        assertEquals(Reason.MALFORMED,
                assertThrows(DPoPProofException.class, () -> broken.verify(request(withClaims(c -> { })))).reason());
    }
}
