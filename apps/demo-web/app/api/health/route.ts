import { healthHandler } from 'distributed-validation-cache/next'
import { healthContext } from '@/lib/contexts'

export const dynamic = 'force-dynamic'
export const GET = healthHandler(healthContext)
