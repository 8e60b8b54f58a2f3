'use client'

/**
 * What a page shows when rendering it failed: a way to retry, and no internals. The server log
 * has the error; its digest lets an operator find it there.
 */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main>
      <h1>Something went wrong</h1>
      <p>The page could not be shown. If the user source or the cache is unreachable, it may work again in a moment.</p>
      {error.digest && <p style={{ color: '#666' }}>Reference: {error.digest}</p>}
      <button type="button" onClick={reset}>
        Try again
      </button>
    </main>
  )
}
