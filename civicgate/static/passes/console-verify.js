// The gate's own judgement of a pass, for when the server cannot be reached.
//
// The QR text is   CG1:<kid>:<code>:<office>:<gates|*>:<from b36>:<until b36>:<S|D|M>:<base32 sig>
// signed with Ed25519 (see civicgate/passes/tokens.py). Signatures are checked with WebCrypto's
// Ed25519 where the browser has it, otherwise with @noble/ed25519 (pure JavaScript, with
// @noble/hashes for SHA-512 so that it also works outside a secure context).
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";

ed.hashes.sha512 = sha512;

const PREFIX = "CG1";
const KINDS = { S: "single", D: "day", M: "multi_day" };
const B36 = /^[0-9A-Z]+$/;
const PART = /^[0-9A-Z-]+$/;
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const encoder = new TextEncoder();

export class TokenError extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

function base32Decode(text) {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const ch of text) {
    const digit = B32.indexOf(ch);
    if (digit < 0) throw new TokenError("malformed");
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

export function base64urlDecode(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Split a token into its claims, the signed bytes and the signature; TokenError if malformed. */
export function parseToken(token) {
  const text = (token || "").trim();
  const parts = text.split(":");
  if (parts.length !== 9 || parts[0] !== PREFIX || text.length > 400) {
    throw new TokenError("malformed");
  }
  const [, kid, code, office, gates, start, end, kindLetter, signature] = parts;
  const gateList = gates === "*" ? [] : gates.split("+");
  if (
    ![kid, code, office, ...gateList].every((p) => PART.test(p)) ||
    !B36.test(start) ||
    !B36.test(end) ||
    !(kindLetter in KINDS)
  ) {
    throw new TokenError("malformed");
  }
  const raw = base32Decode(signature);
  if (raw.length !== 64) throw new TokenError("malformed");
  return {
    kid,
    code,
    office,
    gates: gateList,
    validFrom: parseInt(start, 36) * 1000,
    validUntil: parseInt(end, 36) * 1000,
    kind: KINDS[kindLetter],
    signed: encoder.encode(text.slice(0, text.lastIndexOf(":"))),
    signature: raw,
  };
}

let webCryptoEd25519 = null; // null: not tried yet

async function hasWebCryptoEd25519() {
  if (webCryptoEd25519 === null) {
    try {
      await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
      webCryptoEd25519 = true;
    } catch {
      webCryptoEd25519 = false;
    }
  }
  return webCryptoEd25519;
}

/** Checks signatures against the published keys (kid -> raw public key, base64url). */
export class Verifier {
  constructor(publicKeys, { useWebCrypto = true } = {}) {
    this.publicKeys = publicKeys || {};
    this.useWebCrypto = useWebCrypto;
    this.cache = new Map();
  }

  async engine() {
    return this.useWebCrypto && (await hasWebCryptoEd25519()) ? "webcrypto" : "noble";
  }

  async key(kid) {
    if (!this.cache.has(kid)) {
      const raw = this.publicKeys[kid];
      if (!raw) return null;
      const bytes = base64urlDecode(raw);
      const entry = (await this.engine()) === "webcrypto"
        ? { crypto: await crypto.subtle.importKey("raw", bytes, { name: "Ed25519" }, false, ["verify"]) }
        : { bytes };
      this.cache.set(kid, entry);
    }
    return this.cache.get(kid);
  }

  /** The token's claims when its signature holds; TokenError(reason) otherwise. */
  async verify(token) {
    const claims = parseToken(token);
    const key = await this.key(claims.kid);
    if (!key) throw new TokenError("unknown_key");
    let valid;
    try {
      valid = key.crypto
        ? await crypto.subtle.verify({ name: "Ed25519" }, key.crypto, claims.signature, claims.signed)
        : ed.verify(claims.signature, claims.signed, key.bytes, { zip215: false });
    } catch {
      valid = false;
    }
    if (!valid) throw new TokenError("invalid_signature");
    return claims;
  }
}

/**
 * Decide a scan with what the console knows: the claims of a verified token and
 * state = {office, gate, direction, now, refused: {code: reason}, inside: {code: entered ms},
 *          used: Set of single-entry codes that left, forgivenessMinutes}.
 * The checks follow civicgate/passes/scanning.py in the same order.
 * Returns a reason code; "ok" allows.
 */
export function decide(claims, state) {
  if (claims.office !== state.office) return "wrong_office";
  if (state.direction === "in" && claims.gates.length && !claims.gates.includes(state.gate)) {
    return "wrong_gate";
  }
  const refused = state.refused[claims.code];
  if (refused) return refused;
  if (state.direction === "out") {
    // Exits made at other gates while cut off are unknown here: never keep a visitor in.
    return "ok";
  }
  if (state.now < claims.validFrom) return "not_yet_valid";
  if (state.now >= claims.validUntil) return "expired";
  if (claims.code in state.inside) {
    const since = state.inside[claims.code];
    const forgiven =
      state.forgivenessMinutes > 0 &&
      since !== null &&
      state.now - since >= state.forgivenessMinutes * 60_000;
    if (!forgiven) return "already_inside";
  }
  if (claims.kind === "single" && state.used.has(claims.code)) return "used";
  return "ok";
}

/** Verify and decide in one step: {decision, reason, claims|null}. */
export async function decideLocally(verifier, token, state) {
  let claims;
  try {
    claims = await verifier.verify(token);
  } catch (error) {
    if (error instanceof TokenError) return { decision: "deny", reason: error.reason, claims: null };
    throw error;
  }
  const reason = decide(claims, state);
  return { decision: reason === "ok" ? "allow" : "deny", reason, claims };
}
