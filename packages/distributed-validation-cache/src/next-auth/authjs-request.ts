import { AsyncLocalStorage } from 'node:async_hooks'
import type { Verdict } from '../user-state.js'

/**
 * The verdict Auth.js v5's jwt callback reached inside one `authjsProxy` request: Auth.js keeps
 * the session on `unavailable` (a user-source blip never ends one), and only this tells the proxy
 * to answer 503 then, as validationProxy does for next-auth v4, instead of letting it through.
 */
export const authjsRequest = new AsyncLocalStorage<{ verdict?: Verdict }>()
