/** Request-body reading and JSON responses, kept free of routing and Redis. */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Upstash accepts far more, but a larger body in a test almost certainly is a bug. */
export const MAX_BODY_BYTES = 1024 * 1024

export class BodyTooLargeError extends Error {}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) {
      discard(req)
      reject(new BodyTooLargeError(`request body exceeds ${limit} bytes`))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size <= limit) {
        chunks.push(chunk)
        return
      }
      req.off('data', onData)
      discard(req)
      reject(new BodyTooLargeError(`request body exceeds ${limit} bytes`))
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', reject)
    // A client that disconnects mid-upload may not emit 'error'; never leave this pending.
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted before its body was complete'))
    })
  })
}

/**
 * Answer without reading the body. The rest of the upload is still drained: a
 * client still sending when the answer arrives would otherwise see a reset
 * connection instead of the status it should see.
 */
export function discardAndSendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  discard(req)
  sendJson(res, status, body, headers)
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  })
  res.end(payload)
}

function discard(req: IncomingMessage): void {
  req.on('error', () => {})
  req.resume()
}
