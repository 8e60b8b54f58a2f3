import type { NextConfig } from 'next'

const config: NextConfig = {
  // Native sockets, WASM and optional native deps: load them from node_modules at run time.
  serverExternalPackages: [
    '@electric-sql/pglite',
    'ioredis',
    'postgres',
    'bcryptjs',
    '@supabase/supabase-js',
    '@upstash/redis',
  ],
}

export default config
