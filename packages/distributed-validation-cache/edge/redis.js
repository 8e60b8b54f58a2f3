// `distributed-validation-cache/redis` as the Edge runtime resolves it (the `edge-light` condition):
// a module that cannot be found, so the app's build fails with this message instead of at run time.
import './distributed-validation-cache/redis cannot run on the Edge runtime (ioredis opens TCP sockets): use distributed-validation-cache/upstash there, or run this code on Node'
