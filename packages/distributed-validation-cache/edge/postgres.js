// `distributed-validation-cache/postgres` as the Edge runtime resolves it (the `edge-light` condition):
// a module that cannot be found, so the app's build fails with this message instead of at run time.
import './distributed-validation-cache/postgres cannot run on the Edge runtime (postgres opens TCP sockets): use distributed-validation-cache/supabase there, or run this code on Node'
