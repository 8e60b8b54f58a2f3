/**
 * Turns an ioredis reply (read with `callBuffer`, so bulk strings arrive as raw
 * Buffers) into the JSON value the Upstash REST API puts in `result`.
 */

export type Json = null | number | string | Json[]

/** Whether the response must base64 its strings, as @upstash/redis asks by default. */
export function wantsBase64(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header
  return value?.trim().toLowerCase() === 'base64'
}

export function encodeReply(reply: unknown, base64: boolean): Json {
  if (reply === null || reply === undefined) return null
  if (typeof reply === 'number') return reply
  if (Buffer.isBuffer(reply)) return encodeBytes(reply, base64)
  if (typeof reply === 'string') return encodeBytes(Buffer.from(reply, 'utf8'), base64)
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64))
  // Redis can nest an error inside an array (a Lua table holding an error reply);
  // the REST API has no slot for that, so its message becomes a value.
  if (reply instanceof Error) return encodeBytes(Buffer.from(reply.message, 'utf8'), base64)
  // RESP2 has no other types, but a bigint or boolean must never become invalid JSON.
  return encodeBytes(Buffer.from(String(reply), 'utf8'), base64)
}

function encodeBytes(bytes: Buffer, base64: boolean): string {
  // Plain mode cannot carry arbitrary bytes (invalid UTF-8 becomes U+FFFD): that is
  // the REST API's contract, and the reason the client asks for base64 by default.
  return base64 ? bytes.toString('base64') : bytes.toString('utf8')
}
