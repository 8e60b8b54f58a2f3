'use client'

import { useRouter } from 'next/navigation'
import { useState } from 'react'

const ACTIONS: { action: string; label: string; body?: unknown }[] = [
  { action: 'ban', label: 'Ban 24 h', body: { duration: '24h' } },
  { action: 'unban', label: 'Unban' },
  { action: 'revoke', label: 'Revoke sessions' },
]

export function UserActions({ id, deleted }: { id: string; deleted: boolean }) {
  const router = useRouter()
  const [message, setMessage] = useState('')
  async function run(action: string, body?: unknown) {
    const response = await fetch(`/api/admin/users/${id}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined })
    const result = (await response.json()) as { error?: string; reason?: string; cache?: string }
    setMessage(response.ok ? `${action}: ${result.cache}` : `${action} failed: ${result.reason ?? result.error}`)
    router.refresh()
  }
  const all = [...ACTIONS, deleted ? { action: 'restore', label: 'Restore' } : { action: 'delete', label: 'Delete' }]
  return (
    <span>
      {all.map(({ action, label, body }) => <button key={action} data-action={action} onClick={() => run(action, body)} style={{ marginRight: 4 }}>{label}</button>)}
      <small>{message}</small>
    </span>
  )
}
