import { metricsHandler } from 'distributed-validation-cache/prometheus'
import { observabilityContext } from '@/lib/contexts'

export const dynamic = 'force-dynamic'
export const GET = metricsHandler(observabilityContext)
