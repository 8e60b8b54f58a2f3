// `distributed-validation-cache/setup` as the Edge runtime resolves it (the `edge-light` condition):
// a module that cannot be found, so the app's build fails with this message instead of at run time.
import './distributed-validation-cache/setup cannot run on the Edge runtime (the schema and demo-user setup is a Node script): import it from Node code only'
