// A scripted DPoP client for the demo (Node 20, no npm packages): it gets a DPoP-bound token from the demo realm,
// uses it, shows that the token is useless to a thief without the key, and that a replayed proof is refused.
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';

const base = process.env.KEYCLOAK_URL ?? 'http://localhost:8080';
const realm = `${base}/realms/dpop-demo`;
const tokenEndpoint = `${realm}/protocol/openid-connect/token`;
const userinfoEndpoint = `${realm}/protocol/openid-connect/userinfo`;

const b64url = (data) => Buffer.from(data).toString('base64url');

function newKey() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  return { privateKey, jwk: { kty, crv, x, y } };
}

// RFC 7638: SHA-256 over the required members in lexicographic order.
const thumbprint = ({ crv, kty, x, y }) =>
  b64url(createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest());

function proof(key, htm, htu, accessToken) {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk };
  const claims = { jti: randomUUID(), htm, htu, iat: Math.floor(Date.now() / 1000) };
  if (accessToken) claims.ath = b64url(createHash('sha256').update(accessToken).digest());
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

async function tokenRequest(form, dpop) {
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(dpop ? { DPoP: dpop } : {}) },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: await res.json() };
}

async function userinfo(authorization, dpop) {
  const res = await fetch(userinfoEndpoint, { headers: { authorization, ...(dpop ? { DPoP: dpop } : {}) } });
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body: await res.text() };
}

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
let failures = 0;
function check(label, ok, detail) {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}${detail ? `\n      ${detail}` : ''}`);
  if (!ok) failures++;
}

const key = newKey();
const login = { grant_type: 'password', client_id: 'spa', username: 'alice', password: 'alice', scope: 'openid' };

// 1. A token bound to our key.
const loginProof = proof(key, 'POST', tokenEndpoint);
const token = await tokenRequest(login, loginProof);
const accessToken = token.body.access_token;
check('token request with a DPoP proof gets token_type DPoP', token.status === 200 && token.body.token_type === 'DPoP',
  `HTTP ${token.status} token_type=${token.body.token_type ?? token.body.error}`);
if (!accessToken) process.exit(1);
const jkt = claimsOf(accessToken).cnf?.jkt;
check('access token carries cnf.jkt = RFC 7638 thumbprint of our key', jkt === thumbprint(key.jwk), `cnf.jkt=${jkt}`);

// 2. The rightful holder uses it.
const mine = await userinfo(`DPoP ${accessToken}`, proof(key, 'GET', userinfoEndpoint, accessToken));
check('userinfo with the token and a proof of our key succeeds', mine.status === 200, `HTTP ${mine.status} ${mine.body}`);

// 3. A thief has the token but not the key.
const asBearer = await userinfo(`Bearer ${accessToken}`);
check('stolen token used as a Bearer token is refused', asBearer.status === 401,
  `HTTP ${asBearer.status} ${asBearer.wwwAuthenticate ?? ''}`);
const thief = newKey();
const withOtherKey = await userinfo(`DPoP ${accessToken}`, proof(thief, 'GET', userinfoEndpoint, accessToken));
check("stolen token with a proof of the thief's own key is refused", withOtherKey.status === 401,
  `HTTP ${withOtherKey.status} ${withOtherKey.wwwAuthenticate ?? ''}`);

// 4. A proof captured on the wire cannot be used again.
const replay = await tokenRequest(login, loginProof);
check('replayed proof is refused with invalid_dpop_proof', replay.status === 400 && replay.body.error === 'invalid_dpop_proof',
  `HTTP ${replay.status} ${replay.body.error}: ${replay.body.error_description}`);

process.exit(failures ? 1 : 0);
