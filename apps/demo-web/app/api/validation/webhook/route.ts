import { webhookHandler } from 'distributed-validation-cache/next'
import { webhookContext } from '@/lib/contexts'

export const POST = webhookHandler(webhookContext)
