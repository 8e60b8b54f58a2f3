// `distributed-validation-cache/env` as the Edge runtime resolves it (the `edge-light` condition):
// a module that cannot be found, so the app's build fails with this message instead of at run time.
import './distributed-validation-cache/env cannot run on the Edge runtime (cacheFromEnv loads its drivers from node_modules): use createValidationCache with distributed-validation-cache/upstash and /supabase there, or run this code on Node'
