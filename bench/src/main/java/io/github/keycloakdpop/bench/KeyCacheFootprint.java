package io.github.keycloakdpop.bench;

import java.util.List;

import org.openjdk.jol.info.GraphLayout;

import io.github.keycloakdpop.bench.Contenders.Contender;
import io.github.keycloakdpop.bench.Contenders.MemoryReplayStore;
import io.github.keycloakdpop.core.ProofKeyCache;

/**
 * The key cache's memory bound, measured with JOL: the retained size of a cache holding n keys, each used often
 * enough for BouncyCastle to attach its full precomputation (the worst case), for each key type. Bytes per entry
 * are the difference between two fill levels, so what all entries share (curve parameters) is not counted per
 * entry; the bound is that times {@link ProofKeyCache#DEFAULT_MAX_ENTRIES} plus the shared part.
 * Run with {@code -Djdk.attach.allowAttachSelf=true} so JOL can use instrumentation for object sizes.
 */
public final class KeyCacheFootprint {

    private static final int USES_PER_KEY = 8;

    public static void main(String[] args) throws Exception {
        // Records (the cache's entries) hide their field offsets from Unsafe; JOL then finds them itself.
        System.setProperty("jol.magicFieldOffset", "true");
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        System.out.printf("%-8s %12s %16s %22s%n", "key", "bytes/entry", "cache @ " + n + " keys", "bound @ " + ProofKeyCache.DEFAULT_MAX_ENTRIES + " entries");
        measure("P-256", "ES256", n);
        measure("P-384", "ES384", n);
        measure("P-521", "ES512", n);
        measure("RSA-2048", "RS256", Math.min(n, 32));
        measure("Ed25519", "EdDSA", n);
    }

    private static void measure(String name, String alg, int n) throws Exception {
        // Round-robin: proof i is signed by key i % n, and every key signs USES_PER_KEY proofs.
        List<String> proofs = ProofPool.proofs(alg, n * USES_PER_KEY, n);
        long full = GraphLayout.parseInstance(filled(proofs, n, n)).totalSize();
        long half = GraphLayout.parseInstance(filled(proofs, n, n / 2)).totalSize();
        long perEntry = (full - half) / (n - n / 2);
        long bound = full + perEntry * (ProofKeyCache.DEFAULT_MAX_ENTRIES - n);
        System.out.printf("%-8s %12d %16d %22d (%.1f MiB)%n", name, perEntry, full, bound, bound / 1048576.0);
    }

    /** A cache of room n after verifying every proof of the first {@code keys} keys. */
    private static ProofKeyCache filled(List<String> proofs, int n, int keys) throws Exception {
        ProofKeyCache cache = new ProofKeyCache(n, ProofKeyCache.DEFAULT_MAX_AGE);
        Contender verifier = Contenders.ours(new MemoryReplayStore(), cache);
        for (int i = 0; i < proofs.size(); i++) {
            if (i % n < keys) {
                verifier.verify(proofs.get(i));
            }
        }
        if (cache.size() != keys) {
            throw new IllegalStateException("expected " + keys + " cached keys, found " + cache.size());
        }
        return cache;
    }
}
