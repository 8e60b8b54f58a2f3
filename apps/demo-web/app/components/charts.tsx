/** Two small SVG charts: no charting dependency for what a few rectangles can show. */

export function StackedBars({
  title,
  data,
  colors,
  height = 160,
}: {
  title: string
  data: { label: string; parts: number[] }[]
  colors: string[]
  height?: number
}) {
  const width = 640
  const max = Math.max(1, ...data.map((d) => d.parts.reduce((a, b) => a + b, 0)))
  const slot = width / Math.max(1, data.length)
  return (
    <svg role="img" viewBox={`0 0 ${width} ${height + 20}`} width="100%" data-chart="stacked-bars">
      <title>{title}</title>
      {data.map((d, i) => {
        let y = height
        return (
          <g key={d.label}>
            {d.parts.map((value, p) => {
              const h = (value / max) * height
              y -= h
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: a part's position is its series
                <rect key={p} x={i * slot + 2} y={y} width={slot - 4} height={h} fill={colors[p]}>
                  <title>{`${d.label}: ${value}`}</title>
                </rect>
              )
            })}
            {i % 4 === 0 && (
              <text x={i * slot + 2} y={height + 14} fontSize="10" fill="#555">
                {d.label.slice(11)}h
              </text>
            )}
          </g>
        )
      })}
    </svg>
  )
}

export function HorizontalBars({
  title,
  rows,
}: {
  title: string
  rows: { label: string; value: number; color: string }[]
}) {
  const max = Math.max(1, ...rows.map((r) => r.value))
  return (
    <svg role="img" viewBox={`0 0 640 ${rows.length * 26}`} width="100%" data-chart="horizontal-bars">
      <title>{title}</title>
      {rows.map((r, i) => (
        <g key={r.label} transform={`translate(0 ${i * 26})`}>
          <text x="0" y="16" fontSize="12">
            {r.label}
          </text>
          <rect x="150" y="4" width={(r.value / max) * 420} height="16" fill={r.color} />
          <text x={156 + (r.value / max) * 420} y="16" fontSize="12">
            {r.value.toLocaleString('en-US')}
          </text>
        </g>
      ))}
    </svg>
  )
}
