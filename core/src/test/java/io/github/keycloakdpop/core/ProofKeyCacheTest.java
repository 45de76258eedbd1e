package io.github.keycloakdpop.core;

import static io.github.keycloakdpop.core.Proofs.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;

class ProofKeyCacheTest {

    private final AtomicLong now = new AtomicLong();

    private DPoPProofVerifier verifier(ProofKeyCache cache) {
        return new DPoPProofVerifier(ProofPolicy.defaults(), Proofs.CLOCK, (key, ttl) -> true, cache);
    }

    private static ECKey newKey() throws Exception {
        return new ECKeyGenerator(Curve.P_256).generate();
    }

    private static String jkt(ECKey key) throws Exception {
        return key.computeThumbprint().toString();
    }

    @Test
    void keyIsCachedUnderItsThumbprintAfterAGoodSignatureAndReused() throws Exception {
        ProofKeyCache cache = new ProofKeyCache(8, Duration.ofMinutes(1), now::get);
        ECKey key = newKey();
        verifier(cache).verify(request(Proofs.nimbus(key, JWSAlgorithm.ES256)));
        VerificationKey cached = cache.get(jkt(key));
        assertNotNull(cached);
        verifier(cache).verify(request(Proofs.nimbus(key, JWSAlgorithm.ES256)));
        assertSame(cached, cache.get(jkt(key)));
        assertEquals(1, cache.size());
    }

    @Test
    void keyOfAProofThatFailsIsNotCached() throws Exception {
        ProofKeyCache cache = new ProofKeyCache(8, Duration.ofMinutes(1), now::get);
        ECKey key = newKey();
        String[] parts = Proofs.nimbus(key, JWSAlgorithm.ES256).split("\\.");
        String badSignature = parts[0] + "." + parts[1] + "." + Proofs.b64(new byte[64]);
        assertThrows(DPoPProofException.class, () -> verifier(cache).verify(request(badSignature)));
        assertThrows(DPoPProofException.class, () -> verifier(cache).verify(
                new ProofRequest(List.of(Proofs.nimbus(key, JWSAlgorithm.ES256)), "GET", Proofs.TOKEN_ENDPOINT, null, "test")));
        assertEquals(0, cache.size());
    }

    @Test
    void leastRecentlyUsedKeyGoesFirst() throws Exception {
        ProofKeyCache cache = new ProofKeyCache(2, Duration.ofMinutes(1), now::get);
        ECKey a = newKey();
        ECKey b = newKey();
        ECKey c = newKey();
        verifier(cache).verify(request(Proofs.nimbus(a, JWSAlgorithm.ES256)));
        verifier(cache).verify(request(Proofs.nimbus(b, JWSAlgorithm.ES256)));
        verifier(cache).verify(request(Proofs.nimbus(a, JWSAlgorithm.ES256))); // a is now the most recent
        verifier(cache).verify(request(Proofs.nimbus(c, JWSAlgorithm.ES256)));
        assertEquals(2, cache.size());
        assertNotNull(cache.get(jkt(a)));
        assertNull(cache.get(jkt(b)));
        assertNotNull(cache.get(jkt(c)));
    }

    @Test
    void keyOlderThanMaxAgeIsDroppedAndRebuilt() throws Exception {
        ProofKeyCache cache = new ProofKeyCache(8, Duration.ofSeconds(30), now::get);
        ECKey key = newKey();
        verifier(cache).verify(request(Proofs.nimbus(key, JWSAlgorithm.ES256)));
        VerificationKey first = cache.get(jkt(key));
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertSame(first, cache.get(jkt(key)));
        now.addAndGet(1);
        assertNull(cache.get(jkt(key)));
        assertEquals(0, cache.size());
        verifier(cache).verify(request(Proofs.nimbus(key, JWSAlgorithm.ES256)));
        assertTrue(cache.get(jkt(key)) != first, "rebuilt, validated again");
    }

    @Test
    void zeroEntriesMeansNoCache() throws Exception {
        ProofKeyCache cache = new ProofKeyCache(0, Duration.ofMinutes(1), now::get);
        ECKey key = newKey();
        verifier(cache).verify(request(Proofs.nimbus(key, JWSAlgorithm.ES256)));
        verifier(cache).verify(request(Proofs.nimbus(key, JWSAlgorithm.ES256)));
        assertEquals(0, cache.size());
    }

    @Test
    void nonsenseBoundsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ProofKeyCache(-1, Duration.ofMinutes(1)));
        assertThrows(IllegalArgumentException.class, () -> new ProofKeyCache(1, Duration.ofMinutes(-1)));
        assertThrows(IllegalArgumentException.class, () -> new ProofKeyCache(1, null));
    }

    @Test
    void boundHoldsUnderConcurrentUse() throws Exception {
        ProofKeyCache cache = new ProofKeyCache(16, Duration.ofMinutes(1));
        List<String> proofs = new ArrayList<>();
        List<ECKey> keys = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            keys.add(newKey());
        }
        for (int round = 0; round < 4; round++) {
            for (ECKey key : keys) {
                proofs.add(Proofs.nimbus(key, JWSAlgorithm.ES256));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<VerifiedProof>> results = new ArrayList<>();
            DPoPProofVerifier verifier = verifier(cache);
            for (String proof : proofs) {
                results.add(pool.submit(() -> verifier.verify(request(proof))));
            }
            for (Future<VerifiedProof> result : results) {
                assertNotNull(result.get().jkt());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(16, cache.size());
    }
}
