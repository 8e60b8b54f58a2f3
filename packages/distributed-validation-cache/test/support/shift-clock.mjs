// Preloaded with `node --import`: this process's clock runs CLOCK_SHIFT_MS ahead (or behind, if
// negative) of the machine's, as under faketime — Date and performance.timeOrigin alike.
const shift = Number(process.env.CLOCK_SHIFT_MS || 0)
if (shift) {
  const RealDate = Date
  const realNow = RealDate.now.bind(RealDate)
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + shift)
      else super(...args)
    }
    static now() {
      return realNow() + shift
    }
  }
  // Own properties, as Date's are: a runtime that wraps Date (Next does) copies only those.
  ShiftedDate.parse = RealDate.parse
  ShiftedDate.UTC = RealDate.UTC
  globalThis.Date = ShiftedDate
  const origin = performance.timeOrigin + shift
  Object.defineProperty(performance, 'timeOrigin', { get: () => origin })
}
