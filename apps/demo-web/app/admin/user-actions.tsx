'use client'

import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { adminAction } from './actions'

const BAN_DURATIONS = ['1h', '24h', '7d'] as const

/** Ban for a chosen duration, unban, revoke sessions, soft-delete or undelete one user. */
export function UserActions({ id, deleted }: { id: string; deleted: boolean }) {
  const router = useRouter()
  const [message, setMessage] = useState('')
  const [duration, setDuration] = useState<(typeof BAN_DURATIONS)[number]>('24h')
  async function run(action: string, input?: unknown) {
    const { status, body } = await adminAction(id, action, input)
    setMessage(status === 200 ? `${action}: ${body.cache}` : `${action} failed: ${body.reason ?? body.error}`)
    router.refresh()
  }
  const button = (action: string, label: string, body?: unknown) => (
    <button
      type="button"
      key={action}
      data-action={action}
      onClick={() => run(action, body)}
      style={{ marginRight: 4 }}
    >
      {label}
    </button>
  )
  return (
    <span>
      <select
        aria-label="ban duration"
        value={duration}
        onChange={(e) => setDuration(e.target.value as typeof duration)}
      >
        {BAN_DURATIONS.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
      {button('ban', 'Ban', { duration })}
      {button('unban', 'Unban')}
      {button('revoke', 'Revoke sessions')}
      {deleted ? button('undelete', 'Undelete') : button('delete', 'Delete')}
      <small data-testid="action-result">{message}</small>
    </span>
  )
}
