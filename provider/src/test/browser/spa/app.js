// The SPA under test: oauth4webapi in the page, the DPoP private key never leaves WebCrypto.
import * as oauth from '/oauth4webapi.js';

const config = await (await fetch('/config.json')).json();
const issuer = new URL(config.issuer);
const client = { client_id: config.client_id };
const redirectUri = config.redirect_uri;
const http = { [oauth.allowInsecureRequests]: true }; // Keycloak under test speaks plain http on localhost

const status = (text) => { document.getElementById('status').textContent = text; };

function finish(state, result) {
  document.getElementById('result').textContent = JSON.stringify(result, null, 2);
  document.body.dataset.state = state;
  status(state === 'done' ? 'Done.' : 'Failed.');
}

// --- the key pair survives the redirect to Keycloak in IndexedDB (CryptoKeys are structured-cloneable)
function keyStore(mode, action) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('dpop', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const request = action(open.result.transaction('keys', mode).objectStore('keys'));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    };
  });
}

async function discover() {
  const response = await oauth.discoveryRequest(issuer, http);
  return oauth.processDiscoveryResponse(issuer, response);
}

/** RFC 7638 thumbprint of our public key, to compare with the token's cnf.jkt. */
async function thumbprint(publicKey) {
  const { crv, kty, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify({ crv, kty, x, y })));
  return base64url(new Uint8Array(digest));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function claims(jwt) {
  const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(payload));
}

/**
 * The oauth4webapi pattern for server nonces (RFC 9449 §8): the DPoP handle remembers the DPoP-Nonce of each answer;
 * on use_dpop_nonce the request is sent once more, now with that nonce. Counts the challenges per step.
 */
async function withNonceRetry(step, challenges, attempt) {
  try {
    return await attempt();
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) {
      throw error;
    }
    challenges[step] = (challenges[step] ?? 0) + 1;
    return attempt();
  }
}

async function login() {
  const as = await discover();
  const keyPair = await oauth.generateKeyPair('ES256'); // private key not extractable
  await keyStore('readwrite', (store) => store.put(keyPair, 'dpop'));
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem('flow', JSON.stringify({ codeVerifier, state }));
  const authorizationUrl = new URL(as.authorization_endpoint);
  authorizationUrl.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  location.assign(authorizationUrl);
}

async function callback() {
  const as = await discover();
  const { codeVerifier, state } = JSON.parse(sessionStorage.getItem('flow'));
  const keyPair = await keyStore('readonly', (store) => store.get('dpop'));
  const DPoP = oauth.DPoP(client, keyPair);
  const options = { ...http, DPoP };
  const nonceChallenges = {};
  const params = oauth.validateAuthResponse(as, client, new URL(location.href), state);
  history.replaceState(null, '', '/'); // the code is single-use; keep it out of the address bar

  status('Exchanging the code…');
  const tokens = await withNonceRetry('token', nonceChallenges, async () => oauth.processAuthorizationCodeResponse(as, client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, codeVerifier, options)));
  const jkt = await thumbprint(keyPair.publicKey);

  status('Refreshing…');
  const refreshed = await withNonceRetry('refresh', nonceChallenges, async () => oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, options)));

  status('Calling userinfo…');
  const sub = oauth.getValidatedIdTokenClaims(tokens).sub;
  const userinfo = await withNonceRetry('userinfo', nonceChallenges, async () => oauth.processUserInfoResponse(as, client, sub,
      await oauth.userInfoRequest(as, client, refreshed.access_token, options)));

  // What a thief of the token gets: the same token without the key, sent as a Bearer token (RFC 9449 §7.2).
  const asBearer = await fetch(as.userinfo_endpoint, { headers: { authorization: `Bearer ${refreshed.access_token}` } });

  return {
    token_type: tokens.token_type,
    cnf_jkt_matches: claims(tokens.access_token).cnf?.jkt === jkt,
    nonce_challenges: nonceChallenges,
    refresh: {
      token_type: refreshed.token_type,
      new_access_token: refreshed.access_token !== tokens.access_token,
      cnf_jkt_matches: claims(refreshed.access_token).cnf?.jkt === jkt,
    },
    userinfo: { preferred_username: userinfo.preferred_username, sub_matches: userinfo.sub === sub },
    bearer_at_userinfo: { status: asBearer.status, www_authenticate: asBearer.headers.get('www-authenticate') },
    private_key_extractable: keyPair.privateKey.extractable,
  };
}

try {
  const query = new URLSearchParams(location.search);
  if (query.has('code') || query.has('error')) {
    finish('done', await callback());
  } else {
    const button = document.getElementById('login');
    button.hidden = false;
    button.onclick = () => login().catch((error) => finish('error', { error: String(error), cause: error.cause }));
    status('Not logged in.');
  }
} catch (error) {
  finish('error', { error: String(error), code: error.code, cause: error.cause });
}
