/**
 * base64url without `Buffer`, which the Edge runtime lacks: through atob/btoa, which every
 * runtime has. Strict on the way in: a character outside the alphabet, padding or a length no
 * encoding produces is not decoded.
 */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const ALPHABET = /^[A-Za-z0-9_-]*$/

/**
 * The bytes of a base64url string, or null when it is not one — nor its one canonical spelling:
 * the unused low bits of the last character must be zero, so no two strings decode alike.
 */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!ALPHABET.test(text) || text.length % 4 === 1) return null
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
  return toBase64Url(bytes) === text ? bytes : null
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export const utf8 = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(text)

/** The UTF-8 text a base64url string encodes, or null when it is not one (or not UTF-8). */
export function textFromBase64Url(text: string): string | null {
  const bytes = fromBase64Url(text)
  if (!bytes) return null
  try {
    return decoder.decode(bytes)
  } catch {
    return null
  }
}
