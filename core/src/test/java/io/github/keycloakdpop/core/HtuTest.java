package io.github.keycloakdpop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HtuTest {

    @ParameterizedTest
    @CsvSource({
            "https://server.example.com/token,                 https://server.example.com/token",
            "HTTPS://Server.Example.COM/token,                 https://server.example.com/token",
            "https://server.example.com:443/token,             https://server.example.com/token",
            "http://server.example.com:80/token,               http://server.example.com/token",
            "https://server.example.com:80/token,              https://server.example.com:80/token",
            "http://server.example.com:8080/token,             http://server.example.com:8080/token",
            "https://server.example.com,                       https://server.example.com/",
            "https://server.example.com:,                      https://server.example.com/",
            "https://server.example.com/token?a=b#c,           https://server.example.com/token",
            "https://server.example.com/token#c?d,             https://server.example.com/token",
            "https://server.example.com/%7Euser/%41%2d%5F%2e,  https://server.example.com/~user/A-_.",
            "https://server.example.com/a%2fb%c3%a9,           https://server.example.com/a%2Fb%C3%A9",
            "https://server.example.com/a/./b/../c,            https://server.example.com/a/c",
            "https://server.example.com/a/b/..,                https://server.example.com/a/",
            "https://server.example.com/../../x,               https://server.example.com/x",
            "https://server.example.com/a/%2E%2E/b,            https://server.example.com/b",
            "https://server.example.com/a//b/,                 https://server.example.com/a//b/",
            "https://server.example.com/Token,                 https://server.example.com/Token",
            "https://[::1]:8443/token,                         https://[::1]:8443/token",
    })
    void normalize(String input, String expected) {
        assertEquals(expected, Htu.normalize(input));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/token", "server.example.com/token", "ftp://server.example.com/token", "urn:example:token",
            "https:///token", "https://user@server.example.com/token", "https://user:pw@server.example.com/token",
            "https://server.example.com/to ken", "https://server.example.com/tök", "https://server.example.com:99999/",
            "https://server.example.com/%zz", "mailto:a@b.c", ""})
    void normalizeRefuses(String input) {
        assertThrows(IllegalArgumentException.class, () -> Htu.normalize(input));
    }

    @Test
    void normalizeRefusesNull() {
        assertThrows(IllegalArgumentException.class, () -> Htu.normalize(null));
    }

    @Test
    void matchesIgnoringQueryAndFragment() {
        URI request = URI.create("https://server.example.com/token?x=1");
        assertTrue(Htu.matches("https://server.example.com/token", request));
        assertTrue(Htu.matches("https://SERVER.example.com:443/./token?y=2", request));
        assertFalse(Htu.matches("https://server.example.com/token/", request));
        assertFalse(Htu.matches("http://server.example.com/token", request));
        assertFalse(Htu.matches("not a uri", request));
    }

    @Test
    void writtenSameWayFollowsUriEquals() {
        URI request = URI.create("https://server.example.com/token?x=1");
        assertTrue(Htu.writtenSameWay("https://server.example.com/token", request));
        assertTrue(Htu.writtenSameWay("https://server.example.com/token?y=2", request));
        assertTrue(Htu.writtenSameWay("HTTPS://SERVER.EXAMPLE.COM/token", request)); // URI.equals ignores these cases
        assertFalse(Htu.writtenSameWay("https://server.example.com:443/token", request));
        assertFalse(Htu.writtenSameWay("https://server.example.com/./token", request));
        assertFalse(Htu.writtenSameWay("https://server.example.com/%74oken", request));
        // Keycloak 26.7 drops the fragment too (RFC 9449 §4.3 item 9); before 26.7 it keeps it, so it never matches
        assertTrue(Htu.writtenSameWay("https://server.example.com/token#f", request));
        assertTrue(Htu.writtenSameWay("https://server.example.com/token?y=2#f", request));
        assertFalse(Htu.writtenSameWay("https://server.example.com:443/token#f", request));
        assertFalse(Htu.writtenSameWay("https://server.example.com/token#f", request, true));
        assertFalse(Htu.writtenSameWay("https://server.example.com/token?y=2#f", request, true));
        assertTrue(Htu.writtenSameWay("https://server.example.com/token?y=2", request, true));
    }

    @Test
    void withoutQueryAndFragment() {
        assertEquals("https://server.example.com/token", Htu.withoutQueryAndFragment(URI.create("https://server.example.com/token?a#b")));
        assertEquals("https://server.example.com/token", Htu.withoutQueryAndFragment(URI.create("https://server.example.com/token#b")));
    }

    /** The shortcut for an htu sent exactly as expected decides as the two full comparisons would. */
    @ParameterizedTest
    @ValueSource(strings = {"https://server.example.com/token", "HTTPS://Server.Example.COM:443/a/./token?x=1#f",
            "http://server.example.com:8080/realms/r%2fs/token", "https://[::1]:8443/token", "https://server.example.com",
            "https://server.example.com/%7Etoken", "https://server.example.com/t\u00e9"})
    void targetAgreesWithTheFullComparisons(String request) {
        URI requestUri = URI.create(request);
        Htu.Target target = Htu.target(requestUri);
        assertEquals(Htu.normalize(requestUri.toASCIIString()), target.normalized());
        assertEquals(Htu.withoutQueryAndFragment(requestUri), target.literal());
        assertEquals(Htu.matches(target.literal(), requestUri) && Htu.writtenSameWay(target.literal(), requestUri),
                target.literalMatches());
        assertTrue(Htu.target(URI.create(request)) == target, "a request URI seen before is not computed again");
    }

    @Test
    void targetOfAnUnusualRequestUriSendsItsHtuThroughTheFullComparisons() {
        // toString keeps the é, toASCIIString encodes it: an htu written like toString is not printable ASCII.
        assertFalse(Htu.target(URI.create("https://server.example.com/t\u00e9")).literalMatches());
    }
}
