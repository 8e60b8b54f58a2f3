import { type NextRequest, NextResponse } from 'next/server'
import { validationProxy } from 'distributed-validation-cache/next'
import { BENCHMARK_BASELINE_NO_VALIDATION } from './benchmark-baseline'
import { runtime } from './runtime'

let guard: ReturnType<typeof validationProxy> | undefined

/** The proxy's check of every matched request, built on the first one (the secret may be the embedded demo's). */
export async function guardRequest(request: NextRequest): Promise<NextResponse> {
  if (BENCHMARK_BASELINE_NO_VALIDATION) return NextResponse.next()
  const rt = await runtime()
  guard ??= validationProxy({ cache: rt.cache, secret: rt.secret })
  return guard(request)
}
