import { observabilityHandler } from 'distributed-validation-cache/next'
import { observabilityContext } from '@/lib/contexts'

export const dynamic = 'force-dynamic'
export const GET = observabilityHandler(observabilityContext)
