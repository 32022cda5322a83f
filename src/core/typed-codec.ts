// Typed arrays as text, for files that must be JSON (a saved run, a checkpoint): base64 of the little-endian
// bytes. Exact (NaN and −0 included) and 4/3 the binary size, where a JSON array of float32s is 3–4× it.
// Pure and DOM-free: btoa/atob exist in browsers, workers and Node ≥ 16.

const CHUNK = 0x8000;

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK)
    binary += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + CHUNK)));
  return btoa(binary);
}

function base64ToBytes(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
    throw new Error(`${what} is not base64 text`);
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

if (!isLittleEndian()) throw new Error('typed-codec assumes a little-endian platform (every browser is)');

/** A float32 or int32 array as base64 text. */
export function encodeTyped(a: Float32Array | Int32Array): string {
  return bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Reads base64 text written by encodeTyped back into a Float32Array; throws naming `what` on bad input. */
export function decodeFloat32(text: unknown, what: string): Float32Array {
  if (typeof text !== 'string') throw new Error(`${what} must be base64 text`);
  const bytes = base64ToBytes(text, what);
  if (bytes.length % 4 !== 0) throw new Error(`${what} is not a whole number of float32 values`);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

/** As decodeFloat32, into an Int32Array. */
export function decodeInt32(text: unknown, what: string): Int32Array {
  if (typeof text !== 'string') throw new Error(`${what} must be base64 text`);
  const bytes = base64ToBytes(text, what);
  if (bytes.length % 4 !== 0) throw new Error(`${what} is not a whole number of int32 values`);
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}
