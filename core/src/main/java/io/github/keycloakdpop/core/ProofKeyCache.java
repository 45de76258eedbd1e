package io.github.keycloakdpop.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Proof keys seen before, validated and with their precomputation, keyed by RFC 7638 thumbprint: a client that
 * sends its next proof with the same key skips decoding, the point check and most of the ECDSA setup.
 *
 * <p>Bounded twice: at most {@code maxEntries} keys (least recently used goes first) and none older than
 * {@code maxAge} since it was cached. Only keys that verified a signature are added. Thread-safe: one lock held
 * for a map lookup, never during cryptography. One instance is meant to be shared by every verifier of a process.
 */
public final class ProofKeyCache {

    /**
     * Default entry bound. Measured retained size per entry with BouncyCastle's full precomputation (bench module,
     * KeyCacheFootprint, JOL): P-256 about 8 KiB, P-384 14 KiB, P-521 18 KiB, RSA-2048 1.2 KiB; so at most about
     * 8 MiB for ES256 clients and 18 MiB if every entry were P-521 (what a client minting keys could force).
     */
    public static final int DEFAULT_MAX_ENTRIES = 1024;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);

    private record Entry(VerificationKey key, long cachedAt) {
    }

    private final int maxEntries;
    private final long maxAgeNanos;
    private final LongSupplier nanoTime;
    private final LinkedHashMap<String, Entry> entries;

    public ProofKeyCache(int maxEntries, Duration maxAge) {
        this(maxEntries, maxAge, System::nanoTime);
    }

    ProofKeyCache(int maxEntries, Duration maxAge, LongSupplier nanoTime) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must not be negative");
        }
        if (maxAge == null || maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative");
        }
        this.maxEntries = maxEntries;
        this.maxAgeNanos = maxAge.toNanos();
        this.nanoTime = nanoTime;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > ProofKeyCache.this.maxEntries;
            }
        };
    }

    public static ProofKeyCache defaults() {
        return new ProofKeyCache(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_AGE);
    }

    public int maxEntries() {
        return maxEntries;
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized void clear() {
        entries.clear();
    }

    /** The key cached under {@code jkt}, or null when there is none or it is too old (then it is dropped). */
    synchronized VerificationKey get(String jkt) {
        Entry entry = entries.get(jkt);
        if (entry == null) {
            return null;
        }
        if (nanoTime.getAsLong() - entry.cachedAt() > maxAgeNanos) {
            entries.remove(jkt);
            return null;
        }
        return entry.key();
    }

    synchronized void put(String jkt, VerificationKey key) {
        if (maxEntries > 0) {
            entries.putIfAbsent(jkt, new Entry(key, nanoTime.getAsLong()));
        }
    }
}
