// `distributed-validation-cache/prometheus` as the Edge runtime resolves it (the `edge-light` condition):
// a module that cannot be found, so the app's build fails with this message instead of at run time.
import './distributed-validation-cache/prometheus cannot run on the Edge runtime (prom-client needs Node): import it from Node code only'
