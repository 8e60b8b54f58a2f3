import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { DATABASE_URL } from './services.js'

/** A database of the test's own on the real Postgres, dropped afterwards: tests never share rows. */
export async function createScratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `dvc_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => undefined })
  await admin.unsafe(`create database ${name}`)
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}
