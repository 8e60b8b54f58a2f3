// `distributed-validation-cache/pglite` as the Edge runtime resolves it (the `edge-light` condition):
// a module that cannot be found, so the app's build fails with this message instead of at run time.
import './distributed-validation-cache/pglite cannot run on the Edge runtime (PGlite needs the file system): use distributed-validation-cache/supabase there, or run this code on Node'
